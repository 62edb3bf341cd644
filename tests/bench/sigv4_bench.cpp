// CPU cost of SigV4-signed request bodies per span: one batch of demo-like spans encoded as
// the exporter does it, unsigned (sizing pass + writing pass into a buffer: the floor) and
// signed (a hashing pass into the signer + the signature + sizing + writing into a buffer).
// Reports ns per span (the per-iteration time / batch size).
#include <benchmark/benchmark.h>
#include <pb_encode.h>

#include <cstdlib>

#include "recorded_batch.h"
#include "tracelet/sigv4.h"

namespace {

std::uint8_t g_body[1 << 20];  // the written body: 512 demo spans are ~100 KB

void BM_BodyUnsigned(benchmark::State& state) {
  bench::RecordedBatch r;
  bench::record_demo_cycles(r, static_cast<std::size_t>(state.range(0)) / 4);
  for (auto _ : state) {
    if (bench::encode_into(r.source, g_body, sizeof g_body) == 0) {
      state.SkipWithError("encode failed");
      break;
    }
    benchmark::DoNotOptimize(g_body);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

tracelet::RequestSigner* g_signer = nullptr;

bool hash_write(pb_ostream_t*, const pb_byte_t* buf, std::size_t count) {
  g_signer->body(g_signer->ctx, buf, count);
  return true;
}

void BM_BodySigned(benchmark::State& state) {
  bench::RecordedBatch r;
  bench::record_demo_cycles(r, static_cast<std::size_t>(state.range(0)) / 4);
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
    tracelet::HttpHeader headers[6];
    if (!tracelet::otlp::encode_request(r.source, &hash) || s.sign(s.ctx, request, headers, 6) == 0 ||
        bench::encode_into(r.source, g_body, sizeof g_body) == 0) {
      state.SkipWithError("signing failed");
      break;
    }
    benchmark::DoNotOptimize(headers);
    benchmark::DoNotOptimize(g_body);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_BodyUnsigned)->Arg(64)->Arg(512);
BENCHMARK(BM_BodySigned)->Arg(64)->Arg(512);

}  // namespace

BENCHMARK_MAIN();
