// OTLP encoding throughput: spans/s and bytes/span through the nanopb encoder, sizing pass
// (for Content-Length) included, as the exporter does it.
#include <benchmark/benchmark.h>
#include <pb_encode.h>

#include "otlp/encode.h"
#include "tracelet/tracelet.h"

namespace {

void BM_EncodeBatch(benchmark::State& state) {
  const auto batch_size = static_cast<std::size_t>(state.range(0));
  static std::uint8_t memory[1 << 20];
  tracelet::Tracer tracer;
  tracelet::Options options;
  options.service_name = "bench";
  options.ring_memory = tracelet::ByteSpan{memory, sizeof memory};
  if (tracer.init(options) != tracelet::Status::kOk) std::abort();
  for (std::size_t i = 0; i < batch_size; ++i) {
    auto span = tracer.start_span("read-sensor");
    span.set_attribute("sensor.id", static_cast<std::int64_t>(i));
    span.set_attribute("unit", "celsius");
  }
  tracelet::Batch batch;
  if (tracer.ring().peek_batch(batch, batch_size) != tracelet::Status::kOk) std::abort();
  tracelet::otlp::RequestSource source;
  source.ring = &tracer.ring();
  source.batch = batch;
  source.resource = tracer.resource();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::size_t size = 0;
    pb_ostream_t sink = PB_OSTREAM_SIZING;
    if (!tracelet::otlp::request_size(source, size) ||
        !tracelet::otlp::encode_request(source, &sink)) {
      state.SkipWithError("encode failed");
      break;
    }
    bytes = sink.bytes_written;
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch.count));
  state.counters["bytes_per_span"] = static_cast<double>(bytes) / static_cast<double>(batch.count);
}
BENCHMARK(BM_EncodeBatch)->Arg(1)->Arg(64)->Arg(512);

}  // namespace

BENCHMARK_MAIN();
