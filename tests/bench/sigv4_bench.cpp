// CPU cost of SigV4-signed request bodies per span: one batch of demo-like spans encoded as
// the exporter does it, unsigned (sizing pass + writing pass: the floor) and signed (sizing
// pass + a hashing pass into the signer + the signature + the writing pass), into sinks that
// only count. Reports ns per span (the per-iteration time / batch size).
#include <benchmark/benchmark.h>
#include <pb_encode.h>

#include <cstdlib>

#include "otlp/encode.h"
#include "tracelet/sigv4.h"
#include "tracelet/tracelet.h"

namespace {

struct Recorded {
  tracelet::Tracer tracer;
  tracelet::otlp::RequestSource source;
};

void record_demo(Recorded& r, std::size_t spans) {
  static std::uint8_t memory[4 << 20];
  tracelet::Options options;
  options.service_name = "sensor-node";
  options.ring_memory = tracelet::ByteSpan{memory, sizeof memory};
  if (r.tracer.init(options) != tracelet::Status::kOk) std::abort();
  for (std::size_t i = 0; i < spans; ++i) {
    auto span = r.tracer.start_span(i % 2 ? "read-sensor" : "publish");
    span.set_attribute("sensor.id", "thermistor-0");
    span.set_attribute("value", 21.0 + static_cast<double>(i % 13) * 0.07);
    span.set_attribute("seq", static_cast<std::int64_t>(i));
  }
  tracelet::Batch batch;
  if (r.tracer.ring().peek_batch(batch, spans) != tracelet::Status::kOk || batch.count != spans) std::abort();
  r.source.ring = &r.tracer.ring();
  r.source.batch = batch;
  r.source.resource = r.tracer.resource();
}

bool encode_counting(const tracelet::otlp::RequestSource& source, std::size_t& bytes) {
  std::size_t size = 0;
  pb_ostream_t sink = PB_OSTREAM_SIZING;
  const bool ok = tracelet::otlp::request_size(source, size) && tracelet::otlp::encode_request(source, &sink);
  bytes = sink.bytes_written;
  return ok;
}

void BM_BodyUnsigned(benchmark::State& state) {
  Recorded r;
  record_demo(r, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::size_t bytes = 0;
    if (!encode_counting(r.source, bytes)) {
      state.SkipWithError("encode failed");
      break;
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

tracelet::RequestSigner* g_signer = nullptr;

bool hash_write(pb_ostream_t*, const pb_byte_t* buf, std::size_t count) {
  g_signer->body(g_signer->ctx, buf, count);
  return true;
}

void BM_BodySigned(benchmark::State& state) {
  Recorded r;
  record_demo(r, static_cast<std::size_t>(state.range(0)));
  static std::uint64_t now = 1796342399;
  tracelet::SigV4Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  c.region = "us-east-1";
  c.service = "xray";
  c.now_unix_s = [](void*) { return now; };
  static tracelet::SigV4Signer signer;
  if (signer.init(c) != tracelet::Status::kOk) std::abort();
  tracelet::RequestSigner s = signer.request_signer();
  g_signer = &s;
  tracelet::SignedRequest request;
  request.host = "xray.us-east-1.amazonaws.com";
  request.target = "/v1/traces";
  request.content_type = "application/x-protobuf";
  for (auto _ : state) {
    s.begin(s.ctx);
    pb_ostream_t hash = {&hash_write, nullptr, SIZE_MAX, 0, nullptr};
    std::size_t bytes = 0;
    tracelet::HttpHeader headers[6];
    if (!tracelet::otlp::encode_request(r.source, &hash) || s.sign(s.ctx, request, headers, 6) == 0 ||
        !encode_counting(r.source, bytes)) {
      state.SkipWithError("signing failed");
      break;
    }
    benchmark::DoNotOptimize(headers);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_BodyUnsigned)->Arg(64)->Arg(512);
BENCHMARK(BM_BodySigned)->Arg(64)->Arg(512);

}  // namespace

BENCHMARK_MAIN();
