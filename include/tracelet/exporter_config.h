#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/log.h"

namespace tracelet {

/// One extra HTTP header sent with every export (e.g. x-honeycomb-team: KEY).
struct HttpHeader {
  const char* name = nullptr;
  const char* value = nullptr;
};

/// Settings of the OTLP/HTTP exporter; the same fields OTEL_* variables set (see env_config.h),
/// for firmware without an environment. Zero means default. Pointers are read at
/// Exporter::init() and must stay valid while the Exporter lives (they are not copied).
struct ExporterConfig {
  /// Full URL of the traces endpoint, path included (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or
  /// OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/traces"). nullptr = "https://localhost:4318/v1/traces".
  const char* endpoint = nullptr;
  /// Plain http:// endpoints are refused unless this is true (TRACELET_ALLOW_PLAIN_HTTP=true):
  /// spans and API keys would cross the network unencrypted.
  bool allow_plain_http = false;
  const HttpHeader* headers = nullptr;  // OTEL_EXPORTER_OTLP_HEADERS, percent-decoded
  std::size_t header_count = 0;
  /// Trusted CA for https: PEM file (OTEL_EXPORTER_OTLP_CERTIFICATE) or bytes in memory
  /// (firmware: a CA in flash; PEM including its NUL, or DER). Neither = the platform bundle.
  const char* ca_file = nullptr;
  const std::uint8_t* ca_data = nullptr;
  std::size_t ca_size = 0;
  /// Name the server certificate must carry (also sent as SNI); nullptr = the endpoint's host.
  /// For reaching a collector by address while verifying its DNS name.
  const char* tls_server_name = nullptr;
  std::uint32_t timeout_ms = 0;             // one export attempt (OTEL_EXPORTER_OTLP_TIMEOUT); 0 = 10000
  std::uint32_t schedule_delay_ms = 0;      // OTEL_BSP_SCHEDULE_DELAY; 0 = 5000
  std::uint32_t max_export_batch_size = 0;  // OTEL_BSP_MAX_EXPORT_BATCH_SIZE; 0 = 512
  std::uint32_t export_timeout_ms = 0;      // OTEL_BSP_EXPORT_TIMEOUT, default for flush/shutdown; 0 = 30000
  std::uint32_t initial_backoff_ms = 0;     // first retry delay; 0 = 1000 (doubles, with jitter)
  std::uint32_t max_backoff_ms = 0;         // 0 = 32000
  /// Longest wait a collector's Retry-After may ask for; longer ones are cut to it (logged).
  /// 0 = 300000 (5 minutes). flush()/shutdown() never wait past their own deadline.
  std::uint32_t max_retry_after_ms = 0;
  LogSink log = nullptr;                    // nullptr = log_to_stderr
  void* log_ctx = nullptr;
  /// Lowest level passed to `log` (OTEL_LOG_LEVEL); kDebug (zero) = every line.
  LogLevel log_level = LogLevel::kDebug;
  /// Sees each span record once, when its batch leaves the ring (delivered, or dropped as not
  /// retryable), e.g. to print it with format_span_line() as OTEL_TRACES_EXPORTER=otlp,console
  /// asks. Spans that stay buffered (collector unreachable) are not seen until they leave.
  /// Called on the exporting thread; must not touch the ring. nullptr = nothing.
  void (*on_span_exported)(void* ctx, const std::uint8_t* record, std::size_t len) = nullptr;
  void* on_span_exported_ctx = nullptr;
};

}  // namespace tracelet
