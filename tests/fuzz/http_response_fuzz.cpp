// Fuzz target: the exporter's HTTP response parser, fed in random-sized pieces, plus the
// Retry-After parser and the OTLP response decoders on whatever body it kept.
#include <cstdint>
#include <cstdlib>

#include "export/http_response.h"
#include "otlp/response.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using tracelet::detail::HttpResponseParser;
  HttpResponseParser parser;
  std::size_t at = 0;
  std::size_t step = size == 0 ? 1 : (data[0] % 17) + 1;
  HttpResponseParser::Result result = HttpResponseParser::Result::kNeedMore;
  while (at < size && result == HttpResponseParser::Result::kNeedMore) {
    std::size_t n = size - at < step ? size - at : step;
    std::size_t consumed = 0;
    result = parser.feed(data + at, n, consumed);
    if (consumed > n) std::abort();
    if (result == HttpResponseParser::Result::kNeedMore && consumed != n) std::abort();
    at += consumed;
  }
  if (result == HttpResponseParser::Result::kNeedMore) result = parser.end_of_stream();
  if (parser.body_len() > HttpResponseParser::kMaxBody) std::abort();
  if (result == HttpResponseParser::Result::kError && parser.error()[0] == '\0') std::abort();
  if (parser.has_retry_after()) {
    std::uint32_t seconds = 0;
    (void)tracelet::detail::parse_retry_after(parser.retry_after(), 1'700'000'000, seconds);
  }
  tracelet::otlp::ExportResponse response;
  (void)tracelet::otlp::decode_export_response(parser.body(), parser.body_len(), response);
  char message[64];
  (void)tracelet::otlp::decode_status_message(parser.body(), parser.body_len(), message, sizeof message);
  // The raw input is also a plausible protobuf body.
  (void)tracelet::otlp::decode_export_response(data, size, response);
  (void)tracelet::otlp::decode_status_message(data, size, message, sizeof message);
  return 0;
}
