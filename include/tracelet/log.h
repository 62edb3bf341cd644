#pragma once
#include <cstdint>

namespace tracelet {

enum class LogLevel : std::uint8_t { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

/// Receives one NUL-terminated log line (no trailing newline) from the exporter or the config
/// loader. Called from the exporting thread (or poll()'s caller), never from start_span/end.
using LogSink = void (*)(void* ctx, LogLevel level, const char* line);

/// The default sink: "tracelet: <level>: <line>" on stderr.
/// ISR-safe: no (stdio). Blocks: as long as writing to stderr does. Allocates: never itself
/// (the C library may buffer stderr).
void log_to_stderr(void* ctx, LogLevel level, const char* line) noexcept;

}  // namespace tracelet
