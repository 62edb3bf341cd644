#include "tracelet/log.h"

#include <cstdio>
#include <cstring>

#include "export/log_line.h"

namespace tracelet {

namespace {

const char* level_name(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "log";
}

}  // namespace

void log_to_stderr(void* /*ctx*/, LogLevel level, const char* line) noexcept {
  if (line == nullptr) line = "";
  const char* name = level_name(level);
  // One fputs per line where it fits, so lines from two threads do not interleave mid-line.
  char buf[512];
  const std::size_t name_len = std::strlen(name);
  const std::size_t line_len = std::strlen(line);
  static constexpr char kPrefix[] = "tracelet: ";
  const std::size_t prefix_len = sizeof kPrefix - 1;
  const std::size_t total = prefix_len + name_len + 2 + line_len + 1;
  if (total < sizeof buf) {
    char* p = buf;
    std::memcpy(p, kPrefix, prefix_len);
    p += prefix_len;
    std::memcpy(p, name, name_len);
    p += name_len;
    *p++ = ':';
    *p++ = ' ';
    std::memcpy(p, line, line_len);
    p += line_len;
    *p++ = '\n';
    *p = '\0';
    std::fputs(buf, stderr);
    return;
  }
  std::fputs(kPrefix, stderr);
  std::fputs(name, stderr);
  std::fputs(": ", stderr);
  std::fputs(line, stderr);
  std::fputs("\n", stderr);
}

namespace detail {

void log_line(LogSink sink, void* ctx, LogLevel level, char* line, std::size_t cap,
              const char* format, va_list args) noexcept {
  std::vsnprintf(line, cap, format, args);
  (sink != nullptr ? sink : log_to_stderr)(ctx, level, line);
}

}  // namespace detail

}  // namespace tracelet
