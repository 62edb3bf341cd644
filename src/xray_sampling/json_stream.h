#pragma once
// A push JSON tokenizer with fixed memory: bytes go in as they arrive (any split), events come
// out. It never holds the document, only the current token (strings up to kMaxString bytes,
// longer ones are reported cut) and a bounded container stack, so an answer of any size is
// read in a few hundred bytes. Strict RFC 8259: one top-level value, no trailing commas, no
// comments, strings must be valid UTF-8 (escapes decoded, surrogate pairs joined).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tracelet::detail {

enum class JsonEvent : std::uint8_t {
  kObjectBegin, kObjectEnd, kArrayBegin, kArrayEnd,
  kKey,      // text = the member name (cut at kMaxString, `cut` set)
  kString,   // text = the decoded value (cut at kMaxString, `cut` set)
  kNumber,   // text = the number as written (syntax checked)
  kTrue, kFalse, kNull,
};

/// Receives each event; returning false stops the tokenizer with the handler's reason.
struct JsonHandler {
  void* ctx = nullptr;
  /// `error` (cap `error_cap`) receives the reason when the function returns false.
  bool (*on_event)(void* ctx, JsonEvent event, std::string_view text, bool cut, char* error,
                   std::size_t error_cap) = nullptr;
};

class JsonStream {
 public:
  static constexpr std::size_t kMaxString = 512;  // longest string kept whole (ResourceARN: 500)
  static constexpr std::size_t kMaxDepth = 16;    // nesting accepted
  static constexpr std::size_t kMaxNumber = 40;   // longest number token

  explicit JsonStream(JsonHandler handler) noexcept : handler_(handler) {}
  /// Consumes `len` bytes. False once the document is invalid (error() says why and where).
  bool feed(const std::uint8_t* data, std::size_t len) noexcept;
  /// The input ended: false unless exactly one complete value was read.
  bool finish() noexcept;
  const char* error() const noexcept { return error_; }
  std::uint64_t offset() const noexcept { return offset_; }

 private:
  enum class State : std::uint8_t {
    kValue, kFirstKeyOrEnd, kKey, kColon, kAfterValue, kFirstValueOrEnd, kString, kEscape,
    kUnicode, kNumber, kLiteral, kDone, kError,
  };
  bool step(char c) noexcept;
  bool begin_value(char c) noexcept;
  bool end_value() noexcept;
  bool string_byte(char c) noexcept;
  bool end_string() noexcept;
  bool end_number() noexcept;
  bool end_literal() noexcept;
  bool emit(JsonEvent event, std::string_view text = {}, bool cut = false) noexcept;
  bool fail(const char* what) noexcept;
  void put(char c) noexcept;
  void put_code_point(std::uint32_t cp) noexcept;

  JsonHandler handler_;
  State state_ = State::kValue;
  bool string_is_key_ = false;
  bool cut_ = false;
  std::uint8_t depth_ = 0;
  std::uint8_t utf8_left_ = 0;     // continuation bytes still expected
  std::uint8_t utf8_lead_ = 0;     // lead byte of the sequence being checked (overlong, range)
  std::uint8_t hex_left_ = 0;
  std::uint32_t code_unit_ = 0;
  std::uint32_t high_surrogate_ = 0;  // waiting for its low half
  std::uint64_t offset_ = 0;
  std::size_t len_ = 0;
  bool container_is_object_[kMaxDepth] = {};
  char token_[kMaxString] = {};
  char error_[96] = {};
};

}  // namespace tracelet::detail
