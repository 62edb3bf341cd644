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
  header.length = static_cast<std::uint32_t>(payload_len);
  std::uint8_t head[serial::kHeaderBytes];
  serial::write_header(header, head);
  PayloadSink sink{&writer, serial::crc32_update(0, head, sizeof head)};
  bool ok = writer.write(head, sizeof head);
  // max_size = the announced length: the encoder cannot put more on the wire than the header
  // promised, and bytes_written proves it wrote exactly that much.
  pb_ostream_t stream = {&write_payload, &sink, payload_len, 0, nullptr};
  const std::size_t skipped = plan.skipped;
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
    logf(LogLevel::kWarning, "serial exporter: frame %lu (%lu spans) not written (%s); will retry",
         static_cast<unsigned long>(sequence_), static_cast<unsigned long>(source.batch.count),
         writer.status() != Status::kOk ? to_string(writer.status()) : "encoder failed");
    return false;
  }
  counters_.records_skipped += skipped;
  counters_.spans_sent += source.batch.count - skipped;
  if (skipped != 0) {
    logf(LogLevel::kError, "serial exporter: skipped %lu corrupt span records",
         static_cast<unsigned long>(skipped));
  }
  return true;
}

SerialExporter::Result SerialExporter::export_one(std::size_t& records) noexcept {
  records = 0;
  Ring& ring = tracer_->ring();
  std::size_t limit = config_.max_batch_spans;
  for (;;) {
    otlp::RequestSource source;
    source.ring = &ring;
    source.resource = tracer_->resource();
    if (ring.peek_batch(source.batch, limit) != Status::kOk) return Result::kEmpty;
    otlp::RequestPlan plan;
    plan.span_sizes = span_sizes_;
    plan.span_size_cap = TRACELET_EXPORT_SIZE_CACHE;
    if (!otlp::plan_request(source, plan)) {
      ring.release(source.batch);
      logf(LogLevel::kError, "serial exporter: could not size a batch of %lu spans",
           static_cast<unsigned long>(source.batch.count));
      next_attempt_ms_ = detail::monotonic_ms() + config_.retry_delay_ms;
      return Result::kFailed;
    }
    const std::size_t size = plan.bytes;
    if (size > config_.max_payload_bytes) {
      if (source.batch.count > 1) {  // split: half the spans, until the frame fits
        ring.release(source.batch);
        limit = source.batch.count / 2;
        continue;
      }
      ring.commit(source.batch);
      ++counters_.spans_dropped_too_large;
      records += 1;
      logf(LogLevel::kWarning,
           "serial exporter: dropped a span that encodes to %lu bytes (max_payload_bytes %lu)",
           static_cast<unsigned long>(size), static_cast<unsigned long>(config_.max_payload_bytes));
      limit = config_.max_batch_spans;
      continue;
    }
    if (!write_frame(source, plan)) {
      ring.release(source.batch);
      ++counters_.write_failures;
      next_attempt_ms_ = detail::monotonic_ms() + config_.retry_delay_ms;
      return Result::kFailed;
    }
    ring.commit(source.batch);
    ++counters_.frames_sent;
    ++sequence_;
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
