#pragma once
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace tracelet {

/// One typed attribute value: bool, 64-bit integer, double or string. Strings are views:
/// the span copies (and if needed truncates) them at the call, so the caller's buffer may
/// die right after. Every member: ISR-safe: yes. Blocks: never. Allocates: never.
class AttributeValue {
 public:
  enum class Type : std::uint8_t { kBool = 'b', kInt = 'i', kDouble = 'd', kString = 's' };

  constexpr AttributeValue(bool v) noexcept : type_(Type::kBool), bool_(v) {}
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  constexpr AttributeValue(T v) noexcept : type_(Type::kInt), int_(static_cast<std::int64_t>(v)) {}
  constexpr AttributeValue(double v) noexcept : type_(Type::kDouble), double_(v) {}
  constexpr AttributeValue(float v) noexcept : type_(Type::kDouble), double_(v) {}
  constexpr AttributeValue(std::string_view v) noexcept : type_(Type::kString), int_(0), string_(v) {}
  constexpr AttributeValue(const char* v) noexcept
      : type_(Type::kString), int_(0), string_(v ? std::string_view(v) : std::string_view()) {}
  /// Anything that converts to std::string_view (std::string, ...) is a string value.
  template <class S, std::enable_if_t<std::is_convertible_v<const S&, std::string_view> &&
                                          !std::is_same_v<S, std::string_view>, int> = 0>
  constexpr AttributeValue(const S& v) noexcept
      : type_(Type::kString), int_(0), string_(std::string_view(v)) {}

  constexpr Type type() const noexcept { return type_; }
  constexpr bool as_bool() const noexcept { return bool_; }
  constexpr std::int64_t as_int() const noexcept { return int_; }
  constexpr double as_double() const noexcept { return double_; }
  constexpr std::string_view as_string() const noexcept { return string_; }

 private:
  Type type_;
  union {
    bool bool_;
    std::int64_t int_;
    double double_;
  };
  std::string_view string_{};
};

/// A key and its value, as given to add_event() and to resource attributes.
struct Attribute {
  std::string_view key;
  AttributeValue value;
};

}  // namespace tracelet
