// On-target tests of span recording on Cortex-M4 (MPS2-AN386 under QEMU): spans from the main
// loop, nested spans, spans from interrupt handlers (each execution context keeps its own
// current span), spans from a periodic timer interrupt, timing against an independent counter,
// and the records read back with the core's own record reader and OTLP encoder.
#include <pb_encode.h>

#include <cstdint>
#include <cstring>
#include <string_view>

#include "board.h"
#include "check.h"
#include "otlp/encode.h"
#include "core/span_record.h"
#include "tracelet/console_exporter.h"
#include "tracelet/port.h"
#include "tracelet/tracer.h"
#include "tracelet/internal/context_link.h"
#include "tracelet_cortex_m.h"

namespace {

using tracelet::Span;
using tracelet::Status;
using tracelet::Tracer;
using tracelet::detail::SpanRecordReader;

alignas(8) std::uint8_t g_ring_memory[8192];
Tracer g_tracer;  // constant-initialised global, as firmware would have it

constexpr unsigned kIrqSpan = 21;
constexpr std::uint32_t kNsPerTick = 40;  // 25 MHz reference counter

struct Collected {
  static constexpr std::size_t kMax = 160;
  SpanRecordReader spans[kMax];
  std::uint8_t bytes[sizeof g_ring_memory];
  std::size_t count = 0;
  std::size_t used = 0;
  bool parsed_all = true;

  // Copies every buffered record out of the ring (and commits), so readers stay valid.
  void drain(Tracer& tracer) {
    count = 0;
    used = 0;
    parsed_all = true;
    tracelet::Batch batch;
    while (tracer.ring().peek_batch(batch, 16) == Status::kOk) {
      tracelet::RecordCursor cursor = tracer.ring().cursor(batch);
      const std::uint8_t* data = nullptr;
      std::size_t len = 0;
      while (tracer.ring().next(cursor, data, len)) {
        if (count == kMax || used + len > sizeof bytes) {
          parsed_all = false;
          continue;
        }
        std::memcpy(bytes + used, data, len);
        if (!spans[count].parse(bytes + used, len)) parsed_all = false;
        used += (len + 7u) & ~std::size_t{7};
        ++count;
      }
      tracer.ring().commit(batch);
    }
  }
  const SpanRecordReader* find(std::string_view name) const {
    for (std::size_t i = 0; i < count; ++i) {
      if (spans[i].name() == name) return &spans[i];
    }
    return nullptr;
  }
};
Collected g_collected;

bool same(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) {
  return std::memcmp(a, b, n) == 0;
}
bool all_zero(const std::uint8_t* a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != 0) return false;
  }
  return true;
}

void test_init() {
  check::section("tracer init");
  tracelet::Options options;
  options.service_name = "cortex-m-test";
  options.service_version = "0.0.1";
  CHECK(g_tracer.init(options) == Status::kInvalidArgument);  // no ring memory
  options.ring_memory = tracelet::ByteSpan{g_ring_memory, sizeof g_ring_memory};
  CHECK(g_tracer.init(options) == Status::kOk);
  CHECK(g_tracer.initialised());
  CHECK(g_tracer.resource().attribute_count >= 1u);
}

// The span a context's slot makes current: the slot points to that context's newest link.
tracelet::Span* current_span_in(void** slot) {
  const auto* link = static_cast<const tracelet::detail::ContextLink*>(*slot);
  return link != nullptr ? link->span : nullptr;
}

