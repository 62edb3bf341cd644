// Fuzz target for the W3C Trace Context parsers (src/context/propagation.cpp).
//
// Input layout: line 1 is a traceparent value; every further line is one tracestate field.
// The same bytes are also read as a header block ("name: value" per line) and extracted
// through a carrier. Properties checked (abort on violation):
//   - parse_traceparent accepts only what format_traceparent reproduces: parse -> format ->
//     parse gives the same ids and the sampled flag; a rejected value leaves no context.
//   - an accepted tracestate is canonical after one pass: formatting and re-parsing it gives
//     the same bytes, at most 32 members and TRACELET_TRACESTATE_BYTES, valid keys and
//     values, and get() finds every member; set()/erase() keep those invariants.
//   - extract -> inject -> extract is stable.
//
// Built two ways (tests/fuzz/tests.cmake): with clang++ -fsanitize=fuzzer,address,undefined
// as a libFuzzer binary, and with the project compiler plus the shared replay driver
// (tests/fuzz/replay_main.cpp), which runs the seed corpus and deterministic mutations of it,
// so the entry point is exercised even without a fuzzing toolchain.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "tracelet/propagation.h"

namespace {

using tracelet::CarrierReader;
using tracelet::CarrierWriter;
using tracelet::SpanContext;
using tracelet::Status;
using tracelet::TraceState;

#define FUZZ_CHECK(cond)                                                          \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

constexpr std::size_t kMaxLines = 48;

std::size_t split_lines(std::string_view in, std::string_view* out, std::size_t cap) {
  std::size_t n = 0;
  while (n < cap) {
    const std::size_t nl = in.find('\n');
    out[n++] = in.substr(0, nl);
    if (nl == std::string_view::npos) break;
    in.remove_prefix(nl + 1);
  }
  return n;
}

void check_state_invariants(const TraceState& s) {
  FUZZ_CHECK(s.size() <= tracelet::kTracestateMaxMembers);
  FUZZ_CHECK(s.size_bytes() <= TRACELET_TRACESTATE_BYTES);
  FUZZ_CHECK(s.empty() == (s.size() == 0));
  std::string_view k;
  std::string_view v;
  std::size_t count = 0;
  for (std::size_t i = 0; s.member(i, k, v); ++i) {
    FUZZ_CHECK(TraceState::is_valid_key(k));
    FUZZ_CHECK(TraceState::is_valid_value(v));
    FUZZ_CHECK(s.get(k) == v);  // keys are unique, so get() finds this very member
    ++count;
  }
  FUZZ_CHECK(count == s.size());
  // Canonical: one more parse/format pass changes nothing.
  TraceState again;
  FUZZ_CHECK(again.parse(s.view()) == Status::kOk);
  FUZZ_CHECK(again.view() == s.view());
  FUZZ_CHECK(!again.truncated());
  char buf[TRACELET_TRACESTATE_BYTES];
  std::size_t len = 0;
  FUZZ_CHECK(s.format(buf, sizeof(buf), len) == Status::kOk);
  FUZZ_CHECK(std::string_view(buf, len) == s.view());
}

void fuzz_traceparent(std::string_view value) {
  SpanContext c;
  if (tracelet::parse_traceparent(value, c) != Status::kOk) {
    FUZZ_CHECK(!c.is_valid());
    return;
  }
  FUZZ_CHECK(c.is_valid());
  FUZZ_CHECK(c.is_remote);
  char buf[tracelet::kTraceparentLength];
  std::size_t len = 0;
  FUZZ_CHECK(tracelet::format_traceparent(c, buf, sizeof(buf), len) == Status::kOk);
  FUZZ_CHECK(len == tracelet::kTraceparentLength);
  SpanContext back;
  FUZZ_CHECK(tracelet::parse_traceparent(std::string_view(buf, len), back) == Status::kOk);
  FUZZ_CHECK(back.trace_id == c.trace_id);
  FUZZ_CHECK(back.span_id == c.span_id);
  FUZZ_CHECK(back.trace_flags == (c.trace_flags & tracelet::kTraceparentKnownFlags));
}

void fuzz_tracestate(const std::string_view* fields, std::size_t n) {
  TraceState s;
  if (s.parse_fields(fields, n) != Status::kOk) {
    FUZZ_CHECK(s.empty());
    return;
  }
  check_state_invariants(s);
  // Mutations keep the invariants; a key taken from the input exercises update-in-place.
  TraceState m = s;
  std::string_view last_key;
  std::string_view last_value;
  if (m.member(m.size() > 0 ? m.size() - 1 : 0, last_key, last_value)) {
    char key[257];
    const std::size_t key_len = last_key.size();
    for (std::size_t i = 0; i < key_len; ++i) key[i] = last_key[i];
    const std::string_view k(key, key_len);
    FUZZ_CHECK(m.set(k, "fuzz") == Status::kOk);
    FUZZ_CHECK(m.get(k) == "fuzz");
    check_state_invariants(m);
    FUZZ_CHECK(m.erase(k));
    FUZZ_CHECK(m.get(k).empty());
    check_state_invariants(m);
  }
  if (m.set("tracelet@fuzz", "x y") == Status::kOk) {
    std::string_view k;
    std::string_view v;
    FUZZ_CHECK(m.member(0, k, v) && k == "tracelet@fuzz" && v == "x y");
    check_state_invariants(m);
  }
}

// ---- carrier round trip --------------------------------------------------------------------

struct Header {
  std::string_view name;
  std::string_view value;
};

struct HeaderBlock {
  Header headers[kMaxLines];
  std::size_t count = 0;
};

struct OutBlock {
  char traceparent[tracelet::kTraceparentLength];
  std::size_t traceparent_len = 0;
  char tracestate[TRACELET_TRACESTATE_BYTES];
  std::size_t tracestate_len = 0;
  bool has_tracestate = false;
};

bool read_field(void* ctx, std::size_t i, std::string_view* n, std::string_view* v) noexcept {
  const auto* b = static_cast<const HeaderBlock*>(ctx);
  if (i >= b->count) return false;
  *n = b->headers[i].name;
  *v = b->headers[i].value;
  return true;
}

Status write_field(void* ctx, std::string_view n, std::string_view v) noexcept {
  auto* o = static_cast<OutBlock*>(ctx);
  if (n == tracelet::kTraceparentField && v.size() <= sizeof(o->traceparent)) {
    for (std::size_t i = 0; i < v.size(); ++i) o->traceparent[i] = v[i];
    o->traceparent_len = v.size();
    return Status::kOk;
  }
  if (n == tracelet::kTracestateField && v.size() <= sizeof(o->tracestate)) {
    for (std::size_t i = 0; i < v.size(); ++i) o->tracestate[i] = v[i];
    o->tracestate_len = v.size();
    o->has_tracestate = true;
    return Status::kOk;
  }
  return Status::kResourceExhausted;
}

void fuzz_carrier(const std::string_view* lines, std::size_t n) {
  HeaderBlock in;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t colon = lines[i].find(':');
    if (colon == std::string_view::npos) continue;
    in.headers[in.count].name = lines[i].substr(0, colon);
    in.headers[in.count].value = lines[i].substr(colon + 1);
    ++in.count;
  }
  CarrierReader reader;
  reader.ctx = &in;
  reader.field = &read_field;
  SpanContext c;
  TraceState s;
  const Status st = tracelet::extract(reader, c, &s);
  if (st != Status::kOk) {
    FUZZ_CHECK(!c.is_valid());
    FUZZ_CHECK(s.empty());
    return;
  }
  check_state_invariants(s);
  OutBlock out;
  CarrierWriter writer;
  writer.ctx = &out;
  writer.set = &write_field;
  FUZZ_CHECK(tracelet::inject(c, &s, writer) == Status::kOk);
  FUZZ_CHECK(out.has_tracestate == !s.empty());
  HeaderBlock again;
  again.headers[0] = {"traceparent", std::string_view(out.traceparent, out.traceparent_len)};
  again.count = 1;
  if (out.has_tracestate) {
    again.headers[1] = {"tracestate", std::string_view(out.tracestate, out.tracestate_len)};
    again.count = 2;
  }
  reader.ctx = &again;
  SpanContext c2;
  TraceState s2;
  FUZZ_CHECK(tracelet::extract(reader, c2, &s2) == Status::kOk);
  FUZZ_CHECK(c2.trace_id == c.trace_id && c2.span_id == c.span_id);
  FUZZ_CHECK(c2.is_sampled() == c.is_sampled());
  FUZZ_CHECK(s2.view() == s.view());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view lines[kMaxLines];
  const std::size_t n = split_lines(input, lines, kMaxLines);
  fuzz_traceparent(lines[0]);
  fuzz_tracestate(lines + 1, n - 1);
  fuzz_carrier(lines, n);
  return 0;
}
