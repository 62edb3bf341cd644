#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "tracelet/endpoint.h"
#include "tracelet/exporter_config.h"
#include "tracelet/config.h"
#include "tracelet/status.h"
#include "tracelet/thread_port.h"
#include "tracelet/tracer.h"
#include "tracelet/transport.h"

namespace tracelet {

/// Opens the byte stream to the collector; the exporter stays ignorant of TCP, TLS or UART.
/// src/net's NetConnector provides TCP+TLS; tests and bridges provide their own.
/// Called from the exporting thread only; open() may block up to about its timeout_ms per
/// step (connect, handshake) and may allocate what its TLS stack needs.
struct Connector {
  void* ctx = nullptr;
  /// Connects (full TLS handshake included) to host:port. On success fills `out`; on failure
  /// writes a one-line reason into `error` and returns a negative Status.
  Status (*open)(void* ctx, const char* host, std::uint16_t port, bool tls,
                 std::uint32_t timeout_ms, Transport* out, char* error,
                 std::size_t error_cap) = nullptr;
  /// Closes what open() opened. Idempotent.
  void (*close)(void* ctx) = nullptr;
};

/// Self-telemetry of an exporter. Together with TracerCounters it explains every span:
/// recorded = exported + rejected + dropped_non_retryable + still buffered (+ ring drops).
struct ExporterCounters {
  std::uint64_t export_attempts = 0;       // HTTP requests started
  std::uint64_t exports_succeeded = 0;     // 2xx answers
  std::uint64_t export_failures = 0;       // attempts that did not get a 2xx
  std::uint64_t retries = 0;               // attempts that repeated a failed batch
  std::uint64_t spans_exported = 0;        // acknowledged by the collector (2xx)
  std::uint64_t spans_rejected = 0;        // 2xx with partial_success.rejected_spans
  std::uint64_t spans_dropped_non_retryable = 0;  // removed after a non-retryable 4xx
  std::uint64_t connects = 0;              // successful connection (and handshake) openings
  std::uint64_t connect_failures = 0;      // failed connects or TLS handshakes
  std::uint64_t bytes_sent = 0;            // request bodies as sent (compressed if so), headers
                                           // and chunk framing excluded
  std::uint64_t bytes_uncompressed = 0;    // the same bodies before compression (protobuf bytes)
  std::int32_t last_http_status = 0;       // of the last answer, 0 if none yet
  // Log records (tracelet::log), sent as OTLP logs to the logs endpoint; the request counters
  // above count both signals' requests.
  std::uint64_t logs_exported = 0;         // acknowledged by the collector (2xx)
  std::uint64_t logs_rejected = 0;         // 2xx with partial_success.rejected_log_records
  std::uint64_t logs_dropped_non_retryable = 0;  // removed after a non-retryable 4xx
  std::uint64_t logs_not_exported = 0;     // removed unsent: ExporterConfig::drop_logs
};

/// Batch span processor + OTLP/HTTP client: takes batches from a tracer's ring, POSTs them as
/// protobuf, commits a batch only when the collector acknowledged it, and retries the rest
/// with exponential back-off and jitter (honouring Retry-After). A batch's spans go to the
/// traces endpoint and its log records (tracelet::log) to the logs endpoint, spans first, so
/// a collector has seen a log record's span when the record arrives if both were in the
/// batch; when only the logs request fails, the retry sends only the logs. Nothing here runs on the
/// recording path. One thread drives an Exporter at a time: poll() from a firmware main loop,
/// or start_background() on a platform with threads.
/// Every method: ISR-safe: no (thread context). Allocates: never itself; connecting through
/// NetConnector allocates from Mbed TLS's heap (TlsClient::init on the first https connect,
/// each handshake), and the default log sink writes to stderr.
class Exporter {
 public:
  constexpr Exporter() noexcept {}
  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;
  /// shutdown(1): at most about 1 ms of flushing, then stops the thread and disconnects.
  ~Exporter() { (void)shutdown(1); }

  /// Validates the endpoint and keeps the config (its pointers must outlive the Exporter).
  /// Blocks: only as long as port::entropy() (retry jitter seed) and the log sink.
  /// Return values:
  ///   kOk                 – ready; nothing was sent yet
  ///   kInvalidArgument    – bad endpoint URL, plain http:// without allow_plain_http, bad
  ///                         header, or a connector without open/close (logged with the reason)
  ///   kFailedPrecondition – already initialised, or the tracer is not initialised
  [[nodiscard]] Status init(Tracer& tracer, const ExporterConfig& config,
                            Connector connector) noexcept;

