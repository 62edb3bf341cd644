// A strict JSON reader for exactly the X-Ray sampling-rule documents described in
// include/tracelet/sampling_rules_json.h. It decodes into caller memory, stops at the first
// error with its line and column, and bounds its nesting depth.
#include "tracelet/sampling_rules_json.h"

#include <cstdint>

#include "core/text.h"

namespace tracelet {
namespace {

using detail::hex_value;
using detail::is_space;
using detail::Text;
using detail::utf8_sequence_length;

// Deepest nesting accepted anywhere (the rule shape needs 5; skipped values may use the rest).
constexpr int kMaxDepth = 16;
// Longest number token accepted; rule numbers are short.
constexpr std::size_t kMaxNumberChars = 64;

// Rule fields, as bits for duplicate detection.
enum Field : std::uint32_t {
  kRuleName = 1u << 0,
  kPriority = 1u << 1,
  kFixedRate = 1u << 2,
  kReservoirSize = 1u << 3,
  kServiceName = 1u << 4,
  kServiceType = 1u << 5,
  kHost = 1u << 6,
  kHttpMethod = 1u << 7,
  kUrlPath = 1u << 8,
  kResourceArn = 1u << 9,
  kVersion = 1u << 10,
  kRuleArn = 1u << 11,
  kAttributes = 1u << 12,
  kSpanName = 1u << 13,
};

struct FieldName {
  std::string_view name;
  Field field;
  std::size_t max_len;  // for string fields
};

constexpr FieldName kRuleFields[] = {
    {"RuleName", kRuleName, 32},       {"Priority", kPriority, 0},
    {"FixedRate", kFixedRate, 0},      {"ReservoirSize", kReservoirSize, 0},
    {"ServiceName", kServiceName, 64}, {"ServiceType", kServiceType, 64},
    {"Host", kHost, 64},               {"HTTPMethod", kHttpMethod, 10},
    {"URLPath", kUrlPath, 128},        {"ResourceARN", kResourceArn, 500},
    {"Version", kVersion, 0},          {"RuleARN", kRuleArn, 500},
    {"Attributes", kAttributes, 0},    {"SpanName", kSpanName, 128},
};

class Parser {
 public:
  Parser(std::string_view in, RulesJsonOutput& out, char* message, std::size_t message_cap) noexcept
      : in_(in), out_(out), message_(message), message_cap_(message_cap) {}

  Status run() noexcept {
    out_.rule_count = 0;
    out_.strings_used = 0;
    if (message_ != nullptr && message_cap_ > 0) message_[0] = '\0';
    if (!document()) {
      out_.rule_count = 0;
      return status_;
    }
    return Status::kOk;
  }

