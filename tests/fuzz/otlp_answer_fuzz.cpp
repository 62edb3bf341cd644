// Fuzz target: how the OTLP/HTTP exporter and otlp_post() read a collector's answer
// (src/export/otlp_http.cpp) once the HTTP response parser has it: the partial-success body of
// a 2xx (read_success), the reason of a refusal (failure_reason), the wait a Retry-After asks
// for (retry_after_ms) and which statuses are retried. http_response_fuzz covers the parser
// itself. Checks that a reason is always a NUL-terminated line within its buffer with no
// control characters (it goes into the log, whatever the collector sent), that a cut body is never read as a success,
// that a wait is 0 or between 1 ms and a day, and that the error message stays terminated.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "export/http_response.h"
#include "export/otlp_http.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using tracelet::detail::HttpResponseParser;
  if (size == 0) return 0;
  const std::size_t cap = data[0] % 80;  // reason buffers from none to a line
  HttpResponseParser response;
  std::size_t consumed = 0;
  HttpResponseParser::Result result = response.feed(data + 1, size - 1, consumed);
  if (result == HttpResponseParser::Result::kNeedMore) result = response.end_of_stream();
  if (result != HttpResponseParser::Result::kDone) return 0;

  tracelet::otlp::ExportResponse answer;
  const bool ok = tracelet::otlp::read_success(response, answer);
  if (ok && response.body_total() != response.body_len()) std::abort();  // a cut body
  if (std::memchr(answer.error_message, '\0', sizeof answer.error_message) == nullptr) std::abort();
  if (!ok && response.body_len() == 0) std::abort();  // no body is an empty, valid answer

  char reason[80];
  std::memset(reason, 'x', sizeof reason);
  tracelet::otlp::failure_reason(response, reason, cap);
  if (cap != 0) {
    const char* end = static_cast<const char*>(std::memchr(reason, '\0', cap));
    if (end == nullptr) std::abort();
    for (const char* p = reason; p != end; ++p) {
      if (static_cast<unsigned char>(*p) < 0x20 || *p == 0x7f) std::abort();  // no line breaks or escapes into the log
    }
  }
  if (cap < sizeof reason && reason[cap] != 'x') std::abort();  // wrote past its buffer

  const std::uint32_t wait = tracelet::otlp::retry_after_ms(response, 1'700'000'000);
  if (!response.has_retry_after() && wait != 0) std::abort();
  if (wait > 86'400'000u) std::abort();
  (void)tracelet::otlp::is_retryable(response.status());
  return 0;
}
