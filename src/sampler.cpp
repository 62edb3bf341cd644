// Head samplers: OpenTelemetry built-ins, OTEL_TRACES_SAMPLER parsing, X-Ray style rules.
// See include/tracelet/sampler.h for the contracts.
#include "tracelet/sampler.h"

#include <cmath>
#include <cstring>

#include "text.h"

namespace tracelet {
namespace {

using detail::iequals;
using detail::Text;
using detail::to_lower_ascii;
using detail::trim_space;

constexpr std::uint64_t kTwoPow56 = std::uint64_t{1} << 56;

// A value in [0, 1] with six decimals, as OTel's sampler descriptions print ratios.
Text& put_ratio6(Text& t, double v) noexcept {
  const auto scaled = static_cast<std::uint64_t>(std::llround(v * 1e6));
  t.put_uint(scaled / 1000000u).put_char('.');
  const std::uint64_t frac = scaled % 1000000u;
  for (std::uint64_t div = 100000u; div > 0; div /= 10) {
    t.put_char(static_cast<char>('0' + (frac / div) % 10));
  }
  return t;
}

bool parent_present(const SamplingParams& p) noexcept {
  return p.parent != nullptr && p.parent->is_valid();
}

// ---- ratio decisions shared by TraceIdRatioSampler and rule FixedRates ---------------------

struct RatioRule {
  std::uint64_t threshold = 0;
  bool always = false;
};

RatioRule prepare_ratio(double ratio, RatioAlgorithm algorithm) noexcept {
  RatioRule r;
  if (algorithm == RatioAlgorithm::kThreshold56) {
    r.threshold = ratio_to_threshold56(ratio);
    r.always = r.threshold == 0;
    return r;
  }
  // Legacy: sampled iff low64 < round(ratio * 2^64); ratio 1 would need a 65-bit bound.
  if (!(ratio > 0.0)) return r;  // bound 0: nothing passes
  if (ratio >= 1.0) {
    r.always = true;
    return r;
  }
  r.threshold = static_cast<std::uint64_t>(std::nearbyint(std::ldexp(ratio, 64)));
  return r;
}

std::uint64_t low64(const TraceId& id) noexcept {
  std::uint64_t v = 0;
  for (int i = 8; i < 16; ++i) v = (v << 8) | id.bytes[i];
  return v;
}

bool ratio_decide(const RatioRule& r, RatioAlgorithm algorithm, const TraceId& id) noexcept {
  if (r.always) return true;
  if (algorithm == RatioAlgorithm::kThreshold56) return trace_id_randomness56(id) >= r.threshold;
  return low64(id) < r.threshold;
}

}  // namespace

// ---- built-ins ---------------------------------------------------------------------------

namespace detail {
SamplingDecision always_on_fn(void*, const SamplingParams&) noexcept {
  return SamplingDecision::kRecordAndSample;
}
SamplingDecision always_off_fn(void*, const SamplingParams&) noexcept {
  return SamplingDecision::kDrop;
}
}  // namespace detail

void SamplerCounters::count(SamplingDecision decision) noexcept {
  switch (decision) {
    case SamplingDecision::kRecordAndSample:
      sampled_.fetch_add(1, std::memory_order_relaxed);
      break;
    case SamplingDecision::kRecordOnly:
      record_only_.fetch_add(1, std::memory_order_relaxed);
      break;
    case SamplingDecision::kDrop:
      dropped_.fetch_add(1, std::memory_order_relaxed);
      break;
  }
}

SamplerStats SamplerCounters::snapshot() const noexcept {
  SamplerStats s;
  s.sampled = sampled_.load(std::memory_order_relaxed);
  s.record_only = record_only_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  return s;
}

void SamplerCounters::reset() noexcept {
  sampled_.store(0, std::memory_order_relaxed);
  record_only_.store(0, std::memory_order_relaxed);
  dropped_.store(0, std::memory_order_relaxed);
}

SamplingDecision sample(const Sampler& sampler, const SamplingParams& params,
                        SamplerCounters* counters) noexcept {
  SamplingDecision d;
  if (sampler.should_sample != nullptr) {
    d = sampler.should_sample(sampler.ctx, params);
  } else if (parent_present(params)) {  // ParentBased(root=AlwaysOn) with default delegates
    d = params.parent->is_sampled() ? SamplingDecision::kRecordAndSample : SamplingDecision::kDrop;
  } else {
    d = SamplingDecision::kRecordAndSample;
  }
  if (counters != nullptr) counters->count(d);
  return d;
}

// ---- TraceIdRatioBased -----------------------------------------------------------------------

std::uint64_t ratio_to_threshold56(double ratio) noexcept {
  if (!(ratio > 0.0)) return kTwoPow56;  // 0, negative, NaN: never
  if (ratio >= 1.0) return 0;
  // The spec's reference ProbabilityToThresholdWithPrecision(p, 4): more digits for small p
  // (one per factor 16 below 1/2), rounding by adding half of the last digit to 2 - p and
  // then taking the leading hex digits of that double's fraction.
  int exp2 = 0;
  (void)std::frexp(ratio, &exp2);      // ratio = m * 2^exp2, m in [0.5, 1): exp2 <= 0 here
  int precision = 4 + exp2 / -4;       // both negative: C++ truncation equals Python's floor
  if (precision < 1) precision = 1;
  if (precision > 12) precision = 12;
  double rejection = 2.0 - ratio;
  rejection += std::ldexp(0.5, -4 * precision);
  const int bits = 4 * precision;
  std::uint64_t digits;
  if (rejection >= 2.0) {
    digits = (std::uint64_t{1} << bits) - 1;  // all 'f'
  } else {
    // rejection is in [1, 2): subtracting 1 and scaling by 2^52 are exact, giving the 52-bit
    // fraction, i.e. the 13 hex digits the reference reads from float.hex().
    const auto fraction52 = static_cast<std::uint64_t>(std::ldexp(rejection - 1.0, 52));
    digits = fraction52 >> (52 - bits);
  }
  return digits << (56 - bits);
}

std::uint64_t trace_id_randomness56(const TraceId& trace_id) noexcept {
  std::uint64_t v = 0;
  for (int i = 9; i < 16; ++i) v = (v << 8) | trace_id.bytes[i];
  return v;
}

Status TraceIdRatioSampler::set_ratio(double ratio, RatioAlgorithm algorithm) noexcept {
  if (!(ratio >= 0.0 && ratio <= 1.0)) return Status::kInvalidArgument;  // also rejects NaN
  const RatioRule r = prepare_ratio(ratio, algorithm);
  ratio_ = ratio;
  algorithm_ = algorithm;
  always_ = r.always;
  threshold_ = r.threshold;
  return Status::kOk;
}

bool TraceIdRatioSampler::would_sample(const TraceId& trace_id) const noexcept {
  RatioRule r;
  r.threshold = threshold_;
  r.always = always_;
  return ratio_decide(r, algorithm_, trace_id);
}

namespace {
SamplingDecision ratio_fn(void* ctx, const SamplingParams& params) noexcept {
  const auto* self = static_cast<const TraceIdRatioSampler*>(ctx);
  return self->would_sample(params.trace_id) ? SamplingDecision::kRecordAndSample
                                             : SamplingDecision::kDrop;
}

SamplingDecision parent_based_fn(void* ctx, const SamplingParams& params) noexcept {
  const auto* self = static_cast<const ParentBasedSampler*>(ctx);
  const Sampler* delegate = &self->root;
  if (parent_present(params)) {
    const bool sampled = params.parent->is_sampled();
    if (params.parent->is_remote) {
      delegate = sampled ? &self->remote_parent_sampled : &self->remote_parent_not_sampled;
    } else {
      delegate = sampled ? &self->local_parent_sampled : &self->local_parent_not_sampled;
    }
  }
  return sample(*delegate, params);
}
}  // namespace

Sampler TraceIdRatioSampler::sampler() noexcept { return Sampler{this, &ratio_fn}; }

Sampler ParentBasedSampler::sampler() noexcept { return Sampler{this, &parent_based_fn}; }

// ---- configuration -------------------------------------------------------------------------

Status parse_ratio(std::string_view text, double& out) noexcept {
  const std::string_view s = trim_space(text);
  std::size_t i = 0;
  std::uint64_t mantissa = 0;  // up to 19 significant digits
  int significant = 0;
  bool inexact = false;        // digits beyond the 19th were dropped
  long exp10 = 0;
  bool any_digit = false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    any_digit = true;
    if (mantissa == 0 && s[i] == '0') continue;
    if (significant < 19) {
      mantissa = mantissa * 10 + static_cast<std::uint64_t>(s[i] - '0');
      ++significant;
    } else {
      ++exp10;
      inexact = inexact || s[i] != '0';
    }
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      any_digit = true;
      if (mantissa == 0 && s[i] == '0') {
        --exp10;
        continue;
      }
      if (significant < 19) {
        mantissa = mantissa * 10 + static_cast<std::uint64_t>(s[i] - '0');
        ++significant;
        --exp10;
      } else {
        inexact = inexact || s[i] != '0';
      }
    }
  }
  if (!any_digit) return Status::kInvalidArgument;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    if (i == s.size() || s[i] < '0' || s[i] > '9') return Status::kInvalidArgument;
    long e = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (e < 100000) e = e * 10 + (s[i] - '0');  // beyond that it is 0 or infinity anyway
    }
    exp10 += negative ? -e : e;
  }
  if (i != s.size()) return Status::kInvalidArgument;

  double value;
  constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (mantissa == 0) {
    value = 0.0;
  } else if (!inexact && mantissa <= (std::uint64_t{1} << 53) && exp10 >= -22 && exp10 <= 22) {
    // Both operands are exact doubles, so one IEEE multiply/divide rounds correctly: "0.1"
    // becomes the same double every other parser produces.
    const auto m = static_cast<double>(mantissa);
    value = exp10 >= 0 ? m * kPow10[exp10] : m / kPow10[-exp10];
  } else {
    // Rare (more than 15 digits or a large exponent): close, possibly not the nearest double.
    value = static_cast<double>(mantissa);
    for (long e = exp10; e > 0 && value <= 1e300; --e) value *= 10.0;
    for (long e = exp10; e < 0 && value > 0.0; ++e) value /= 10.0;
  }
  if (!(value >= 0.0 && value <= 1.0)) return Status::kInvalidArgument;
  out = value;
  return Status::kOk;
}

