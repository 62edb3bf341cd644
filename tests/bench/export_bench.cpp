// Sustained export over TLS on loopback: the exporter drains a ring of recorded spans to the
// local receiver (started and stopped by this program, by PID). Reports spans/s and the
// exporting thread's CPU time per 1000 spans (encoding, TLS, HTTP). And the whole device cost
// of a span without a network: record + encode + HTTP framing through the Exporter into an
// in-memory collector that answers 200 (BM_WholeDeviceCostInMemory).
#include <benchmark/benchmark.h>

#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
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

// CPU time (user + system, all threads) of process `pid` so far, from /proc/<pid>/stat; a
// negative value when it cannot be read. Says how much of the loopback run the receiver took.
double process_cpu_seconds(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return -1;
  char line[1024];
  const bool got = std::fgets(line, sizeof line, f) != nullptr;
  std::fclose(f);
  if (!got) return -1;
  // Fields after the command name (which may hold spaces) start after its closing ')'.
  const char* p = std::strrchr(line, ')');
  if (p == nullptr) return -1;
  unsigned long utime = 0, stime = 0;
  // state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
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

// The receiver's CPU (its process, all threads) per 1000 spans since `before`, next to the
// exporter's: whichever is larger limits the benchmark on a machine with a core for each.
// The receiver also pays for its JSON Lines file and the recording is not in either figure.
void set_receiver_cpu(benchmark::State& state, const LocalReceiver& receiver, double before,
                      std::int64_t spans) {
  const double after = process_cpu_seconds(receiver.process.pid());
  if (before < 0 || after < 0 || spans == 0) return;
  state.counters["receiver_cpu_ms_per_1000_spans"] = (after - before) * 1e3 * 1000.0 / static_cast<double>(spans);
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
  const double receiver_cpu_before = process_cpu_seconds(receiver.process.pid());
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
  set_receiver_cpu(state, receiver, receiver_cpu_before, exported);
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
  const double receiver_cpu_before = process_cpu_seconds(receiver.process.pid());
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
  set_receiver_cpu(state, receiver, receiver_cpu_before, sent);
  connector.close(connector.ctx);
}
BENCHMARK(BM_TlsClientAloneSameBytes)->Arg(512)->Unit(benchmark::kMillisecond)->MinTime(1.0)->UseRealTime();

// A collector in memory, on the exporter's thread: it finds each request's end by its
// Content-Length (the body itself is not decoded, so the figure is the device's cost plus one
// header scan) and answers 200. Fixed buffers: no allocation while the benchmark runs.
struct InMemoryCollector {
  char head[1024];
  std::size_t head_len = 0;
  std::size_t body_left = 0;
  bool in_body = false;
  std::size_t answers = 0;  // 200s waiting to be read
  std::size_t answer_at = 0;
  std::uint64_t requests = 0, bytes = 0;
  static constexpr char kAnswer[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

  void take(const std::uint8_t* data, std::size_t len) {
    bytes += len;
    while (len > 0) {
      if (in_body) {
        const std::size_t n = len < body_left ? len : body_left;
        body_left -= n;
        data += n;
        len -= n;
        if (body_left == 0) {
          in_body = false;
          ++answers;
          ++requests;
        }
        continue;
      }
      if (head_len == sizeof head) std::abort();  // a head this long is not the exporter's
      head[head_len++] = static_cast<char>(*data++);
      --len;
      if (head_len >= 4 && std::memcmp(head + head_len - 4, "\r\n\r\n", 4) == 0) {
        head[head_len] = '\0';
        const char* length = std::strstr(head, "Content-Length: ");
        if (length == nullptr) std::abort();
        body_left = static_cast<std::size_t>(std::strtoull(length + 16, nullptr, 10));
        head_len = 0;
        in_body = body_left != 0;
        if (!in_body) ++answers;
      }
    }
  }
  static std::int32_t send(void* ctx, const std::uint8_t* data, std::size_t len) {
    static_cast<InMemoryCollector*>(ctx)->take(data, len);
    return static_cast<std::int32_t>(len);
  }
  static std::int32_t recv(void* ctx, std::uint8_t* data, std::size_t cap, std::uint32_t) {
    auto* self = static_cast<InMemoryCollector*>(ctx);
    if (self->answers == 0) return 0;
    const std::size_t left = sizeof kAnswer - 1 - self->answer_at;
    const std::size_t n = cap < left ? cap : left;
    std::memcpy(data, kAnswer + self->answer_at, n);
    self->answer_at += n;
    if (self->answer_at == sizeof kAnswer - 1) {
      self->answer_at = 0;
      --self->answers;
    }
    return static_cast<std::int32_t>(n);
  }
  static tracelet::Status open(void* ctx, const char*, std::uint16_t, bool, std::uint32_t,
                               tracelet::Transport* out, char*, std::size_t) {
    out->ctx = ctx;
    out->send = &InMemoryCollector::send;
    out->recv = &InMemoryCollector::recv;
    return tracelet::Status::kOk;
  }
  static void close(void*) {}
};

// Record `batch` spans (the same spans as above) and export them, all timed, per span.
void BM_WholeDeviceCostInMemory(benchmark::State& state) {
  const auto batch_size = static_cast<std::uint32_t>(state.range(0));
  auto tracer = make_tracer();
  InMemoryCollector collector;
  tracelet::Connector connector;
  connector.ctx = &collector;
  connector.open = &InMemoryCollector::open;
  connector.close = &InMemoryCollector::close;
  tracelet::ExporterConfig config;
  config.endpoint = "http://collector.invalid:4318/v1/traces";  // never resolved: in memory
  config.allow_plain_http = true;
  config.max_export_batch_size = batch_size;
  config.log = quiet_log;
  auto exporter = std::make_unique<tracelet::Exporter>();
  if (exporter->init(*tracer, config, connector) != tracelet::Status::kOk) std::abort();
  std::int64_t spans = 0;
  for (auto _ : state) {
    record_spans(*tracer, batch_size);
    if (exporter->flush(10000) != tracelet::Status::kOk) {
      state.SkipWithError("flush did not finish");
      break;
    }
    spans += batch_size;
  }
  const tracelet::ExporterCounters c = exporter->counters();
  state.SetItemsProcessed(spans);
  state.counters["bytes_per_span"] = spans ? static_cast<double>(collector.bytes) / static_cast<double>(spans) : 0;
  state.counters["requests"] = static_cast<double>(collector.requests);
  state.counters["failures"] = static_cast<double>(c.export_failures);
  (void)exporter->shutdown(1000);
}
BENCHMARK(BM_WholeDeviceCostInMemory)->Arg(512);

}  // namespace

BENCHMARK_MAIN();
