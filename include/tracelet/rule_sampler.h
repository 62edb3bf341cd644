#pragma once
// An AWS X-Ray style rule sampler: rules in X-Ray's SamplingRule shape, matched in priority
// order, each with a per-second reservoir and a fixed rate decided on the trace id.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tracelet/internal/rule_state.h"
#include "tracelet/sampler.h"
#include "tracelet/samplers.h"
#include "tracelet/status.h"

namespace tracelet {

/// Storage for one rule's state inside a RuleSampler (reservoir, counters); give init() one per
/// rule. Its fields are private to the sampler.
using RuleState = detail::RuleState;

// ---- rule sampler (AWS X-Ray sampling rules) ------------------------------------------------

/// Largest ReservoirSize a rule may have (the per-second count is kept in 14 bits).
inline constexpr std::uint32_t kMaxReservoirPerSecond = 16383;
/// Priorities run from 1 (first) to 10000 (X-Ray's built-in "Default" rule uses 10000).
inline constexpr std::uint32_t kMaxRulePriority = 10000;

/// One sampling rule in the shape of X-Ray's SamplingRule, plus two tracelet matchers
/// (span name and one attribute). Every string field is a glob: '*' matches any run of
/// characters (also none), '?' exactly one; matching ignores ASCII case, as the X-Ray SDKs do.
/// The strings are views: they must outlive the RuleSampler (string literals in a constant
/// table, or the arena parse_sampling_rules_json() filled).
struct SamplingRule {
  std::string_view name{};          // RuleName: 1..32 characters, unique
  std::uint32_t priority = 0;       // 1..10000; lower is evaluated first (ties: by name)
  double fixed_rate = 0.0;          // 0..1, applied after the reservoir, on the trace id
  std::uint32_t reservoir_per_second = 0;  // traces always kept per second, 0..16383
  std::string_view service_name = "*";     // matched at init against the service's name
  std::string_view service_type = "*";     // matched at init (e.g. "AWS::EC2::Instance")
  std::string_view resource_arn = "*";     // matched at init
  std::string_view host = "*";             // server.address (or http.host) attribute
  std::string_view http_method = "*";      // http.request.method (or http.method) attribute
  std::string_view url_path = "*";         // url.path (or http.target without its query)
  std::string_view span_name = "*";        // the span's name (tracelet extension)
  std::string_view attribute_key{};        // empty = no attribute condition
  std::string_view attribute_value = "*";  // glob on the attribute's value as text

  /// Builders for constant tables: `SamplingRule::make("health", 1, 0.0, 0).with_url_path("/health*")`.
  static constexpr SamplingRule make(std::string_view rule_name, std::uint32_t rule_priority,
                                     double rate, std::uint32_t reservoir) noexcept {
    SamplingRule r;
    r.name = rule_name;
    r.priority = rule_priority;
    r.fixed_rate = rate;
    r.reservoir_per_second = reservoir;
    return r;
  }
  constexpr SamplingRule with_service_name(std::string_view v) const noexcept {
    return with(&SamplingRule::service_name, v);
  }
  constexpr SamplingRule with_host(std::string_view v) const noexcept { return with(&SamplingRule::host, v); }
  constexpr SamplingRule with_http_method(std::string_view v) const noexcept {
    return with(&SamplingRule::http_method, v);
  }
  constexpr SamplingRule with_url_path(std::string_view v) const noexcept {
    return with(&SamplingRule::url_path, v);
  }
  constexpr SamplingRule with_span_name(std::string_view v) const noexcept {
    return with(&SamplingRule::span_name, v);
  }
  constexpr SamplingRule with_attribute(std::string_view key, std::string_view value) const noexcept {
    return with(&SamplingRule::attribute_key, key).with(&SamplingRule::attribute_value, value);
  }

