// Spans survive a warm reset on the device: the Tracer and its ring live in .noinit. First
// boot records spans (one still open when the reset hits) and resets with SYSRESETREQ, as a
// watchdog or fault handler would; the second boot's init() adopts the ring, and the spans
// recorded before the reset are there, intact, ready for the exporter.
#include <cstdint>
#include <cstring>

#include "board.h"
#include "check.h"
#include "core/span_record.h"
#include "tracelet/tracelet.h"
#include "tracelet_cortex_m.h"

namespace {

constexpr std::uint32_t kFirstBootDone = 0x5EA1ED01u;
__attribute__((section(".noinit"))) std::uint32_t g_boot_marker;
__attribute__((section(".noinit"))) alignas(8) std::uint8_t g_ring_memory[4096];
// GCC accepts only zero-initialised objects in .noinit, and a constructor would wipe the ring
// state at every boot: keep raw storage and use it as the Tracer without constructing it.
// init_keeping_ring() trusts nothing in it that Ring::adopt() cannot verify.
__attribute__((section(".noinit"))) alignas(tracelet::Tracer) unsigned char g_tracer_storage[sizeof(tracelet::Tracer)];
tracelet::Tracer& g_tracer = *reinterpret_cast<tracelet::Tracer*>(g_tracer_storage);

[[noreturn]] void system_reset() {
  __asm__ volatile("dsb" ::: "memory");
  *reinterpret_cast<volatile std::uint32_t*>(0xE000ED0Cu) = 0x05FA0000u | (1u << 2);  // SYSRESETREQ
  __asm__ volatile("dsb" ::: "memory");
  for (;;) {
  }
}

tracelet::Options options() {
  tracelet::Options o;
  o.service_name = "warm-reset-test";
  o.ring_memory = tracelet::ByteSpan{g_ring_memory, sizeof g_ring_memory};
  return o;
}

}  // namespace

int main() {
  if (tracelet::cortex_m::init(board::kCoreClockHz) != tracelet::Status::kOk) {
    board::write("cortex_m::init failed\n");
    return 1;
  }
  if (g_boot_marker != kFirstBootDone) {
    board::write("first boot: recording spans, then SYSRESETREQ\n");
    CHECK(g_tracer.init_keeping_ring(options()) == tracelet::Status::kOk);
    CHECK(!g_tracer.adopted_ring());
    {
      auto outer = g_tracer.start_span("before-reset");
      outer.set_attribute("boot", 1);
      auto inner = g_tracer.start_span("flash-write");
      inner.set_attribute("sector", 7);
    }
    auto open_span = g_tracer.start_span("interrupted");  // never ends: the reset hits first
    g_boot_marker = kFirstBootDone;
    system_reset();
  }
  board::write("second boot: adopting the ring\n");
  g_boot_marker = 0;  // the next cold run starts over
  CHECK(g_tracer.init_keeping_ring(options()) == tracelet::Status::kOk);
  CHECK(g_tracer.adopted_ring());
  tracelet::Batch batch;
  CHECK(g_tracer.ring().peek_batch(batch, 10) == tracelet::Status::kOk);
  CHECK_EQ(batch.count, 2u);
  tracelet::RecordCursor cursor = g_tracer.ring().cursor(batch);
  const std::uint8_t* data = nullptr;
  std::size_t len = 0;
  tracelet::detail::SpanRecordReader inner;
  tracelet::detail::SpanRecordReader outer;
  CHECK(g_tracer.ring().next(cursor, data, len) && inner.parse(data, len));
  CHECK(g_tracer.ring().next(cursor, data, len) && outer.parse(data, len));
  CHECK(inner.name() == "flash-write");
  CHECK(outer.name() == "before-reset");
  CHECK(std::memcmp(inner.head().parent_span_id, outer.head().span_id, 8) == 0);
  CHECK(std::memcmp(inner.head().trace_id, outer.head().trace_id, 16) == 0);
  CHECK(inner.head().start_unix_ns <= inner.head().end_unix_ns);
  CHECK_EQ(inner.live_attribute_count(), 1u);
  g_tracer.ring().commit(batch);
  return check::finish();
}