namespace {

struct SamplerName {
  std::string_view name;
  SamplerKind kind;
};

constexpr SamplerName kSamplerNames[] = {
    {"parentbased_always_on", SamplerKind::kParentBasedAlwaysOn},
    {"parentbased_always_off", SamplerKind::kParentBasedAlwaysOff},
    {"parentbased_traceidratio", SamplerKind::kParentBasedTraceIdRatio},
    {"always_on", SamplerKind::kAlwaysOn},
    {"always_off", SamplerKind::kAlwaysOff},
    {"traceidratio", SamplerKind::kTraceIdRatio},
};

std::string_view name_of(SamplerKind kind) noexcept {
  for (const SamplerName& n : kSamplerNames) {
    if (n.kind == kind) return n.name;
  }
  return "?";
}

bool uses_ratio(SamplerKind kind) noexcept {
  return kind == SamplerKind::kTraceIdRatio || kind == SamplerKind::kParentBasedTraceIdRatio;
}

}  // namespace

Status parse_sampler_config(std::string_view sampler, std::string_view arg, SamplerConfig& out,
                            char* message, std::size_t message_cap) noexcept {
  Text msg(message, message_cap);
  out = SamplerConfig{};
  const std::string_view name = trim_space(sampler);
  const std::string_view value = trim_space(arg);
  constexpr std::size_t kShown = 40;  // how much of a bad input a message repeats

  if (name.empty()) {
    if (value.empty()) return Status::kOk;
    msg.put("OTEL_TRACES_SAMPLER_ARG='").put_clipped(value, kShown)
        .put("' is ignored because OTEL_TRACES_SAMPLER is not set; using parentbased_always_on");
    return Status::kInvalidArgument;
  }
  bool known = false;
  for (const SamplerName& n : kSamplerNames) {
    if (iequals(name, n.name)) {
      out.kind = n.kind;
      known = true;
      break;
    }
  }
  if (!known) {
    const bool elsewhere = iequals(name, "jaeger_remote") ||
                           iequals(name, "parentbased_jaeger_remote") || iequals(name, "xray");
    msg.put("OTEL_TRACES_SAMPLER='").put_clipped(name, kShown)
        .put(elsewhere ? "' is not supported by tracelet (for X-Ray rules use RuleSampler)"
                       : "' is not a known sampler")
        .put("; using parentbased_always_on");
    return Status::kInvalidArgument;
  }
  if (!uses_ratio(out.kind)) {
    if (value.empty()) return Status::kOk;
    msg.put("OTEL_TRACES_SAMPLER_ARG='").put_clipped(value, kShown).put("' is ignored: ")
        .put(name_of(out.kind)).put(" takes no argument");
    return Status::kInvalidArgument;
  }
  if (value.empty()) return Status::kOk;  // default 1.0
  double ratio = 1.0;
  if (parse_ratio(value, ratio) != Status::kOk) {
    msg.put("OTEL_TRACES_SAMPLER_ARG='").put_clipped(value, kShown)
        .put("' is not a sampling ratio in [0..1]; using 1.0");
    return Status::kInvalidArgument;
  }
  out.ratio = ratio;
  return Status::kOk;
}