 private:
  constexpr SamplingRule with(std::string_view SamplingRule::*field, std::string_view v) const noexcept {
    SamplingRule r = *this;
    r.*field = v;
    return r;
  }
};

/// Checks one rule's fields (name length, priority, rate, reservoir, pattern lengths as X-Ray
/// limits them). Return values: kOk; kInvalidArgument with a sentence in `message`.
/// ISR-safe: yes (reads only its arguments). Blocks: never. Allocates: never.
Status validate_sampling_rule(const SamplingRule& rule, char* message = nullptr,
                              std::size_t message_cap = 0) noexcept;

/// What init() needs besides the rules: the service the rules are matched against once.
struct RuleSamplerOptions {
  std::string_view service_name{};  // the resource's service.name
  std::string_view service_type{};  // e.g. "AWS::EC2::Instance"; empty matches only "*"
  std::string_view resource_arn{};
  RatioAlgorithm algorithm = RatioAlgorithm::kThreshold56;
  /// Decides spans no rule matches. X-Ray always has a catch-all "Default" rule (priority
  /// 10000, 1/s, 5 %); without one here, unmatched spans are dropped.
  Sampler fallback = always_off_sampler();
};

/// Counters of one rule, as X-Ray reports them (RequestCount, SampledCount split by cause).
struct RuleStats {
  std::string_view name{};
  std::uint32_t matched = 0;
  std::uint32_t reservoir_sampled = 0;
  std::uint32_t rate_sampled = 0;
};

/// Samples by the first matching rule in priority order: its reservoir keeps the first
/// `reservoir_per_second` matching traces of each second of `SamplingParams::now_ns`, then
/// `fixed_rate` decides on the trace id exactly as TraceIdRatioBased does. Use it as the root of
/// a ParentBasedSampler so that the reservoir counts traces, not spans.
/// Deciding is lock-free: one compare-and-swap on the matched rule's reservoir word.
/// Every method: Blocks: never. Allocates: never. should_sample(), sampler()'s function,
/// stats() and unmatched() are ISR-safe (32-bit atomics); init() is not (set up first).
class RuleSampler {
 public:
  constexpr RuleSampler() noexcept {}
  RuleSampler(const RuleSampler&) = delete;
  RuleSampler& operator=(const RuleSampler&) = delete;

  /// Validates `rules`, sorts them by priority into `state` (`state_cap` entries, caller-owned,
  /// must outlive the sampler) and resolves the service matchers. Call before use, from one
  /// thread. `rules` must outlive the sampler.
  /// Return values:
  ///   kOk                – ready
  ///   kInvalidArgument   – a rule is invalid, or two share a name; `message` says which
  ///   kResourceExhausted – more rules than `state_cap`
  Status init(const SamplingRule* rules, std::size_t count, RuleState* state,
              std::size_t state_cap, const RuleSamplerOptions& options, char* message = nullptr,
              std::size_t message_cap = 0) noexcept;

  SamplingDecision should_sample(const SamplingParams& params) noexcept;
  /// A Sampler that refers to this object, which must outlive it.
  Sampler sampler() noexcept;

  std::size_t rule_count() const noexcept { return count_; }
  /// Counters of the rule at `index` in evaluation order; zeros past the end.
  RuleStats stats(std::size_t index) const noexcept;
  /// Spans no rule matched (decided by the fallback).
  std::uint32_t unmatched() const noexcept { return unmatched_.load(std::memory_order_relaxed); }

 private:
  RuleState* state_ = nullptr;
  std::size_t count_ = 0;
  RatioAlgorithm algorithm_ = RatioAlgorithm::kThreshold56;
  Sampler fallback_ = always_off_sampler();
  std::atomic<std::uint32_t> unmatched_{0};
};

/// A RuleSampler with room for `kRules` rules inside it.
template <std::size_t kRules>
class StaticRuleSampler final : public RuleSampler {
  static_assert(kRules >= 1, "a rule sampler needs room for at least one rule");

 public:
  /// As RuleSampler::init, with the built-in state.
  Status init(const SamplingRule* rules, std::size_t count, const RuleSamplerOptions& options,
              char* message = nullptr, std::size_t message_cap = 0) noexcept {
    return RuleSampler::init(rules, count, states_, kRules, options, message, message_cap);
  }

 private:
  RuleState states_[kRules];
};

}  // namespace tracelet
