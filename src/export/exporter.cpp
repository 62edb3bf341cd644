#include "tracelet/exporter.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "export/compression.h"
#include "export/http_request.h"
#include "export/http_response.h"
#include "export/log_line.h"
#include "otlp/encode.h"
#include "export/otlp_http.h"
#include "otlp/response.h"
#include "tracelet/net_port.h"
#include "tracelet/port.h"
#include "tracelet/version.h"
#include "export/url.h"

namespace tracelet {
namespace {

constexpr std::uint32_t kDefaultTimeoutMs = 10000;
constexpr std::uint32_t kDefaultScheduleDelayMs = 5000;
constexpr std::uint32_t kDefaultBatchSize = 512;
constexpr std::uint32_t kDefaultExportTimeoutMs = 30000;
constexpr std::uint32_t kDefaultInitialBackoffMs = 1000;
constexpr std::uint32_t kDefaultMaxBackoffMs = 32000;
constexpr std::uint32_t kDefaultMaxRetryAfterMs = 300000;

// ---- compressed bodies: deflate output as HTTP/1.1 chunks ----

struct ChunkedBody {
  const Compressor* compressor;
  detail::TransportWriter* writer;
  std::uint64_t compressed = 0;  // bytes of compressed body, chunk framing excluded
};

// CompressedSink: one chunk per piece of compressor output ("<hex size>\r\n<bytes>\r\n").
bool write_chunk(void* ctx, const std::uint8_t* data, std::size_t len) {
  auto* body = static_cast<ChunkedBody*>(ctx);
  if (len == 0) return true;  // a zero-size chunk would end the body
  char size_line[20];
  std::snprintf(size_line, sizeof size_line, "%lx\r\n", static_cast<unsigned long>(len));
  body->compressed += len;
  return body->writer->write_text(size_line) && body->writer->write(data, len) &&
         body->writer->write_text("\r\n");
}

// nanopb output stream callback: the encoder's bytes go into the compressor.
bool compress_write(pb_ostream_t* stream, const pb_byte_t* buf, std::size_t count) {
  auto* body = static_cast<ChunkedBody*>(stream->state);
  return body->compressor->write(body->compressor->ctx, buf, count, false, &write_chunk, body);
}

// ---- signed bodies: encoded (and compressed) twice, once into the signer's hash ----

struct SignedBody {
  const RequestSigner* signer;
  detail::TransportWriter* writer;
  std::uint64_t bytes = 0;
};

bool hash_out(void* ctx, const std::uint8_t* data, std::size_t len) {
  auto* body = static_cast<SignedBody*>(ctx);
  body->signer->body(body->signer->ctx, data, len);
  body->bytes += len;
  return true;
}

bool send_out(void* ctx, const std::uint8_t* data, std::size_t len) {
  auto* body = static_cast<SignedBody*>(ctx);
  body->bytes += len;
  return body->writer->write(data, len);
}

struct BodySink {
  const Compressor* compressor;  // nullptr = the encoder's bytes go to `sink` as they are
  CompressedSink sink;
  void* sink_ctx;
};

// nanopb output stream callback: the encoder's bytes, deflated or not, into the sink.
bool body_write(pb_ostream_t* stream, const pb_byte_t* buf, std::size_t count) {
  auto* b = static_cast<BodySink*>(stream->state);
  if (b->compressor == nullptr) return b->sink(b->sink_ctx, buf, count);
  return b->compressor->write(b->compressor->ctx, buf, count, false, b->sink, b->sink_ctx);
}

// The body's bytes as they go on the wire, through `sink`: the encoder's output, deflated
// when `compressor` is given. Returns the uncompressed size in `encoded`.
bool produce_body(const otlp::RequestSource& source, const otlp::RequestPlan& plan, const Compressor* compressor,
                  CompressedSink sink, void* sink_ctx, std::size_t& encoded) {
  BodySink b{compressor, sink, sink_ctx};
  pb_ostream_t stream = {&body_write, &b, SIZE_MAX, 0, nullptr};
  const bool ok = (compressor == nullptr || compressor->begin(compressor->ctx)) &&
                  otlp::encode_request(source, plan, &stream) &&
                  (compressor == nullptr || compressor->write(compressor->ctx, nullptr, 0, true, sink, sink_ctx));
  encoded = stream.bytes_written;
  return ok;
}

}  // namespace

// The build's default gzip (export/compression.h): none, unless src/export/gzip_zlib.cpp is
// linked in, whose strong definitions replace these.
namespace detail {
__attribute__((weak)) bool default_gzip_open(Compressor&, void*&) noexcept { return false; }
__attribute__((weak)) void default_gzip_close(void*) noexcept {}
}  // namespace detail

// Log formats avoid 64-bit conversions: newlib-nano's printf (small MCUs) has none.
// Formats use %lu with casts, never %zu: newlib-nano's printf (firmware) has no z modifier.
void Exporter::logf(LogLevel level, const char* format, ...) const noexcept {
  if (level < config_.log_level) return;
  char line[320];
  va_list args;
  va_start(args, format);
  detail::log_line(config_.log, config_.log_ctx, level, line, sizeof line, format, args);
  va_end(args);
}

void Exporter::update(void (*apply)(ExporterCounters&, std::uint64_t), std::uint64_t value) noexcept {
  // Counters are read from other threads; the port's critical section keeps a copy coherent
  // without 64-bit atomics (which small cores lack).
  std::uint32_t state = port::critical_enter();
  apply(counters_, value);
  port::critical_exit(state);
}

Status Exporter::set_target(const char* endpoint, Target& target) noexcept {
  detail::Url url;
  char error[200];
  if (detail::parse_url(endpoint, url, error, sizeof error) != Status::kOk) {
    logf(LogLevel::kError, "exporter: %s", error);
    return Status::kInvalidArgument;
  }
  if (!url.tls && !config_.allow_plain_http) {
    logf(LogLevel::kError,
         "exporter: refusing plain-text endpoint %s: spans and headers would travel "
         "unencrypted. Use https://, or allow it explicitly (TRACELET_ALLOW_PLAIN_HTTP=true)",
         endpoint);
    return Status::kInvalidArgument;
  }
  target = url;
  return Status::kOk;
}

Status Exporter::init(Tracer& tracer, const ExporterConfig& config, Connector connector) noexcept {
  if (tracer_ != nullptr || !tracer.initialised()) return Status::kFailedPrecondition;
  config_ = config;
  if (connector.open == nullptr || connector.close == nullptr) {
    logf(LogLevel::kError, "exporter: the connector has no open/close functions");
    return Status::kInvalidArgument;
  }
  const char* endpoint =
      config.endpoint != nullptr ? config.endpoint : "https://localhost:4318/v1/traces";
  Status target_status = set_target(endpoint, traces_);
  if (target_status != Status::kOk) return target_status;
  if (config.logs_endpoint != nullptr) {
    target_status = set_target(config.logs_endpoint, logs_);
    if (target_status != Status::kOk) return target_status;
  } else {
    logs_ = logs_endpoint_beside(traces_);
  }
  targets_share_connection_ = logs_.port == traces_.port && logs_.tls == traces_.tls &&
                              std::strcmp(logs_.host, traces_.host) == 0;
  for (std::size_t i = 0; i < config.header_count; ++i) {
    if (!otlp::is_valid_header(config.headers[i])) {
      logf(LogLevel::kError, "exporter: header %lu is malformed (empty, or contains CR/LF/':')",
           static_cast<unsigned long>(i));
      return Status::kInvalidArgument;
    }
  }
  for (std::size_t i = 0; config.logs_headers != nullptr && i < config.logs_header_count; ++i) {
    if (!otlp::is_valid_header(config.logs_headers[i])) {
      logf(LogLevel::kError, "exporter: logs header %lu is malformed (empty, or contains CR/LF/':')",
           static_cast<unsigned long>(i));
      return Status::kInvalidArgument;
    }
  }
  compressor_ = Compressor{};
  if (config.compression == Compression::kGzip) {
    if (config.compressor.begin != nullptr && config.compressor.write != nullptr &&
        config.compressor.content_encoding != nullptr) {
      compressor_ = config.compressor;
    } else if (default_compressor_ == nullptr &&
               detail::default_gzip_open(compressor_, default_compressor_)) {
      // made once here: bodies reuse its state, nothing is allocated per request
    } else if (default_compressor_ == nullptr) {
      compressor_ = Compressor{};
      logf(LogLevel::kWarning, "exporter: gzip compression was requested, but this build has no "
           "gzip compressor (tracelet::gzip needs zlib; firmware builds link none): sending "
           "request bodies uncompressed (identity)");
    }
  }
  connector_ = connector;
  tracer_ = &tracer;
  std::uint8_t seed[8];
  if (!port::entropy(seed, sizeof seed)) std::memset(seed, 0x5a, sizeof seed);
  std::memcpy(&jitter_state_, seed, sizeof seed);
  jitter_state_ |= 1;
  last_export_ms_ = detail::monotonic_ms();
  next_attempt_ms_ = 0;
  backoff_ms_ = 0;
  failures_in_a_row_ = 0;
  stop_.store(false);
  return Status::kOk;
}

std::uint64_t Exporter::pending_spans() const noexcept {
  if (tracer_ == nullptr) return 0;
  RingCounters c = tracer_->ring().counters();
  return c.written - c.committed - c.dropped_overwritten;
}

ExporterCounters Exporter::counters() const noexcept {
  std::uint32_t state = port::critical_enter();
  ExporterCounters copy = counters_;
  port::critical_exit(state);
  return copy;
}

void Exporter::schedule_retry(std::uint32_t retry_after_ms) noexcept {
  ++failures_in_a_row_;
  std::uint32_t initial = detail::or_default(config_.initial_backoff_ms, kDefaultInitialBackoffMs);
  std::uint32_t max = detail::or_default(config_.max_backoff_ms, kDefaultMaxBackoffMs);
  backoff_ms_ = backoff_ms_ == 0 ? initial : (backoff_ms_ > max / 2 ? max : backoff_ms_ * 2);
  // Jitter: a random wait in [backoff/2, backoff], so devices that lost the network together
  // do not all come back in the same second.
  jitter_state_ ^= jitter_state_ << 13;
  jitter_state_ ^= jitter_state_ >> 7;
  jitter_state_ ^= jitter_state_ << 17;
  std::uint32_t wait = backoff_ms_ / 2 + static_cast<std::uint32_t>(jitter_state_ % (backoff_ms_ / 2 + 1));
  if (retry_after_ms != 0) {  // the server said when, within our limit
    const std::uint32_t cap = detail::or_default(config_.max_retry_after_ms, kDefaultMaxRetryAfterMs);
    if (retry_after_ms > cap) {
      logf(LogLevel::kWarning, "exporter: Retry-After of %u s is longer than the %u s limit "
           "(max_retry_after_ms); waiting %u s", static_cast<unsigned>(retry_after_ms / 1000),
           static_cast<unsigned>(cap / 1000), static_cast<unsigned>(cap / 1000));
    }
    wait = retry_after_ms > cap ? cap : retry_after_ms;
  }
  next_attempt_ms_ = detail::monotonic_ms() + wait;
  logf(LogLevel::kInfo, "exporter: retry %u in %u ms", static_cast<unsigned>(failures_in_a_row_),
       static_cast<unsigned>(wait));
}

Exporter::Outcome Exporter::export_batch(const Batch& batch, std::uint32_t& retry_after_ms) noexcept {
  std::size_t spans = 0;
  std::size_t logs = 0;
  otlp::count_signals(tracer_->ring(), batch, spans, logs);
  const bool spans_done = traces_delivered_.count == batch.count && traces_delivered_.lane == batch.lane &&
                          traces_delivered_.begin == batch.begin;
  traces_delivered_ = Batch{};
  Outcome traces = Outcome::kDelivered;
  if (spans != 0 && !spans_done) {
    traces = export_signal(batch, Signal::kTraces, spans, retry_after_ms);
    if (traces == Outcome::kRetry) return traces;
  }
  if (logs == 0) return traces;
  if (config_.drop_logs) {
    update([](ExporterCounters& c, std::uint64_t n) { c.logs_not_exported += n; }, logs);
    return traces;
  }
  const Outcome outcome = export_signal(batch, Signal::kLogs, logs, retry_after_ms);
  if (outcome == Outcome::kRetry && spans != 0) {
    traces_delivered_ = batch;  // the retry claims these records again and sends only the logs
  }
  return outcome == Outcome::kDelivered ? traces : outcome;
}

Exporter::Outcome Exporter::export_signal(const Batch& batch, Signal signal, std::size_t count,
                                          std::uint32_t& retry_after_ms) noexcept {
  retry_after_ms = 0;
  const std::uint32_t timeout = detail::or_default(config_.timeout_ms, kDefaultTimeoutMs);
  const std::uint64_t deadline = detail::monotonic_ms() + timeout;
  otlp::RequestSource source;
  source.ring = &tracer_->ring();
  source.batch = batch;
  source.resource = tracer_->resource();
  source.signal = signal == Signal::kLogs ? otlp::Signal::kLogs : otlp::Signal::kTraces;
  const Target& target = signal == Signal::kLogs ? logs_ : traces_;
  const char* const what = signal == Signal::kLogs ? "log records" : "spans";
  const bool logs = signal == Signal::kLogs;
  const bool own_headers = logs && config_.logs_headers != nullptr;
  const HttpHeader* const headers = own_headers ? config_.logs_headers : config_.headers;
  const std::size_t header_count = own_headers ? config_.logs_header_count : config_.header_count;
  const bool compress = compressor_.write != nullptr;
  otlp::RequestPlan plan;  // also for chunked bodies: the encoder writes from the plan
  plan.span_sizes = span_sizes_;
  plan.span_size_cap = TRACELET_EXPORT_SIZE_CACHE;
  if (!otlp::plan_request(source, plan)) {
    logf(LogLevel::kError, "exporter: could not size a batch of %lu %s",
         static_cast<unsigned long>(count), what);
    return Outcome::kRetry;
  }

  update([](ExporterCounters& c, std::uint64_t) { ++c.export_attempts; }, 0);
  if (failures_in_a_row_ != 0) update([](ExporterCounters& c, std::uint64_t) { ++c.retries; }, 0);

  Transport transport{};
  char error[224] = {};  // room for a TLS reason such as the names a refused certificate carries
  if (connected_ && connected_to_ != &target && !targets_share_connection_) {
    connector_.close(connector_.ctx);  // the other signal's collector: connect anew
    connected_ = false;
  }
  connected_to_ = &target;
  if (!connected_) {
    Status s = connector_.open(connector_.ctx, target.host, target.port, target.tls, timeout, &transport, error,
                               sizeof error);
    if (s != Status::kOk) {
      update([](ExporterCounters& c, std::uint64_t) { ++c.connect_failures; ++c.export_failures; }, 0);
      if (s == Status::kInvalidArgument) {
        // A configuration problem (e.g. an unreadable CA file): retrying cannot fix it, and
        // saying so at every retry would bury everything else. Said once, as an error.
        if (!config_error_logged_) {
          logf(LogLevel::kError, "exporter: configuration error, cannot connect to %s:%u: %s; "
               "%lu %s stay buffered until it is fixed", target.host, static_cast<unsigned>(target.port), error,
               static_cast<unsigned long>(count), what);
          config_error_logged_ = true;
        }
      } else {
        // No status name here: "data-loss" (a TLS failure) would read as if spans were lost.
        logf(LogLevel::kWarning, "exporter: cannot reach %s:%u: %s; %lu %s stay buffered", target.host,
             static_cast<unsigned>(target.port), error, static_cast<unsigned long>(count), what);
      }
      return Outcome::kRetry;
    }
    connected_ = true;
    config_error_logged_ = false;
    transport_ = transport;
    update([](ExporterCounters& c, std::uint64_t) { ++c.connects; }, 0);
  }
  transport = transport_;

  detail::TransportWriter writer(transport, deadline);
  const std::size_t skipped = plan.skipped;
  std::size_t body_size = plan.bytes;
  bool ok = false;
  std::uint64_t sent_bytes = body_size;
  const RequestSigner& signer = config_.signer;
  if (signer.sign != nullptr) {
    // Signed: the signature covers the body's SHA-256, which must be in the head. Hashing the
    // body needs a pass of its own (no request-sized buffer); with gzip the compressed bytes
    // are what is hashed and sent, so they are produced twice (the compressor is
    // deterministic) and go out with a Content-Length instead of chunks.
    const Compressor* deflate = compress ? &compressor_ : nullptr;
    SignedBody hashed{&signer, &writer};
    signer.begin(signer.ctx);
    ok = produce_body(source, plan, deflate, &hash_out, &hashed, body_size);
    char host_text[280];
    otlp::format_host_header(target.host, target.port, target.tls, host_text, sizeof host_text);
    SignedRequest request;
    request.signal = logs ? SignedSignal::kLogs : SignedSignal::kTraces;
    request.host = host_text;
    request.target = target.path;
    request.content_type = otlp::kContentType;
    HttpHeader signature[6];
    const std::size_t signature_count = ok ? signer.sign(signer.ctx, request, signature, 6) : 0;
    if (ok && signature_count == 0) {
      logf(LogLevel::kError, "exporter: the request signer could not sign; %lu %s stay buffered",
           static_cast<unsigned long>(count), what);
    }
    SignedBody sent{&signer, &writer};
    std::size_t encoded = 0;
    ok = signature_count != 0 &&
         otlp::write_post_head(writer, target.host, target.port, target.tls, target.path, "tracelet/" TRACELET_VERSION_STRING,
                               static_cast<std::size_t>(hashed.bytes), headers, header_count,
                               compress ? compressor_.content_encoding : nullptr, signature, signature_count) &&
         produce_body(source, plan, deflate, &send_out, &sent, encoded) && writer.flush();
    if (ok && sent.bytes != hashed.bytes) {
      logf(LogLevel::kError, "exporter: the body came out %lu bytes the second time, %lu the first (a "
           "compressor that is not deterministic cannot be used with a signer)",
           static_cast<unsigned long>(sent.bytes), static_cast<unsigned long>(hashed.bytes));
      ok = false;
    }
    sent_bytes = sent.bytes;
  } else if (compress) {
    // One pass: encoder -> compressor (1 KB staging) -> chunks through the writer's buffer.
    ChunkedBody chunked{&compressor_, &writer};
    pb_ostream_t body = {&compress_write, &chunked, SIZE_MAX, 0, nullptr};
    ok = otlp::write_post_head_chunked(writer, target.host, target.port, target.tls, target.path,
                                       "tracelet/" TRACELET_VERSION_STRING,
                                       compressor_.content_encoding, headers, header_count) &&
         compressor_.begin(compressor_.ctx) && otlp::encode_request(source, plan, &body) &&
         compressor_.write(compressor_.ctx, nullptr, 0, true, &write_chunk, &chunked) &&
         writer.write_text("0\r\n\r\n") && writer.flush();
    body_size = body.bytes_written;
    sent_bytes = chunked.compressed;
  } else {
    ok = otlp::write_post_head(writer, target.host, target.port, target.tls, target.path, "tracelet/" TRACELET_VERSION_STRING,
                               body_size, headers, header_count);
    pb_ostream_t body = writer.stream();
    ok = ok && otlp::encode_request(source, plan, &body) && writer.flush();
  }
  if (!ok) {
    connector_.close(connector_.ctx);
    connected_ = false;
    update([](ExporterCounters& c, std::uint64_t) { ++c.export_failures; }, 0);
    // kOk here: the connection was fine, the body could not be made (encoder, compressor or
    // signer; each said why above).
    logf(LogLevel::kWarning, "exporter: sending %lu %s failed (%s); will retry",
         static_cast<unsigned long>(count), what,
         writer.status() != Status::kOk ? to_string(writer.status()) : "request not produced");
    return Outcome::kRetry;
  }
  update([](ExporterCounters& c, std::uint64_t n) { c.bytes_sent += n; }, sent_bytes);
  update([](ExporterCounters& c, std::uint64_t n) { c.bytes_uncompressed += n; }, body_size);
  if (skipped != 0) logf(LogLevel::kError, "exporter: skipped %lu corrupt span records",
                         static_cast<unsigned long>(skipped));

  detail::HttpResponseParser response;
  const detail::HttpResponseParser::Result result = detail::receive_response(transport, deadline, response);
  if (result != detail::HttpResponseParser::Result::kDone) {
    connector_.close(connector_.ctx);
    connected_ = false;
    update([](ExporterCounters& c, std::uint64_t) { ++c.export_failures; }, 0);
    if (result == detail::HttpResponseParser::Result::kError) {
      // Malformed, or the connection ended before a whole answer came (a reset): not a timeout.
      logf(LogLevel::kWarning, "exporter: the answer for %lu %s was cut off or malformed (%s); will retry",
           static_cast<unsigned long>(count), what, response.error());
    } else {
      logf(LogLevel::kWarning, "exporter: no answer for %lu %s within %u ms; will retry",
           static_cast<unsigned long>(count), what,
           static_cast<unsigned>(timeout));
    }
    return Outcome::kRetry;
  }
  if (response.connection_close()) {
    connector_.close(connector_.ctx);
    connected_ = false;
  }
  const int status = response.status();
  if (signer.on_answer != nullptr && signer.on_answer(signer.ctx, status, response.date()) &&
      (status < 200 || status >= 300)) {
    update([](ExporterCounters& c, std::uint64_t) { ++c.export_failures; }, 0);
    resend_now_ = true;  // the signer took the server's clock: the same batch, signed again
    return Outcome::kRetry;
  }
  update([](ExporterCounters& c, std::uint64_t s) { c.last_http_status = static_cast<std::int32_t>(s); },
         static_cast<std::uint64_t>(status));

  if (status >= 200 && status < 300) {
    otlp::ExportResponse answer;
    if (!otlp::read_success(response, answer)) {
      logf(LogLevel::kWarning, "exporter: 2xx answer body (%lu bytes) is not an ExportTraceServiceResponse",
           static_cast<unsigned long>(response.body_total()));
    }
    const std::int64_t rejected = answer.rejected_spans;
    const char* message = answer.error_message;
    update([](ExporterCounters& c, std::uint64_t) { ++c.exports_succeeded; }, 0);
    // Every span of the batch is either accepted or rejected, never both: the counters keep
    // recorded = exported + rejected + dropped + buffered. A collector that claims more
    // rejections than the batch held is believed only up to the batch.
    const std::uint64_t refused =
        rejected <= 0 ? 0
                      : (static_cast<std::uint64_t>(rejected) > count ? count
                                                                             : static_cast<std::uint64_t>(rejected));
    update(logs ? +[](ExporterCounters& c, std::uint64_t n) { c.logs_exported += n; }
              : +[](ExporterCounters& c, std::uint64_t n) { c.spans_exported += n; },
         count - refused);
    if (rejected > 0 || message[0] != '\0') {
      update(logs ? +[](ExporterCounters& c, std::uint64_t n) { c.logs_rejected += n; }
                : +[](ExporterCounters& c, std::uint64_t n) { c.spans_rejected += n; },
           refused);
      logf(LogLevel::kWarning, "exporter: collector rejected %ld of %lu %s: %s",
           static_cast<long>(rejected), static_cast<unsigned long>(count), what, message[0] != '\0' ? message : "(no message)");
    }
    return Outcome::kDelivered;
  }

  char reason[160];
  otlp::failure_reason(response, reason, sizeof reason);
  update([](ExporterCounters& c, std::uint64_t) { ++c.export_failures; }, 0);
  if (otlp::is_retryable(status)) {
    retry_after_ms = otlp::retry_after_ms(response, tracer_->now_unix_ns() / 1000000000u);
    logf(LogLevel::kWarning, "exporter: collector answered %d%s%s%s; %lu %s stay buffered", status,
         reason[0] != '\0' ? " (" : "", reason, reason[0] != '\0' ? ")" : "",
         static_cast<unsigned long>(count), what);
    return Outcome::kRetry;
  }
  update(logs ? +[](ExporterCounters& c, std::uint64_t n) { c.logs_dropped_non_retryable += n; }
              : +[](ExporterCounters& c, std::uint64_t n) { c.spans_dropped_non_retryable += n; },
         count);
  logf(LogLevel::kError, "exporter: collector answered %d%s%s%s; dropping %lu %s (not retryable)",
       status, reason[0] != '\0' ? " (" : "", reason, reason[0] != '\0' ? ")" : "",
       static_cast<unsigned long>(count), what);
  return Outcome::kDrop;
}

std::uint32_t Exporter::poll() noexcept {
  if (tracer_ == nullptr) return 1000;
  if (config_.poll_task.run == nullptr) return poll_export();
  const std::uint32_t task_wait = config_.poll_task.run(config_.poll_task.ctx);
  const std::uint32_t export_wait = poll_export();
  return task_wait < export_wait ? task_wait : export_wait;
}

std::uint32_t Exporter::poll_export() noexcept {
  const std::uint64_t now = detail::monotonic_ms();
  const std::uint32_t delay = detail::or_default(config_.schedule_delay_ms, kDefaultScheduleDelayMs);
  const std::uint32_t batch_size = detail::or_default(config_.max_export_batch_size, kDefaultBatchSize);
  if (now < next_attempt_ms_) return static_cast<std::uint32_t>(next_attempt_ms_ - now);
  const std::uint64_t pending = pending_spans();
  const bool flush = flush_requested_.load();
  const bool due = pending >= batch_size || flush || (pending != 0 && now - last_export_ms_ >= delay);
  if (!due) {
    if (pending == 0) last_export_ms_ = now;  // the delay counts from the first waiting span
    std::uint64_t since = now - last_export_ms_;
    return since >= delay ? delay : static_cast<std::uint32_t>(delay - since);
  }
  Batch batch;
  const std::size_t claim = traces_delivered_.count != 0 ? traces_delivered_.count : batch_size;
  if (tracer_->ring().peek_batch(batch, claim) != Status::kOk) return delay;
  std::uint32_t retry_after_ms = 0;
  Outcome outcome = export_batch(batch, retry_after_ms);
  if (outcome == Outcome::kRetry && resend_now_) {
    resend_now_ = false;
    tracer_->ring().release(batch);
    return 0;
  }
  if (outcome == Outcome::kRetry) {
    tracer_->ring().release(batch);
    schedule_retry(retry_after_ms);
    // The wait may already be over (a 0 ms back-off, or a slow machine between the two clock
    // reads); an unsigned difference would then wrap into a wait of ~49 days.
    const std::uint64_t after = detail::monotonic_ms();
    return after >= next_attempt_ms_ ? 0 : static_cast<std::uint32_t>(next_attempt_ms_ - after);
  }
  if (config_.on_span_exported != nullptr) {
    RecordCursor cursor = tracer_->ring().cursor(batch);
    const std::uint8_t* record = nullptr;
    std::size_t len = 0;
    while (tracer_->ring().next(cursor, record, len)) {
      config_.on_span_exported(config_.on_span_exported_ctx, record, len);
    }
  }
  tracer_->ring().commit(batch);  // delivered, or refused for good and counted
  failures_in_a_row_ = 0;
  backoff_ms_ = 0;
  last_export_ms_ = detail::monotonic_ms();
  const std::uint64_t left = pending_spans();
  return (left >= batch_size || (left != 0 && flush_requested_.load())) ? 0 : delay;
}

Status Exporter::flush(std::uint32_t timeout_ms) noexcept {
  if (tracer_ == nullptr) return Status::kFailedPrecondition;
  const std::uint64_t deadline =
      detail::monotonic_ms() +
      detail::or_default(timeout_ms, detail::or_default(config_.export_timeout_ms, kDefaultExportTimeoutMs));
  flush_requested_.store(true);
  while (pending_spans() != 0) {
    std::uint64_t now = detail::monotonic_ms();
    if (now >= deadline) break;
    std::uint32_t wait;
    if (background_.load()) {
      wait = 5;
    } else {
      wait = poll_export();  // a flush drains the ring; the poll task waits
      if (wait == 0 || pending_spans() == 0) continue;
    }
    std::uint64_t left = deadline - now;
    port::sleep_ms(wait < left ? wait : static_cast<std::uint32_t>(left));
  }
  flush_requested_.store(false);
  if (pending_spans() == 0) return Status::kOk;
  logf(LogLevel::kWarning, "exporter: flush timed out with %lu spans still buffered",
       static_cast<unsigned long>(pending_spans()));
  return Status::kTimeout;
}

void Exporter::run_background(void* self) noexcept {
  auto* exporter = static_cast<Exporter*>(self);
  while (!exporter->stop_.load()) {
    std::uint32_t wait = exporter->poll();
    // Wake at least every 20 ms so flush requests and shutdown are seen promptly.
    port::sleep_ms(wait < 20 ? wait : 20);
  }
}

Status Exporter::start_background() noexcept {
  if (tracer_ == nullptr || background_.load()) return Status::kFailedPrecondition;
  stop_.store(false);
  Status s = port::thread_start(&worker_, &Exporter::run_background, this);
  if (s == Status::kOk) background_.store(true);
  return s;
}

Status Exporter::shutdown(std::uint32_t timeout_ms) noexcept {
  if (tracer_ == nullptr) return Status::kOk;
  Status result = flush(timeout_ms);
  if (background_.load()) {
    stop_.store(true);
    port::thread_join(&worker_);
    background_.store(false);
  }
  if (connected_) {
    connector_.close(connector_.ctx);
    connected_ = false;
  }
  if (result != Status::kOk) {
    logf(LogLevel::kWarning, "exporter: shut down with %lu undelivered spans",
         static_cast<unsigned long>(pending_spans()));
  }
  if (default_compressor_ != nullptr) {
    detail::default_gzip_close(default_compressor_);
    default_compressor_ = nullptr;
  }
  compressor_ = Compressor{};
  tracer_ = nullptr;
  return result;
}

}  // namespace tracelet