Status ConfiguredSampler::configure(const SamplerConfig& config) noexcept {
  if (uses_ratio(config.kind)) {
    const Status st = ratio_.set_ratio(config.ratio, config.algorithm);
    if (st != Status::kOk) return st;
  }
  config_ = config;
  has_custom_root_ = false;
  parent_based_ = ParentBasedSampler{};
  switch (config.kind) {
    case SamplerKind::kParentBasedAlwaysOn:
    case SamplerKind::kAlwaysOn:
      parent_based_.root = always_on_sampler();
      break;
    case SamplerKind::kParentBasedAlwaysOff:
    case SamplerKind::kAlwaysOff:
      parent_based_.root = always_off_sampler();
      break;
    case SamplerKind::kParentBasedTraceIdRatio:
    case SamplerKind::kTraceIdRatio:
      parent_based_.root = ratio_.sampler();
      break;
  }
  return Status::kOk;
}

void ConfiguredSampler::set_root(Sampler root) noexcept {
  custom_root_ = root;
  has_custom_root_ = true;
  parent_based_.root = root;
}

namespace {
bool is_parent_based(SamplerKind kind) noexcept {
  return kind == SamplerKind::kParentBasedAlwaysOn || kind == SamplerKind::kParentBasedAlwaysOff ||
         kind == SamplerKind::kParentBasedTraceIdRatio;
}
}  // namespace