void test_nested_main_spans() {
  check::section("nested spans from the main loop");
  void** slot = tracelet::port::current_span_slot();
  {
    Span outer = g_tracer.start_span("outer");
    CHECK(outer.is_recording());
    CHECK(current_span_in(slot) == &outer);
    outer.set_attribute("loop", 7);
    {
      Span inner = g_tracer.start_span("inner");
      inner.set_attribute("sensor", "temperature-with-a-long-name-that-gets-cut");
      inner.add_event("sampled", {{"value", 21.5}});
      CHECK(current_span_in(slot) == &inner);
    }
    CHECK(current_span_in(slot) == &outer);
  }
  CHECK(*slot == nullptr);
  g_collected.drain(g_tracer);
  CHECK(g_collected.parsed_all);
  CHECK_EQ(g_collected.count, 2u);
  const SpanRecordReader* outer = g_collected.find("outer");
  const SpanRecordReader* inner = g_collected.find("inner");
  CHECK(outer != nullptr && inner != nullptr);
  if (outer == nullptr || inner == nullptr) return;
  CHECK(&g_collected.spans[0] == inner);  // the inner span ended (was written) first
  CHECK(all_zero(outer->head().parent_span_id, 8));
  CHECK(same(inner->head().parent_span_id, outer->head().span_id, 8));
  CHECK(same(inner->head().trace_id, outer->head().trace_id, 16));
  CHECK(!all_zero(outer->head().trace_id, 16));
  CHECK(outer->head().end_unix_ns >= inner->head().end_unix_ns);
  CHECK(inner->head().start_unix_ns >= outer->head().start_unix_ns);
  CHECK_EQ(inner->head().event_count, 1u);
  tracelet::detail::AttributeEntry attribute;
  tracelet::detail::AttributeReader attributes = inner->attributes();
  CHECK(attributes.next(attribute));
  CHECK(attribute.key == "sensor");
  CHECK_EQ(attribute.value.as_string().size(), TRACELET_MAX_STRING_BYTES);  // cut to the limit
  attributes = outer->attributes();
  CHECK(attributes.next(attribute));
  CHECK(attribute.key == "loop");
  CHECK_EQ(attribute.value.as_int(), 7u);
}

// ---- spans from an interrupt handler -----------------------------------------------------------
void* volatile g_isr_saw_current = reinterpret_cast<void*>(1);
void* volatile g_isr_child_parent_slot = nullptr;

void span_isr() {
  g_isr_saw_current = *tracelet::port::current_span_slot();
  Span isr = g_tracer.start_span("isr");
  {
    Span child = g_tracer.start_span("isr-child");
    g_isr_child_parent_slot = *tracelet::port::current_span_slot();
  }
}

void test_spans_from_interrupt() {
  check::section("spans from an interrupt handler");
  board::set_irq_handler(kIrqSpan, span_isr, 0x60);
  void** slot = tracelet::port::current_span_slot();
  {
    Span main_span = g_tracer.start_span("main");
    board::pend_irq(kIrqSpan);  // preempts right here, while main_span is current
    CHECK(current_span_in(slot) == &main_span);  // the handler did not disturb the main loop's current span
    Span after = g_tracer.start_span("after-isr");
  }
  board::set_irq_handler(kIrqSpan, nullptr, 0);
  CHECK(g_isr_saw_current == nullptr);  // the handler's context starts with no current span
  CHECK(g_isr_child_parent_slot != nullptr);
  g_collected.drain(g_tracer);
  CHECK(g_collected.parsed_all);
  CHECK_EQ(g_collected.count, 4u);
  const SpanRecordReader* main_span = g_collected.find("main");
  const SpanRecordReader* isr = g_collected.find("isr");
  const SpanRecordReader* isr_child = g_collected.find("isr-child");
  const SpanRecordReader* after = g_collected.find("after-isr");
  CHECK(main_span && isr && isr_child && after);
  if (!(main_span && isr && isr_child && after)) return;
  CHECK(all_zero(isr->head().parent_span_id, 8));                       // a root span
  CHECK(!same(isr->head().trace_id, main_span->head().trace_id, 16));   // of its own trace
  CHECK(same(isr_child->head().parent_span_id, isr->head().span_id, 8));
  CHECK(same(isr_child->head().trace_id, isr->head().trace_id, 16));
  CHECK(same(after->head().parent_span_id, main_span->head().span_id, 8));
  // The interrupt ran inside main's lifetime.
  CHECK(isr->head().start_unix_ns >= main_span->head().start_unix_ns);
  CHECK(isr->head().end_unix_ns <= main_span->head().end_unix_ns);
}

volatile std::uint32_t g_ticks = 0;
void timer_span() {
  board::timer0_clear();
  Span tick = g_tracer.start_span("tick");
  tick.set_attribute("n", static_cast<std::int64_t>(g_ticks));
  g_ticks = g_ticks + 1;
}

