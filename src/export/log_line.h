#pragma once
#include <cstdarg>
#include <cstddef>
#include <cstdint>

#include "tracelet/log.h"

namespace tracelet::detail {

/// Formats one log line into `line` (cut to `cap` bytes) and hands it to `sink`, or to
/// log_to_stderr when `sink` is nullptr. The caller owns the buffer, so each exporter keeps
/// the stack it budgeted for its lines.
void log_line(LogSink sink, void* ctx, LogLevel level, char* line, std::size_t cap,
              const char* format, va_list args) noexcept;

/// A configuration value, or `fallback` where the field was left 0 ("use the default").
constexpr std::uint32_t or_default(std::uint32_t value, std::uint32_t fallback) noexcept {
  return value != 0 ? value : fallback;
}

}  // namespace tracelet::detail
