// The push JSON tokenizer of json_stream.h: one byte at a time through a small state machine,
// so a token split across reads needs no special handling.
#include "xray_sampling/json_stream.h"

#include <cstdio>

#include "core/text.h"

namespace tracelet::detail {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_number_char(char c) noexcept {
  return is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// RFC 8259's number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool valid_number(std::string_view s) noexcept {
  std::size_t i = 0;
  auto digits = [&]() noexcept {
    const std::size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

}  // namespace

bool JsonStream::fail(const char* what) noexcept {
  if (state_ != State::kError) {
    std::snprintf(error_, sizeof error_, "byte %lu: %s", static_cast<unsigned long>(offset_), what);
  }
  state_ = State::kError;
  return false;
}

bool JsonStream::emit(JsonEvent event, std::string_view text, bool cut) noexcept {
  if (handler_.on_event == nullptr) return true;
  char reason[80] = {};
  if (handler_.on_event(handler_.ctx, event, text, cut, reason, sizeof reason)) return true;
  std::snprintf(error_, sizeof error_, "byte %lu: %s", static_cast<unsigned long>(offset_), reason);
  state_ = State::kError;
  return false;
}

void JsonStream::put(char c) noexcept {
  if (len_ < kMaxString) {
    token_[len_++] = c;
  } else {
    cut_ = true;
  }
}

void JsonStream::put_code_point(std::uint32_t cp) noexcept {
  if (cp < 0x80) {
    put(static_cast<char>(cp));
  } else if (cp < 0x800) {
    put(static_cast<char>(0xc0 | (cp >> 6)));
    put(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    put(static_cast<char>(0xe0 | (cp >> 12)));
    put(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    put(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    put(static_cast<char>(0xf0 | (cp >> 18)));
    put(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    put(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    put(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

bool JsonStream::end_value() noexcept {
  state_ = depth_ == 0 ? State::kDone : State::kAfterValue;
  return true;
}

bool JsonStream::begin_value(char c) noexcept {
  len_ = 0;
  cut_ = false;
  if (c == '{' || c == '[') {
    if (depth_ == kMaxDepth) return fail("nesting deeper than 16");
    const bool object = c == '{';
    container_is_object_[depth_++] = object;
    if (!emit(object ? JsonEvent::kObjectBegin : JsonEvent::kArrayBegin)) return false;
    state_ = object ? State::kFirstKeyOrEnd : State::kFirstValueOrEnd;
    return true;
  }
  if (c == '"') {
    string_is_key_ = false;
    state_ = State::kString;
    return true;
  }
  if (c == '-' || is_digit(c)) {
    put(c);
    state_ = State::kNumber;
    return true;
  }
  if (c == 't' || c == 'f' || c == 'n') {
    put(c);
    state_ = State::kLiteral;
    return true;
  }
  return fail("expected a value");
}

bool JsonStream::end_string() noexcept {
  if (high_surrogate_ != 0) return fail("\\u escape of a lone high surrogate");
  const std::string_view text(token_, len_);
  if (string_is_key_) {
    if (!emit(JsonEvent::kKey, text, cut_)) return false;
    state_ = State::kColon;
    return true;
  }
  if (!emit(JsonEvent::kString, text, cut_)) return false;
  return end_value();
}

bool JsonStream::end_number() noexcept {
  const std::string_view text(token_, len_);
  if (!valid_number(text)) return fail("malformed number");
  if (!emit(JsonEvent::kNumber, text)) return false;
  return end_value();
}

bool JsonStream::end_literal() noexcept {
  const std::string_view text(token_, len_);
  JsonEvent event;
  if (text == "true") {
    event = JsonEvent::kTrue;
  } else if (text == "false") {
    event = JsonEvent::kFalse;
  } else if (text == "null") {
    event = JsonEvent::kNull;
  } else {
    return fail("unknown literal (expected true, false or null)");
  }
  if (!emit(event)) return false;
  return end_value();
}

bool JsonStream::string_byte(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  if (utf8_left_ > 0) {
    if ((u & 0xc0) != 0x80) return fail("invalid UTF-8 in string");
    if (utf8_lead_ != 0) {  // the first continuation byte rules out overlong forms and surrogates
      if ((utf8_lead_ == 0xe0 && u < 0xa0) || (utf8_lead_ == 0xed && u >= 0xa0) ||
          (utf8_lead_ == 0xf0 && u < 0x90) || (utf8_lead_ == 0xf4 && u >= 0x90)) {
        return fail("invalid UTF-8 in string");
      }
      utf8_lead_ = 0;
    }
    --utf8_left_;
    put(c);
    return true;
  }
  if (high_surrogate_ != 0 && c != '\\') return fail("\\u escape of a lone high surrogate");
  if (c == '"') return end_string();
  if (c == '\\') {
    state_ = State::kEscape;
    return true;
  }
  if (u < 0x20) return fail("control character in string (escape it)");
  if (u >= 0x80) {
    if (u >= 0xc2 && u <= 0xdf) {
      utf8_left_ = 1;
    } else if (u >= 0xe0 && u <= 0xef) {
      utf8_left_ = 2;
    } else if (u >= 0xf0 && u <= 0xf4) {
      utf8_left_ = 3;
    } else {
      return fail("invalid UTF-8 in string");
    }
    utf8_lead_ = static_cast<std::uint8_t>(u);
  }
  put(c);
  return true;
}

bool JsonStream::step(char c) noexcept {
  switch (state_) {
    case State::kValue:
      if (is_space(c)) return true;
      return begin_value(c);
    case State::kFirstValueOrEnd:
      if (is_space(c)) return true;
      if (c == ']') {
        --depth_;
        if (!emit(JsonEvent::kArrayEnd)) return false;
        return end_value();
      }
      return begin_value(c);
    case State::kFirstKeyOrEnd:
    case State::kKey:
      if (is_space(c)) return true;
      if (c == '}' && state_ == State::kFirstKeyOrEnd) {
        --depth_;
        if (!emit(JsonEvent::kObjectEnd)) return false;
        return end_value();
      }
      if (c != '"') return fail(state_ == State::kKey ? "expected a member name" : "expected a member name or '}'");
      len_ = 0;
      cut_ = false;
      string_is_key_ = true;
      state_ = State::kString;
      return true;
    case State::kColon:
      if (is_space(c)) return true;
      if (c != ':') return fail("expected ':'");
      state_ = State::kValue;
      return true;
    case State::kAfterValue: {
      if (is_space(c)) return true;
      const bool object = container_is_object_[depth_ - 1];
      if (c == ',') {
        state_ = object ? State::kKey : State::kValue;
        return true;
      }
      if (c == (object ? '}' : ']')) {
        --depth_;
        if (!emit(object ? JsonEvent::kObjectEnd : JsonEvent::kArrayEnd)) return false;
        return end_value();
      }
      return fail(object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    case State::kString:
      return string_byte(c);
    case State::kEscape:
      state_ = State::kString;
      if (high_surrogate_ != 0 && c != 'u') return fail("\\u escape of a lone high surrogate");
      switch (c) {
        case '"': put('"'); return true;
        case '\\': put('\\'); return true;
        case '/': put('/'); return true;
        case 'b': put('\b'); return true;
        case 'f': put('\f'); return true;
        case 'n': put('\n'); return true;
        case 'r': put('\r'); return true;
        case 't': put('\t'); return true;
        case 'u':
          state_ = State::kUnicode;
          hex_left_ = 4;
          code_unit_ = 0;
          return true;
        default:
          return fail("unknown escape in string");
      }
    case State::kUnicode: {
      const int h = hex_value(c);
      if (h < 0) return fail("expected 4 hex digits after \\u");
      code_unit_ = (code_unit_ << 4) | static_cast<std::uint32_t>(h);
      if (--hex_left_ > 0) return true;
      state_ = State::kString;
      const bool high = code_unit_ >= 0xd800 && code_unit_ <= 0xdbff;
      const bool low = code_unit_ >= 0xdc00 && code_unit_ <= 0xdfff;
      if (high_surrogate_ != 0) {
        if (!low) return fail("\\u escape of a lone high surrogate");
        put_code_point(0x10000 + ((high_surrogate_ - 0xd800) << 10) + (code_unit_ - 0xdc00));
        high_surrogate_ = 0;
      } else if (high) {
        high_surrogate_ = code_unit_;
      } else if (low) {
        return fail("\\u escape of a lone low surrogate");
      } else {
        put_code_point(code_unit_);
      }
      return true;
    }
    case State::kNumber:
      if (is_number_char(c)) {
        if (len_ >= kMaxNumber) return fail("number longer than 40 characters");
        put(c);
        return true;
      }
      return end_number() && step(c);
    case State::kLiteral:
      if (c >= 'a' && c <= 'z') {
        if (len_ >= 5) return fail("unknown literal (expected true, false or null)");
        put(c);
        return true;
      }
      return end_literal() && step(c);
    case State::kDone:
      if (is_space(c)) return true;
      return fail("bytes after the end of the document");
    case State::kError:
      return false;
  }
  return false;
}

bool JsonStream::feed(const std::uint8_t* data, std::size_t len) noexcept {
  for (std::size_t i = 0; i < len; ++i) {
    if (!step(static_cast<char>(data[i]))) return false;
    ++offset_;
  }
  return state_ != State::kError;
}

bool JsonStream::finish() noexcept {
  if (state_ == State::kNumber && !end_number()) return false;
  if (state_ == State::kLiteral && !end_literal()) return false;
  if (state_ == State::kError) return false;
  if (state_ != State::kDone) return fail("unexpected end of document");
  return true;
}

}  // namespace tracelet::detail
