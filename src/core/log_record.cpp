// tracelet::log(): OTLP log records into the span ring (include/tracelet/log_record.h; the
// record layout is in core/span_record.h).
#include "tracelet/log_record.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "core/span_record.h"
#include "tracelet/current_span.h"
#include "tracelet/tracelet.h"

namespace tracelet {

#if TRACELET_ENABLED

void log(Tracer& tracer, Severity severity, std::string_view body, const Attribute* attributes,
         std::size_t count) noexcept {
  if (!tracer.initialised() || !tracer.enabled()) return;
  const detail::SpanLimitsResolved& limits = tracer.limits();
  std::uint8_t data[TRACELET_LOG_RECORD_BYTES];
  body = detail::utf8_prefix(body, TRACELET_MAX_LOG_BODY_BYTES);
  data[0] = static_cast<std::uint8_t>(body.size());
  if (!body.empty()) std::memcpy(data + 1, body.data(), body.size());
  std::size_t used = 1 + body.size();
  std::uint8_t kept = 0;
  std::uint16_t dropped = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (kept >= limits.attributes ||
        !detail::append_attribute(data, sizeof data, used, attributes[i].key, attributes[i].value,
                                  limits.value_bytes)) {
      ++dropped;
      continue;
    }
    ++kept;
  }
  const SpanContext context = current_span_context();
  detail::SpanRecordHead head{};
  head.start_unix_ns = tracer.now_unix_ns();
  head.end_unix_ns = head.start_unix_ns;  // observed when recorded: there is no other source
  std::memcpy(head.trace_id, context.trace_id.bytes, 16);
  std::memcpy(head.span_id, context.span_id.bytes, 8);
  head.data_len = static_cast<std::uint16_t>(used);
  head.dropped_attributes = dropped;
  head.kind = static_cast<std::uint8_t>(severity);
  head.trace_flags = context.trace_flags;
  head.flags = detail::kRecordFlagLog;
  head.attribute_count = kept;
  if (tracer.ring_.push(&head, sizeof head, data, used)) {
    tracer.logs_recorded_.fetch_add(1, std::memory_order_relaxed);
  } else {
    tracer.logs_dropped_.fetch_add(1, std::memory_order_relaxed);
  }
}

void log(Severity severity, std::string_view body, std::initializer_list<Attribute> attributes) noexcept {
  log(default_tracer(), severity, body, attributes.begin(), attributes.size());
}

namespace {
void vlogf(Tracer& tracer, Severity severity, const char* format, va_list args) noexcept {
  char body[TRACELET_MAX_LOG_BODY_BYTES + 1];
  const int n = std::vsnprintf(body, sizeof body, format, args);
  if (n < 0) return;  // an encoding error: nothing sensible to record
  const std::size_t len = static_cast<std::size_t>(n) < sizeof body ? static_cast<std::size_t>(n) : sizeof body - 1;
  log(tracer, severity, std::string_view(body, len));
}
}  // namespace

void logf(Severity severity, const char* format, ...) noexcept {
  va_list args;
  va_start(args, format);
  vlogf(default_tracer(), severity, format, args);
  va_end(args);
}

void logf(Tracer& tracer, Severity severity, const char* format, ...) noexcept {
  va_list args;
  va_start(args, format);
  vlogf(tracer, severity, format, args);
  va_end(args);
}

#endif  // TRACELET_ENABLED

}  // namespace tracelet
