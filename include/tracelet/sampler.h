#pragma once
// Head samplers: the OpenTelemetry SDK built-ins (always_on, always_off, traceidratio and their
// parentbased_ forms), configuration from the OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG
// strings, and an X-Ray style rule sampler with per-rule reservoirs.
//
// A sampler is a function pointer plus a context (no virtuals), so samplers compose and a
// custom one is a plain function. Deciding never allocates, blocks, reads a clock or touches
// the ring: the caller passes the time in SamplingParams::now_ns. Counters are relaxed 32-bit
// atomics (lock-free on Cortex-M3 and up); they wrap after 2^32 decisions.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tracelet/attribute.h"
#include "tracelet/ids.h"
#include "tracelet/span.h"
#include "tracelet/status.h"

namespace tracelet {

/// OpenTelemetry's sampling decisions (SDK spec "Decision").
enum class SamplingDecision : std::uint8_t {
  kDrop = 0,             // not recorded, sampled flag clear
  kRecordOnly = 1,       // recorded locally, sampled flag clear (not exported by default)
  kRecordAndSample = 2,  // recorded and sampled flag set
};

/// What a sampler may look at: the OTel ShouldSample arguments, minus links, plus the time.
struct SamplingParams {
  /// Parent context; nullptr or an invalid context means the span is a root.
  const SpanContext* parent = nullptr;
  /// Trace id of the span being started (the parent's, or the new one for a root).
  TraceId trace_id{};
  std::string_view name{};
  SpanKind kind = SpanKind::kInternal;
  /// Attributes known at start (e.g. http.request.method, url.path); may be nullptr.
  const Attribute* attributes = nullptr;
  std::size_t attribute_count = 0;
  /// A monotonic clock in nanoseconds (Tracer passes port::monotonic_ns()). Only rate-limiting
  /// samplers read it; it must not go backwards.
  std::uint64_t now_ns = 0;
};

/// Any sampler: `should_sample(ctx, params)`. A default-constructed Sampler (no function)
/// behaves as the spec's default, ParentBased(root=AlwaysOn), in sample().
/// The function must be thread- and ISR-safe when the tracer is used from several contexts.
struct Sampler {
  void* ctx = nullptr;
  SamplingDecision (*should_sample)(void* ctx, const SamplingParams& params) noexcept = nullptr;
};

namespace detail {
SamplingDecision always_on_fn(void*, const SamplingParams&) noexcept;
SamplingDecision always_off_fn(void*, const SamplingParams&) noexcept;
}  // namespace detail

/// AlwaysOn: RECORD_AND_SAMPLE for every span.
constexpr Sampler always_on_sampler() noexcept { return Sampler{nullptr, &detail::always_on_fn}; }
/// AlwaysOff: DROP for every span.
constexpr Sampler always_off_sampler() noexcept { return Sampler{nullptr, &detail::always_off_fn}; }

/// Totals of decisions counted by sample(); a snapshot, read with relaxed loads.
struct SamplerStats {
  std::uint32_t sampled = 0;      // kRecordAndSample
  std::uint32_t record_only = 0;  // kRecordOnly
  std::uint32_t dropped = 0;      // kDrop
};

/// Decision counters a Tracer keeps next to its sampler. Constant-initialisable.
class SamplerCounters {
 public:
  constexpr SamplerCounters() noexcept {}
  SamplerCounters(const SamplerCounters&) = delete;
  SamplerCounters& operator=(const SamplerCounters&) = delete;
  /// Counts one decision. Lock-free, ISR-safe.
  void count(SamplingDecision decision) noexcept;
  SamplerStats snapshot() const noexcept;
  void reset() noexcept;

