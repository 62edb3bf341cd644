// severity_text() (include/tracelet/log_record.h), apart from the recording code: the OTLP
// encoder and the console need it without linking a tracer.
#include "tracelet/log_record.h"

namespace tracelet {

const char* severity_text(Severity severity) noexcept {
  static const char* const kNames[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
  const unsigned n = static_cast<unsigned>(severity);
  return n >= 1 && n <= 24 ? kNames[(n - 1) / 4] : "";
}

}  // namespace tracelet
