#include "tracelet/tracer.h"

#include <cstddef>
#include <cstring>
#include <type_traits>

#include "core/id_words.h"
#include "core/span_record.h"
#include "core/word_block.h"
#include "tracelet/port.h"
#include "tracelet/version.h"

namespace tracelet {
namespace {

std::uint64_t mix64(std::uint64_t z) noexcept {  // splitmix64 finaliser
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

// The two id generators, chosen by the state's type; templates, so only the one for this
// platform is compiled (fetch_add does not exist on the plain words).
//
// Where 64-bit atomics are lock-free (hosted 64-bit and ARMv7-A targets), each thread draws
// ids from a stream of its own: the first draw of a thread takes the next window of
// kStreamWords golden-ratio steps from the tracer's shared counter, later draws advance the
// thread's copy, so no cache line written by every span is shared between threads. A single
// thread gets exactly the sequence the shared counter would give. The thread's copy is plain
// words, advanced without a locked instruction (which would drain the core's store buffer on
// every span): only its own thread touches it, as hosted ports do not record spans from signal
// handlers (port.h).
constexpr std::uint64_t kStreamWords = std::uint64_t{1} << 40;
struct ThreadIdStream {
  const void* tracer = nullptr;
  std::uint64_t epoch = 0;
  std::uint64_t state = 0;
};
std::uint64_t next_epoch() noexcept {
  static std::atomic<std::uint64_t> epochs{0};
  return epochs.fetch_add(1, std::memory_order_relaxed) + 1;
}

// The first of `steps` golden-ratio steps of the calling thread's stream, taken.
template <typename T>
std::uint64_t take_steps(std::atomic<T>& shared, std::uint64_t steps, const void* tracer,
                         std::uint64_t epoch) noexcept {
  thread_local ThreadIdStream mine;
  if (mine.tracer != tracer || mine.epoch != epoch) {
    mine.state = shared.fetch_add(kStreamWords * kGolden, std::memory_order_relaxed);
    mine.tracer = tracer;
    mine.epoch = epoch;
  }
  const std::uint64_t base = mine.state;
  mine.state = base + steps * kGolden;
  return base;
}

// 64-bit atomics: one step of the thread's stream per two words; each step's splitmix64
// finaliser gives two words.
template <typename T>
void draw_words(std::atomic<T>& state, std::uint32_t* out, std::size_t count, const void* tracer,
                std::uint64_t epoch) noexcept {
  const std::uint64_t steps = (count + 1) / 2;
  const std::uint64_t base = take_steps(state, steps, tracer, epoch);
  for (std::size_t i = 0; i < count; i += 2) {
    const std::uint64_t v = mix64(base + (i / 2 + 1) * kGolden);
    out[i] = static_cast<std::uint32_t>(v);
    if (i + 1 < count) out[i + 1] = static_cast<std::uint32_t>(v >> 32);
  }
}
// 32-bit cores: xorshift128 under the port's critical section (ISRs start spans too), in
// whole blocks of 4 words and a pair for the rest (counts are even).
template <typename Words>
void draw_words(Words& state, std::uint32_t* out, std::size_t count, const void*) noexcept {
  const std::uint32_t saved = port::critical_enter();
  if (count >= 4) detail::xorshift128_blocks(state.s, out, count / 4);
  if ((count & 2) != 0) detail::xorshift128_pair(state.s, out + (count & ~std::size_t{3}));
  port::critical_exit(saved);
}

// The ids of a new span into `ids` (a SpanContext's bytes, word-aligned): the trace id's 16
// (root only; a child's are the parent's) then the span id's 8, neither all zero. The 64-bit
// generator: the words random_words() would draw, each step's 64 bits stored whole (on a
// little-endian core, the same bytes as its two 32-bit words).
template <typename T>
void draw_span_ids(std::atomic<T>& state, std::uint8_t* ids, bool root, const void* tracer,
                   std::uint64_t epoch) noexcept {
  const std::uint64_t base = take_steps(state, root ? 3 : 1, tracer, epoch);
  std::uint64_t span = mix64(base + kGolden);
  if (root) {
    std::uint64_t high = span;
    std::uint64_t low = mix64(base + 2 * kGolden);
    span = mix64(base + 3 * kGolden);
    while ((high | low) == 0) {
      const std::uint64_t again = take_steps(state, 2, tracer, epoch);
      high = mix64(again + kGolden);
      low = mix64(again + 2 * kGolden);
    }
    std::memcpy(ids, &high, 8);
    std::memcpy(ids + 8, &low, 8);
  }
  while (span == 0) span = mix64(take_steps(state, 1, tracer, epoch) + kGolden);
  std::memcpy(ids + 16, &span, 8);
}
// 32-bit cores: one critical section, the generator's words in registers, written straight
// into the ids (Span's constructor does the same inline).
template <typename Words>
void draw_span_ids(Words& state, std::uint8_t* ids, bool root, const void*) noexcept {
  detail::xorshift128_span_ids_masked(state.s, ids, root);
}

template <typename T>
void seed_words(std::atomic<T>& state, const std::uint8_t* seed) noexcept {
  T v = 0;
  std::memcpy(&v, seed, sizeof v);
  state.store(v, std::memory_order_relaxed);
}
template <typename Words>
void seed_words(Words& state, const std::uint8_t* seed) noexcept {
  detail::xorshift128_seed(state.s, seed);
}

// The generator this platform has (the other one is never instantiated).
template <typename Ids>
void draw_ids(Ids& ids, std::uint32_t* out, std::size_t count, const void* tracer) noexcept {
  if constexpr (std::is_same_v<Ids, detail::AtomicIdState>) {
    draw_words(ids.counter, out, count, tracer, ids.epoch);
  } else {
    draw_words(ids, out, count, tracer);
  }
}
template <typename Ids>
void fill_span_ids(Ids& ids, std::uint8_t* out, bool root, const void* tracer) noexcept {
  if constexpr (std::is_same_v<Ids, detail::AtomicIdState>) {
    draw_span_ids(ids.counter, out, root, tracer, ids.epoch);
  } else {
    draw_span_ids(ids, out, root, tracer);
  }
}
template <typename Ids>
void seed_ids(Ids& ids, const std::uint8_t* seed) noexcept {
  if constexpr (std::is_same_v<Ids, detail::AtomicIdState>) {
    seed_words(ids.counter, seed);
    ids.epoch = next_epoch();  // retires every thread's stream
  } else {
    seed_words(ids, seed);
  }
}

// A run-time limit within its compile-time cap: 0 = the cap, kNone = nothing. A call, not
// inlined: init resolves seven of them once, and each inlined copy costs flash.
[[gnu::noinline]] std::uint16_t resolve_limit(std::uint16_t wanted, std::uint16_t cap) noexcept {
  return wanted == SpanLimits::kNone ? std::uint16_t{0} : wanted == 0 || wanted > cap ? cap : wanted;
}

bool valid(const Options& options) noexcept {
  return options.service_name != nullptr && options.service_name[0] != '\0' &&
         (options.resource_attribute_count == 0 || options.resource_attributes != nullptr);
}
}  // namespace

Status Tracer::init(const Options& options) noexcept {
  if (initialised_) return Status::kFailedPrecondition;
  if (!valid(options) || ring_.attach(options.ring_memory, options.overflow) != Status::kOk) {
    return Status::kInvalidArgument;
  }
  adopted_ring_ = false;
  configure(options);
  return Status::kOk;
}

// Apart from init() so that only firmware that keeps its ring across resets links the ring's
// adoption (Ring::adopt walks and repairs every record: several hundred bytes of flash).
Status Tracer::init_keeping_ring(const Options& options) noexcept {
  // A Tracer kept across resets holds whatever the last boot left: nothing in it is trusted
  // except what Ring::adopt() can verify.
  // (Not even its flags are read then: RAM left by a power-on holds no valid bool.)
  if (!valid(options)) return Status::kInvalidArgument;
  adopted_ring_ = ring_.adopt(options.ring_memory, options.overflow) == Status::kOk;
  if (!adopted_ring_ && ring_.attach(options.ring_memory, options.overflow) != Status::kOk) {
    return Status::kInvalidArgument;
  }
  configure(options);
  return Status::kOk;
}

void Tracer::configure(const Options& options) noexcept {
  const SpanLimits& l = options.limits;
  limits_.attributes = static_cast<std::uint8_t>(resolve_limit(l.attributes, TRACELET_MAX_ATTRIBUTES));
  limits_.events = static_cast<std::uint8_t>(resolve_limit(l.events, TRACELET_MAX_EVENTS));
  limits_.links = static_cast<std::uint8_t>(resolve_limit(l.links, TRACELET_MAX_LINKS));
  limits_.event_attributes =
      static_cast<std::uint8_t>(resolve_limit(l.event_attributes, TRACELET_MAX_EVENT_ATTRIBUTES));
  limits_.link_attributes = static_cast<std::uint8_t>(resolve_limit(l.link_attributes, TRACELET_MAX_LINK_ATTRIBUTES));
  limits_.value_bytes = resolve_limit(l.value_bytes, TRACELET_MAX_STRING_BYTES);
  limits_.event_value_bytes = resolve_limit(l.value_bytes, TRACELET_MAX_EVENT_STRING_BYTES);

  std::size_t used = 0;
  resource_count_ = 0;
  resource_entries_ = 0;
  resource_dropped_ = 0;
  auto add = [&](std::string_view key, const AttributeValue& value) {
    // Resource keys are unique: a later value for a key (e.g. from OTEL_RESOURCE_ATTRIBUTES)
    // retires the earlier entry, as span attributes do.
    std::size_t size = 0;
    const std::uint8_t* found = detail::find_live_attribute(
        resource_, resource_ + used, detail::utf8_prefix(key, TRACELET_MAX_STRING_BYTES), size);
    if (found != nullptr) {
      std::uint8_t& tag = resource_[found - resource_];
      tag = static_cast<std::uint8_t>(tag - ('a' - 'A'));  // replaced
      --resource_count_;
    }
    if (resource_count_ < TRACELET_MAX_RESOURCE_ATTRIBUTES &&
        detail::append_attribute(resource_, sizeof resource_, used, key, value)) {
      ++resource_count_;
      ++resource_entries_;
    } else {
      ++resource_dropped_;
    }
  };
  // One loop over a table rather than five inlined calls: init runs once, flash is scarce.
  const char* const own[][2] = {
      {"service.name", options.service_name},
      {"service.version", options.service_version},
      {"telemetry.sdk.name", "tracelet"},
      {"telemetry.sdk.language", "cpp"},
      {"telemetry.sdk.version", TRACELET_VERSION_STRING},
  };
  for (const auto& entry : own) {
    if (entry[1] != nullptr) add(entry[0], entry[1]);
  }
  for (std::size_t i = 0; i < options.resource_attribute_count; ++i) {
    add(options.resource_attributes[i].key, options.resource_attributes[i].value);
  }
  resource_len_ = static_cast<std::uint16_t>(used);

  std::uint8_t seed[16];
  if (!port::entropy(seed, sizeof seed)) {
    // No entropy source: ids stay unique per boot but become guessable across boots.
    const std::uint64_t a = mix64(port::monotonic_ns() ^ reinterpret_cast<std::uintptr_t>(this));
    std::memcpy(seed, &a, 8);
    std::memcpy(seed + 8, &a, 8);
  }
  seed_ids(id_state_, seed);
  sampling_counters_.reset();
  logs_recorded_.store(0, std::memory_order_relaxed);
  logs_dropped_.store(0, std::memory_order_relaxed);
  // No sampler: the default needs no call (inherit the parent's flag, else sample).
  sampler_ = options.sampler;
  unix_offset_ns_ = port::unix_offset_ns();
  xray_trace_ids_ = options.xray_trace_ids;
  initialised_ = true;
  enabled_.store(!options.start_disabled, std::memory_order_relaxed);
}

void Tracer::shutdown() noexcept {
  enabled_.store(false, std::memory_order_relaxed);
  if (!initialised_) return;
  ring_.leave();  // never writes to the ring memory: the caller may have released it
  initialised_ = false;
}

void Tracer::random_words(std::uint32_t* out, std::size_t count) noexcept {
  draw_ids(id_state_, out, count, this);
}

void Tracer::stamp_xray_time(std::uint8_t* trace_id) const noexcept {
  const std::uint64_t seconds = now_unix_ns() / 1000000000u;
  trace_id[0] = static_cast<std::uint8_t>(seconds >> 24);
  trace_id[1] = static_cast<std::uint8_t>(seconds >> 16);
  trace_id[2] = static_cast<std::uint8_t>(seconds >> 8);
  trace_id[3] = static_cast<std::uint8_t>(seconds);
}

void Tracer::draw_context_ids(const SpanContext* parent, SpanContext& context) noexcept {
  static_assert(offsetof(SpanContext, span_id) == 16, "span id words follow the trace id words");
  // The object's own bytes: the trace id's 16, then the span id's 8.
  auto* ids = reinterpret_cast<std::uint8_t*>(&context);
  const bool root = parent == nullptr;
  if (!root) detail::copy_block<16>(ids, parent->trace_id.bytes);
  fill_span_ids(id_state_, ids, root, this);
  if (root && xray_trace_ids_) stamp_xray_time(context.trace_id.bytes);
}

// All-zero ids are invalid; the chance is 2^-64 or less, but never hand one out. (Tested on
// the words: a byte-by-byte is_valid() is a 16-step loop on a small core.)
TraceId Tracer::new_trace_id() noexcept {
  std::uint32_t w[4];
  do {
    random_words(w, 4);
  } while ((w[0] | w[1] | w[2] | w[3]) == 0);
  TraceId id;
  std::memcpy(id.bytes, w, 16);
  if (xray_trace_ids_) stamp_xray_time(id.bytes);
  return id;
}

SpanId Tracer::new_span_id() noexcept {
  std::uint32_t w[2];
  do {
    random_words(w, 2);
  } while ((w[0] | w[1]) == 0);
  SpanId id;
  std::memcpy(id.bytes, w, 8);
  return id;
}

void Tracer::new_root_ids(TraceId& trace_id, SpanId& span_id) noexcept {
  SpanContext context;
  draw_context_ids(nullptr, context);
  trace_id = context.trace_id;
  span_id = context.span_id;
}

SamplingDecision Tracer::decide_and_count(const SpanContext* parent, const TraceId& trace_id,
                                          const char* name, std::size_t name_size,
                                          const StartOptions& options) noexcept {
  if (sampler_.should_sample == nullptr) {  // the default drops an unsampled parent's child
    sampling_counters_.count(SamplingDecision::kDrop);
    return SamplingDecision::kDrop;
  }
  // Every field given: no default-initialised copy to build first.
  const SamplingParams params{parent,
                              trace_id,
                              std::string_view(name, name_size),
                              options.kind,
                              options.attributes,
                              options.attribute_count,
                              port::monotonic_ns()};  // reservoirs count per second
  return sample(sampler_, params, &sampling_counters_);
}

TracerCounters Tracer::counters() const noexcept {
  RingCounters ring = ring_.counters();
  SamplerStats sampling = sampling_counters_.snapshot();
  TracerCounters out;
  out.spans_sampled_out = sampling.dropped;
  out.spans_record_only = sampling.record_only;
  out.logs_recorded = logs_recorded_.load(std::memory_order_relaxed);
  out.logs_dropped = logs_dropped_.load(std::memory_order_relaxed);
  out.spans_recorded = ring.written - out.logs_recorded;
  out.spans_dropped_full = ring.dropped_full;
  out.spans_dropped_overwritten = ring.dropped_overwritten;
  out.spans_dropped_too_large = ring.dropped_too_large;
  out.spans_dropped_at_reset = ring.dropped_at_reset;
  out.spans_acknowledged = ring.committed;
  return out;
}

ResourceView Tracer::resource() const noexcept {
  return ResourceView{resource_, resource_len_, resource_entries_, resource_dropped_};
}

}  // namespace tracelet
