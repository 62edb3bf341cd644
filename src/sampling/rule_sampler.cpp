// The X-Ray style rule sampler. See include/tracelet/rule_sampler.h for the contracts.
#include "tracelet/rule_sampler.h"

#include <cstring>

#include "core/text.h"
#include "sampling/glob.h"
#include "sampling/ratio.h"
#include "sampling/rule_match.h"

namespace tracelet {

using detail::glob_match;
using detail::prepare_ratio;
using detail::ratio_decide;
using detail::RatioRule;
using detail::Text;
using detail::to_lower_ascii;

namespace detail {

bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  if (pattern.size() == 1 && pattern[0] == '*') return true;
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;  // position of the last '*' seen
  std::size_t resume = 0;                     // text position that '*' currently stands up to
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() &&
               (pattern[p] == '?' || to_lower_ascii(pattern[p]) == to_lower_ascii(text[t]))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;  // let the last '*' absorb one more character
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace detail

Status validate_sampling_rule(const SamplingRule& rule, char* message,
                              std::size_t message_cap) noexcept {
  Text msg(message, message_cap);
  auto bad = [&](const char* what) noexcept {
    msg.put("rule '").put_clipped(rule.name, 32).put("': ").put(what);
    return Status::kInvalidArgument;
  };
  if (rule.name.empty() || rule.name.size() > 32) {
    return bad("RuleName must be 1 to 32 characters");
  }
  if (rule.priority < 1 || rule.priority > kMaxRulePriority) {
    return bad("Priority must be 1 to 10000");
  }
  if (!(rule.fixed_rate >= 0.0 && rule.fixed_rate <= 1.0)) {
    return bad("FixedRate must be a number from 0 to 1");
  }
  if (rule.reservoir_per_second > kMaxReservoirPerSecond) {
    return bad("ReservoirSize must be 0 to 16383 per second");
  }
  struct Limit {
    std::string_view value;
    std::size_t max;
    const char* what;
  };
  const Limit limits[] = {
      {rule.service_name, 64, "ServiceName is longer than 64 characters"},
      {rule.service_type, 64, "ServiceType is longer than 64 characters"},
      {rule.host, 64, "Host is longer than 64 characters"},
      {rule.http_method, 10, "HTTPMethod is longer than 10 characters"},
      {rule.url_path, 128, "URLPath is longer than 128 characters"},
      {rule.resource_arn, 500, "ResourceARN is longer than 500 characters"},
      {rule.span_name, 128, "SpanName is longer than 128 characters"},
  };
  for (const Limit& l : limits) {
    if (l.value.size() > l.max) return bad(l.what);
  }
  if (!rule.attribute_key.empty()) {
    if (rule.attribute_key.size() > 32) return bad("attribute key is longer than 32 characters");
    if (rule.attribute_value.empty() || rule.attribute_value.size() > 32) {
      return bad("attribute value must be 1 to 32 characters");
    }
  }
  return Status::kOk;
}

namespace {

// Orders rules as X-Ray does: by priority, then by name.
bool rule_before(const SamplingRule& a, const SamplingRule& b) noexcept {
  if (a.priority != b.priority) return a.priority < b.priority;
  return a.name < b.name;
}

// The value of attribute `key` as text; bools and integers are rendered into `scratch`.
bool attribute_text(const SamplingParams& p, std::string_view key, std::string_view& out,
                    char (&scratch)[24]) noexcept {
  if (p.attributes == nullptr) return false;
  for (std::size_t i = 0; i < p.attribute_count; ++i) {
    const Attribute& a = p.attributes[i];
    if (a.key != key) continue;
    switch (a.value.type()) {
      case AttributeValue::Type::kString:
        out = a.value.as_string();
        return true;
      case AttributeValue::Type::kBool:
        out = a.value.as_bool() ? "true" : "false";
        return true;
      case AttributeValue::Type::kInt: {
        const std::int64_t v = a.value.as_int();
        const std::uint64_t magnitude =
            v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
        Text t(scratch, sizeof scratch);  // "-" and 20 digits at most: never cut
        if (v < 0) t.put_char('-');
        t.put_uint(magnitude);
        out = std::string_view(scratch, t.length());
        return true;
      }
      case AttributeValue::Type::kDouble:
      case AttributeValue::Type::kArray:
        return false;  // no textual form that rules could match reliably
    }
  }
  return false;
}

// First attribute present among `keys`, as text; empty when none is.
std::string_view first_attribute(const SamplingParams& p, std::string_view primary,
                                 std::string_view legacy, char (&scratch)[24]) noexcept {
  std::string_view v;
  if (attribute_text(p, primary, v, scratch) || attribute_text(p, legacy, v, scratch)) return v;
  return {};
}

bool is_star(std::string_view pattern) noexcept { return pattern.size() == 1 && pattern[0] == '*'; }

}  // namespace

namespace detail {

bool rule_matches(const SamplingRule& r, const SamplingParams& p) noexcept {
  char scratch[24];
  if (!glob_match(r.span_name, p.name)) return false;
  if (!is_star(r.http_method) &&
      !glob_match(r.http_method, first_attribute(p, "http.request.method", "http.method", scratch))) {
    return false;
  }
  if (!is_star(r.url_path)) {
    std::string_view path;
    if (!attribute_text(p, "url.path", path, scratch) &&
        attribute_text(p, "http.target", path, scratch)) {
      path = path.substr(0, path.find('?'));  // old semconv: the target includes the query
    }
    if (!glob_match(r.url_path, path)) return false;
  }
  if (!is_star(r.host) &&
      !glob_match(r.host, first_attribute(p, "server.address", "http.host", scratch))) {
    return false;
  }
  if (!r.attribute_key.empty()) {
    std::string_view value;
    if (!attribute_text(p, r.attribute_key, value, scratch)) return false;
    if (!glob_match(r.attribute_value, value)) return false;
  }
  return true;
}

constexpr std::uint32_t kTakenBits = 14;
constexpr std::uint32_t kTakenMask = (1u << kTakenBits) - 1;
constexpr std::uint32_t kSecondMask = (1u << (32 - kTakenBits)) - 1;

bool take_reservoir(std::atomic<std::uint32_t>& reservoir, std::uint32_t per_second,
                    std::uint64_t now_ns) noexcept {
  if (per_second == 0) return false;
  if (per_second > kTakenMask) per_second = kTakenMask;
  const auto second = static_cast<std::uint32_t>((now_ns / 1000000000u) & kSecondMask);
  std::uint32_t word = reservoir.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint32_t tag = word >> kTakenBits;
    std::uint32_t taken = word & kTakenMask;
    if (tag != second) {
      // A caller whose clock reading is older than the last refill (a race at the second's
      // edge) must not reset the newer second's count: treat the reservoir as spent for it.
      const std::uint32_t age = (tag - second) & kSecondMask;
      if (age != 0 && age < (kSecondMask + 1) / 2) return false;
      taken = 0;
    }
    if (taken >= per_second) return false;
    const std::uint32_t next = (second << kTakenBits) | (taken + 1);
    if (reservoir.compare_exchange_weak(word, next, std::memory_order_relaxed)) return true;
  }
}

}  // namespace detail

namespace {

SamplingDecision rule_fn(void* ctx, const SamplingParams& params) noexcept {
  return static_cast<RuleSampler*>(ctx)->should_sample(params);
}

}  // namespace

Status RuleSampler::init(const SamplingRule* rules, std::size_t count, RuleState* state,
                         std::size_t state_cap, const RuleSamplerOptions& options, char* message,
                         std::size_t message_cap) noexcept {
  Text msg(message, message_cap);
  count_ = 0;
  state_ = nullptr;
  if (count > 0 && (rules == nullptr || state == nullptr)) {
    msg.put("rules and state storage are required");
    return Status::kInvalidArgument;
  }
  if (count > state_cap) {
    msg.put_uint(count).put(" rules do not fit the state storage for ").put_uint(state_cap);
    return Status::kResourceExhausted;
  }
  for (std::size_t i = 0; i < count; ++i) {
    const Status st = validate_sampling_rule(rules[i], message, message_cap);
    if (st != Status::kOk) return st;
    for (std::size_t j = 0; j < i; ++j) {
      if (rules[j].name == rules[i].name) {
        msg.put("rule '").put(rules[i].name).put("': RuleName is used twice");
        return Status::kInvalidArgument;
      }
    }
  }
  // Insertion sort into evaluation order; count is small and this runs once at init.
  for (std::size_t i = 0; i < count; ++i) {
    const SamplingRule* r = &rules[i];
    std::size_t at = i;
    while (at > 0 && rule_before(*r, *state[at - 1].rule)) {
      state[at].rule = state[at - 1].rule;
      --at;
    }
    state[at].rule = r;
  }
  for (std::size_t i = 0; i < count; ++i) {
    RuleState& s = state[i];
    const RatioRule rr = prepare_ratio(s.rule->fixed_rate, options.algorithm);
    s.threshold = rr.threshold;
    s.rate_always = rr.always;
    s.applies = glob_match(s.rule->service_name, options.service_name) &&
                glob_match(s.rule->service_type, options.service_type) &&
                glob_match(s.rule->resource_arn, options.resource_arn);
    s.reservoir.store(0, std::memory_order_relaxed);
    s.matched.store(0, std::memory_order_relaxed);
    s.reservoir_sampled.store(0, std::memory_order_relaxed);
    s.rate_sampled.store(0, std::memory_order_relaxed);
  }
  algorithm_ = options.algorithm;
  fallback_ = options.fallback;
  unmatched_.store(0, std::memory_order_relaxed);
  state_ = state;
  count_ = count;
  return Status::kOk;
}

SamplingDecision RuleSampler::should_sample(const SamplingParams& params) noexcept {
  for (std::size_t i = 0; i < count_; ++i) {
    RuleState& s = state_[i];
    if (!s.applies || !detail::rule_matches(*s.rule, params)) continue;
    s.matched.fetch_add(1, std::memory_order_relaxed);
    if (detail::take_reservoir(s.reservoir, s.rule->reservoir_per_second, params.now_ns)) {
      s.reservoir_sampled.fetch_add(1, std::memory_order_relaxed);
      return SamplingDecision::kRecordAndSample;
    }
    RatioRule rr;
    rr.threshold = s.threshold;
    rr.always = s.rate_always;
    if (ratio_decide(rr, algorithm_, params.trace_id)) {
      s.rate_sampled.fetch_add(1, std::memory_order_relaxed);
      return SamplingDecision::kRecordAndSample;
    }
    return SamplingDecision::kDrop;
  }
  unmatched_.fetch_add(1, std::memory_order_relaxed);
  return sample(fallback_, params);
}

Sampler RuleSampler::sampler() noexcept { return Sampler{this, &rule_fn}; }

RuleStats RuleSampler::stats(std::size_t index) const noexcept {
  RuleStats out;
  if (index >= count_) return out;
  const RuleState& s = state_[index];
  out.name = s.rule->name;
  out.matched = s.matched.load(std::memory_order_relaxed);
  out.reservoir_sampled = s.reservoir_sampled.load(std::memory_order_relaxed);
  out.rate_sampled = s.rate_sampled.load(std::memory_order_relaxed);
  return out;
}

}  // namespace tracelet
