#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "tracelet/attribute.h"
#include "tracelet/config.h"
#include "tracelet/port.h"
#include "tracelet/ring.h"
#include "tracelet/sampler.h"
#include "tracelet/span.h"
#include "tracelet/status.h"

namespace tracelet {

/// Run-time span limits (the OTEL_SPAN_*_LIMIT, OTEL_*_ATTRIBUTE_COUNT_LIMIT and
/// OTEL_*ATTRIBUTE_VALUE_LENGTH_LIMIT variables; load_env_config fills them). They work within
/// the compile-time caps of config.h: 0 = the cap, a value above the cap is the cap, and kNone
/// keeps nothing (what a limit of 0 asks for: no attributes, or empty string values).
/// Items past a limit are dropped and counted exactly as past the caps; string values past
/// value_bytes are cut at a UTF-8 boundary. Copied at Tracer::init.
struct SpanLimits {
  static constexpr std::uint16_t kNone = 0xFFFF;
  std::uint16_t attributes = 0;        // per span; cap TRACELET_MAX_ATTRIBUTES
  std::uint16_t events = 0;            // per span; cap TRACELET_MAX_EVENTS
  std::uint16_t links = 0;             // per span; cap TRACELET_MAX_LINKS
  std::uint16_t event_attributes = 0;  // per event; cap TRACELET_MAX_EVENT_ATTRIBUTES
  std::uint16_t link_attributes = 0;   // per link; cap TRACELET_MAX_LINK_ATTRIBUTES
  /// Bytes of a string attribute value; caps TRACELET_MAX_STRING_BYTES for span and link
  /// attributes and TRACELET_MAX_EVENT_STRING_BYTES for event attributes.
  std::uint16_t value_bytes = 0;
};

/// Init-time settings. Zero-initialised fields mean "default"; pointers are read during
/// init() only (their contents are copied), except ring_memory, which must outlive the Tracer.
struct Options {
  const char* service_name = nullptr;     // required: resource attribute service.name
  const char* service_version = nullptr;  // optional: service.version
  const Attribute* resource_attributes = nullptr;  // extra resource attributes, e.g. device.id
  std::size_t resource_attribute_count = 0;
  ByteSpan ring_memory{};                  // required: caller-owned span storage
  Overflow overflow = Overflow::kDropNewest;
  bool start_disabled = false;            // true = init, but record nothing until set_enabled(true)
  /// Trace ids for AWS X-Ray's older paths (the X-Ray daemon and SDKs, some X-Ray APIs):
  /// the first 4 bytes are the Unix time in seconds (big-endian) when the trace started, the
  /// other 12 random, so "1-<8 hex>-<24 hex>" carries the start time as X-Ray expects. Needs
  /// a wall clock (port::unix_offset_ns()); without one the seconds count from boot.
  /// false = 16 random bytes (W3C's recommendation).
  bool xray_trace_ids = false;
  /// Which spans are recorded. Zero = parentbased_always_on, built in and free. Otherwise a
  /// ConfiguredSampler (OTEL_TRACES_SAMPLER choices; load_env_config sets one up), a
  /// RuleSampler or your own; its ctx must outlive the Tracer. Kept out of the Tracer so a
  /// firmware that samples everything links no sampler code.
  Sampler sampler{};
  /// Run-time span limits within the compile-time caps; all zero = the caps.
  SpanLimits limits{};
};

/// Self-telemetry of one tracer; every span started is exactly one of: recorded into the ring
/// (then exported or dropped by the exporter), dropped by the ring, or not recorded
/// (tracing disabled or sampled out).
struct TracerCounters {
  std::uint64_t spans_recorded = 0;       // records the ring accepted
  std::uint64_t spans_dropped_full = 0;   // ring full (drop-newest)
  std::uint64_t spans_dropped_overwritten = 0;  // evicted by overwrite-oldest
  std::uint64_t spans_dropped_too_large = 0;    // bigger than the whole ring
  std::uint64_t spans_acknowledged = 0;   // removed from the ring after delivery
  std::uint64_t spans_sampled_out = 0;    // not recorded: the sampler said drop
  std::uint64_t spans_record_only = 0;    // recorded for local use, not sampled: never exported
  std::uint64_t spans_dropped_at_reset = 0;  // half-written when a warm reset hit
  /// Log records (tracelet::log) share the ring: spans_recorded leaves them out, but the
  /// ring's drop and acknowledgement counts above cover records of both kinds.
  std::uint64_t logs_recorded = 0;        // log records the ring accepted
  std::uint64_t logs_dropped = 0;         // log records the ring refused (full, too large)
};

/// A read-only view of the resource attributes the tracer copied at init, in record encoding.
struct ResourceView {
  const std::uint8_t* data = nullptr;
  std::size_t len = 0;
  std::uint8_t attribute_count = 0;  // attribute entries in `data`, replaced ones included
  std::uint16_t dropped_attributes = 0;
};

namespace detail {
/// The id generator's state where 64-bit atomics are lock-free: a counter that hands out
/// per-thread streams, and the epoch (new at every init) that tells threads to take a new one.
struct AtomicIdState {
  std::atomic<std::uint64_t> counter{0};
  std::uint64_t epoch = 0;
};
/// Elsewhere: the 32-bit generator's four words (no epoch: every draw reads them).
struct WordIdState {
  std::uint32_t s[4];
};
}  // namespace detail

/// Owns the span pipeline of one process or firmware: resource, id generator, ring.
/// Constant-initialisable, so a global Tracer has no static-initialisation-order risk.
/// Every method: Allocates: never. All but init(), init_keeping_ring() and shutdown() are
/// ISR-safe on MCU ports and never block (at most the port's critical section); those three
/// are for thread context, not concurrent with spans being recorded.
enum class Severity : std::uint8_t;  // tracelet/log_record.h

class Tracer {
 public:
  constexpr Tracer() noexcept {}
  Tracer(const Tracer&) = delete;  // owns a ring; copying would alias it
  Tracer& operator=(const Tracer&) = delete;
  ~Tracer() { shutdown(); }

