#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace tracelet::test {

/// A small strict JSON reader for checking the receiver's JSON Lines output in tests.
/// Parsing fails (parse() returns false) on anything that is not valid JSON (RFC 8259),
/// so the tests also prove every line is well-formed.
struct Json {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  std::string text;  // string value, or the number exactly as written
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  /// Member `key` of an object, or a null value if missing / not an object.
  const Json& operator[](const char* key) const;
  /// Element `i` of an array, or a null value.
  const Json& at(std::size_t i) const;
  bool is_null() const { return type == Type::kNull; }
  std::size_t size() const { return type == Type::kArray ? items.size() : members.size(); }
  /// The number as a double (0 if not a number).
  double number() const;

  /// Parses `in` completely into `out`; false on any syntax error or trailing garbage.
  static bool parse(const std::string& in, Json& out);
};

/// Finds the attribute `key` in an OTLP/JSON attribute array ([{"key":..,"value":{..}}]) and
/// returns its value object, or a null value.
const Json& attribute(const Json& attributes, const std::string& key);

}  // namespace tracelet::test
