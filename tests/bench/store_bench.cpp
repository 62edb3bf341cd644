// The receiver's span store: spans per second committed into SQLite, next to what the same
// receiver answers without a store (the floor it is compared with), in one run.
//   BM_ReceiverAnswers/store:0   tracelet-receiver --plain --quiet: POSTed spans answered per s
//   BM_ReceiverAnswers/store:1   the same with --db: answered per s (answers do not wait for
//                                the disk) and, as stored_spans_per_s, committed per s
//                                (first request sent .. last span committed)
//   BM_StoreCommit               Store::enqueue + flush in process (no HTTP): SQLite alone
// Requests hold 200 spans with 3 attributes and an event each; one connection per request.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "store.h"
#include "support/otlp_builder.h"
#include "support/process.h"
#include "support/raw_http.h"
#include "support/receiver_process.h"

namespace {

using tracelet::test::Clock;
constexpr int kSpansPerRequest = 200;

tracelet::test::TestBatch batch_of(std::uint32_t seed) {
  tracelet::test::TestBatch b;
  b.resource = {tracelet::test::attr_string("service.name", "bench-node")};
  b.scope_name = "tracelet";
  for (std::uint32_t i = 0; i < kSpansPerRequest; ++i) {
    tracelet::test::TestSpan s;
    s.trace_id[0] = static_cast<std::uint8_t>(seed);
    s.trace_id[1] = static_cast<std::uint8_t>(seed >> 8);
    s.trace_id[15] = static_cast<std::uint8_t>(i / 4);
    s.span_id[0] = static_cast<std::uint8_t>(i);
    s.span_id[1] = static_cast<std::uint8_t>(seed);
    s.name = i % 2 ? "read-sensor" : "publish";
    s.kind = 1;
    s.start_time_unix_nano = 1'700'000'000'000'000'000ull + seed * 1'000'000ull + i;
    s.end_time_unix_nano = s.start_time_unix_nano + 1000 + i * 37;
    s.attributes = {tracelet::test::attr_string("bus", "i2c-1"), tracelet::test::attr_int("retries", i % 3),
                    tracelet::test::attr_double("celsius", 21.5)};
    s.events = {{s.start_time_unix_nano + 10, "sample", {tracelet::test::attr_int("n", i)}, 0}};
    b.spans.push_back(s);
  }
  return b;
}

std::int64_t written_spans(std::uint16_t port) {
  tracelet::test::RawClient c;
  if (!c.connect(port) || !c.send("GET /api/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) return -1;
  const std::string r = c.read_until_close(5000);
  const std::size_t at = r.find("\"written_spans\":");
  return at == std::string::npos ? -1 : std::atoll(r.c_str() + at + 16);
}

void BM_ReceiverAnswers(benchmark::State& state) {
  const bool with_store = state.range(0) != 0;
  tracelet::test::TempDir dir;
  tracelet::test::ReceiverProcess rx;
  std::vector<std::string> args = {"--plain", "--quiet"};
  if (with_store) args.insert(args.end(), {"--db", dir.file("spans.db")});
  std::string error;
  if (!rx.start(dir.path(), args, error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::string request = tracelet::test::request(tracelet::test::encode_request(batch_of(1)));
  request.insert(request.find("\r\n\r\n"), "\r\nConnection: close");
  std::int64_t sent = 0;
  const auto first = Clock::now();
  for (auto _ : state) {
    tracelet::test::RawClient c;
    if (!c.connect(rx.port()) || !c.send(request) ||
        tracelet::test::status_of(c.read_until_close(5000)) != 200) {
      state.SkipWithError("export not answered 200");
      break;
    }
    sent += kSpansPerRequest;
  }
  state.SetItemsProcessed(sent);
  if (with_store) {
    // Committed spans over the time from the first request to the last commit.
    while (written_spans(rx.port()) < sent && tracelet::test::ms_since(first) < 60000) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    const double seconds = static_cast<double>(tracelet::test::ms_since(first)) / 1000.0;
    state.counters["stored_spans_per_s"] = static_cast<double>(written_spans(rx.port())) / seconds;
  }
  (void)rx.stop();
}
BENCHMARK(BM_ReceiverAnswers)->ArgName("store")->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_StoreCommit(benchmark::State& state) {
  tracelet::test::TempDir dir;
  tracelet::receiver::Store store;
  tracelet::receiver::StoreOptions options;
  options.path = dir.file("spans.db");
  std::string error;
  if (!store.open(options, error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  const std::string body = tracelet::test::encode_request(batch_of(2));
  tracelet::receiver::ExportRequest decoded;
  if (!tracelet::receiver::decode_export_request(reinterpret_cast<const std::uint8_t*>(body.data()), body.size(),
                                                 decoded, error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::int64_t spans = 0;
  for (auto _ : state) {
    tracelet::receiver::ExportRequest copy = decoded;
    if (!store.enqueue(std::move(copy)) || !store.flush(10000)) {
      state.SkipWithError("store refused or did not commit");
      break;
    }
    spans += kSpansPerRequest;
  }
  state.SetItemsProcessed(spans);
}
BENCHMARK(BM_StoreCommit)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