void test_timer_interrupt_spans() {
  check::section("spans from a periodic timer interrupt");
  g_ticks = 0;
  tracelet::TracerCounters before = g_tracer.counters();
  board::set_irq_handler(board::kTimer0Irq, timer_span, 0x20);
  board::timer0_start(25000);  // 1 ms
  std::uint64_t last_start = 0;
  std::int64_t last_n = -1;
  std::uint32_t ticks_seen = 0;
  std::uint32_t loop_spans = 0;
  std::uint32_t loop_seen = 0;
  bool ordered = true;
  bool parsed = true;
  std::uint32_t start = board::reference_ticks();
  while (board::reference_ticks() - start < board::kCoreClockHz / 50u) {  // 20 ms
    {
      Span busy = g_tracer.start_span("main-loop");  // the main loop records meanwhile
      ++loop_spans;
    }
    g_collected.drain(g_tracer);  // ...and exports, so the ring never runs full
    parsed = parsed && g_collected.parsed_all;
    for (std::size_t i = 0; i < g_collected.count; ++i) {
      const SpanRecordReader& span = g_collected.spans[i];
      if (span.name() == "main-loop") ++loop_seen;
      if (span.name() != "tick") continue;
      ++ticks_seen;
      tracelet::detail::AttributeEntry n;
      tracelet::detail::AttributeReader attributes = span.attributes();
      if (!attributes.next(n) || n.key != "n" || n.value.as_int() != last_n + 1) ordered = false;
      last_n = n.value.as_int();
      if (span.head().start_unix_ns < last_start ||
          span.head().end_unix_ns < span.head().start_unix_ns) {
        ordered = false;
      }
      last_start = span.head().start_unix_ns;
    }
  }
  board::timer0_stop();
  board::set_irq_handler(board::kTimer0Irq, nullptr, 0);
  g_collected.drain(g_tracer);
  for (std::size_t i = 0; i < g_collected.count; ++i) {
    if (g_collected.spans[i].name() == "tick") ++ticks_seen;
    if (g_collected.spans[i].name() == "main-loop") ++loop_seen;
  }
  tracelet::TracerCounters after = g_tracer.counters();
  board::write("  timer spans ");
  board::write_uint(g_ticks);
  board::write(", main-loop spans ");
  board::write_uint(loop_spans);
  board::write("\n");
  CHECK(parsed);
  CHECK(ordered);
  CHECK(g_ticks >= 19u && g_ticks <= 21u);
  CHECK_EQ(ticks_seen, g_ticks);
  CHECK_EQ(loop_seen, loop_spans);
  CHECK_EQ(after.spans_recorded - before.spans_recorded, g_ticks + loop_spans);
  CHECK_EQ(after.spans_dropped_full, before.spans_dropped_full);
}

void test_full_ring_counts_drops() {
  check::section("a full ring drops and counts");
  tracelet::TracerCounters before = g_tracer.counters();
  std::uint32_t started = 0;
  while (g_tracer.counters().spans_dropped_full == before.spans_dropped_full && started < 10000) {
    Span filler = g_tracer.start_span("filler");
    filler.set_attribute("i", static_cast<std::int64_t>(started));
    ++started;
  }
  // As large as a filler (a name of the same length, the same attribute), so none fits
  // where the filler did not: how much room is left once a filler is dropped depends on
  // where earlier tests left the ring's head.
  for (int i = 0; i < 5; ++i) {
    Span more = g_tracer.start_span("excess");
    more.set_attribute("i", static_cast<std::int64_t>(i));
    ++started;
  }
  tracelet::TracerCounters after = g_tracer.counters();
  std::uint64_t recorded = after.spans_recorded - before.spans_recorded;
  std::uint64_t dropped = after.spans_dropped_full - before.spans_dropped_full;
  CHECK(started < 10000u);
  CHECK_EQ(dropped, 6u);
  CHECK_EQ(recorded + dropped, started);
  g_collected.drain(g_tracer);
  std::uint32_t fillers = 0;
  for (std::size_t i = 0; i < g_collected.count; ++i) {
    if (g_collected.spans[i].name() == "filler") ++fillers;
    if (g_collected.spans[i].name() == "excess") CHECK(false);  // dropped, so never delivered
  }
  CHECK_EQ(fillers, recorded);
  CHECK(g_collected.parsed_all);
}