 private:
  std::atomic<std::uint32_t> sampled_{0};
  std::atomic<std::uint32_t> record_only_{0};
  std::atomic<std::uint32_t> dropped_{0};
};

/// Runs `sampler` (the spec default ParentBased(AlwaysOn) when it has no function) and counts
/// the decision in `counters` when given. This is the one call Tracer::start_span needs.
SamplingDecision sample(const Sampler& sampler, const SamplingParams& params,
                        SamplerCounters* counters = nullptr) noexcept;

// ---- TraceIdRatioBased -----------------------------------------------------------------------

/// How a ratio turns into a decision on the trace id.
enum class RatioAlgorithm : std::uint8_t {
  /// The current OpenTelemetry SDK spec (TraceIdRatioBased, probability sampling with W3C
  /// Level 2 randomness): R = the 56 rightmost bits of the trace id, T = the spec's rejection
  /// threshold for the ratio at its recommended 4 significant hex digits; sample iff R >= T.
  kThreshold56,
  /// The pre-2024 SDKs (e.g. opentelemetry-python 1.x): the 64 rightmost bits of the trace id
  /// as an unsigned number, sampled iff < round(ratio * 2^64). For agreeing with older clouds.
  kLegacyLow64,
};

/// The spec's rejection threshold for `ratio` (ProbabilityToThreshold with 4 digits of
/// precision, adjusted for small ratios as the spec's reference algorithm does): a 56-bit
/// value, 0 for ratio 1, and 2^56 (nothing passes) for ratio <= 0.
/// Ratios must be in [0, 1]; NaN counts as 0.
std::uint64_t ratio_to_threshold56(double ratio) noexcept;
/// The 56 rightmost bits of a trace id (bytes 9..15, big-endian): the spec's randomness R.
std::uint64_t trace_id_randomness56(const TraceId& trace_id) noexcept;

/// TraceIdRatioBased: ignores the parent; samples the same trace ids on every device and SDK
/// that uses the same algorithm, and any trace sampled at ratio p is also sampled at p' >= p.
class TraceIdRatioSampler {
 public:
  constexpr TraceIdRatioSampler() noexcept {}
  /// Sets the ratio (0 = never, 1 = always) and precomputes the threshold.
  /// Return values:
  ///   kOk              – set
  ///   kInvalidArgument – NaN or outside [0, 1]; the previous ratio stays
  Status set_ratio(double ratio, RatioAlgorithm algorithm = RatioAlgorithm::kThreshold56) noexcept;
  double ratio() const noexcept { return ratio_; }
  RatioAlgorithm algorithm() const noexcept { return algorithm_; }
  /// The decision for one trace id: two integer operations.
  bool would_sample(const TraceId& trace_id) const noexcept;
  /// A Sampler that refers to this object, which must outlive it.
  Sampler sampler() noexcept;

 private:
  double ratio_ = 1.0;
  RatioAlgorithm algorithm_ = RatioAlgorithm::kThreshold56;
  bool always_ = true;          // ratio 1 (legacy bound 2^64 does not fit 64 bits)
  std::uint64_t threshold_ = 0;  // kThreshold56: T; kLegacyLow64: bound
};

// ---- ParentBased -----------------------------------------------------------------------------

/// ParentBased: the root sampler decides for root spans; a parent's sampled flag decides
/// otherwise, through the four delegates whose defaults are the spec's (AlwaysOn for sampled
/// parents, AlwaysOff for unsampled ones, for remote and local parents alike).
struct ParentBasedSampler {
  Sampler root = always_on_sampler();
  Sampler remote_parent_sampled = always_on_sampler();
  Sampler remote_parent_not_sampled = always_off_sampler();
  Sampler local_parent_sampled = always_on_sampler();
  Sampler local_parent_not_sampled = always_off_sampler();