  /// Copies the resource, attaches the ring, seeds the id generator from port::entropy().
  /// ISR-safe: no. Blocks: only as long as port::entropy() (briefly). Allocates: never.
  /// Return values:
  ///   kOk                 – ready
  ///   kInvalidArgument    – service_name or ring_memory missing, or ring too small
  ///   kFailedPrecondition – already initialised (call shutdown() first)
  [[nodiscard]] Status init(const Options& options) noexcept;
  /// init() for ring memory that outlives the process or the boot: RAM the startup code
  /// leaves alone (.noinit, with the Tracer there too) or a file (FileRing,
  /// include/tracelet/file_ring.h). First tries to adopt the spans the last run left in the
  /// ring (Ring::adopt, at any address) and only starts an empty ring if there is nothing
  /// intact; reads nothing of the Tracer object itself, which may hold any bytes. A separate
  /// call so that only firmware that keeps its ring links the adoption code.
  /// ISR-safe: no. Blocks: only as long as port::entropy() (briefly) and the walk over the
  /// kept records. Allocates: never.
  /// Return values:
  ///   kOk              – ready (adopted_ring() says whether spans were kept)
  ///   kInvalidArgument – service_name or ring_memory missing, or ring too small
  [[nodiscard]] Status init_keeping_ring(const Options& options) noexcept;
  /// Detaches the ring (buffered spans are forgotten: flush through an exporter first).
  /// Idempotent; safe after a failed init. Spans must have ended before.
  /// ISR-safe: no. Blocks: never. Allocates: never.
  void shutdown() noexcept;
  bool initialised() const noexcept { return initialised_; }
  /// True if the last init_keeping_ring() kept spans recorded before a warm reset.
  bool adopted_ring() const noexcept { return adopted_ring_; }

  /// Starts a span. Cheap no-op (a non-recording span) when disabled or not initialised.
  /// ISR-safe: yes (MCU ports), with the built-in samplers or a custom ISR-safe one.
  /// Blocks: never. Allocates: never (the Span lives on the caller's stack).
  Span start_span(std::string_view name, const StartOptions& options) noexcept;
  /// The same with default options (an internal span, child of the current span): the
  /// caller builds no StartOptions. Inline: on a small core a wrapper call costs a tenth of
  /// starting the span.
  Span start_span(std::string_view name) noexcept { return start_span(name, kDefaultStartOptions); }

  /// Runtime switch; off = every start_span returns a non-recording span.
  void set_enabled(bool enabled) noexcept { enabled_.store(enabled, std::memory_order_relaxed); }
  bool enabled() const noexcept { return enabled_.load(std::memory_order_relaxed); }

  TracerCounters counters() const noexcept;
  /// The span limits in force (Options::limits resolved against the compile-time caps).
  const detail::SpanLimitsResolved& limits() const noexcept { return limits_; }
  ResourceView resource() const noexcept;
  /// The ring spans are recorded into; the exporter is its one consumer.
  Ring& ring() noexcept { return ring_; }

