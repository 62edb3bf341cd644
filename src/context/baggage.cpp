// W3C Baggage: parsing, formatting and carrier inject/extract (the current baggage is in
// baggage_scope.cpp, so this parser links without the core). See include/tracelet/baggage.h for the contracts.
#include "tracelet/baggage.h"

#include <cstring>

#include "core/text.h"

namespace tracelet {
namespace {

using detail::trim_ows;

constexpr std::size_t kBytes = TRACELET_BAGGAGE_BYTES;
constexpr std::size_t kMaxEntries = TRACELET_BAGGAGE_MAX_ENTRIES;
// Bounds on how far extract_baggage() walks a carrier (as extract() does for traceparent).
constexpr std::size_t kMaxCarrierFields = 4096;
constexpr std::size_t kMaxBaggageFields = 64;

// ---- grammar ---------------------------------------------------------------------------------

// RFC 7230 tchar.
bool is_tchar(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E: printable ASCII except space,
// DQUOTE, comma, semicolon and backslash.
bool is_baggage_octet(unsigned char c) noexcept {
  return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
         (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

bool all_baggage_octets(std::string_view s) noexcept {
  for (const char c : s) {
    if (!is_baggage_octet(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Bytes `value` (decoded) takes when formatted: baggage-octets stay, except '%', which like
// every other byte is written as %XX.
std::size_t encoded_length(std::string_view value) noexcept {
  std::size_t n = 0;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    n += (is_baggage_octet(u) && c != '%') ? 1u : 3u;
  }
  return n;
}

// Canonical form of a property list ("p1 ; p2 = v" -> "p1;p2=v"): each property is
// `key [OWS "=" OWS value]` with a token key and baggage-octet value, kept as text (not
// decoded). Writes to `out` when it is non-null (the caller has checked the room); `len` is the
// canonical length. False when a property breaks the grammar (an empty one included).
bool normalize_properties(std::string_view text, char* out, std::size_t& len) noexcept {
  len = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t semi = text.find(';', start);
    if (semi == std::string_view::npos) semi = text.size();
    const std::string_view property = trim_ows(text.substr(start, semi - start));
    start = semi + 1;
    const std::size_t eq = property.find('=');
    const std::string_view key = trim_ows(property.substr(0, eq));
    if (!is_token(key)) return false;
    std::string_view value;
    if (eq != std::string_view::npos) {
      value = trim_ows(property.substr(eq + 1));
      if (!all_baggage_octets(value)) return false;
    }
    const std::size_t piece = key.size() + (eq != std::string_view::npos ? 1 + value.size() : 0);
    if (out != nullptr) {
      char* p = out + len;
      if (len > 0) *p++ = ';';
      std::memcpy(p, key.data(), key.size());
      p += key.size();
      if (eq != std::string_view::npos) {
        *p++ = '=';
        std::memcpy(p, value.data(), value.size());
      }
    }
    len += (len > 0 ? 1 : 0) + piece;
  }
  return true;
}

// The byte of a "%XX" escape at `at` (hex digits of either case), or -1.
int escaped_byte(std::string_view s, std::size_t at) noexcept {
  if (at + 2 >= s.size() || s[at] != '%') return -1;
  const int hi = detail::hex_value(s[at + 1]);
  const int lo = detail::hex_value(s[at + 2]);
  return (hi < 0 || lo < 0) ? -1 : (hi << 4) | lo;
}

// Percent-decodes baggage-octets `raw` into `out` (room `cap`) as UTF-8: an escaped byte that
// does not start a well-formed UTF-8 sequence of escaped bytes becomes U+FFFD (the spec's
// rule); a '%' not followed by two hex digits is kept as a literal '%'. False when `cap` is
// too small.
bool decode_value(std::string_view raw, char* out, std::size_t cap, std::size_t& len) noexcept {
  len = 0;
  auto emit = [&](const char* p, std::size_t n) noexcept {
    if (cap - len < n) return false;
    std::memcpy(out + len, p, n);
    len += n;
    return true;
  };
  std::size_t i = 0;
  while (i < raw.size()) {
    const int b = escaped_byte(raw, i);
    if (b < 0) {
      if (!emit(raw.data() + i, 1)) return false;
      ++i;
      continue;
    }
    if (b < 0x80) {
      const char c = static_cast<char>(b);
      if (!emit(&c, 1)) return false;
      i += 3;
      continue;
    }
    // A lead byte: gather it and up to three escaped continuation bytes, then let the shared
    // UTF-8 rule decide how many form one well-formed sequence.
    char seq[4];
    std::size_t k = 0;
    for (std::size_t j = i; k < 4; j += 3) {
      const int x = escaped_byte(raw, j);
      if (x < 0 || (k > 0 && (x & 0xc0) != 0x80)) break;
      seq[k++] = static_cast<char>(x);
    }
    const std::size_t n = detail::utf8_sequence_length(std::string_view(seq, k), 0);
    if (n == 0) {
      if (!emit("\xef\xbf\xbd", 3)) return false;
      i += 3;
    } else {
      if (!emit(seq, n)) return false;
      i += 3 * n;
    }
  }
  return true;
}

constexpr char kHexDigits[] = "0123456789ABCDEF";

}  // namespace

// ---- Baggage ---------------------------------------------------------------------------------

bool Baggage::is_valid_key(std::string_view key) noexcept { return is_token(key); }

void Baggage::clear() noexcept {
  used_ = 0;
  header_len_ = 0;
  dropped_ = 0;
  count_ = 0;
}

std::size_t Baggage::index_of(std::string_view key) const noexcept {
  for (std::size_t i = 0; i < count_; ++i) {
    if (std::string_view(data_ + items_[i].offset, items_[i].key_len) == key) return i;
  }
  return count_;
}

void Baggage::remove_at(std::size_t index) noexcept {
  const Item gone = items_[index];
  const std::size_t bytes = std::size_t{gone.key_len} + gone.value_len + gone.props_len;
  std::memmove(data_ + gone.offset, data_ + gone.offset + bytes, used_ - gone.offset - bytes);
  for (std::size_t i = index + 1; i < count_; ++i) {
    items_[i - 1] = items_[i];
    items_[i - 1].offset = static_cast<std::uint16_t>(items_[i - 1].offset - bytes);
  }
  --count_;
  used_ = static_cast<std::uint16_t>(used_ - bytes);
  header_len_ = static_cast<std::uint16_t>(header_len_ - gone.header_len - (count_ > 0 ? 1 : 0));
}

bool Baggage::erase(std::string_view key) noexcept {
  const std::size_t i = index_of(key);
  if (i == count_) return false;
  remove_at(i);
  return true;
}

bool Baggage::entry(std::size_t index, BaggageEntry& out) const noexcept {
  if (index >= count_) return false;
  const Item& it = items_[index];
  const char* p = data_ + it.offset;
  out.key = std::string_view(p, it.key_len);
  out.value = std::string_view(p + it.key_len, it.value_len);
  out.properties = std::string_view(p + it.key_len + it.value_len, it.props_len);
  return true;
}

bool Baggage::find(std::string_view key, BaggageEntry& out) const noexcept {
  return entry(index_of(key), out);
}

std::string_view Baggage::get(std::string_view key) const noexcept {
  BaggageEntry e;
  return find(key, e) ? e.value : std::string_view{};
}

Status Baggage::set(std::string_view key, std::string_view value,
                    std::string_view properties) noexcept {
  if (!is_token(key) || !detail::is_utf8(value)) return Status::kInvalidArgument;
  std::size_t props_len = 0;
  if (!properties.empty() && !normalize_properties(properties, nullptr, props_len)) {
    return Status::kInvalidArgument;
  }
  const std::size_t member = key.size() + 1 + encoded_length(value) + (props_len > 0 ? 1 + props_len : 0);
  // Room once the old member of this key (if any) is gone; checked first so a refusal leaves
  // everything as it was.
  const std::size_t old = index_of(key);
  std::size_t count = count_;
  std::size_t header = header_len_;
  if (old < count_) {
    header -= std::size_t{items_[old].header_len} + (count_ > 1 ? 1u : 0u);
    --count;
  }
  if (count + 1 > kMaxEntries || header + (count > 0 ? 1 : 0) + member > kBytes) {
    return Status::kResourceExhausted;
  }
  if (old < count_) remove_at(old);
  // Stored bytes never exceed the member's header bytes, so data_ has the room.
  char* p = data_ + used_;
  std::memcpy(p, key.data(), key.size());
  std::memcpy(p + key.size(), value.data(), value.size());
  if (props_len > 0) (void)normalize_properties(properties, p + key.size() + value.size(), props_len);
  items_[count_] = Item{used_, static_cast<std::uint16_t>(key.size()),
                        static_cast<std::uint16_t>(value.size()), static_cast<std::uint16_t>(props_len),
                        static_cast<std::uint16_t>(member)};
  used_ = static_cast<std::uint16_t>(used_ + key.size() + value.size() + props_len);
  header_len_ = static_cast<std::uint16_t>(header_len_ + (count_ > 0 ? 1u : 0u) + member);
  ++count_;
  return Status::kOk;
}

Status Baggage::parse(std::string_view header) noexcept { return parse_fields(&header, 1); }

Status Baggage::parse_fields(const std::string_view* fields, std::size_t count) noexcept {
  clear();
  if (count > 0 && fields == nullptr) return Status::kInvalidArgument;
  bool invalid = false;
  bool over_limit = false;
  auto drop = [&](bool is_invalid) noexcept {
    (is_invalid ? invalid : over_limit) = true;
    if (dropped_ < 0xffff) ++dropped_;
  };
  for (std::size_t f = 0; f < count; ++f) {
    const std::string_view field = fields[f];
    std::size_t start = 0;
    while (start <= field.size()) {
      std::size_t comma = field.find(',', start);
      if (comma == std::string_view::npos) comma = field.size();
      const std::string_view piece = trim_ows(field.substr(start, comma - start));
      start = comma + 1;
      if (piece.empty()) continue;  // empty list members are ignored

      // list-member = key OWS "=" OWS value *( OWS ";" OWS property )
      const std::size_t eq = piece.find('=');
      if (eq == std::string_view::npos) {
        drop(true);
        continue;
      }
      const std::string_view key = trim_ows(piece.substr(0, eq));
      const std::string_view rest = piece.substr(eq + 1);
      const std::size_t semi = rest.find(';');
      const std::string_view raw_value = trim_ows(rest.substr(0, semi));
      const std::string_view raw_props =
          semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      std::size_t props_len = 0;
      if (!is_token(key) || !all_baggage_octets(raw_value) ||
          (semi != std::string_view::npos && !normalize_properties(raw_props, nullptr, props_len))) {
        drop(true);
        continue;
      }

      // A key seen before: the later member wins.
      const std::size_t old = index_of(key);
      if (old < count_) remove_at(old);
      if (count_ == kMaxEntries || key.size() + 1 > kBytes - used_) {
        drop(false);
        continue;
      }
      // Decode in place after the stored members; it only stays if the member fits.
      char* p = data_ + used_;
      std::memcpy(p, key.data(), key.size());
      std::size_t value_len = 0;
      if (!decode_value(raw_value, p + key.size(), kBytes - used_ - key.size(), value_len)) {
        drop(false);
        continue;
      }
      const std::string_view value(p + key.size(), value_len);
      const std::size_t member =
          key.size() + 1 + encoded_length(value) + (props_len > 0 ? 1 + props_len : 0);
      if (header_len_ + (count_ > 0 ? 1u : 0u) + member > kBytes) {
        drop(false);
        continue;
      }
      if (props_len > 0) (void)normalize_properties(raw_props, p + key.size() + value_len, props_len);
      items_[count_] = Item{used_, static_cast<std::uint16_t>(key.size()),
                            static_cast<std::uint16_t>(value_len), static_cast<std::uint16_t>(props_len),
                            static_cast<std::uint16_t>(member)};
      used_ = static_cast<std::uint16_t>(used_ + key.size() + value_len + props_len);
      header_len_ = static_cast<std::uint16_t>(header_len_ + (count_ > 0 ? 1u : 0u) + member);
      ++count_;
    }
  }
  if (invalid) return Status::kInvalidArgument;
  return over_limit ? Status::kResourceExhausted : Status::kOk;
}

Status Baggage::format(char* out, std::size_t cap, std::size_t& len) const noexcept {
  len = 0;
  if (header_len_ == 0) return Status::kOk;
  if (out == nullptr || cap < header_len_) return Status::kResourceExhausted;
  std::size_t pos = 0;
  BaggageEntry e;
  for (std::size_t i = 0; entry(i, e); ++i) {
    if (i > 0) out[pos++] = ',';
    std::memcpy(out + pos, e.key.data(), e.key.size());
    pos += e.key.size();
    out[pos++] = '=';
    for (const char c : e.value) {
      const auto u = static_cast<unsigned char>(c);
      if (is_baggage_octet(u) && c != '%') {
        out[pos++] = c;
      } else {
        out[pos++] = '%';
        out[pos++] = kHexDigits[u >> 4];
        out[pos++] = kHexDigits[u & 0x0f];
      }
    }
    if (!e.properties.empty()) {
      out[pos++] = ';';
      std::memcpy(out + pos, e.properties.data(), e.properties.size());
      pos += e.properties.size();
    }
  }
  len = pos;
  return Status::kOk;
}

// ---- carriers --------------------------------------------------------------------------------

Status extract_baggage(const CarrierReader& carrier, Baggage& baggage) noexcept {
  baggage.clear();
  if (carrier.field == nullptr && carrier.get == nullptr) return Status::kFailedPrecondition;
  std::string_view fields[kMaxBaggageFields];
  std::size_t count = 0;
  if (carrier.field != nullptr) {
    std::string_view n;
    std::string_view v;
    for (std::size_t i = 0; i < kMaxCarrierFields && count < kMaxBaggageFields &&
                            carrier.field(carrier.ctx, i, &n, &v);
         ++i) {
      if (equals_ignore_case(n, kBaggageField)) fields[count++] = v;
    }
  } else {
    while (count < kMaxBaggageFields && carrier.get(carrier.ctx, kBaggageField, count, &fields[count])) {
      ++count;
    }
  }
  if (count == 0) return Status::kUnavailable;
  return baggage.parse_fields(fields, count);
}

Status inject_baggage(const Baggage& baggage, const CarrierWriter& carrier) noexcept {
  if (carrier.set == nullptr) return Status::kFailedPrecondition;
  if (baggage.empty()) return Status::kOk;
  char buf[TRACELET_BAGGAGE_BYTES];
  std::size_t len = 0;
  const Status st = baggage.format(buf, sizeof buf, len);
  if (st != Status::kOk) return st;
  return carrier.set(carrier.ctx, kBaggageField, std::string_view(buf, len));
}

}  // namespace tracelet
