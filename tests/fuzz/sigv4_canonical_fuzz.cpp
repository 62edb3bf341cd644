// Fuzz target for SigV4's canonicalisation (src/aws/sigv4.cpp): the request target (path
// normalisation and encoding, query decoding, re-encoding and sorting) and the headers.
//
// Input: line 1 = method, line 2 = request target, further lines = "name: value" headers (at
// most 8 are passed; more are refused by the function). Properties checked (abort on
// violation):
//   - canonical_request_hash never reads or writes out of bounds (the sanitizers watch);
//   - an accepted request's signed-header list is lower case, ';'-separated and sorted, one
//     name per header;
//   - the hash does not depend on the order the headers come in, nor on the order of the
//     query's parameters;
//   - the signing-key derivation and the date formatting take any input.
// Built as a libFuzzer binary and as a replay over the seed corpus (tests/fuzz/tests.cmake).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tracelet/sigv4.h"

namespace {

#define FUZZ_CHECK(cond)                                                          \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

constexpr std::size_t kMaxHeaders = 10;
constexpr std::size_t kMaxText = 512;

// NUL-terminated copies of the input's pieces (the API takes C strings).
struct Pieces {
  char method[kMaxText] = {};
  char target[kMaxText] = {};
  char names[kMaxHeaders][kMaxText] = {};
  char values[kMaxHeaders][kMaxText] = {};
  std::size_t headers = 0;
};

void copy(std::string_view s, char* out) {
  const std::size_t n = s.size() < kMaxText - 1 ? s.size() : kMaxText - 1;
  for (std::size_t i = 0; i < n; ++i) out[i] = s[i] == '\0' ? ' ' : s[i];
  out[n] = '\0';
}

bool sorted_lower_list(const char* list, std::size_t expected_names) {
  std::size_t names = 1;
  const char* prev = list;
  for (const char* p = list; *p != '\0'; ++p) {
    if (*p >= 'A' && *p <= 'Z') return false;
    if (*p != ';') continue;
    ++names;
    const std::size_t prev_len = static_cast<std::size_t>(p - prev);
    const char* next = p + 1;
    const char* next_end = std::strchr(next, ';');
    const std::size_t next_len = next_end != nullptr ? static_cast<std::size_t>(next_end - next) : std::strlen(next);
    const int c = std::memcmp(prev, next, prev_len < next_len ? prev_len : next_len);
    if (c > 0 || (c == 0 && prev_len > next_len)) return false;
    prev = next;
  }
  return names == expected_names || expected_names == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Pieces p;
  std::size_t line = 0;
  while (!input.empty() && p.headers < kMaxHeaders) {
    const std::size_t nl = input.find('\n');
    const std::string_view text = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    if (line == 0) {
      copy(text, p.method);
    } else if (line == 1) {
      copy(text, p.target);
    } else {
      const std::size_t colon = text.find(':');
      if (colon != std::string_view::npos) {
        copy(text.substr(0, colon), p.names[p.headers]);
        copy(text.substr(colon + 1), p.values[p.headers]);
        ++p.headers;
      }
    }
    ++line;
  }
  tracelet::HttpHeader headers[kMaxHeaders];
  tracelet::HttpHeader reversed[kMaxHeaders];
  for (std::size_t i = 0; i < p.headers; ++i) {
    headers[i] = tracelet::HttpHeader{p.names[i], p.values[i]};
    reversed[p.headers - 1 - i] = headers[i];
  }
  const char* payload = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  std::uint8_t hash[32], again[32];
  char list[256], list2[256];
  const bool ok = tracelet::sigv4::canonical_request_hash(p.method, p.target, headers, p.headers, payload, hash,
                                                          list, sizeof list);
  const bool ok2 = tracelet::sigv4::canonical_request_hash(p.method, p.target, reversed, p.headers, payload, again,
                                                           list2, sizeof list2);
  FUZZ_CHECK(ok == ok2);
  // Headers with the same name (any case) may keep their relative order only: the check of
  // order independence applies when the names are distinct.
  bool distinct = true;
  for (std::size_t i = 0; i < p.headers; ++i) {
    for (std::size_t j = i + 1; j < p.headers; ++j) {
      std::size_t k = 0;
      auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
      while (p.names[i][k] != '\0' && lower(p.names[i][k]) == lower(p.names[j][k])) ++k;
      if (lower(p.names[i][k]) == lower(p.names[j][k])) distinct = false;
    }
  }
  if (ok) {
    FUZZ_CHECK(std::strcmp(list, list2) == 0);
    FUZZ_CHECK(sorted_lower_list(list, p.headers));
    if (distinct) FUZZ_CHECK(std::memcmp(hash, again, sizeof hash) == 0);
  }
  std::uint8_t key[32];
  (void)tracelet::sigv4::derive_signing_key(p.target, p.method, "us-east-1", "xray", key);
  std::uint64_t t = 0;
  for (std::size_t i = 0; i < 8 && i < size; ++i) t = (t << 8) | data[i];
  char date[17];
  if (tracelet::sigv4::format_amz_date(t, date)) FUZZ_CHECK(std::strlen(date) == 16 && date[8] == 'T');
  return 0;
}
