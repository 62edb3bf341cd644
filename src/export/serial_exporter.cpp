#include "tracelet/serial_exporter.h"

#include <cstdarg>

#include "export/http_request.h"
#include "export/log_line.h"
#include "otlp/encode.h"

namespace tracelet {
namespace {

constexpr std::uint32_t kDefaultMaxBatchSpans = 32;
constexpr std::uint32_t kDefaultMaxPayloadBytes = 4096;
constexpr std::uint32_t kDefaultWriteTimeoutMs = 2000;
constexpr std::uint32_t kDefaultRetryDelayMs = 100;
constexpr std::uint32_t kMinPayloadBytes = 64;

// The payload's nanopb stream: every byte the encoder emits goes into the frame CRC and on
// to the link through the writer's small buffer.
struct PayloadSink {
  detail::TransportWriter* writer;
  std::uint32_t crc;
};

bool write_payload(pb_ostream_t* stream, const pb_byte_t* buf, std::size_t count) {
  auto* sink = static_cast<PayloadSink*>(stream->state);
  sink->crc = serial::crc32_update(sink->crc, buf, count);
  return sink->writer->write(buf, count);
}

}  // namespace

void SerialExporter::logf(LogLevel level, const char* format, ...) const noexcept {
  char line[160];
  va_list args;
  va_start(args, format);
  detail::log_line(config_.log, config_.log_ctx, level, line, sizeof line, format, args);
  va_end(args);
}

Status SerialExporter::init(Tracer& tracer, Transport link,
                            const SerialExporterConfig& config) noexcept {
  if (tracer_ != nullptr || !tracer.initialised()) return Status::kFailedPrecondition;
  if (link.send == nullptr) return Status::kInvalidArgument;
  if (config.max_payload_bytes != 0 && config.max_payload_bytes < kMinPayloadBytes) {
    return Status::kInvalidArgument;
  }
  config_ = config;
  config_.max_batch_spans = detail::or_default(config.max_batch_spans, kDefaultMaxBatchSpans);
  config_.max_payload_bytes = detail::or_default(config.max_payload_bytes, kDefaultMaxPayloadBytes);
  config_.write_timeout_ms = detail::or_default(config.write_timeout_ms, kDefaultWriteTimeoutMs);
  config_.retry_delay_ms = detail::or_default(config.retry_delay_ms, kDefaultRetryDelayMs);
  link_ = link;
  tracer_ = &tracer;
  sequence_ = 0;
  next_attempt_ms_ = 0;
  counters_ = SerialExporterCounters{};
  return Status::kOk;
}

void SerialExporter::shutdown() noexcept {
  tracer_ = nullptr;
  link_ = Transport{};
}

std::uint64_t SerialExporter::pending_spans() const noexcept {
  if (tracer_ == nullptr) return 0;
  RingCounters c = tracer_->ring().counters();
  return c.written - c.committed - c.dropped_overwritten;
}

// ---- one frame -------------------------------------------------------------------------------

bool SerialExporter::write_frame(const otlp::RequestSource& source,
                                  const otlp::RequestPlan& plan) noexcept {
  const std::size_t payload_len = plan.bytes;
  detail::TransportWriter writer(link_, detail::monotonic_ms() + config_.write_timeout_ms);
  serial::FrameHeader header;
  header.sequence = sequence_;
  header.type = source.signal == otlp::Signal::kLogs ? serial::kTypeOtlpLogs : serial::kTypeOtlpTraces;
  header.length = static_cast<std::uint32_t>(payload_len);
  std::uint8_t head[serial::kHeaderBytes];
  serial::write_header(header, head);
  PayloadSink sink{&writer, serial::crc32_update(0, head, sizeof head)};
  bool ok = writer.write(head, sizeof head);
  // max_size = the announced length: the encoder cannot put more on the wire than the header
  // promised, and bytes_written proves it wrote exactly that much.
  pb_ostream_t stream = {&write_payload, &sink, payload_len, 0, nullptr};
  bool encoded = ok && otlp::encode_request(source, plan, &stream);
  if (ok && encoded && stream.bytes_written != payload_len) {
    logf(LogLevel::kError, "serial exporter: encoder wrote %lu bytes, header said %lu",
         static_cast<unsigned long>(stream.bytes_written), static_cast<unsigned long>(payload_len));
    encoded = false;
  }
  ok = encoded;
  std::uint8_t trailer[serial::kTrailerBytes];
  for (std::size_t i = 0; i < sizeof trailer; ++i) {
    trailer[i] = static_cast<std::uint8_t>(sink.crc >> (8 * i));
  }
  ok = ok && writer.write(trailer, sizeof trailer) && writer.flush();
  counters_.bytes_sent += writer.bytes();
  if (!ok) {
    // %lu, not %zu: newlib-nano's printf has no size_t length modifier.
    logf(LogLevel::kWarning, "serial exporter: frame %lu (%lu %s) not written (%s); will retry",
         static_cast<unsigned long>(sequence_), static_cast<unsigned long>(plan.spans),
         source.signal == otlp::Signal::kLogs ? "log records" : "spans",
         writer.status() != Status::kOk ? to_string(writer.status()) : "encoder failed");
    return false;
  }
  return true;
}

bool SerialExporter::plan_signal(otlp::RequestSource& source, otlp::Signal signal,
                                 otlp::RequestPlan& plan) noexcept {
  source.signal = signal;
  // The size cache serves the traces frame; a logs frame's records are sized again as written.
  plan.span_sizes = signal == otlp::Signal::kTraces ? span_sizes_ : nullptr;
  plan.span_size_cap = signal == otlp::Signal::kTraces ? TRACELET_EXPORT_SIZE_CACHE : 0;
  return otlp::plan_request(source, plan);
}

// A batch goes out as a traces frame for its spans and a logs frame (type 2) for its log
// records, each only if it has any, and leaves the ring when both are written. If the second
// fails, both are written again with the same sequence numbers: the bridge forwards an
// intact repeat of the frame it saw last only once.
SerialExporter::Result SerialExporter::export_one(std::size_t& records) noexcept {
  records = 0;
  Ring& ring = tracer_->ring();
  std::size_t limit = config_.max_batch_spans;
  for (;;) {
    otlp::RequestSource source;
    source.ring = &ring;
    source.resource = tracer_->resource();
    if (ring.peek_batch(source.batch, limit) != Status::kOk) return Result::kEmpty;
    std::size_t spans = 0;
    std::size_t logs = 0;
    otlp::count_signals(ring, source.batch, spans, logs);
    otlp::RequestPlan traces_plan;
    otlp::RequestPlan logs_plan;
    if ((spans != 0 && !plan_signal(source, otlp::Signal::kTraces, traces_plan)) ||
        (logs != 0 && !plan_signal(source, otlp::Signal::kLogs, logs_plan))) {
      ring.release(source.batch);
      logf(LogLevel::kError, "serial exporter: could not size a batch of %lu records",
           static_cast<unsigned long>(source.batch.count));
      next_attempt_ms_ = detail::monotonic_ms() + config_.retry_delay_ms;
      return Result::kFailed;
    }
    const std::size_t size = traces_plan.bytes > logs_plan.bytes ? traces_plan.bytes : logs_plan.bytes;
    if (size > config_.max_payload_bytes) {
      if (source.batch.count > 1) {  // split: half the records, until each frame fits
        ring.release(source.batch);
        limit = source.batch.count / 2;
        continue;
      }
      ring.commit(source.batch);
      ++counters_.spans_dropped_too_large;
      records += 1;
      logf(LogLevel::kWarning,
           "serial exporter: dropped a %s that encodes to %lu bytes (max_payload_bytes %lu)",
           logs != 0 ? "log record" : "span", static_cast<unsigned long>(size),
           static_cast<unsigned long>(config_.max_payload_bytes));
      limit = config_.max_batch_spans;
      continue;
    }
    const std::uint32_t first_sequence = sequence_;
    bool ok = true;
    if (spans != 0) {
      source.signal = otlp::Signal::kTraces;
      ok = write_frame(source, traces_plan);
      if (ok) ++sequence_;
    }
    if (ok && logs != 0) {
      source.signal = otlp::Signal::kLogs;
      ok = write_frame(source, logs_plan);
      if (ok) ++sequence_;
    }
    if (!ok) {
      sequence_ = first_sequence;
      ring.release(source.batch);
      ++counters_.write_failures;
      next_attempt_ms_ = detail::monotonic_ms() + config_.retry_delay_ms;
      return Result::kFailed;
    }
    ring.commit(source.batch);
    counters_.frames_sent += (spans != 0 ? 1u : 0u) + (logs != 0 ? 1u : 0u);
    counters_.spans_sent += spans - traces_plan.skipped;
    counters_.logs_sent += logs;
    counters_.records_skipped += traces_plan.skipped;
    if (traces_plan.skipped != 0) {
      logf(LogLevel::kError, "serial exporter: skipped %lu corrupt span records",
           static_cast<unsigned long>(traces_plan.skipped));
    }
    next_attempt_ms_ = 0;
    records += source.batch.count;
    return Result::kSent;
  }
}

// ---- driving ---------------------------------------------------------------------------------

std::size_t SerialExporter::poll() noexcept {
  if (tracer_ == nullptr) return 0;
  if (next_attempt_ms_ != 0 && detail::monotonic_ms() < next_attempt_ms_) return 0;
  const std::uint64_t before = counters_.spans_sent;
  std::size_t records = 0;
  (void)export_one(records);
  return static_cast<std::size_t>(counters_.spans_sent - before);
}

Status SerialExporter::flush() noexcept {
  if (tracer_ == nullptr) return Status::kFailedPrecondition;
  // Bounded by what is buffered now, so producers that keep recording cannot keep it going.
  const std::uint64_t target = pending_spans();
  std::uint64_t handled = 0;
  while (handled < target) {
    std::size_t records = 0;
    Result result = export_one(records);
    if (result == Result::kEmpty) break;
    if (result == Result::kFailed) return Status::kUnavailable;
    handled += records;
  }
  return Status::kOk;
}

}  // namespace tracelet