  /// Runs ExporterConfig::poll_task when one is set, then exports at most one batch if one is
  /// due (batch full, schedule delay passed, or a flush asked for) and the back-off allows.
  /// Returns milliseconds until it (or the task) wants to run again.
  /// Blocks: while it exports: connect and TLS handshake up to timeout_ms each, then the
  /// request and answer until timeout_ms after the start (a send already waiting may overrun
  /// by the port's send timeout). Returns at once when nothing is due.
  std::uint32_t poll() noexcept;

  /// Delivers everything buffered, retrying within `timeout_ms` (0 = export_timeout_ms).
  /// Blocks: up to `timeout_ms`, plus the end of an export already under way.
  /// Return values: kOk (ring empty), kTimeout (spans remain, counted), kFailedPrecondition.
  [[nodiscard]] Status flush(std::uint32_t timeout_ms = 0) noexcept;

  /// flush(timeout_ms), stops the background thread, closes the connection. Idempotent.
  /// Blocks: as flush(), then until the background thread has stopped (port::thread_join).
  Status shutdown(std::uint32_t timeout_ms = 0) noexcept;

  /// Runs poll() on a port-provided thread until shutdown().
  /// Blocks: while the port creates the thread. Allocates: what port::thread_start() does
  /// (POSIX: the thread's stack and a small start record).
  /// Return values: kOk, kFailedPrecondition (not initialised or already running),
  /// kUnavailable (the platform has no threads: call poll() yourself).
  [[nodiscard]] Status start_background() noexcept;

  /// A coherent copy, from any thread. Blocks: never (port critical section).
  ExporterCounters counters() const noexcept;
  /// Spans waiting in the ring (recorded, not yet acknowledged or dropped). Blocks: never.
  std::uint64_t pending_spans() const noexcept;

 private:
  enum class Outcome : std::uint8_t { kDelivered, kRetry, kDrop };
  enum class Signal : std::uint8_t { kTraces, kLogs };  // as otlp::Signal
  /// Where one signal's requests go.
  using Target = Endpoint;
  static void run_background(void* self) noexcept;
  std::uint32_t poll_export() noexcept;
  Outcome export_batch(const Batch& batch, std::uint32_t& retry_after_ms) noexcept;
  Outcome export_signal(const Batch& batch, Signal signal, std::size_t count,
                        std::uint32_t& retry_after_ms) noexcept;
  [[nodiscard]] Status set_target(const char* endpoint, Target& target) noexcept;
  void schedule_retry(std::uint32_t retry_after_ms) noexcept;
  void logf(LogLevel level, const char* format, ...) const noexcept
      __attribute__((format(printf, 3, 4)));
  void update(void (*apply)(ExporterCounters&, std::uint64_t), std::uint64_t value) noexcept;

  Tracer* tracer_ = nullptr;
  ExporterConfig config_{};
  Connector connector_{};
  bool connected_ = false;
  bool config_error_logged_ = false;  // a configuration error is logged once, not per retry
  bool resend_now_ = false;           // the signer corrected its clock: retry without back-off
  Transport transport_{};
  Target traces_{};
  Target logs_{};
  const Target* connected_to_ = nullptr;  // the target the open connection reaches
  bool targets_share_connection_ = true;  // logs_ is traces_'s collector (host, port, TLS)
  // A batch whose spans were delivered while its log records wait for a retry: the retry
  // claims the same records and sends only the logs. None: count 0 (a claimed batch has one
  // record at least).
  Batch traces_delivered_{};
  std::uint64_t last_export_ms_ = 0;
  std::uint64_t next_attempt_ms_ = 0;
  std::uint32_t backoff_ms_ = 0;
  std::uint32_t failures_in_a_row_ = 0;
  std::uint64_t jitter_state_ = 0;
  ExporterCounters counters_{};
  Compressor compressor_{};            // in use: no functions = identity bodies
  void* default_compressor_ = nullptr; // made by init() (the build's gzip), freed by shutdown()
  std::atomic<bool> flush_requested_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> background_{false};
  port::Thread worker_{};
  // Each batch span's encoded size, measured once before the request is written.
  std::uint16_t span_sizes_[TRACELET_EXPORT_SIZE_CACHE > 0 ? TRACELET_EXPORT_SIZE_CACHE : 1] = {};
};

}  // namespace tracelet
