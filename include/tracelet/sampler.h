#pragma once
// The sampler interface the tracer calls for every span it starts: decisions, what a sampler
// sees, and decision counters. The samplers themselves live in tracelet/samplers.h (the
// OpenTelemetry built-ins) and tracelet/rule_sampler.h (X-Ray style rules), so a firmware that
// samples everything compiles and links none of them.
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
/// (Tracer builds it with a braced list, in this order: a new field goes last.)
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
/// The function runs inside start_span: it must be thread- and ISR-safe when the tracer is
/// used from several contexts, must not block and must not allocate (all built-in ones are).
struct Sampler {
  void* ctx = nullptr;
  SamplingDecision (*should_sample)(void* ctx, const SamplingParams& params) noexcept = nullptr;
};

namespace detail {
SamplingDecision always_on_fn(void*, const SamplingParams&) noexcept;
SamplingDecision always_off_fn(void*, const SamplingParams&) noexcept;
}  // namespace detail

/// AlwaysOn: RECORD_AND_SAMPLE for every span. Both built-ins: ISR-safe: yes. Blocks: never.
/// Allocates: never.
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
/// Every method: ISR-safe: yes (relaxed 32-bit atomics). Blocks: never. Allocates: never.
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
  // Indexed by SamplingDecision (kDrop, kRecordOnly, kRecordAndSample): one increment to count.
  std::atomic<std::uint32_t> counts_[3] = {};
};

/// Runs `sampler` (the spec default ParentBased(AlwaysOn) when it has no function) and counts
/// the decision in `counters` when given. This is the one call Tracer::start_span needs.
/// ISR-safe, Blocks, Allocates: as `sampler`'s function (never, for the built-in ones).
SamplingDecision sample(const Sampler& sampler, const SamplingParams& params,
                        SamplerCounters* counters = nullptr) noexcept;

}  // namespace tracelet
