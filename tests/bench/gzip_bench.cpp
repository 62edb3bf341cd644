// CPU cost of gzip request bodies per span: one batch of demo-like spans (the four spans of a
// boards/demo/sensor_node cycle: sensor-cycle, read-sensor, filter, publish) encoded as the
// exporter does it, uncompressed (sizing pass + writing pass: the floor) and through
// tracelet::gzip (one encoding pass into the compressor), both into sinks that only count.
// Reports ns per span (the per-iteration time / batch size) and body bytes per span.
#include <benchmark/benchmark.h>
#include <pb_encode.h>

#include "otlp/encode.h"
#include "tracelet/gzip.h"
#include "tracelet/tracelet.h"

namespace {

struct Recorded {
  tracelet::Tracer tracer;
  tracelet::otlp::RequestSource source;
};

// Records `cycles` demo cycles (4 spans each) and claims them as one batch.
void record_demo(Recorded& r, std::size_t cycles) {
  static std::uint8_t memory[4 << 20];
  tracelet::Options options;
  options.service_name = "sensor-node";
  options.ring_memory = tracelet::ByteSpan{memory, sizeof memory};
  if (r.tracer.init(options) != tracelet::Status::kOk) std::abort();
  for (std::size_t c = 0; c < cycles; ++c) {
    auto cycle = r.tracer.start_span("sensor-cycle");
    cycle.set_attribute("cycle", static_cast<std::int64_t>(c));
    {
      auto read = r.tracer.start_span("read-sensor");
      read.set_attribute("sensor.id", "thermistor-0");
      read.set_attribute("bus", "i2c-1");
      read.set_attribute("sensor.raw_celsius", 21.0 + static_cast<double>(c % 17) * 0.13);
    }
    {
      auto filter = r.tracer.start_span("filter");
      filter.set_attribute("filter.kind", "ema");
      filter.set_attribute("filter.alpha", 0.2);
      filter.set_attribute("filter.samples", static_cast<std::int64_t>(c + 1));
    }
    {
      tracelet::StartOptions producer;
      producer.kind = tracelet::SpanKind::kProducer;
      auto publish = r.tracer.start_span("publish", producer);
      publish.set_attribute("messaging.system", "mqtt");
      publish.set_attribute("messaging.destination.name", "sensors/thermistor-0");
      publish.set_attribute("value", 21.0 + static_cast<double>(c % 13) * 0.07);
    }
  }
  tracelet::Batch batch;
  if (r.tracer.ring().peek_batch(batch, cycles * 4) != tracelet::Status::kOk || batch.count != cycles * 4) {
    std::abort();
  }
  r.source.ring = &r.tracer.ring();
  r.source.batch = batch;
  r.source.resource = r.tracer.resource();
}

void BM_BodyUncompressed(benchmark::State& state) {
  Recorded r;
  record_demo(r, static_cast<std::size_t>(state.range(0)) / 4);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::size_t size = 0;
    pb_ostream_t sink = PB_OSTREAM_SIZING;
    if (!tracelet::otlp::request_size(r.source, size) || !tracelet::otlp::encode_request(r.source, &sink)) {
      state.SkipWithError("encode failed");
      break;
    }
    bytes = sink.bytes_written;
    benchmark::DoNotOptimize(bytes);
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
  Recorded r;
  record_demo(r, static_cast<std::size_t>(state.range(0)) / 4);
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