  /// Wall-clock Unix nanoseconds on the tracer's never-decreasing timeline.
  /// Inline: every span reads it twice, and on a small core the call is a tenth of the read.
  std::uint64_t now_unix_ns() const noexcept {
    return port::monotonic_ns() + static_cast<std::uint64_t>(unix_offset_ns_);
  }

  /// New random ids (never all-zero; trace ids led by the Unix seconds with
  /// Options::xray_trace_ids). ISR-safe: yes. Blocks: never. Allocates: never.
  /// Lock-free where 64-bit atomics are; elsewhere one short port critical section.
  TraceId new_trace_id() noexcept;
  SpanId new_span_id() noexcept;
  /// Both ids of a new root span in one draw.
  void new_root_ids(TraceId& trace_id, SpanId& span_id) noexcept;

 private:
  friend class Span;
  static constexpr StartOptions kDefaultStartOptions{};
  friend void log(Tracer& tracer, Severity severity, std::string_view body,
                  const Attribute* attributes, std::size_t count) noexcept;
  /// Fills `out` with `count` (even) random 32-bit words, in one atomic step or critical
  /// section.
  void random_words(std::uint32_t* out, std::size_t count) noexcept;
  void stamp_xray_time(std::uint8_t* trace_id) const noexcept;  // Options::xray_trace_ids
  /// What init() and init_keeping_ring() do once the ring is attached or adopted.
  void configure(const Options& options) noexcept;
  /// Writes the ids of a new span into `context` (its flags untouched): a new span id in
  /// `parent`'s trace, or (parent nullptr) a new trace. Written in place: a context returned
  /// by value and then assigned is read back from memory its words were just stored to in
  /// other sizes, which stalls the load.
  void draw_context_ids(const SpanContext* parent, SpanContext& context) noexcept;

  /// Decides and counts, for Span's constructor. `parent` is nullptr for a root. The default
  /// sampler (none set) keeps a root or a sampled parent's child inline, with nothing to count;
  /// everything else goes through decide_and_count().
  SamplingDecision decide(const SpanContext* parent, const TraceId& trace_id, const char* name,
                          std::size_t name_size, const StartOptions& options) noexcept {
    if (sampler_.should_sample == nullptr && (parent == nullptr || parent->is_sampled())) {
      return SamplingDecision::kRecordAndSample;
    }
    return decide_and_count(parent, trace_id, name, name_size, options);
  }
  /// The sampler's parameters are built only when a sampler is set: the default needs none.
  /// (The name as pointer and size: a string_view argument is kept on the stack on a small
  /// core, in the span's hot path too.)
  SamplingDecision decide_and_count(const SpanContext* parent, const TraceId& trace_id,
                                    const char* name, std::size_t name_size,
                                    const StartOptions& options) noexcept;

  std::atomic<bool> enabled_{false};
  bool initialised_ = false;
  bool adopted_ring_ = false;
  bool xray_trace_ids_ = false;
  // An atomic counter (each id word is a 64-bit mix of one step) where 64-bit atomics are
  // lock-free; elsewhere (32-bit cores, where each atomic access would be a libatomic call and
  // each 64-bit multiply several instructions) a 32-bit generator's state, which
  // random_words() guards with the port's critical section.
  static constexpr bool kLockFreeIds = std::atomic<std::uint64_t>::is_always_lock_free;
  std::conditional_t<kLockFreeIds, detail::AtomicIdState, detail::WordIdState> id_state_{};
  std::int64_t unix_offset_ns_ = 0;
  Ring ring_;
  detail::SpanLimitsResolved limits_{};  // Options::limits within the caps, read by every span
  Sampler sampler_{};  // nullptr function: the built-in parentbased_always_on fast path
  SamplerCounters sampling_counters_;
  std::atomic<std::uint32_t> logs_recorded_{0};  // 32-bit: lock-free on every core
  std::atomic<std::uint32_t> logs_dropped_{0};
  std::uint16_t resource_len_ = 0;
  std::uint8_t resource_count_ = 0;    // live attributes
  std::uint8_t resource_entries_ = 0;  // entries written, replaced ones included
  std::uint16_t resource_dropped_ = 0;
  std::uint8_t resource_[TRACELET_RESOURCE_BYTES] = {};
};

}  // namespace tracelet