void test_timing() {
  check::section("span timing vs. an independent counter");
  std::uint32_t a = board::reference_ticks();
  std::uint32_t b = 0;
  std::uint32_t c = 0;
  {
    Span timed = g_tracer.start_span("timed");
    b = board::reference_ticks();
    while (board::reference_ticks() - b < board::kCoreClockHz / 1000u) {  // 1 ms
    }
    c = board::reference_ticks();
  }
  std::uint32_t d = board::reference_ticks();
  g_collected.drain(g_tracer);
  const SpanRecordReader* timed = g_collected.find("timed");
  CHECK(timed != nullptr);
  if (timed == nullptr) return;
  std::uint64_t duration = timed->head().end_unix_ns - timed->head().start_unix_ns;
  board::write("  1 ms busy span measured ");
  board::write_uint(duration);
  board::write(" ns\n");
  CHECK(duration + 100u >= std::uint64_t{c - b} * kNsPerTick);
  CHECK(duration <= std::uint64_t{d - a} * kNsPerTick + 100u);
}

// ---- exporters on the target -------------------------------------------------------------------
unsigned g_lines = 0;
bool g_lines_ok = true;
bool g_parent_line_ok = false;
void count_line(void*, const char* line, std::size_t len) {
  ++g_lines;
  if (len == 0 || std::strlen(line) != len) g_lines_ok = false;
  std::string_view text(line, len);
  if (text.find("name=\"export-me\"") != std::string_view::npos) {
    // newlib-nano's printf has no 64-bit conversions: a core that formats with PRIu64 prints
    // "lu" here instead of numbers. Check that the numbers really came out.
    std::size_t duration = text.find("duration=");
    g_parent_line_ok = text.find("count=42") != std::string_view::npos &&
                       text.find("ok=true") != std::string_view::npos &&
                       duration != std::string_view::npos && duration + 9 < len &&
                       text[duration + 9] >= '0' && text[duration + 9] <= '9';
  }
  board::write("  ");
  board::write(line);
  board::write("\n");
}

struct CountingSink {
  std::size_t bytes = 0;
  std::uint8_t first = 0;
};
bool sink_write(pb_ostream_t* stream, const pb_byte_t* buf, std::size_t count) {
  auto* sink = static_cast<CountingSink*>(stream->state);
  if (sink->bytes == 0 && count != 0) sink->first = buf[0];
  sink->bytes += count;
  return true;
}

void test_exporters() {
  check::section("console exporter and OTLP encoder on the target");
  {
    Span parent = g_tracer.start_span("export-me");
    parent.set_attribute("ok", true);
    parent.set_attribute("count", 42);
    Span child = g_tracer.start_span("child");
  }
  tracelet::Batch batch;
  CHECK(g_tracer.ring().peek_batch(batch, 8) == Status::kOk);
  tracelet::otlp::RequestSource source;
  source.ring = &g_tracer.ring();
  source.batch = batch;
  source.resource = g_tracer.resource();
  std::size_t size = 0;
  CHECK(tracelet::otlp::request_size(source, size));
  CountingSink sink;
  pb_ostream_t stream = {&sink_write, &sink, SIZE_MAX, 0, nullptr};
  std::size_t skipped = 99;
  CHECK(tracelet::otlp::encode_request(source, &stream, &skipped));
  CHECK_EQ(skipped, 0u);
  CHECK(size > 60u);
  CHECK_EQ(sink.bytes, size);
  CHECK_EQ(sink.first, (1u << 3) | 2u);  // field 1 (resource_spans), length-delimited
  g_tracer.ring().release(batch);
  tracelet::ConsoleExporter console;
  console.write = count_line;
  std::size_t printed = tracelet::export_to_console(g_tracer, console);
  CHECK_EQ(printed, 2u);
  CHECK_EQ(g_lines, 2u);
  CHECK(g_lines_ok);
  CHECK(g_parent_line_ok);
  CHECK_EQ(g_tracer.ring().used_bytes(), 0u);
}

}  // namespace

int main() {
  board::write("span recording on Cortex-M4 (MPS2-AN386)\n");
  if (tracelet::cortex_m::init(board::kCoreClockHz) != Status::kOk) {
    board::write("cortex_m::init failed\n");
    return 1;
  }
  test_init();
  test_nested_main_spans();
  test_spans_from_interrupt();
  test_timer_interrupt_spans();
  test_full_ring_counts_drops();
  test_timing();
  test_exporters();
  g_tracer.shutdown();
  return check::finish();
}
