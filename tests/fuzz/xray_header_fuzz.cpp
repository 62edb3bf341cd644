// Fuzz target for the X-Amzn-Trace-Id parser (src/context/xray_propagation.cpp).
//
// Input: line 1 is a header value; the whole input is also read as a header block ("name:
// value" per line) and extracted through a carrier with W3C and X-Ray selected.
// Properties checked (abort on violation):
//   - a rejected value leaves no context and names a reason;
//   - an accepted one formats to exactly kXrayHeaderLength bytes that parse back to the same
//     ids and sampled flag (parse -> format -> parse is stable);
//   - extract_context -> inject_context -> extract_context is stable.
// Built as a libFuzzer binary and as a replay over the seed corpus (tests/fuzz/tests.cmake).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "tracelet/xray_propagation.h"

namespace {

using tracelet::SpanContext;
using tracelet::Status;

#define FUZZ_CHECK(cond)                                                          \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

constexpr std::size_t kMaxLines = 32;

struct Block {
  std::string_view names[kMaxLines];
  std::string_view values[kMaxLines];
  std::size_t count = 0;
};

bool read_field(void* ctx, std::size_t i, std::string_view* n, std::string_view* v) noexcept {
  const auto* b = static_cast<const Block*>(ctx);
  if (i >= b->count) return false;
  *n = b->names[i];
  *v = b->values[i];
  return true;
}

struct Out {
  char xray[tracelet::kXrayHeaderLength];
  std::size_t xray_len = 0;
  char traceparent[tracelet::kTraceparentLength];
  std::size_t traceparent_len = 0;
};

Status write_field(void* ctx, std::string_view n, std::string_view v) noexcept {
  auto* o = static_cast<Out*>(ctx);
  char* dst = n == tracelet::kXrayTraceField ? o->xray : n == tracelet::kTraceparentField ? o->traceparent : nullptr;
  const std::size_t cap = dst == o->xray ? sizeof o->xray : sizeof o->traceparent;
  if (dst == nullptr || v.size() > cap) return Status::kOk;  // tracestate: not checked here
  for (std::size_t i = 0; i < v.size(); ++i) dst[i] = v[i];
  (dst == o->xray ? o->xray_len : o->traceparent_len) = v.size();
  return Status::kOk;
}

void fuzz_value(std::string_view value) {
  SpanContext c;
  const char* reason = nullptr;
  if (tracelet::parse_xray_header(value, c, &reason) != Status::kOk) {
    FUZZ_CHECK(!c.is_valid());
    FUZZ_CHECK(reason != nullptr && reason[0] != '\0');
    return;
  }
  FUZZ_CHECK(c.is_valid() && c.is_remote);
  char buf[tracelet::kXrayHeaderLength];
  std::size_t len = 0;
  FUZZ_CHECK(tracelet::format_xray_header(c, buf, sizeof buf, len) == Status::kOk);
  FUZZ_CHECK(len == tracelet::kXrayHeaderLength);
  SpanContext back;
  FUZZ_CHECK(tracelet::parse_xray_header(std::string_view(buf, len), back) == Status::kOk);
  FUZZ_CHECK(back.trace_id == c.trace_id && back.span_id == c.span_id);
  FUZZ_CHECK(back.is_sampled() == c.is_sampled());
}

void fuzz_block(std::string_view input) {
  Block in;
  while (!input.empty() && in.count < kMaxLines) {
    const std::size_t nl = input.find('\n');
    const std::string_view line = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    in.names[in.count] = line.substr(0, colon);
    in.values[in.count] = line.substr(colon + 1);
    ++in.count;
  }
  const tracelet::TraceFormats both{true, true};
  SpanContext c;
  if (tracelet::extract_context(tracelet::CarrierReader{&in, &read_field, nullptr}, both, c, nullptr) != Status::kOk) {
    FUZZ_CHECK(!c.is_valid());
    return;
  }
  Out out;
  FUZZ_CHECK(tracelet::inject_context(c, nullptr, both, tracelet::CarrierWriter{&out, &write_field}) == Status::kOk);
  FUZZ_CHECK(out.xray_len == tracelet::kXrayHeaderLength);
  Block again;
  again.names[0] = tracelet::kXrayTraceField;
  again.values[0] = std::string_view(out.xray, out.xray_len);
  again.count = 1;
  SpanContext c2;
  FUZZ_CHECK(tracelet::extract_xray(tracelet::CarrierReader{&again, &read_field, nullptr}, c2) == Status::kOk);
  FUZZ_CHECK(c2.trace_id == c.trace_id && c2.span_id == c.span_id && c2.is_sampled() == c.is_sampled());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz_value(input.substr(0, input.find('\n')));
  fuzz_block(input);
  return 0;
}
