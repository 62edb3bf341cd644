// The receiver's CPU per span without TLS or sockets: decoding one request of demo-like spans
// (decode_export_request) and writing its JSON Lines (write_jsonl), next to the floor of
// copying the same request bytes once. These two are the receiver's own share of
// export_bench's receiver CPU; the rest is TLS and the kernel. Reports ns per span.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "otlp_decode.h"
#include "recorded_batch.h"
#include "report.h"

namespace {

std::vector<std::uint8_t> demo_request(std::size_t spans) {
  bench::RecordedBatch r;
  bench::record_demo_cycles(r, spans / 4);
  std::vector<std::uint8_t> body(1 << 20);
  const std::size_t size = bench::encode_into(r.source, body.data(), body.size());
  if (size == 0) std::abort();
  body.resize(size);
  return body;
}

void BM_FloorCopySameBytes(benchmark::State& state) {
  const std::vector<std::uint8_t> body = demo_request(static_cast<std::size_t>(state.range(0)));
  std::vector<std::uint8_t> copy(body.size());
  for (auto _ : state) {
    std::memcpy(copy.data(), body.data(), body.size());
    benchmark::DoNotOptimize(copy.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FloorCopySameBytes)->Arg(512);

void BM_ReceiverDecode(benchmark::State& state) {
  const std::vector<std::uint8_t> body = demo_request(static_cast<std::size_t>(state.range(0)));
  tracelet::receiver::ExportRequest request;
  std::string error;
  for (auto _ : state) {
    if (!tracelet::receiver::decode_export_request(body.data(), body.size(), request, error) ||
        request.span_count() != static_cast<std::size_t>(state.range(0))) {
      state.SkipWithError(("decode failed: " + error).c_str());
      break;
    }
    benchmark::DoNotOptimize(request);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ReceiverDecode)->Arg(512);

void BM_ReceiverJsonLines(benchmark::State& state) {
  const std::vector<std::uint8_t> body = demo_request(static_cast<std::size_t>(state.range(0)));
  tracelet::receiver::ExportRequest request;
  std::string error;
  if (!tracelet::receiver::decode_export_request(body.data(), body.size(), request, error)) {
    state.SkipWithError(("decode failed: " + error).c_str());
    return;
  }
  std::string out;
  std::uint64_t seq = 0;
  for (auto _ : state) {
    out.clear();
    tracelet::receiver::write_jsonl(out, request, ++seq);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["bytes_per_span"] = static_cast<double>(out.size()) / static_cast<double>(state.range(0));
}
BENCHMARK(BM_ReceiverJsonLines)->Arg(512);

}  // namespace

BENCHMARK_MAIN();
