#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/tracer.h"

namespace tracelet {

/// Receives one formatted line (no trailing newline). nullptr = write to stdout.
using LineWriter = void (*)(void* ctx, const char* line, std::size_t len);

/// A debugging exporter in the spirit of OpenTelemetry's ConsoleSpanExporter: one readable
/// line per span with trace id, span id, parent, name, kind, duration, status, attributes and
/// events with their attributes. String values are quoted with \n, \t, \" and other control
/// bytes escaped, so an exception's stack trace stays on its span's line.
struct ConsoleExporter {
  LineWriter write = nullptr;
  void* ctx = nullptr;
};

/// Prints every span and log record buffered in `tracer`'s ring and removes it. Returns
/// records printed.
/// Must not run concurrently with another consumer of the same ring.
/// ISR-safe: no. Blocks: as long as the writer does (the default writes to stdout).
/// Allocates: never itself (stdio may buffer; doubles are formatted by vsnprintf).
std::size_t export_to_console(Tracer& tracer, const ConsoleExporter& exporter = {}) noexcept;

/// Formats one ring record as a line into `out` (always NUL-terminated, cut if too long): a
/// span as above, a log record (tracelet::log) as
///   log severity=WARN(13) trace=<hex or -> span=<hex or -> body="..." attrs={k=v, ...}
/// Returns the line length, or 0 if `record` is not a valid span or log record.
/// ISR-safe: no (C library vsnprintf). Blocks: never. Allocates: never itself.
std::size_t format_span_line(const std::uint8_t* record, std::size_t len, char* out,
                             std::size_t cap) noexcept;

}  // namespace tracelet
