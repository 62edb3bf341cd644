#pragma once
// A strict JSON (RFC 8259) syntax check for the fuzz targets that read what a program wrote
// as JSON: literals, numbers, strings (escapes, no raw control characters, valid UTF-8) and
// nesting up to a fixed depth. It only says yes or no.
#include <cstddef>
#include <string>

namespace tracelet::fuzz {

class JsonCheck {
 public:
  JsonCheck(const char* text, std::size_t len) : p_(text), end_(text + len) {}

  bool object_document() {
    ws();
    if (p_ == end_ || *p_ != '{' || !value(0)) return false;
    ws();
    return p_ == end_;
  }

 private:
  static constexpr int kMaxDepth = 512;  // deeper than anything the programs under test write

  void ws() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool eat(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool word(const char* w) {
    for (; *w != '\0'; ++w) {
      if (!eat(*w)) return false;
    }
    return true;
  }
  bool digits() {
    const char* start = p_;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ != start;
  }
  bool number() {
    (void)eat('-');
    if (eat('0')) {
      if (p_ != end_ && *p_ >= '0' && *p_ <= '9') return false;  // no leading zeros
    } else if (!digits()) {
      return false;
    }
    if (eat('.') && !digits()) return false;
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (!eat('+')) (void)eat('-');
      if (!digits()) return false;
    }
    return true;
  }
  static bool hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
  // One UTF-8 sequence starting at p_ (RFC 3629: shortest form, no surrogates, <= U+10FFFF).
  bool utf8() {
    const auto b0 = static_cast<unsigned char>(*p_);
    std::size_t n = 0;
    unsigned cp = 0;
    unsigned min = 0;
    if (b0 < 0x80) {
      ++p_;
      return true;
    } else if ((b0 & 0xE0) == 0xC0) {
      n = 2, cp = b0 & 0x1Fu, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      n = 3, cp = b0 & 0x0Fu, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      n = 4, cp = b0 & 0x07u, min = 0x10000;
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end_ - p_) < n) return false;
    for (std::size_t i = 1; i < n; ++i) {
      const auto b = static_cast<unsigned char>(p_[i]);
      if ((b & 0xC0) != 0x80) return false;
      cp = cp << 6 | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p_ += n;
    return true;
  }
  bool string() {
    if (!eat('"')) return false;
    while (p_ != end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        ++p_;
        if (p_ == end_) return false;
        const char e = *p_++;
        if (e == 'u') {
          for (int i = 0; i < 4; ++i) {
            if (p_ == end_ || !hex(*p_)) return false;
            ++p_;
          }
        } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' &&
                   e != 'r' && e != 't') {
          return false;
        }
        continue;
      }
      if (!utf8()) return false;
    }
    return false;
  }
  bool value(int depth) {
    if (depth > kMaxDepth) return false;
    ws();
    if (p_ == end_) return false;
    switch (*p_) {
      case '{': {
        ++p_;
        ws();
        if (eat('}')) return true;
        for (;;) {
          ws();
          if (!string()) return false;
          ws();
          if (!eat(':') || !value(depth + 1)) return false;
          ws();
          if (eat('}')) return true;
          if (!eat(',')) return false;
        }
      }
      case '[': {
        ++p_;
        ws();
        if (eat(']')) return true;
        for (;;) {
          if (!value(depth + 1)) return false;
          ws();
          if (eat(']')) return true;
          if (!eat(',')) return false;
        }
      }
      case '"': return string();
      case 't': return word("true");
      case 'f': return word("false");
      case 'n': return word("null");
      default: return number();
    }
  }

  const char* p_;
  const char* end_;
};

/// True when `text[0, len)` is exactly one JSON object (whitespace around it allowed).
inline bool is_json_object(const char* text, std::size_t len) {
  return JsonCheck(text, len).object_document();
}

/// The number of lines in `lines` when each one is one JSON object and the last ends with a
/// newline (JSON Lines as the receiver writes them), else -1.
inline long json_lines_objects(const std::string& lines) {
  long records = 0;
  for (std::size_t start = 0; start < lines.size();) {
    const std::size_t end = lines.find('\n', start);
    if (end == std::string::npos) return -1;  // every record ends its line
    if (!is_json_object(lines.data() + start, end - start)) return -1;
    ++records;
    start = end + 1;
  }
  return records;
}

}  // namespace tracelet::fuzz
