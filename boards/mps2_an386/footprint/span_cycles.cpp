// Cost of span start and span end, and of encoding a span as OTLP, on the Cortex-M4 model,
// for tools/cross/footprint.sh.
// QEMU runs with -icount shift=0: virtual time advances exactly 1 ns per executed instruction,
// so the 25 MHz CMSDK timer (board::reference_ticks, 40 instructions per tick) measures
// instructions. Single measurements are quantised to 40; averaging many spans, with the cost
// of reading the counter itself subtracted, gives the mean to a fraction of an instruction.
// These are instruction counts, not cycles: a real Cortex-M4 needs more cycles than
// instructions (loads, taken branches, flash wait states).
#include <cstdint>

#include <pb_encode.h>

#include "board.h"
#include "otlp/encode.h"
#include "tracelet/tracer.h"
#include "tracelet_cortex_m.h"

namespace {

constexpr int kRounds = 2000;
constexpr int kEncodeBatch = 64;
constexpr int kEncodeRounds = 20;
alignas(8) std::uint8_t g_ring[16384];
std::uint8_t g_request[16384];
std::uint16_t g_span_sizes[kEncodeBatch];
tracelet::Tracer g_tracer;

void report(const char* what, std::uint64_t milli_instructions) {
  board::write("cycles: ");
  board::write(what);
  board::write(" ");
  board::write_uint(milli_instructions / 1000u);
  board::write(".");
  std::uint64_t frac = (milli_instructions % 1000u) / 100u;
  board::write_uint(frac);
  board::write(" instructions\n");
}

void drain() {
  tracelet::Batch batch;
  while (g_tracer.ring().peek_batch(batch, 64) == tracelet::Status::kOk) g_tracer.ring().commit(batch);
}

}  // namespace

int main() {
  if (tracelet::cortex_m::init(board::kCoreClockHz) != tracelet::Status::kOk) return 1;
  tracelet::Options options;
  options.service_name = "cycles";
  options.ring_memory = tracelet::ByteSpan{g_ring, sizeof g_ring};
  if (g_tracer.init(options) != tracelet::Status::kOk) return 1;
  (void)board::reference_ticks();  // start the counter

  std::uint64_t overhead = 0;  // ticks of one reference_ticks() pair
  for (int i = 0; i < kRounds; ++i) {
    std::uint32_t a = board::reference_ticks();
    std::uint32_t b = board::reference_ticks();
    overhead += b - a;
  }
  std::uint64_t start_ticks = 0;
  std::uint64_t end_ticks = 0;
  std::uint64_t attr_ticks = 0;
  for (int i = 0; i < kRounds; ++i) {
    if ((i & 63) == 0) drain();  // keep the ring from filling (outside the timed parts)
    std::uint32_t t0 = board::reference_ticks();
    tracelet::Span span = g_tracer.start_span("op");
    std::uint32_t t1 = board::reference_ticks();
    span.set_attribute("n", i);
    std::uint32_t t2 = board::reference_ticks();
    span.end();
    std::uint32_t t3 = board::reference_ticks();
    start_ticks += t1 - t0;
    attr_ticks += t2 - t1;
    end_ticks += t3 - t2;
  }
  if (g_tracer.counters().spans_dropped_full != 0) return 1;
  // milli-instructions per operation: ticks * 40 ns/tick * 1 instruction/ns * 1000 / rounds
  auto per_op = [](std::uint64_t ticks, std::uint64_t base) {
    std::uint64_t net = ticks > base ? ticks - base : 0;
    return net * 40u * 1000u / kRounds;
  };
  report("counter_read_overhead", overhead * 40u * 1000u / kRounds);
  report("span_start", per_op(start_ticks, overhead));
  report("set_attribute_int", per_op(attr_ticks, overhead));
  report("span_end", per_op(end_ticks, overhead));

  // Encoding, as an exporter runs it (sizing walk for the length, then the bytes, written
  // into a buffer), for batches of the README's span: a name, an int and a string attribute.
  drain();
  for (int i = 0; i < kEncodeBatch; ++i) {
    tracelet::Span span = g_tracer.start_span("read-sensor");
    span.set_attribute("sensor.id", i);
    span.set_attribute("unit", "celsius");
  }
  tracelet::otlp::RequestSource source;
  source.ring = &g_tracer.ring();
  source.resource = g_tracer.resource();
  if (g_tracer.ring().peek_batch(source.batch, kEncodeBatch) != tracelet::Status::kOk ||
      source.batch.count != kEncodeBatch) {
    return 1;
  }
  std::uint64_t encode_ticks = 0;
  std::size_t written = 0;
  for (int i = 0; i < kEncodeRounds; ++i) {
    std::uint32_t t0 = board::reference_ticks();
    tracelet::otlp::RequestPlan plan;
    plan.span_sizes = g_span_sizes;
    plan.span_size_cap = kEncodeBatch;
    pb_ostream_t out = pb_ostream_from_buffer(g_request, sizeof g_request);
    const bool ok = tracelet::otlp::plan_request(source, plan) && tracelet::otlp::encode_request(source, plan, &out);
    std::uint32_t t1 = board::reference_ticks();
    if (!ok || out.bytes_written != plan.bytes) return 1;
    written = out.bytes_written;
    encode_ticks += t1 - t0;
  }
  const std::uint64_t encode_base = overhead * kEncodeRounds / kRounds;
  const std::uint64_t encode_net = encode_ticks > encode_base ? encode_ticks - encode_base : 0;
  report("encode_per_span", encode_net * 40u * 1000u / (kEncodeRounds * kEncodeBatch));
  board::write("cycles: encoded_bytes_per_span ");
  board::write_uint(written / kEncodeBatch);
  board::write("\n");
  return 0;
}
