#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace tracelet {

class AttributeValue;

namespace detail {
/// The scalar element type an array of T holds (0 when T is not an element type).
template <class T>
constexpr std::uint8_t array_element_tag() noexcept {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, bool>) {
    return 'b';
  } else if constexpr (std::is_same_v<U, char>) {
    return 0;  // a char array is text: pass std::string_view(data, len) instead
  } else if constexpr (std::is_integral_v<U>) {
    return 'i';
  } else if constexpr (std::is_floating_point_v<U>) {
    return 'd';
  } else if constexpr (std::is_convertible_v<const U&, std::string_view>) {
    return 's';
  } else {
    return 0;
  }
}
/// Returns `element`; defined beside the array writer (see AttributeValue::element_of).
AttributeValue array_element(const AttributeValue& element) noexcept;
}  // namespace detail

/// One typed attribute value: bool, 64-bit integer, double, string, or a homogeneous array of
/// one of those (OTLP ArrayValue). Strings and arrays are views: the span copies (and if
/// needed truncates) them at the call, so the caller's buffer may die right after.
/// Every member: ISR-safe: yes. Blocks: never. Allocates: never.
class AttributeValue {
 public:
  enum class Type : std::uint8_t { kBool = 'b', kInt = 'i', kDouble = 'd', kString = 's', kArray = 'a' };
  /// Reads element `index` of an array view (see from_elements()).
  using ElementReader = AttributeValue (*)(const void* items, std::size_t index) noexcept;

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

  /// An array value viewing `count` elements of the caller's `items` (not copied): T is bool,
  /// any integer but char (int64 elements), float/double (double elements), or anything that
  /// converts to std::string_view (string elements). Allocates: never.
  template <class T>
  static constexpr AttributeValue array(const T* items, std::size_t count) noexcept {
    static_assert(detail::array_element_tag<T>() != 0,
                  "array elements must be bool, an integer (not char: pass std::string_view for "
                  "text), float/double, or convertible to std::string_view");
    return from_elements(static_cast<Type>(detail::array_element_tag<T>()), items, count,
                         &element_of<T>);
  }
  /// An array of `count` elements of `element_type` (a scalar type) that `read(items, i)`
  /// produces: for element storage other than a C array (tracelet's own records use this).
  /// Views at most 65535 elements (spans keep at most TRACELET_MAX_ARRAY_ELEMENTS anyway).
  static constexpr AttributeValue from_elements(Type element_type, const void* items,
                                                std::size_t count, ElementReader read) noexcept {
    return AttributeValue(element_type, items,
                          static_cast<std::uint32_t>(count < 0xFFFFu ? count : 0xFFFFu), read);
  }

  constexpr Type type() const noexcept { return type_; }
  constexpr bool as_bool() const noexcept { return bool_; }
  constexpr std::int64_t as_int() const noexcept { return int_; }
  constexpr double as_double() const noexcept { return double_; }
  constexpr std::string_view as_string() const noexcept {
    return type_ == Type::kArray ? std::string_view() : string_;
  }
  /// Arrays: the elements' scalar type, the element count, and element `i` (< array_size()).
  constexpr Type element_type() const noexcept { return element_type_; }
  constexpr std::size_t array_size() const noexcept { return type_ == Type::kArray ? count_ : 0; }
  AttributeValue element(std::size_t i) const noexcept { return read_(items_, i); }

 private:
  constexpr AttributeValue(Type element_type, const void* items, std::uint32_t count,
                           ElementReader read) noexcept
      : type_(Type::kArray), element_type_(element_type), count_(count), items_(items), read_(read) {}
  // Goes through detail::array_element() so that building an array value links the array
  // writer (src/core/array_attribute.cpp); images without arrays leave it out.
  template <class T>
  static AttributeValue element_of(const void* items, std::size_t i) noexcept {
    return detail::array_element(AttributeValue(static_cast<const T*>(items)[i]));
  }

  Type type_;
  Type element_type_ = Type::kBool;  // arrays only
  std::uint32_t count_ = 0;          // arrays only
  union {
    bool bool_;
    std::int64_t int_;
    double double_;
    const void* items_;  // arrays
  };
  union {
    std::string_view string_{};
    ElementReader read_;  // arrays
  };
};

/// A key and its value, as given to add_event() and to resource attributes.
struct Attribute {
  std::string_view key;
  AttributeValue value;
};

}  // namespace tracelet
