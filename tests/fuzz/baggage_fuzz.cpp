// Fuzz target for the W3C Baggage parser (src/context/baggage.cpp).
//
// Input layout: every line is one `baggage` field; the same bytes are also read as a header
// block ("name: value" per line) and extracted through a carrier. Properties checked (abort on
// violation):
//   - whatever parse_fields() keeps obeys the limits (TRACELET_BAGGAGE_MAX_ENTRIES members,
//     TRACELET_BAGGAGE_BYTES formatted), keys are tokens, values UTF-8, keys unique;
//   - parse -> format -> parse is stable: the same members, the same bytes, nothing dropped;
//   - set()/erase() keep those invariants;
//   - extract_baggage -> inject_baggage -> extract_baggage is stable.
// Out-of-bounds reads are caught by ASan in the libFuzzer build (tests/baggage.cmake registers it
// through tracelet_add_fuzz_target); the replay build runs the seeds and mutations of them.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/text.h"
#include "tracelet/baggage.h"

namespace {

using tracelet::Baggage;
using tracelet::BaggageEntry;
using tracelet::CarrierReader;
using tracelet::CarrierWriter;
using tracelet::Status;

#define FUZZ_CHECK(cond)                                                          \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

constexpr std::size_t kMaxLines = 80;

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

bool same_members(const Baggage& a, const Baggage& b) {
  if (a.size() != b.size()) return false;
  BaggageEntry x;
  BaggageEntry y;
  for (std::size_t i = 0; a.entry(i, x); ++i) {
    if (!b.entry(i, y)) return false;
    if (x.key != y.key || x.value != y.value || x.properties != y.properties) return false;
  }
  return true;
}

void check_invariants(const Baggage& b) {
  FUZZ_CHECK(b.size() <= TRACELET_BAGGAGE_MAX_ENTRIES);
  FUZZ_CHECK(b.formatted_size() <= TRACELET_BAGGAGE_BYTES);
  FUZZ_CHECK(b.empty() == (b.size() == 0));
  BaggageEntry e;
  std::size_t count = 0;
  for (std::size_t i = 0; b.entry(i, e); ++i) {
    FUZZ_CHECK(Baggage::is_valid_key(e.key));
    FUZZ_CHECK(tracelet::detail::is_utf8(e.value));
    BaggageEntry found;
    FUZZ_CHECK(b.find(e.key, found));  // keys are unique: find() gives this very member
    FUZZ_CHECK(found.value.data() == e.value.data() && found.value.size() == e.value.size());
    ++count;
  }
  FUZZ_CHECK(count == b.size());
  // Stable: format, parse again, format again.
  char once[TRACELET_BAGGAGE_BYTES];
  std::size_t len = 0;
  FUZZ_CHECK(b.format(once, sizeof once, len) == Status::kOk);
  FUZZ_CHECK(len == b.formatted_size());
  Baggage again;
  FUZZ_CHECK(again.parse(std::string_view(once, len)) == Status::kOk);
  FUZZ_CHECK(again.dropped() == 0);
  FUZZ_CHECK(same_members(b, again));
  char twice[TRACELET_BAGGAGE_BYTES];
  std::size_t len2 = 0;
  FUZZ_CHECK(again.format(twice, sizeof twice, len2) == Status::kOk);
  FUZZ_CHECK(std::string_view(once, len) == std::string_view(twice, len2));
}

void fuzz_parse(const std::string_view* fields, std::size_t n) {
  Baggage b;
  const Status st = b.parse_fields(fields, n);
  FUZZ_CHECK(st == Status::kOk || st == Status::kInvalidArgument || st == Status::kResourceExhausted);
  FUZZ_CHECK((st == Status::kOk) == (b.dropped() == 0));
  check_invariants(b);

  // Mutations: replace the first member's value, erase it, add a fixed one.
  Baggage m = b;
  BaggageEntry first;
  if (m.entry(0, first)) {
    char key[TRACELET_BAGGAGE_BYTES];
    const std::size_t key_len = first.key.size();
    for (std::size_t i = 0; i < key_len; ++i) key[i] = first.key[i];
    const std::string_view k(key, key_len);
    if (m.set(k, "fuzz value, with; escapes") == Status::kOk) {
      FUZZ_CHECK(m.get(k) == "fuzz value, with; escapes");
      check_invariants(m);
    }
    FUZZ_CHECK(m.erase(k));
    BaggageEntry gone;
    FUZZ_CHECK(!m.find(k, gone));
    check_invariants(m);
  }
  if (m.set("tracelet.fuzz", "\xc3\xa9", "p=1;q") == Status::kOk) {
    FUZZ_CHECK(m.get("tracelet.fuzz") == "\xc3\xa9");
    check_invariants(m);
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
  char value[TRACELET_BAGGAGE_BYTES];
  std::size_t len = 0;
  std::size_t sets = 0;
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
  if (n != tracelet::kBaggageField || v.size() > sizeof(o->value)) return Status::kResourceExhausted;
  for (std::size_t i = 0; i < v.size(); ++i) o->value[i] = v[i];
  o->len = v.size();
  ++o->sets;
  return Status::kOk;
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
  Baggage b;
  const Status st = tracelet::extract_baggage(reader, b);
  if (st == Status::kUnavailable) {
    FUZZ_CHECK(b.empty());
    return;
  }
  check_invariants(b);
  OutBlock out;
  CarrierWriter writer;
  writer.ctx = &out;
  writer.set = &write_field;
  FUZZ_CHECK(tracelet::inject_baggage(b, writer) == Status::kOk);
  FUZZ_CHECK(out.sets == (b.empty() ? 0u : 1u));
  if (b.empty()) return;
  HeaderBlock again;
  again.headers[0] = {"baggage", std::string_view(out.value, out.len)};
  again.count = 1;
  reader.ctx = &again;
  Baggage b2;
  FUZZ_CHECK(tracelet::extract_baggage(reader, b2) == Status::kOk);
  FUZZ_CHECK(same_members(b, b2));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view lines[kMaxLines];
  const std::size_t n = split_lines(input, lines, kMaxLines);
  fuzz_parse(lines, n);
  fuzz_carrier(lines, n);
  return 0;
}