 private:
  // ---- errors ----
  // Starts the message "line L, column C: " for byte offset `pos`; the caller appends the rest.
  Text fail_at(std::size_t pos, Status status = Status::kInvalidArgument) noexcept {
    std::size_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < pos && i < in_.size(); ++i) {
      if (in_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    status_ = status;
    Text t(message_, message_cap_);
    t.put("line ").put_uint(line).put(", column ").put_uint(pos - line_start + 1).put(": ");
    return t;
  }
  bool error(std::size_t pos, std::string_view what, std::string_view detail = {},
             std::string_view tail = {}, Status status = Status::kInvalidArgument) noexcept {
    fail_at(pos, status).put(what).put(detail).put(tail);
    return false;
  }
  bool syntax(std::string_view what) noexcept {
    if (pos_ >= in_.size()) return error(pos_, "unexpected end of document, ", what);
    return error(pos_, what);
  }

  // ---- lexical layer ----
  void ws() noexcept {
    while (pos_ < in_.size() && is_space(in_[pos_])) ++pos_;
  }
  bool peek(char c) noexcept {
    ws();
    return pos_ < in_.size() && in_[pos_] == c;
  }
  bool expect(char c, std::string_view what) noexcept {
    if (!peek(c)) return syntax(what);
    ++pos_;
    return true;
  }

  // Reads 4 hex digits of a \u escape at pos_.
  bool hex4(std::uint32_t& v) noexcept {
    v = 0;
    for (int i = 0; i < 4; ++i) {
      if (pos_ >= in_.size()) return syntax("expected 4 hex digits after \\u");
      const int h = hex_value(in_[pos_]);
      if (h < 0) return error(pos_, "expected 4 hex digits after \\u");
      v = (v << 4) | static_cast<std::uint32_t>(h);
      ++pos_;
    }
    return true;
  }

  // Where a decoded string goes: `buf` (may be nullptr to only measure). `len` counts all
  // decoded bytes; `overflow` is set once they no longer fit.
  struct Sink {
    char* buf = nullptr;
    std::size_t cap = 0;
    std::size_t len = 0;
    bool overflow = false;
    char first = 0;
    void put(char c) noexcept {
      if (len == 0) first = c;
      if (len < cap && buf != nullptr) {
        buf[len] = c;
      } else {
        overflow = true;
      }
      ++len;
    }
  };

  void put_code_point(Sink& sink, std::uint32_t cp) noexcept {
    if (cp < 0x80) {
      sink.put(static_cast<char>(cp));
    } else if (cp < 0x800) {
      sink.put(static_cast<char>(0xc0 | (cp >> 6)));
      sink.put(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      sink.put(static_cast<char>(0xe0 | (cp >> 12)));
      sink.put(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      sink.put(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      sink.put(static_cast<char>(0xf0 | (cp >> 18)));
      sink.put(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      sink.put(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      sink.put(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  // Decodes the string starting at pos_ (which must be '"') into `sink`.
  bool string(Sink& sink) noexcept {
    ws();
    if (pos_ >= in_.size() || in_[pos_] != '"') return syntax("expected a string");
    ++pos_;
    for (;;) {
      if (pos_ >= in_.size()) return syntax("string is not terminated");
      const char c = in_[pos_];
      const auto u = static_cast<unsigned char>(c);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (u < 0x20) return error(pos_, "control character in string (escape it)");
      if (u >= 0x80) {
        const std::size_t n = utf8_sequence_length(in_, pos_);
        if (n == 0) return error(pos_, "invalid UTF-8 in string");
        for (std::size_t i = 0; i < n; ++i) sink.put(in_[pos_ + i]);
        pos_ += n;
        continue;
      }
      if (c != '\\') {
        sink.put(c);
        ++pos_;
        continue;
      }
      const std::size_t escape_at = pos_;
      ++pos_;
      if (pos_ >= in_.size()) return syntax("string is not terminated");
      const char e = in_[pos_++];
      switch (e) {
        case '"': sink.put('"'); break;
        case '\\': sink.put('\\'); break;
        case '/': sink.put('/'); break;
        case 'b': sink.put('\b'); break;
        case 'f': sink.put('\f'); break;
        case 'n': sink.put('\n'); break;
        case 'r': sink.put('\r'); break;
        case 't': sink.put('\t'); break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xdc00 && cp <= 0xdfff) {
            return error(escape_at, "\\u escape is a lone low surrogate");
          }
          if (cp >= 0xd800 && cp <= 0xdbff) {
            if (pos_ + 1 >= in_.size() || in_[pos_] != '\\' || in_[pos_ + 1] != 'u') {
              return error(escape_at, "\\u escape is a high surrogate without its low half");
            }
            pos_ += 2;
            std::uint32_t low = 0;
            if (!hex4(low)) return false;
            if (low < 0xdc00 || low > 0xdfff) {
              return error(escape_at, "\\u escape is a high surrogate without its low half");
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          }
          if (cp == 0) return error(escape_at, "\\u0000 is not allowed in rule strings");
          put_code_point(sink, cp);
          break;
        }
        default:
          return error(escape_at, "invalid escape sequence in string");
      }
    }
  }

  // A JSON number token at pos_; `text` views it. Sets `integer` when it has no fraction or
  // exponent and `negative` when it starts with '-'.
  bool number(std::string_view& text, bool& integer, bool& negative) noexcept {
    ws();
    const std::size_t start = pos_;
    negative = false;
    integer = true;
    if (pos_ < in_.size() && in_[pos_] == '-') {
      negative = true;
      ++pos_;
    }
    auto digit = [&]() noexcept { return pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9'; };
    if (!digit()) return syntax("expected a number");
    if (in_[pos_] == '0') {
      ++pos_;
      if (digit()) return error(start, "numbers must not have leading zeros");
    } else {
      while (digit()) ++pos_;
    }
    if (pos_ < in_.size() && in_[pos_] == '.') {
      integer = false;
      ++pos_;
      if (!digit()) return syntax("expected a digit after '.'");
      while (digit()) ++pos_;
    }
    if (pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
      integer = false;
      ++pos_;
      if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
      if (!digit()) return syntax("expected a digit in the exponent");
      while (digit()) ++pos_;
    }
    if (pos_ - start > kMaxNumberChars) return error(start, "number is too long");
    text = in_.substr(start, pos_ - start);
    return true;
  }

  bool literal(std::string_view word) noexcept {
    if (in_.substr(pos_, word.size()) != word) return error(pos_, "invalid literal");
    pos_ += word.size();
    return true;
  }

  // Skips any JSON value (fields tracelet does not use, such as CreatedAt).
  bool skip_value(int depth) noexcept {
    if (depth > kMaxDepth) return error(pos_, "nesting is deeper than 16 levels");
    ws();
    if (pos_ >= in_.size()) return syntax("expected a value");
    const char c = in_[pos_];
    if (c == '"') {
      Sink none;
      return string(none);
    }
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'n') return literal("null");
    if (c == '-' || (c >= '0' && c <= '9')) {
      std::string_view t;
      bool integer = false;
      bool negative = false;
      return number(t, integer, negative);
    }
    if (c == '[') {
      ++pos_;
      if (peek(']')) {
        ++pos_;
        return true;
      }
      for (;;) {
        if (!skip_value(depth + 1)) return false;
        if (peek(',')) {
          ++pos_;
          continue;
        }
        return expect(']', "expected ',' or ']' in array");
      }
    }
    if (c == '{') {
      ++pos_;
      return object(depth + 1, [&](std::string_view, std::size_t) noexcept {
        return skip_value(depth + 1);
      });
    }
    return error(pos_, "expected a value");
  }

  // Parses an object whose '{' was consumed; calls on_member(key, key_pos) with pos_ at the
  // value, which the callback must consume. Keys longer than 64 bytes reach the callback
  // clipped (no known key is that long, so they are reported as unknown).
  template <class OnMember>
  bool object(int depth, OnMember&& on_member) noexcept {
    if (depth > kMaxDepth) return error(pos_, "nesting is deeper than 16 levels");
    if (peek('}')) {
      ++pos_;
      return true;
    }
    for (;;) {
      ws();
      const std::size_t key_pos = pos_;
      if (pos_ >= in_.size() || in_[pos_] != '"') return syntax("expected a field name in quotes");
      char key_buf[64];
      Sink key;
      key.buf = key_buf;
      key.cap = sizeof(key_buf);
      if (!string(key)) return false;
      if (!expect(':', "expected ':' after field name")) return false;
      ws();
      const std::size_t used = key.overflow ? sizeof(key_buf) : key.len;
      if (!on_member(std::string_view(key_buf, used), key_pos)) return false;
      if (peek(',')) {
        ++pos_;
        if (peek('}')) return error(pos_, "trailing ',' before '}'");
        continue;
      }
      return expect('}', "expected ',' or '}' in object");
    }
  }

  bool unknown_field(std::size_t key_pos, std::string_view key, std::string_view where) noexcept {
    return error(key_pos, "unknown field \"", key.substr(0, 40), where);
  }
  bool duplicate_field(std::size_t key_pos, std::string_view key) noexcept {
    return error(key_pos, "field \"", key, "\" appears twice");
  }
  // True the first time a field is met in an object; the second time is an error.
  bool first_time(bool& seen, std::size_t key_pos, std::string_view key) noexcept {
    if (seen) return duplicate_field(key_pos, key);
    seen = true;
    return true;
  }

  // ---- document structure ----
  bool document() noexcept {
    ws();
    if (pos_ >= in_.size()) return error(pos_, "document is empty");
    if (in_[pos_] != '{') return error(pos_, "document must be a JSON object");
    ++pos_;
    bool have_records = false;
    bool have_rule = false;
    bool have_token = false;
    const bool ok = object(1, [&](std::string_view key, std::size_t key_pos) noexcept {
      if (key == "SamplingRuleRecords") return first_time(have_records, key_pos, key) && records();
      if (key == "SamplingRule") return first_time(have_rule, key_pos, key) && rule(2);
      if (key == "NextToken") return first_time(have_token, key_pos, key) && skip_value(2);
      return unknown_field(key_pos, key,
                           "\" (expected SamplingRuleRecords, SamplingRule or NextToken)");
    });
    if (!ok) return false;
    ws();
    if (pos_ != in_.size()) return error(pos_, "unexpected data after the document");
    if (have_records && have_rule) {
      return error(0, "document has both SamplingRuleRecords and SamplingRule; use one");
    }
    if (out_.rule_count == 0) {
      return error(0, have_records ? "SamplingRuleRecords holds no rules"
                                   : "document has no SamplingRuleRecords or SamplingRule");
    }
    return true;
  }

  bool records() noexcept {
    if (!peek('[')) return syntax("SamplingRuleRecords must be an array");
    ++pos_;
    if (peek(']')) {
      ++pos_;
      return true;
    }
    for (;;) {
      if (!peek('{')) return syntax("each SamplingRuleRecords entry must be an object");
      const std::size_t record_pos = pos_;
      ++pos_;
      bool have_rule = false;
      bool have_created = false;
      bool have_modified = false;
      const bool ok = object(3, [&](std::string_view key, std::size_t key_pos) noexcept {
        if (key == "SamplingRule") return first_time(have_rule, key_pos, key) && rule(4);
        if (key == "CreatedAt") return first_time(have_created, key_pos, key) && skip_value(4);
        if (key == "ModifiedAt") return first_time(have_modified, key_pos, key) && skip_value(4);
        return unknown_field(key_pos, key,
                             "\" in a record (expected SamplingRule, CreatedAt or ModifiedAt)");
      });
      if (!ok) return false;
      if (!have_rule) return error(record_pos, "record has no SamplingRule");
      if (peek(',')) {
        ++pos_;
        if (peek(']')) return error(pos_, "trailing ',' before ']'");
        continue;
      }
      return expect(']', "expected ',' or ']' in SamplingRuleRecords");
    }
  }

  // A string field's value, decoded into the arena ("*" takes no room).
  bool string_field(std::string_view key, std::size_t max_len, std::string_view& out) noexcept {
    ws();
    const std::size_t value_pos = pos_;
    if (pos_ >= in_.size() || in_[pos_] != '"') return error(value_pos, key, " must be a string");
    Sink sink;
    sink.buf = out_.strings == nullptr ? nullptr : out_.strings + out_.strings_used;
    sink.cap = out_.strings_cap - out_.strings_used;
    if (!string(sink)) return false;
    if (sink.len > max_len) {
      fail_at(value_pos).put(key).put(" is longer than ").put_uint(max_len).put(" bytes");
      return false;
    }
    if (sink.len == 1 && sink.first == '*') {
      out = "*";  // the default pattern needs no storage
      return true;
    }
    if (sink.overflow) {
      return error(value_pos, "string storage is full: give parse_sampling_rules_json more bytes",
                   {}, {}, Status::kResourceExhausted);
    }
    out = std::string_view(sink.buf, sink.len);
    out_.strings_used += sink.len;
    return true;
  }

  // An integer field in [min, max].
  bool integer_field(std::string_view key, std::uint64_t min, std::uint64_t max,
                     std::uint32_t& out) noexcept {
    ws();
    const std::size_t value_pos = pos_;
    if (pos_ >= in_.size() || !(in_[pos_] == '-' || (in_[pos_] >= '0' && in_[pos_] <= '9'))) {
      return error(value_pos, key, " must be an integer");
    }
    std::string_view text;
    bool integer = false;
    bool negative = false;
    if (!number(text, integer, negative)) return false;
    if (!integer) return error(value_pos, key, " must be an integer");
    std::uint64_t v = 0;
    bool too_big = false;
    for (const char c : text) {
      if (c == '-') continue;
      if (v > (UINT64_MAX - 9) / 10) too_big = true;
      if (!too_big) v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if ((negative && v != 0) || too_big || v < min || v > max) {
      Text t = fail_at(value_pos);
      t.put(key).put(" must be ").put_uint(min);
      if (max != min) t.put(" to ").put_uint(max);
      return false;
    }
    out = static_cast<std::uint32_t>(v);
    return true;
  }

  // Attributes: an object with at most one string-valued entry.
  bool attributes(SamplingRule& r, int depth) noexcept {
    ws();
    const std::size_t value_pos = pos_;
    if (pos_ >= in_.size() || in_[pos_] != '{') return error(value_pos, "Attributes must be an object");
    ++pos_;
    std::size_t count = 0;
    return object(depth, [&](std::string_view key, std::size_t key_pos) noexcept {
      if (++count > 1) {
        return error(key_pos, "Attributes has more than one entry; tracelet matches one attribute per rule");
      }
      if (key.empty() || key.size() > 32) {
        return error(key_pos, "attribute name must be 1 to 32 bytes");
      }
      // The key lives in object()'s stack buffer: copy it into the arena.
      if (out_.strings_cap - out_.strings_used < key.size() || out_.strings == nullptr) {
        return error(key_pos, "string storage is full: give parse_sampling_rules_json more bytes",
                     {}, {}, Status::kResourceExhausted);
      }
      char* stored = out_.strings + out_.strings_used;
      for (std::size_t i = 0; i < key.size(); ++i) stored[i] = key[i];
      out_.strings_used += key.size();
      r.attribute_key = std::string_view(stored, key.size());
      ws();
      const std::size_t v_pos = pos_;
      if (!string_field("attribute value", 32, r.attribute_value)) return false;
      if (r.attribute_value.empty()) return error(v_pos, "attribute value must not be empty");
      return true;
    });
  }

  bool rule(int depth) noexcept {
    if (!peek('{')) return syntax("SamplingRule must be an object");
    const std::size_t rule_pos = pos_;
    ++pos_;
    if (out_.rule_count >= out_.rules_cap || out_.rules == nullptr) {
      fail_at(rule_pos, Status::kResourceExhausted)
          .put("more than ").put_uint(out_.rules_cap)
          .put(" rules; give parse_sampling_rules_json more room");
      return false;
    }
    SamplingRule r;
    std::uint32_t seen = 0;
    const bool ok = object(depth, [&](std::string_view key, std::size_t key_pos) noexcept {
      const FieldName* f = nullptr;
      for (const FieldName& candidate : kRuleFields) {
        if (candidate.name == key) {
          f = &candidate;
          break;
        }
      }
      if (f == nullptr) return unknown_field(key_pos, key, "\" in SamplingRule");
      if ((seen & f->field) != 0) return duplicate_field(key_pos, key);
      seen |= f->field;
      switch (f->field) {
        case kRuleName: {
          ws();
          const std::size_t v_pos = pos_;
          if (!string_field(key, f->max_len, r.name)) return false;
          if (r.name.empty()) return error(v_pos, "RuleName must not be empty");
          return true;
        }
        case kServiceName: return string_field(key, f->max_len, r.service_name);
        case kServiceType: return string_field(key, f->max_len, r.service_type);
        case kHost: return string_field(key, f->max_len, r.host);
        case kHttpMethod: return string_field(key, f->max_len, r.http_method);
        case kUrlPath: return string_field(key, f->max_len, r.url_path);
        case kResourceArn: return string_field(key, f->max_len, r.resource_arn);
        case kSpanName: return string_field(key, f->max_len, r.span_name);
        case kRuleArn: {
          // Identifies the rule in AWS; not needed to decide: checked, not stored.
          ws();
          const std::size_t v_pos = pos_;
          if (pos_ >= in_.size() || in_[pos_] != '"') return error(v_pos, key, " must be a string");
          Sink measure;
          if (!string(measure)) return false;
          if (measure.len > f->max_len) {
            fail_at(v_pos).put(key).put(" is longer than ").put_uint(f->max_len).put(" bytes");
            return false;
          }
          return true;
        }
        case kPriority: return integer_field(key, 1, kMaxRulePriority, r.priority);
        case kReservoirSize:
          return integer_field(key, 0, kMaxReservoirPerSecond, r.reservoir_per_second);
        case kVersion: {
          std::uint32_t version = 0;
          return integer_field(key, 1, 1, version);
        }
        case kFixedRate: {
          ws();
          const std::size_t v_pos = pos_;
          if (pos_ >= in_.size() || !(in_[pos_] == '-' || (in_[pos_] >= '0' && in_[pos_] <= '9'))) {
            return error(v_pos, "FixedRate must be a number");
          }
          std::string_view text;
          bool integer = false;
          bool negative = false;
          if (!number(text, integer, negative)) return false;
          double rate = 0.0;
          if (negative) text.remove_prefix(1);  // only -0 (any spelling) survives the check below
          if (parse_ratio(text, rate) != Status::kOk || (negative && rate != 0.0)) {
            return error(v_pos, "FixedRate must be 0 to 1");
          }
          r.fixed_rate = rate;
          return true;
        }
        case kAttributes: return attributes(r, depth + 1);
      }
      return false;
    });
    if (!ok) return false;
    constexpr std::uint32_t kRequired = kRuleName | kPriority | kFixedRate | kReservoirSize;
    if ((seen & kRequired) != kRequired) {
      const char* missing = (seen & kRuleName) == 0      ? "SamplingRule has no RuleName"
                            : (seen & kPriority) == 0    ? "SamplingRule has no Priority"
                            : (seen & kFixedRate) == 0   ? "SamplingRule has no FixedRate"
                                                         : "SamplingRule has no ReservoirSize";
      return error(rule_pos, missing);
    }
    for (std::size_t i = 0; i < out_.rule_count; ++i) {
      if (out_.rules[i].name == r.name) {
        return error(rule_pos, "RuleName \"", r.name, "\" is used by two rules");
      }
    }
    char why[96];
    if (validate_sampling_rule(r, why, sizeof(why)) != Status::kOk) return error(rule_pos, why);
    out_.rules[out_.rule_count++] = r;
    return true;
  }

  std::string_view in_;
  RulesJsonOutput& out_;
  char* message_;
  std::size_t message_cap_;
  std::size_t pos_ = 0;
  Status status_ = Status::kInvalidArgument;
};

}  // namespace

Status parse_sampling_rules_json(std::string_view json, RulesJsonOutput& out, char* message,
                                 std::size_t message_cap) noexcept {
  Parser parser(json, out, message, message_cap);
  return parser.run();
}

}  // namespace tracelet
