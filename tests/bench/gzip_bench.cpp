// CPU cost of gzip request bodies per span: one batch of demo-like spans (the four spans of a
// boards/demo/sensor_node cycle: sensor-cycle, read-sensor, filter, publish) encoded as the
// exporter does it, uncompressed (sizing pass + writing pass into a buffer: the floor) and
// through tracelet::gzip (one encoding pass into the compressor, whose output is counted).
// Reports ns per span (the per-iteration time / batch size) and body bytes per span.
#include <benchmark/benchmark.h>
#include <pb_encode.h>

#include "recorded_batch.h"
#include "tracelet/gzip.h"

namespace {

std::uint8_t g_body[1 << 20];  // the floor's output: 512 demo spans are ~100 KB

void BM_BodyUncompressed(benchmark::State& state) {
  bench::RecordedBatch r;
  bench::record_demo_cycles(r, static_cast<std::size_t>(state.range(0)) / 4);
  std::size_t bytes = 0;
  for (auto _ : state) {
    bytes = bench::encode_into(r.source, g_body, sizeof g_body);
    if (bytes == 0) {
      state.SkipWithError("encode failed");
      break;
    }
    benchmark::DoNotOptimize(g_body);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["body_bytes_per_span"] = static_cast<double>(bytes) / static_cast<double>(state.range(0));
}

struct Counting {
  std::size_t bytes = 0;
  static bool sink(void* ctx, const std::uint8_t*, std::size_t len) {
    static_cast<Counting*>(ctx)->bytes += len;
    return true;
  }
};

struct Into {
  tracelet::Compressor* c;
  Counting* out;
  static bool write(pb_ostream_t* stream, const pb_byte_t* buf, std::size_t count) {
    auto* self = static_cast<Into*>(stream->state);
    return self->c->write(self->c->ctx, buf, count, false, &Counting::sink, self->out);
  }
};

void BM_BodyGzip(benchmark::State& state) {
  bench::RecordedBatch r;
  bench::record_demo_cycles(r, static_cast<std::size_t>(state.range(0)) / 4);
  tracelet::GzipCompressor gzip;
  tracelet::GzipOptions options;
  options.level = static_cast<int>(state.range(1));
  if (gzip.init(options) != tracelet::Status::kOk) std::abort();
  tracelet::Compressor c = gzip.compressor();
  std::size_t plain = 0, compressed = 0;
  for (auto _ : state) {
    Counting out;
    Into into{&c, &out};
    pb_ostream_t stream = {&Into::write, &into, SIZE_MAX, 0, nullptr};
    if (!c.begin(c.ctx) || !tracelet::otlp::encode_request(r.source, &stream) ||
        !c.write(c.ctx, nullptr, 0, true, &Counting::sink, &out)) {
      state.SkipWithError("gzip failed");
      break;
    }
    plain = stream.bytes_written;
    compressed = out.bytes;
    benchmark::DoNotOptimize(compressed);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["body_bytes_per_span"] = static_cast<double>(compressed) / static_cast<double>(state.range(0));
  state.counters["ratio"] = static_cast<double>(compressed) / static_cast<double>(plain);
}

}  // namespace

BENCHMARK(BM_BodyUncompressed)->Arg(512)->Arg(64);
BENCHMARK(BM_BodyGzip)->Args({512, 6})->Args({512, 1})->Args({64, 6});
BENCHMARK_MAIN();
