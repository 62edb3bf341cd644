#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/log.h"
#include "tracelet/serial_frame.h"
#include "tracelet/config.h"
#include "tracelet/status.h"
#include "tracelet/tracer.h"
#include "tracelet/transport.h"

namespace tracelet {

namespace otlp {
struct RequestSource;
struct RequestPlan;
enum class Signal : std::uint8_t;
}  // namespace otlp

/// Settings of a SerialExporter. Zero means default. Read during init() (copied).
struct SerialExporterConfig {
  /// Most spans in one frame. 0 = 32.
  std::uint32_t max_batch_spans = 0;
  /// Largest payload (encoded OTLP request) in one frame, so the receiving side can size its
  /// buffer. A batch that encodes larger is split; a single span that is still larger is
  /// dropped and counted in spans_dropped_too_large. 0 = 4096.
  std::uint32_t max_payload_bytes = 0;
  /// How long one frame may take to write, would-block answers of the link included; past it
  /// the frame is abandoned (the bridge drops the partial frame) and the batch kept. 0 = 2000.
  std::uint32_t write_timeout_ms = 0;
  /// After a failed frame, poll() does not try again for this long. 0 = 100.
  std::uint32_t retry_delay_ms = 0;
  LogSink log = nullptr;  // nullptr = log_to_stderr
  void* log_ctx = nullptr;
};

/// Self-telemetry of a SerialExporter.
struct SerialExporterCounters {
  std::uint64_t frames_sent = 0;      // frames written completely
  std::uint64_t spans_sent = 0;       // spans in those frames (removed from the ring)
  std::uint64_t bytes_sent = 0;       // bytes the link accepted, broken frames included
  std::uint64_t write_failures = 0;   // frames abandoned because the link failed or timed out
  std::uint64_t spans_dropped_too_large = 0;  // single spans above max_payload_bytes
  std::uint64_t records_skipped = 0;  // corrupt ring records left out of a frame (and removed)
  std::uint64_t logs_sent = 0;        // log records (tracelet::log) in logs frames (removed)
};

/// Ships a tracer's spans over a plain byte link (a UART send function, a USB CDC endpoint)
/// as framed OTLP requests: each batch from the ring becomes one ExportTraceServiceRequest
/// (and, when it holds log records, one ExportLogsServiceRequest frame after it, type 2),
/// streamed by the OTLP encoder straight into the link inside one frame (see
/// tracelet/serial_frame.h: sync marker, header with sequence number and length, payload,
/// CRC-32). There is no request buffer: the payload size is computed first by the same
/// encoder, and the CRC is computed while the bytes go out. tools/bridge forwards the frames
/// to an OTLP/HTTP collector.
///
/// Delivery: the link gives no acknowledgement, so a batch is removed from the ring once its
/// frame was written completely. If the link fails in the middle of a frame the batch goes
/// back to the ring and is sent again later in a fresh frame with the same sequence number
/// (the bridge drops the broken copy by its CRC and knows the retry is not a loss). Sequence
/// numbers start at 0 at init() and grow by one per completed frame.
///
/// No heap, no exceptions, no threads: the firmware main loop calls poll(). One context at a
/// time drives a SerialExporter; spans may be recorded meanwhile from any context, interrupt
/// handlers included.
/// Every method: ISR-safe: no (main loop or a thread; it waits on the link). Allocates:
/// never (the default log sink writes to stderr). Blocks: only poll() and flush(), below.
class SerialExporter {
 public:
  constexpr SerialExporter() noexcept {}
  SerialExporter(const SerialExporter&) = delete;  // consumer of a ring: one at a time
  SerialExporter& operator=(const SerialExporter&) = delete;

  /// Binds the exporter to `tracer`'s ring and to `link` (only link.send is used; it must
  /// return bytes accepted (>0), 0 for would-block, or a negative Status). Both must outlive
  /// the exporter.
  /// Return values:
  ///   kOk                 – ready
  ///   kInvalidArgument    – link.send missing, or max_payload_bytes below 64
  ///   kFailedPrecondition – already initialised, or the tracer is not initialised
  [[nodiscard]] Status init(Tracer& tracer, Transport link,
                            const SerialExporterConfig& config = {}) noexcept;

  /// Writes at most one frame: the oldest spans of the ring, up to max_batch_spans. Call it
  /// from the main loop whenever convenient; it returns at once when the ring is empty or a
  /// retry delay runs. Blocks: while one frame is written (bounded by write_timeout_ms).
  /// Returns the spans sent in this call (0: nothing to send, waiting after a failure, or the
  /// link failed now — counters() tells which). Never allocates.
  std::size_t poll() noexcept;

  /// Writes frames until the spans that were buffered when it was called are sent, ignoring
  /// the retry delay. Stops at the first failed frame. Blocks: up to write_timeout_ms per
  /// frame.
  /// Return values:
  ///   kOk                 – those spans are sent
  ///   kUnavailable        – a frame failed; the rest stays buffered (counted)
  ///   kFailedPrecondition – not initialised
  [[nodiscard]] Status flush() noexcept;

  /// Forgets the tracer and the link. Buffered spans stay in the ring. Idempotent.
  void shutdown() noexcept;

  /// A copy of the counters. Read them from the context that calls poll() (they are plain
  /// fields, updated there).
  SerialExporterCounters counters() const noexcept { return counters_; }
  /// Sequence number the next frame will carry.
  std::uint32_t next_sequence() const noexcept { return sequence_; }
  /// Spans waiting in the ring.
  std::uint64_t pending_spans() const noexcept;

 private:
  enum class Result : std::uint8_t { kSent, kEmpty, kFailed };
  Result export_one(std::size_t& spans) noexcept;
  bool write_frame(const otlp::RequestSource& source, const otlp::RequestPlan& plan) noexcept;
  bool plan_signal(otlp::RequestSource& source, otlp::Signal signal, otlp::RequestPlan& plan) noexcept;
  void logf(LogLevel level, const char* format, ...) const noexcept
      __attribute__((format(printf, 3, 4)));

  Tracer* tracer_ = nullptr;
  Transport link_{};
  SerialExporterConfig config_{};
  std::uint32_t sequence_ = 0;
  std::uint64_t next_attempt_ms_ = 0;
  SerialExporterCounters counters_{};
  // Each batch span's encoded size, measured once before the request is written.
  std::uint16_t span_sizes_[TRACELET_EXPORT_SIZE_CACHE > 0 ? TRACELET_EXPORT_SIZE_CACHE : 1] = {};
};

}  // namespace tracelet
