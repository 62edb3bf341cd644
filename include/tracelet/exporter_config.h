#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/compressor.h"
#include "tracelet/http_header.h"
#include "tracelet/log.h"
#include "tracelet/request_signer.h"

namespace tracelet {

/// Periodic work that belongs on the exporting thread rather than the recording path, e.g.
/// fetching remote sampling rules (RemoteSampler::poll_task(), tracelet/xray_sampling.h).
/// run() is called at the start of every Exporter::poll() (so also by its background thread)
/// and returns milliseconds until it wants to run again; it may block for its own I/O.
struct PollTask {
  void* ctx = nullptr;
  std::uint32_t (*run)(void* ctx) = nullptr;
};

/// Settings of the OTLP/HTTP exporter; the same fields OTEL_* variables set (see env_config.h),
/// for firmware without an environment. Zero means default. Pointers are read at
/// Exporter::init() and must stay valid while the Exporter lives (they are not copied).
struct ExporterConfig {
  /// Full URL of the traces endpoint, path included (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or
  /// OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/traces"). nullptr = "https://localhost:4318/v1/traces".
  const char* endpoint = nullptr;
  /// Full URL of the logs endpoint, for log records (tracelet::log):
  /// OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/logs".
  /// nullptr = `endpoint` with a final "/v1/traces" replaced by "/v1/logs" (the same
  /// collector), else "https://localhost:4318/v1/logs". Every other setting (headers, TLS,
  /// signer, compression, timeouts) is shared with the traces endpoint.
  const char* logs_endpoint = nullptr;
  /// true = log records are removed from the ring without being sent (OTEL_LOGS_EXPORTER
  /// without otlp); counted in ExporterCounters::logs_not_exported.
  bool drop_logs = false;
  /// Plain http:// endpoints are refused unless this is true (TRACELET_ALLOW_PLAIN_HTTP=true):
  /// spans and API keys would cross the network unencrypted.
  bool allow_plain_http = false;
  const HttpHeader* headers = nullptr;  // OTEL_EXPORTER_OTLP_HEADERS, percent-decoded
  std::size_t header_count = 0;
  /// Headers of log records' requests instead of `headers` (OTEL_EXPORTER_OTLP_LOGS_HEADERS,
  /// e.g. CloudWatch Logs' x-aws-log-group and x-aws-log-stream). nullptr = `headers`; a
  /// non-null pointer with logs_header_count 0 = none.
  const HttpHeader* logs_headers = nullptr;
  std::size_t logs_header_count = 0;
  /// Trusted CA for https: PEM file (OTEL_EXPORTER_OTLP_CERTIFICATE) or bytes in memory
  /// (firmware: a CA in flash; PEM including its NUL, or DER). Neither = the platform bundle.
  const char* ca_file = nullptr;
  const std::uint8_t* ca_data = nullptr;
  std::size_t ca_size = 0;
  /// Name the server certificate must carry; nullptr = the endpoint's host. A host name is
  /// matched against the certificate's DNS names (and sent as SNI), an IP address against its
  /// iPAddress entries (see TlsOptions::server_name). For reaching a collector by address
  /// while verifying its DNS name.
  const char* tls_server_name = nullptr;
  /// Client certificate and private key for collectors that require mutual TLS: files
  /// (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE / OTEL_EXPORTER_OTLP_CLIENT_KEY, PEM or DER) or
  /// bytes in memory (firmware: PEM including its NUL, or DER; memory wins). Both or neither;
  /// the key unencrypted. Logs may name the key's file, never show the key.
  const char* client_cert_file = nullptr;
  const std::uint8_t* client_cert_data = nullptr;
  std::size_t client_cert_size = 0;
  const char* client_key_file = nullptr;
  const std::uint8_t* client_key_data = nullptr;
  std::size_t client_key_size = 0;
  std::uint32_t timeout_ms = 0;             // one export attempt (OTEL_EXPORTER_OTLP_TIMEOUT); 0 = 10000
  std::uint32_t schedule_delay_ms = 0;      // OTEL_BSP_SCHEDULE_DELAY; 0 = 5000
  std::uint32_t max_export_batch_size = 0;  // OTEL_BSP_MAX_EXPORT_BATCH_SIZE; 0 = 512
  std::uint32_t export_timeout_ms = 0;      // OTEL_BSP_EXPORT_TIMEOUT, default for flush/shutdown; 0 = 30000
  std::uint32_t initial_backoff_ms = 0;     // first retry delay; 0 = 1000 (doubles, with jitter)
  std::uint32_t max_backoff_ms = 0;         // 0 = 32000
  /// Longest wait a collector's Retry-After may ask for; longer ones are cut to it (logged).
  /// 0 = 300000 (5 minutes). flush()/shutdown() never wait past their own deadline.
  std::uint32_t max_retry_after_ms = 0;
  /// Request-body coding (OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION). With kGzip, bodies are
  /// deflated as they are encoded and sent with Content-Encoding: gzip and HTTP/1.1 chunked
  /// transfer coding (no Content-Length: nothing is buffered to learn the compressed size).
  Compression compression = Compression::kNone;
  /// The compressor kGzip uses. No functions = the build's default: zlib's on Linux
  /// (tracelet::gzip, state allocated once by Exporter::init, about 264 KB); firmware builds
  /// have none, so Exporter::init logs one line and bodies go uncompressed (identity).
  /// Its ctx must outlive the Exporter; used by the exporter's thread only.
  Compressor compressor{};
  /// Signs each request, e.g. AWS SigV4 (tracelet/sigv4.h: SigV4Signer::request_signer(),
  /// which load_env_config's TRACELET_AWS_SIGV4 selects). No functions = unsigned. With a
  /// signer the body is encoded twice, once to hash it and once to send it (so no
  /// request-sized buffer); gzip bodies are then compressed twice and sent with a
  /// Content-Length instead of chunked. Its ctx must outlive the Exporter.
  RequestSigner signer{};
  LogSink log = nullptr;                    // nullptr = log_to_stderr
  void* log_ctx = nullptr;
  /// Lowest level passed to `log` (OTEL_LOG_LEVEL); kDebug (zero) = every line.
  LogLevel log_level = LogLevel::kDebug;
  /// Sees each span record and log record once, when its batch leaves the ring (delivered, or dropped as not
  /// retryable), e.g. to print it with format_span_line() as OTEL_TRACES_EXPORTER=otlp,console
  /// asks. Spans that stay buffered (collector unreachable) are not seen until they leave.
  /// Called on the exporting thread; must not touch the ring. nullptr = nothing.
  void (*on_span_exported)(void* ctx, const std::uint8_t* record, std::size_t len) = nullptr;
  void* on_span_exported_ctx = nullptr;
  /// Runs on the exporting thread at every poll(); no function = none. Its ctx must outlive
  /// the Exporter.
  PollTask poll_task{};
};

}  // namespace tracelet
