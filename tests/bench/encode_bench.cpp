// OTLP encoding throughput, as the exporter runs it: the sizing walk (for Content-Length,
// keeping each span's size) and the encoding, writing every byte into a buffer. Before timing, the bytes are decoded with
// nanopb's generated decoder and the span count is checked, so the benchmark measures an
// encoder that produces a real request. The floor is a memcpy of the same number of bytes.
#include <benchmark/benchmark.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/encode.h"
#include "tracelet/tracelet.h"

namespace {

// A ring holding `count` spans of the README's shape (name + int + string attribute).
struct Spans {
  explicit Spans(std::size_t count) {
    tracelet::Options options;
    options.service_name = "bench";
    options.ring_memory = tracelet::ByteSpan{memory.data(), memory.size()};
    if (tracer.init(options) != tracelet::Status::kOk) std::abort();
    for (std::size_t i = 0; i < count; ++i) {
      auto span = tracer.start_span("read-sensor");
      span.set_attribute("sensor.id", static_cast<std::int64_t>(i));
      span.set_attribute("unit", "celsius");
    }
    if (tracer.ring().peek_batch(batch, count) != tracelet::Status::kOk) std::abort();
    source.ring = &tracer.ring();
    source.batch = batch;
    source.resource = tracer.resource();
  }
  std::vector<std::uint8_t> memory = std::vector<std::uint8_t>(1 << 20);
  tracelet::Tracer tracer;
  tracelet::Batch batch;
  tracelet::otlp::RequestSource source;
};

bool count_span(pb_istream_t* stream, const pb_field_t*, void** arg) {
  ++*static_cast<std::size_t*>(*arg);
  return pb_read(stream, nullptr, stream->bytes_left);
}
bool count_scope_spans(pb_istream_t* stream, const pb_field_t*, void** arg) {
  opentelemetry_proto_trace_v1_ScopeSpans scope = opentelemetry_proto_trace_v1_ScopeSpans_init_zero;
  scope.spans.funcs.decode = count_span;
  scope.spans.arg = *arg;
  return pb_decode(stream, opentelemetry_proto_trace_v1_ScopeSpans_fields, &scope);
}
bool count_resource_spans(pb_istream_t* stream, const pb_field_t*, void** arg) {
  opentelemetry_proto_trace_v1_ResourceSpans rs = opentelemetry_proto_trace_v1_ResourceSpans_init_zero;
  rs.scope_spans.funcs.decode = count_scope_spans;
  rs.scope_spans.arg = *arg;
  return pb_decode(stream, opentelemetry_proto_trace_v1_ResourceSpans_fields, &rs);
}
// Spans in an encoded request, or -1 if nanopb cannot decode it.
long decoded_spans(const std::uint8_t* data, std::size_t len) {
  std::size_t spans = 0;
  opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest request =
      opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_init_zero;
  request.resource_spans.funcs.decode = count_resource_spans;
  request.resource_spans.arg = &spans;
  pb_istream_t in = pb_istream_from_buffer(data, len);
  if (!pb_decode(&in, opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_fields, &request)) return -1;
  return static_cast<long>(spans);
}

void BM_EncodeBatch(benchmark::State& state) {
  Spans spans(static_cast<std::size_t>(state.range(0)));
  std::vector<std::uint8_t> out(1 << 20);
  std::size_t size = 0;
  {
    pb_ostream_t check = pb_ostream_from_buffer(out.data(), out.size());
    if (!tracelet::otlp::request_size(spans.source, size) || !tracelet::otlp::encode_request(spans.source, &check) ||
        check.bytes_written != size || decoded_spans(out.data(), size) != static_cast<long>(spans.batch.count)) {
      state.SkipWithError("the encoder's output does not decode to the batch");
      return;
    }
  }
  std::vector<std::uint16_t> span_sizes(spans.batch.count);  // as an Exporter keeps them
  for (auto _ : state) {
    tracelet::otlp::RequestPlan plan;
    plan.span_sizes = span_sizes.data();
    plan.span_size_cap = span_sizes.size();
    pb_ostream_t sink = pb_ostream_from_buffer(out.data(), out.size());
    if (!tracelet::otlp::plan_request(spans.source, plan) ||
        !tracelet::otlp::encode_request(spans.source, plan, &sink) || sink.bytes_written != size) {
      state.SkipWithError("encode failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(spans.batch.count));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
  state.counters["bytes_per_span"] = static_cast<double>(size) / static_cast<double>(spans.batch.count);
}
BENCHMARK(BM_EncodeBatch)->Arg(1)->Arg(64)->Arg(512);

// The floor: copying the same request bytes from one buffer to another.
void BM_CopyEncodedBatch(benchmark::State& state) {
  Spans spans(static_cast<std::size_t>(state.range(0)));
  std::vector<std::uint8_t> encoded(1 << 20);
  std::vector<std::uint8_t> out(1 << 20);
  pb_ostream_t sink = pb_ostream_from_buffer(encoded.data(), encoded.size());
  if (!tracelet::otlp::encode_request(spans.source, &sink)) std::abort();
  const std::size_t size = sink.bytes_written;
  for (auto _ : state) {
    std::memcpy(out.data(), encoded.data(), size);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(spans.batch.count));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}
BENCHMARK(BM_CopyEncodedBatch)->Arg(512);

}  // namespace

BENCHMARK_MAIN();
