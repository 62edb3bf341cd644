// W3C Trace Context Level 1: traceparent/tracestate parsing, formatting and carrier
// inject/extract. See include/tracelet/propagation.h for the contracts.
#include "tracelet/propagation.h"

#include <cstring>

#include "core/text.h"

namespace tracelet {
namespace {

using detail::is_ows;
using detail::trim_ows;

constexpr std::size_t kTracestateCapacity = TRACELET_TRACESTATE_BYTES;
// Entries longer than this are the first to go when a tracestate must be truncated (spec 3.3.1.5).
constexpr std::size_t kLargeEntry = 128;

// Lower-case hex digit value, or -1. Upper case is invalid: the grammar is HEXDIGLC.
int lc_hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes 2*n lower-case hex characters into n bytes; false on any other character.
bool decode_hex(const char* in, std::uint8_t* out, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const int hi = lc_hex_value(in[2 * i]);
    const int lo = lc_hex_value(in[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return true;
}

bool fail(const char** reason, const char* why) noexcept {
  if (reason != nullptr) *reason = why;
  return false;
}

// ---- tracestate grammar --------------------------------------------------------------------

bool is_lcalpha(char c) noexcept { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_keychar(char c) noexcept {
  return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}

// `first` checks the first character; the rest must be keychars; length 1..max_len.
bool is_key_part(std::string_view s, std::size_t max_len, bool digit_first_ok) noexcept {
  if (s.empty() || s.size() > max_len) return false;
  if (!is_lcalpha(s[0]) && !(digit_first_ok && is_digit(s[0]))) return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (!is_keychar(s[i])) return false;
  }
  return true;
}

// Where a canonical buffer's member `index` starts and ends (end = index of ',' or len).
struct Slice {
  std::size_t begin = 0;
  std::size_t end = 0;
};

bool canonical_member(const char* data, std::size_t len, std::size_t index, Slice& out) noexcept {
  if (len == 0) return false;
  std::size_t begin = 0;
  std::size_t current = 0;
  for (std::size_t i = 0; i <= len; ++i) {
    if (i == len || data[i] == ',') {
      if (current == index) {
        out.begin = begin;
        out.end = i;
        return true;
      }
      ++current;
      begin = i + 1;
    }
  }
  return false;
}

std::string_view key_of(std::string_view entry) noexcept {
  const std::size_t eq = entry.find('=');
  return eq == std::string_view::npos ? entry : entry.substr(0, eq);
}

// One member found while validating a (possibly multi-field) header: compact, so that 32 of
// them fit in a small stack frame.
struct MemberRef {
  std::uint16_t field = 0;
  std::uint16_t begin = 0;
  std::uint16_t key_len = 0;
  std::uint16_t len = 0;
};

}  // namespace

// ---- traceparent ---------------------------------------------------------------------------

Status parse_traceparent(std::string_view value, SpanContext& out, const char** reason) noexcept {
  out = SpanContext{};
  const std::string_view v = trim_ows(value);
  SpanContext parsed;
  const bool ok = [&]() noexcept {
    // Version: 2 lower-case hex characters followed by '-'.
    if (v.size() < 3 || lc_hex_value(v[0]) < 0 || lc_hex_value(v[1]) < 0 || v[2] != '-') {
      return fail(reason, "traceparent: version is not 2 lower-case hex digits and a '-'");
    }
    const int version = (lc_hex_value(v[0]) << 4) | lc_hex_value(v[1]);
    if (version == 0xff) return fail(reason, "traceparent: version ff is forbidden");
    if (v.size() < kTraceparentLength) {
      return fail(reason, "traceparent: shorter than 55 characters");
    }
    if (version == 0 && v.size() != kTraceparentLength) {
      return fail(reason, "traceparent: version 00 must be exactly 55 characters");
    }
    if (version != 0 && v.size() > kTraceparentLength && v[kTraceparentLength] != '-') {
      return fail(reason, "traceparent: a future version's extra fields must follow a '-'");
    }
    if (v[35] != '-' || v[52] != '-') {
      return fail(reason, "traceparent: fields must be separated by '-'");
    }
    if (!decode_hex(v.data() + 3, parsed.trace_id.bytes, 16)) {
      return fail(reason, "traceparent: trace-id is not 32 lower-case hex digits");
    }
    if (!decode_hex(v.data() + 36, parsed.span_id.bytes, 8)) {
      return fail(reason, "traceparent: parent-id is not 16 lower-case hex digits");
    }
    std::uint8_t flags = 0;
    if (!decode_hex(v.data() + 53, &flags, 1)) {
      return fail(reason, "traceparent: trace-flags is not 2 lower-case hex digits");
    }
    if (!parsed.trace_id.is_valid()) return fail(reason, "traceparent: trace-id is all zeros");
    if (!parsed.span_id.is_valid()) return fail(reason, "traceparent: parent-id is all zeros");
    // A higher version's other flag bits have unknown meaning: keep only `sampled` (spec 4.3).
    parsed.trace_flags = version == 0 ? flags : static_cast<std::uint8_t>(flags & kTraceFlagSampled);
    return true;
  }();
  if (!ok) return Status::kInvalidArgument;
  parsed.is_remote = true;
  out = parsed;
  return Status::kOk;
}

Status format_traceparent(const SpanContext& context, char* out, std::size_t cap,
                          std::size_t& len) noexcept {
  len = 0;
  if (!context.is_valid()) return Status::kInvalidArgument;
  if (out == nullptr || cap < kTraceparentLength) return Status::kResourceExhausted;
  out[0] = '0';
  out[1] = '0';
  out[2] = '-';
  detail::encode_hex(context.trace_id.bytes, 16, out + 3);
  out[35] = '-';
  detail::encode_hex(context.span_id.bytes, 8, out + 36);
  out[52] = '-';
  const std::uint8_t flags = static_cast<std::uint8_t>(context.trace_flags & kTraceparentKnownFlags);
  detail::encode_hex(&flags, 1, out + 53);
  len = kTraceparentLength;
  return Status::kOk;
}

// ---- tracestate ----------------------------------------------------------------------------

bool TraceState::is_valid_key(std::string_view key) noexcept {
  const std::size_t at = key.find('@');
  if (at == std::string_view::npos) return is_key_part(key, 256, false);
  // multi-tenant-key = tenant-id "@" system-id; a second '@' fails the keychar check.
  return is_key_part(key.substr(0, at), 241, true) && is_key_part(key.substr(at + 1), 14, false);
}

bool TraceState::is_valid_value(std::string_view value) noexcept {
  if (value.empty() || value.size() > 256) return false;
  for (const char c : value) {
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  }
  return value.back() != ' ';
}

Status TraceState::parse(std::string_view value) noexcept { return parse_fields(&value, 1); }

Status TraceState::parse_fields(const std::string_view* fields, std::size_t count) noexcept {
  clear();
  if (count > 0 && fields == nullptr) return Status::kInvalidArgument;
  if (count > 0xffff) return Status::kInvalidArgument;

  // Pass 1: validate the whole list and note where each member is.
  MemberRef refs[kTracestateMaxMembers];
  std::size_t n = 0;
  for (std::size_t f = 0; f < count; ++f) {
    const std::string_view field = fields[f];
    // Offsets are 16-bit; a single field this large is "prohibitively large" (spec 3.2.4).
    if (field.size() > 0xffff) return Status::kInvalidArgument;
    std::size_t start = 0;
    while (start <= field.size()) {
      std::size_t comma = field.find(',', start);
      if (comma == std::string_view::npos) comma = field.size();
      const std::string_view piece = trim_ows(field.substr(start, comma - start));
      const auto piece_begin = static_cast<std::size_t>(piece.data() - field.data());  // in field
      start = comma + 1;
      if (piece.empty()) continue;  // empty and whitespace-only list members are allowed
      const std::size_t eq = piece.find('=');
      if (eq == std::string_view::npos) return Status::kInvalidArgument;
      const std::string_view key = piece.substr(0, eq);
      if (!is_valid_key(key) || !is_valid_value(piece.substr(eq + 1))) {
        return Status::kInvalidArgument;
      }
      if (n == kTracestateMaxMembers) return Status::kInvalidArgument;
      for (std::size_t i = 0; i < n; ++i) {
        const std::string_view other = fields[refs[i].field].substr(refs[i].begin, refs[i].key_len);
        if (other == key) return Status::kInvalidArgument;  // one entry per key (spec 3.3.1.4)
      }
      refs[n].field = static_cast<std::uint16_t>(f);
      refs[n].begin = static_cast<std::uint16_t>(piece_begin);
      refs[n].key_len = static_cast<std::uint16_t>(eq);
      refs[n].len = static_cast<std::uint16_t>(piece.size());
      ++n;
    }
  }

  // Pass 2: choose what fits, by whole entries: large ones first, then from the end.
  bool keep[kTracestateMaxMembers];
  std::size_t total = 0;
  std::size_t kept = n;
  for (std::size_t i = 0; i < n; ++i) {
    keep[i] = true;
    total += refs[i].len;
  }
  total += n > 0 ? n - 1 : 0;
  while (total > kTracestateCapacity && kept > 0) {
    std::size_t victim = n;
    for (std::size_t i = n; i-- > 0;) {
      if (keep[i] && refs[i].len > kLargeEntry) {
        victim = i;
        break;
      }
    }
    if (victim == n) {
      for (std::size_t i = n; i-- > 0;) {
        if (keep[i]) {
          victim = i;
          break;
        }
      }
    }
    keep[victim] = false;
    --kept;
    total -= refs[victim].len + (kept > 0 ? 1 : 0);
    truncated_ = true;
  }

  std::size_t pos = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!keep[i]) continue;
    if (pos > 0) data_[pos++] = ',';
    std::memcpy(data_ + pos, fields[refs[i].field].data() + refs[i].begin, refs[i].len);
    pos += refs[i].len;
  }
  len_ = static_cast<std::uint16_t>(pos);
  return Status::kOk;
}

Status TraceState::format(char* out, std::size_t cap, std::size_t& len) const noexcept {
  len = 0;
  if (len_ == 0) return Status::kOk;
  if (out == nullptr || cap < len_) return Status::kResourceExhausted;
  std::memcpy(out, data_, len_);
  len = len_;
  return Status::kOk;
}

std::size_t TraceState::size() const noexcept {
  if (len_ == 0) return 0;
  std::size_t commas = 0;
  for (std::size_t i = 0; i < len_; ++i) commas += data_[i] == ',' ? 1u : 0u;
  return commas + 1;
}

bool TraceState::member(std::size_t index, std::string_view& key,
                        std::string_view& value) const noexcept {
  Slice s;
  if (!canonical_member(data_, len_, index, s)) return false;
  const std::string_view entry(data_ + s.begin, s.end - s.begin);
  const std::size_t eq = entry.find('=');
  key = entry.substr(0, eq);
  value = entry.substr(eq + 1);
  return true;
}

std::string_view TraceState::get(std::string_view key) const noexcept {
  std::string_view k;
  std::string_view v;
  for (std::size_t i = 0; member(i, k, v); ++i) {
    if (k == key) return v;
  }
  return {};
}

bool TraceState::erase(std::string_view key) noexcept {
  Slice s;
  for (std::size_t i = 0; canonical_member(data_, len_, i, s); ++i) {
    if (key_of(std::string_view(data_ + s.begin, s.end - s.begin)) != key) continue;
    // Remove the entry and one neighbouring comma.
    std::size_t from = s.begin;
    std::size_t to = s.end;
    if (to < len_) {
      ++to;  // trailing comma
    } else if (from > 0) {
      --from;  // last entry: take the comma before it
    }
    std::memmove(data_ + from, data_ + to, len_ - to);
    len_ = static_cast<std::uint16_t>(len_ - (to - from));
    return true;
  }
  return false;
}

Status TraceState::set(std::string_view key, std::string_view value) noexcept {
  if (!is_valid_key(key) || !is_valid_value(value)) return Status::kInvalidArgument;
  const std::size_t entry_len = key.size() + 1 + value.size();
  if (entry_len > kTracestateCapacity) return Status::kInvalidArgument;
  (void)erase(key);
  truncated_ = false;
  // Make room for the entry (plus a comma) and keep at most 32 members, by the truncation rule.
  while (len_ > 0 && (len_ + 1 + entry_len > kTracestateCapacity ||
                      size() >= kTracestateMaxMembers)) {
    const std::size_t count = size();
    std::size_t victim = count - 1;
    Slice s;
    for (std::size_t i = count; i-- > 0;) {
      if (canonical_member(data_, len_, i, s) && s.end - s.begin > kLargeEntry) {
        victim = i;
        break;
      }
    }
    (void)canonical_member(data_, len_, victim, s);
    char victim_key[257];
    const std::string_view vk = key_of(std::string_view(data_ + s.begin, s.end - s.begin));
    std::memcpy(victim_key, vk.data(), vk.size());
    (void)erase(std::string_view(victim_key, vk.size()));
    truncated_ = true;
  }
  const std::size_t shift = len_ > 0 ? entry_len + 1 : entry_len;
  std::memmove(data_ + shift, data_, len_);
  std::memcpy(data_, key.data(), key.size());
  data_[key.size()] = '=';
  std::memcpy(data_ + key.size() + 1, value.data(), value.size());
  if (len_ > 0) data_[entry_len] = ',';
  len_ = static_cast<std::uint16_t>(len_ + shift);
  return Status::kOk;
}

// ---- carriers ------------------------------------------------------------------------------

bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
  return detail::iequals(a, b);
}

