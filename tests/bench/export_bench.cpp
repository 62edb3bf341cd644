// Sustained export over TLS on loopback: the exporter drains a ring of recorded spans to the
// local receiver (started and stopped by this program, by PID). Reports spans/s and the
// exporting thread's CPU time per 1000 spans (encoding, TLS, HTTP).
#include <benchmark/benchmark.h>

#include <time.h>

#include <cstdio>
#include <memory>
#include <string>

#include <pb_encode.h>

#include <vector>

#include "otlp/encode.h"
#include "support/process.h"
#include "support/receiver_process.h"
#include "tracelet/exporter.h"
#include "tracelet/net_connector.h"
#include "tracelet/otlp_post.h"
#include "tracelet/tracelet.h"

namespace {

void quiet_log(void*, tracelet::LogLevel, const char*) {}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The local receiver both benchmarks talk to, with a fresh test CA; stopped by its destructor.
struct LocalReceiver {
  tracelet::test::TempDir dir;
  tracelet::test::ReceiverProcess process;
  std::string url, ca;
  ~LocalReceiver() { process.stop(); }
  // Reports the reason to `state` and returns false when the receiver cannot be started.
  bool start(benchmark::State& state) {
    if (!tracelet::test::make_test_ca(dir.file("pki")).empty()) {
      state.SkipWithError("cannot make a CA");
      return false;
    }
    std::string error;
    if (!process.start(dir.path(), {"--certs", dir.file("pki"), "--quiet"}, error)) {
      state.SkipWithError(error.c_str());
      return false;
    }
    url = "https://127.0.0.1:" + std::to_string(process.port()) + "/v1/traces";
    ca = dir.file("pki/ca.crt");
    return true;
  }
};

std::unique_ptr<tracelet::Tracer> make_tracer() {
  static std::uint8_t memory[4 << 20];
  auto tracer = std::make_unique<tracelet::Tracer>();
  tracelet::Options options;
  options.service_name = "export-bench";
  options.ring_memory = tracelet::ByteSpan{memory, sizeof memory};
  if (tracer->init(options) != tracelet::Status::kOk) std::abort();
  return tracer;
}

// The spans both benchmarks send: one name, an int and a string attribute.
void record_spans(tracelet::Tracer& tracer, std::uint32_t count) {
  for (std::uint32_t i = 0; i < count; ++i) {
    auto span = tracer.start_span("read-sensor");
    span.set_attribute("sensor.id", static_cast<std::int64_t>(i));
    span.set_attribute("unit", "celsius");
  }
}

void BM_ExportOverTls(benchmark::State& state) {
  const auto batch_size = static_cast<std::uint32_t>(state.range(0));
  LocalReceiver receiver;
  if (!receiver.start(state)) return;
  auto tracer = make_tracer();
  tracelet::ExporterConfig config;
  config.endpoint = receiver.url.c_str();
  config.ca_file = receiver.ca.c_str();
  config.max_export_batch_size = batch_size;
  config.log = quiet_log;
  auto connector = std::make_unique<tracelet::NetConnector>();
  connector->configure(config);
  auto exporter = std::make_unique<tracelet::Exporter>();
  if (exporter->init(*tracer, config, connector->connector()) != tracelet::Status::kOk) std::abort();

  constexpr int kSpansPerRound = 4096;
  std::int64_t exported = 0;
  double cpu_seconds = 0;
  for (auto _ : state) {
    state.PauseTiming();
    record_spans(*tracer, kSpansPerRound);
    state.ResumeTiming();
    const double cpu_before = thread_cpu_seconds();
    if (exporter->flush(30000) != tracelet::Status::kOk) {
      state.SkipWithError("flush did not finish");
      break;
    }
    cpu_seconds += thread_cpu_seconds() - cpu_before;
    exported += kSpansPerRound;
  }
  tracelet::ExporterCounters c = exporter->counters();
  state.SetItemsProcessed(exported);
  state.counters["bytes_per_span"] = exported ? static_cast<double>(c.bytes_sent) / static_cast<double>(exported) : 0;
  state.counters["requests"] = static_cast<double>(c.exports_succeeded);
  // CPU of the exporting thread (encoding, TLS, HTTP) per 1000 spans, in milliseconds.
  state.counters["cpu_ms_per_1000_spans"] =
      exported ? cpu_seconds * 1e3 * 1000.0 / static_cast<double>(exported) : 0;
  state.counters["failures"] = static_cast<double>(c.export_failures);
  (void)exporter->shutdown(1000);
}
BENCHMARK(BM_ExportOverTls)->Arg(64)->Arg(512)->Unit(benchmark::kMillisecond)->MinTime(1.0)->UseRealTime();

// The baseline for BM_ExportOverTls: the same request bytes (the same spans, encoded once
// before timing) POSTed over the same kind of TLS connection to the same receiver, with
// otlp_post() alone: no ring, no encoding, no batching. What is left is TLS, HTTP and the
// receiver; the exporter's own cost is the difference.
void BM_TlsClientAloneSameBytes(benchmark::State& state) {
  const auto batch_size = static_cast<std::uint32_t>(state.range(0));
  LocalReceiver receiver;
  if (!receiver.start(state)) return;
  // One request body of `batch_size` spans like those BM_ExportOverTls records.
  auto tracer = make_tracer();
  record_spans(*tracer, batch_size);
  tracelet::otlp::RequestSource source;
  source.ring = &tracer->ring();
  source.resource = tracer->resource();
  if (tracer->ring().peek_batch(source.batch, batch_size) != tracelet::Status::kOk) std::abort();
  std::size_t size = 0;
  if (!tracelet::otlp::request_size(source, size)) std::abort();
  std::vector<std::uint8_t> body(size);
  pb_ostream_t out = pb_ostream_from_buffer(body.data(), body.size());
  if (!tracelet::otlp::encode_request(source, &out) || out.bytes_written != size) std::abort();

  tracelet::ExporterConfig config;
  config.endpoint = receiver.url.c_str();
  config.ca_file = receiver.ca.c_str();
  tracelet::Endpoint endpoint;
  char reason[160];
  if (tracelet::parse_endpoint(receiver.url.c_str(), endpoint, reason, sizeof reason) != tracelet::Status::kOk) {
    std::abort();
  }
  auto connector_owner = std::make_unique<tracelet::NetConnector>();
  connector_owner->configure(config);
  tracelet::Connector connector = connector_owner->connector();
  tracelet::Transport transport;
  if (connector.open(connector.ctx, endpoint.host, endpoint.port, true, 10000, &transport, reason,
                     sizeof reason) != tracelet::Status::kOk) {
    state.SkipWithError(reason);
    return;
  }
  constexpr int kSpansPerRound = 4096;
  const int requests_per_round = static_cast<int>(kSpansPerRound / batch_size);
  std::int64_t sent = 0;
  double cpu_seconds = 0;
  for (auto _ : state) {
    const double cpu_before = thread_cpu_seconds();
    for (int r = 0; r < requests_per_round; ++r) {
      tracelet::OtlpPostResult result;
      if (tracelet::otlp_post(transport, endpoint, tracelet::OtlpPostOptions{}, body.data(), body.size(),
                              result) != tracelet::Status::kOk ||
          result.outcome != tracelet::OtlpPostOutcome::kDelivered || result.close_connection) {
        state.SkipWithError("the receiver did not accept the request");
        break;
      }
      sent += batch_size;
    }
    cpu_seconds += thread_cpu_seconds() - cpu_before;
  }
  state.SetItemsProcessed(sent);
  state.counters["cpu_ms_per_1000_spans"] =
      sent ? cpu_seconds * 1e3 * 1000.0 / static_cast<double>(sent) : 0;
  connector.close(connector.ctx);
}
BENCHMARK(BM_TlsClientAloneSameBytes)->Arg(512)->Unit(benchmark::kMillisecond)->MinTime(1.0)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
