// interop_logs_sender --endpoint URL --ca FILE --out FILE
//
// The C++ side of tracelet -> JS for log records: records one span with two log records in it
// (tracelet::log with typed attributes, tracelet::logf) and one log record outside any span,
// ships them with the real Exporter + NetConnector (TCP + Mbed TLS, trusting only --ca) to the
// endpoint (spans to it, log records to its /v1/logs), and writes what it recorded to --out as
// JSON: the span's ids and, per log record, its expected OTLP fields (times as a window).
// Exit status: 0 everything acknowledged; 1 otherwise; 2 usage.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>

#include "support/json_text.h"
#include "tracelet/exporter.h"
#include "tracelet/log_record.h"
#include "tracelet/net_connector.h"
#include "tracelet/tracelet.h"

namespace {

alignas(8) std::uint8_t g_ring[64 * 1024];

// One expected log record, in the shape node_receiver.js normalizes to (common.js typed values).
std::string expected(const char* body, int severity, const char* text, const std::string& trace_id,
                     const std::string& span_id, int flags, const std::string& attributes,
                     std::uint64_t after_ns, std::uint64_t before_ns) {
  return std::string("{\"body\":{\"string\":\"") + body + "\"},\"severity_number\":" + std::to_string(severity) +
         ",\"severity_text\":\"" + text + "\",\"trace_id\":\"" + trace_id + "\",\"span_id\":\"" + span_id +
         "\",\"flags\":" + std::to_string(flags) + ",\"attributes\":" + attributes +
         ",\"time_after\":\"" + std::to_string(after_ns) + "\",\"time_before\":\"" + std::to_string(before_ns) +
         "\"}";
}

}  // namespace

int main(int argc, char** argv) {
  const char* endpoint = nullptr;
  const char* ca = nullptr;
  const char* out_path = nullptr;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--endpoint") == 0) endpoint = argv[i + 1];
    if (std::strcmp(argv[i], "--ca") == 0) ca = argv[i + 1];
    if (std::strcmp(argv[i], "--out") == 0) out_path = argv[i + 1];
  }
  if (endpoint == nullptr || ca == nullptr || out_path == nullptr || argc != 7) {
    std::fprintf(stderr, "usage: interop_logs_sender --endpoint URL --ca FILE --out FILE\n");
    return 2;
  }
  tracelet::Options options;
  options.service_name = "interop-logs";
  options.ring_memory = tracelet::ByteSpan{g_ring, sizeof g_ring};
  static tracelet::Tracer tracer;
  if (tracer.init(options) != tracelet::Status::kOk) return 2;
  tracelet::ExporterConfig config;
  config.endpoint = endpoint;  // log records go to the same collector's /v1/logs
  config.ca_file = ca;
  config.timeout_ms = 10000;
  static tracelet::NetConnector connector;
  connector.configure(config);
  static tracelet::Exporter exporter;
  if (exporter.init(tracer, config, connector.connector()) != tracelet::Status::kOk) return 2;

  std::string logs;
  std::string trace_id;
  std::string span_id;
  {
    auto span = tracer.start_span("interop-logs-span");
    trace_id = tracelet::test::hex(span.context().trace_id.bytes, 16);
    span_id = tracelet::test::hex(span.context().span_id.bytes, 8);
    const tracelet::Attribute attributes[] = {
        {"sensor.id", 7}, {"ratio", 0.5}, {"ok", true}, {"unit", "mV"}};
    std::uint64_t before = tracer.now_unix_ns();
    tracelet::log(tracer, tracelet::Severity::kInfo, "sampling", attributes, 4);
    std::uint64_t after = tracer.now_unix_ns();
    logs += expected("sampling", 9, "INFO", trace_id, span_id, 1,
                     "{\"sensor.id\":{\"int\":\"7\"},\"ratio\":{\"double\":0.5},\"ok\":{\"bool\":true},"
                     "\"unit\":{\"string\":\"mV\"}}",
                     before, after);
    before = tracer.now_unix_ns();
    tracelet::logf(tracer, tracelet::Severity::kWarn2, "battery low: %d mV", 3100);
    after = tracer.now_unix_ns();
    logs += "," + expected("battery low: 3100 mV", 14, "WARN", trace_id, span_id, 1, "{}", before, after);
  }
  const std::uint64_t before = tracer.now_unix_ns();
  tracelet::log(tracer, tracelet::Severity::kError, "outside any span");
  const std::uint64_t after = tracer.now_unix_ns();
  logs += "," + expected("outside any span", 17, "ERROR", "", "", 0, "{}", before, after);

  const tracelet::Status flushed = exporter.flush(30000);
  const tracelet::ExporterCounters c = exporter.counters();
  std::FILE* out = std::fopen(out_path, "w");
  if (out == nullptr) return 2;
  std::fprintf(out, "{\"span\":{\"trace_id\":\"%s\",\"span_id\":\"%s\",\"name\":\"interop-logs-span\"},\"logs\":[%s]}\n",
               trace_id.c_str(), span_id.c_str(), logs.c_str());
  std::fclose(out);
  std::printf("interop_logs_sender: flush %s; %" PRIu64 " span(s) and %" PRIu64 " log record(s) acknowledged\n",
              tracelet::to_string(flushed), c.spans_exported, c.logs_exported);
  (void)exporter.shutdown(1000);
  return flushed == tracelet::Status::kOk && c.spans_exported == 1 && c.logs_exported == 3 ? 0 : 1;
}