namespace {

// Bounds on how far extract() walks a carrier, so a broken or hostile carrier cannot keep it
// busy forever: far beyond any real header block or property list.
constexpr std::size_t kMaxCarrierFields = 4096;
constexpr std::size_t kMaxFieldsPerName = 256;

// Calls `fn(value)` for each field named `name` (any case), in carrier order, until `fn`
// returns false.
template <class Fn>
void for_each_field(const CarrierReader& carrier, std::string_view name, Fn&& fn) noexcept {
  if (carrier.field != nullptr) {
    std::string_view n;
    std::string_view v;
    for (std::size_t i = 0; i < kMaxCarrierFields && carrier.field(carrier.ctx, i, &n, &v); ++i) {
      if (equals_ignore_case(n, name) && !fn(v)) return;
    }
    return;
  }
  std::string_view v;
  for (std::size_t i = 0; i < kMaxFieldsPerName && carrier.get(carrier.ctx, name, i, &v); ++i) {
    if (!fn(v)) return;
  }
}

// A field with anything but OWS and commas carries at least one member (or is invalid).
bool has_members(std::string_view field) noexcept {
  for (const char c : field) {
    if (!is_ows(c) && c != ',') return true;
  }
  return false;
}

}  // namespace

Status extract(const CarrierReader& carrier, SpanContext& context, TraceState* state) noexcept {
  context = SpanContext{};
  if (state != nullptr) state->clear();
  if (carrier.field == nullptr && carrier.get == nullptr) return Status::kFailedPrecondition;

  std::size_t parents = 0;
  std::string_view traceparent;
  for_each_field(carrier, kTraceparentField, [&](std::string_view v) noexcept {
    traceparent = v;
    return ++parents < 2;  // a second one already makes the request invalid
  });
  if (parents == 0) return Status::kUnavailable;
  // Two traceparent fields cannot be combined into one value: the test suite restarts the trace.
  if (parents > 1) return Status::kInvalidArgument;
  SpanContext parsed;
  if (parse_traceparent(traceparent, parsed) != Status::kOk) return Status::kInvalidArgument;
  context = parsed;

  if (state != nullptr) {
    // Each field with content holds at least one member, so more than 32 means too many members.
    std::string_view fields[kTracestateMaxMembers];
    std::size_t count = 0;
    bool too_many = false;
    for_each_field(carrier, kTracestateField, [&](std::string_view v) noexcept {
      if (!has_members(v)) return true;
      if (count == kTracestateMaxMembers) {
        too_many = true;
        return false;
      }
      fields[count++] = v;
      return true;
    });
    // An invalid tracestate is dropped whole and never affects traceparent.
    if (too_many || state->parse_fields(fields, count) != Status::kOk) state->clear();
  }
  return Status::kOk;
}

Status inject(const SpanContext& context, const TraceState* state,
              const CarrierWriter& carrier) noexcept {
  if (carrier.set == nullptr) return Status::kFailedPrecondition;
  char buf[kTraceparentLength];
  std::size_t len = 0;
  const Status st = format_traceparent(context, buf, sizeof(buf), len);
  if (st != Status::kOk) return st;
  const Status set_parent = carrier.set(carrier.ctx, kTraceparentField, std::string_view(buf, len));
  if (set_parent != Status::kOk) return set_parent;
  if (state != nullptr && !state->empty()) {
    return carrier.set(carrier.ctx, kTracestateField, state->view());
  }
  return Status::kOk;
}

}  // namespace tracelet
