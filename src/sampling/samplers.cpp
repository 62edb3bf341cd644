// The OpenTelemetry built-in samplers and OTEL_TRACES_SAMPLER parsing.
// See include/tracelet/samplers.h for the contracts.
#include "tracelet/samplers.h"

#include <cmath>
#include <cstring>

#include "core/text.h"
#include "sampling/ratio.h"

namespace tracelet {
namespace {

using detail::iequals;
using detail::prepare_ratio;
using detail::ratio_decide;
using detail::RatioRule;
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

std::uint64_t low64(const TraceId& id) noexcept {
  std::uint64_t v = 0;
  for (int i = 8; i < 16; ++i) v = (v << 8) | id.bytes[i];
  return v;
}

}  // namespace

// ---- ratio decisions shared by TraceIdRatioSampler and rule FixedRates ---------------------

namespace detail {

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

bool ratio_decide(const RatioRule& r, RatioAlgorithm algorithm, const TraceId& id) noexcept {
  if (r.always) return true;
  if (algorithm == RatioAlgorithm::kThreshold56) return trace_id_randomness56(id) >= r.threshold;
  return low64(id) < r.threshold;
}

}  // namespace detail

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

}  // namespace tracelet
