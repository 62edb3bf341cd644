#pragma once
// The OpenTelemetry SDK's built-in head samplers (always_on, always_off, traceidratio and
// their parentbased_ forms) and their configuration from the OTEL_TRACES_SAMPLER /
// OTEL_TRACES_SAMPLER_ARG strings. Deciding never allocates, blocks or reads a clock.
//
// Contract of everything here: Blocks: never. Allocates: never. Deciding (would_sample and
// the functions behind sampler()) is ISR-safe and lock-free. Setting up (set_ratio,
// configure, set_root, the parsers) writes plain fields: do it before the sampler is handed
// to a Tracer, not while spans are being started.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tracelet/ids.h"
#include "tracelet/sampler.h"
#include "tracelet/status.h"

namespace tracelet {

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

}  // namespace tracelet