Sampler ConfiguredSampler::sampler() noexcept {
  if (is_parent_based(config_.kind)) return parent_based_.sampler();
  // A plain (not parent-based) sampler is its root alone.
  return parent_based_.root;
}

std::size_t ConfiguredSampler::describe(char* out, std::size_t cap) const noexcept {
  Text t(out, cap);
  const bool parent_based = is_parent_based(config_.kind);
  if (parent_based) t.put("ParentBased{root=");
  if (has_custom_root_) {
    t.put("custom");
  } else {
    switch (config_.kind) {
      case SamplerKind::kParentBasedAlwaysOn:
      case SamplerKind::kAlwaysOn:
        t.put("AlwaysOnSampler");
        break;
      case SamplerKind::kParentBasedAlwaysOff:
      case SamplerKind::kAlwaysOff:
        t.put("AlwaysOffSampler");
        break;
      case SamplerKind::kParentBasedTraceIdRatio:
      case SamplerKind::kTraceIdRatio:
        put_ratio6(t.put("TraceIdRatioBased{"), ratio_.ratio()).put("}");
        break;
    }
  }
  if (parent_based) t.put("}");
  return t.length();
}

// ---- rule sampler --------------------------------------------------------------------------

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

// Takes one trace from the rule's reservoir for the second of `now_ns`, if any is left.
bool take_reservoir(RuleState& s, std::uint32_t per_second, std::uint64_t now_ns) noexcept {
  if (per_second == 0) return false;
  const auto second = static_cast<std::uint32_t>((now_ns / 1000000000u) & kSecondMask);
  std::uint32_t word = s.reservoir.load(std::memory_order_relaxed);
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
    if (s.reservoir.compare_exchange_weak(word, next, std::memory_order_relaxed)) return true;
  }
}

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
    if (!s.applies || !rule_matches(*s.rule, params)) continue;
    s.matched.fetch_add(1, std::memory_order_relaxed);
    if (take_reservoir(s, s.rule->reservoir_per_second, params.now_ns)) {
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
