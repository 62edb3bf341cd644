#pragma once
// The OTLP logs signal: application log records that travel with the spans. A log record goes
// into the tracer's ring beside the spans, stamped with the current span's trace and span
// ids, and an exporter sends it to the collector as OTLP logs (/v1/logs). Not to be confused
// with tracelet/log.h, where the library reports its own diagnostics (LogSink).
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "tracelet/attribute.h"
#include "tracelet/config.h"

namespace tracelet {

class Tracer;

/// OTLP SeverityNumber: the value is what goes on the wire. The four steps of each range
/// (e.g. kInfo..kInfo4) are finer grades of the same severity.
enum class Severity : std::uint8_t {
  kUnspecified = 0,
  kTrace = 1, kTrace2 = 2, kTrace3 = 3, kTrace4 = 4,
  kDebug = 5, kDebug2 = 6, kDebug3 = 7, kDebug4 = 8,
  kInfo = 9, kInfo2 = 10, kInfo3 = 11, kInfo4 = 12,
  kWarn = 13, kWarn2 = 14, kWarn3 = 15, kWarn4 = 16,
  kError = 17, kError2 = 18, kError3 = 19, kError4 = 20,
  kFatal = 21, kFatal2 = 22, kFatal3 = 23, kFatal4 = 24,
};

/// The short name of a severity's range, as OTLP severity_text carries it: "TRACE", "DEBUG",
/// "INFO", "WARN", "ERROR", "FATAL"; "" for kUnspecified and values outside 1..24.
/// ISR-safe: yes. Blocks: never. Allocates: never.
const char* severity_text(Severity severity) noexcept;

#if TRACELET_ENABLED
/// Records one log record in `tracer`'s ring: `body` (cut to TRACELET_MAX_LOG_BODY_BYTES at a
/// UTF-8 boundary), `attributes` (keys and string values cut as span attributes are; those
/// past TRACELET_MAX_ATTRIBUTES or past TRACELET_LOG_RECORD_BYTES are dropped and counted in
/// dropped_attributes_count), the time from the port clock, and the trace id, span id and
/// trace flags of the calling context's current span (none outside a span). Recorded whether
/// or not the current span is sampled. A full ring drops the record and counts it (ring
/// counters, TracerCounters::logs_dropped), as for spans; a tracer that is not initialised or
/// disabled records nothing.
/// ISR-safe: yes (MCU ports). Blocks: never. Allocates: never (TRACELET_LOG_RECORD_BYTES of
/// stack).
void log(Tracer& tracer, Severity severity, std::string_view body,
         const Attribute* attributes = nullptr, std::size_t count = 0) noexcept;

/// log() on the default tracer (tracelet::default_tracer()):
///   tracelet::log(tracelet::Severity::kWarn, "battery low", {{"battery.mv", 3100}});
/// ISR-safe: yes (MCU ports). Blocks: never. Allocates: never.
void log(Severity severity, std::string_view body,
         std::initializer_list<Attribute> attributes = {}) noexcept;

/// printf-style log() on the default tracer; the body is formatted into a
/// TRACELET_MAX_LOG_BODY_BYTES stack buffer (longer text is cut):
///   tracelet::logf(tracelet::Severity::kInfo, "sensor %d read %ld mV", id, mv);
/// ISR-safe: no (the C library's vsnprintf; newlib's may take a lock or, for floating point,
/// allocate). Blocks: only as the C library's vsnprintf does. Allocates: never itself.
void logf(Severity severity, const char* format, ...) noexcept __attribute__((format(printf, 2, 3)));

/// logf() on a tracer of your own.
void logf(Tracer& tracer, Severity severity, const char* format, ...) noexcept
    __attribute__((format(printf, 3, 4)));
#else
inline void log(Tracer&, Severity, std::string_view, const Attribute* = nullptr, std::size_t = 0) noexcept {}
inline void log(Severity, std::string_view, std::initializer_list<Attribute> = {}) noexcept {}
inline void logf(Severity, const char*, ...) noexcept {}
inline void logf(Tracer&, Severity, const char*, ...) noexcept {}
#endif

}  // namespace tracelet