  /// A Sampler that refers to this object, which must outlive it.
  Sampler sampler() noexcept;
};

// ---- configuration from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG -------------------------

/// The built-in samplers by their OTEL_TRACES_SAMPLER names.
enum class SamplerKind : std::uint8_t {
  kParentBasedAlwaysOn = 0,  // "parentbased_always_on" (the spec's default)
  kParentBasedAlwaysOff,     // "parentbased_always_off"
  kParentBasedTraceIdRatio,  // "parentbased_traceidratio"
  kAlwaysOn,                 // "always_on"
  kAlwaysOff,                // "always_off"
  kTraceIdRatio,             // "traceidratio"
};

/// A built-in sampler choice, as firmware without an environment writes it in code.
/// Zero-initialised = parentbased_always_on.
struct SamplerConfig {
  SamplerKind kind = SamplerKind::kParentBasedAlwaysOn;
  double ratio = 1.0;  // used by the two traceidratio kinds; [0, 1]
  RatioAlgorithm algorithm = RatioAlgorithm::kThreshold56;
};

/// Parses the values of OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (pass empty views for
/// unset variables; the spec treats empty as unset). Names are matched ignoring case and
/// surrounding whitespace. `out` always ends up usable, with the spec's fallbacks applied:
/// an unknown or unsupported sampler name gives parentbased_always_on; a missing argument
/// for a ratio sampler gives 1.0, and a malformed or out-of-range one is ignored (as if
/// unset, so 1.0).
/// Return values:
///   kOk              – everything was used as given
///   kInvalidArgument – something was ignored; `message` (NUL-terminated, truncated to
///                      `message_cap`, may be nullptr) says what and which default applies
Status parse_sampler_config(std::string_view sampler, std::string_view arg, SamplerConfig& out,
                            char* message = nullptr, std::size_t message_cap = 0) noexcept;

/// Parses a sampling ratio the way OTEL_TRACES_SAMPLER_ARG is written: a decimal number such as
/// "0.25", "1", ".5" or "2.5e-1", surrounding whitespace allowed, no sign, NaN or hex.
/// Return values: kOk with `out` in [0, 1]; kInvalidArgument for malformed or out of range.
Status parse_ratio(std::string_view text, double& out) noexcept;

/// One of the six built-in samplers, holding its own state: what a Tracer owns.
/// Constant-initialisable; a default one is parentbased_always_on.
class ConfiguredSampler {
 public:
  constexpr ConfiguredSampler() noexcept {}
  ConfiguredSampler(const ConfiguredSampler&) = delete;  // sampler() points into this object
  ConfiguredSampler& operator=(const ConfiguredSampler&) = delete;

  /// Return values: kOk; kInvalidArgument when ratio is NaN or outside [0, 1] (nothing changes).
  Status configure(const SamplerConfig& config) noexcept;
  /// For a parentbased kind: replaces the root sampler by `root` (e.g. a RuleSampler), keeping
  /// the parent delegates. For the other kinds: becomes `root` alone.
  void set_root(Sampler root) noexcept;
  const SamplerConfig& config() const noexcept { return config_; }
  /// The configured sampler; refers to this object, which must outlive it.
  Sampler sampler() noexcept;
  /// The spec's GetDescription, e.g. "ParentBased{root=TraceIdRatioBased{0.250000}}".
  /// Writes a NUL-terminated string, truncated to `cap`; returns its full length.
  std::size_t describe(char* out, std::size_t cap) const noexcept;

 private:
  SamplerConfig config_{};
  TraceIdRatioSampler ratio_{};
  ParentBasedSampler parent_based_{};
  Sampler custom_root_{};
  bool has_custom_root_ = false;
};

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
Status validate_sampling_rule(const SamplingRule& rule, char* message = nullptr,
                              std::size_t message_cap = 0) noexcept;

/// Glob match as rules use it ('*', '?', ASCII case ignored). Exposed for tests and tools.
bool glob_match(std::string_view pattern, std::string_view text) noexcept;

/// Per-rule state the RuleSampler keeps in caller memory: one per rule.
struct RuleState {
  const SamplingRule* rule = nullptr;
  std::uint64_t threshold = 0;   // fixed_rate as a decision threshold (see RatioAlgorithm)
  bool rate_always = false;      // kLegacyLow64 with rate 1
  bool applies = false;          // service name/type/ARN matched at init
  std::atomic<std::uint32_t> reservoir{0};  // (second & 0x3ffff) << 14 | taken this second
  std::atomic<std::uint32_t> matched{0};
  std::atomic<std::uint32_t> reservoir_sampled{0};
  std::atomic<std::uint32_t> rate_sampled{0};
};

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
