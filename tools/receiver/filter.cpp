#include "filter.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace tracelet::receiver {
namespace {

bool key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == ':' ||
         c == '/' || c == '@';
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

SqlValue text_value(const std::string& s) {
  SqlValue v;
  v.text = s;
  return v;
}

bool parse_number(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtod(s.c_str(), &end);
  return errno == 0 && *end == '\0';
}

int kind_number(const std::string& s) {
  static const char* const kKinds[] = {"unspecified", "internal", "server", "client", "producer", "consumer"};
  for (int i = 0; i < 6; ++i) {
    if (s == kKinds[i]) return i;
  }
  double d = 0;
  if (parse_number(s, d) && d >= 0 && d <= 5 && d == static_cast<int>(d)) return static_cast<int>(d);
  return -1;
}

// Splits "FIELD OP VALUE" (spaces optional around OP).
bool split_clause(const std::string& clause, std::string& field, std::string& op, std::string& value,
                  std::string& error) {
  std::size_t i = 0;
  while (i < clause.size() && clause[i] == ' ') ++i;
  const std::size_t field_start = i;
  while (i < clause.size() && key_char(clause[i])) ++i;
  field = clause.substr(field_start, i - field_start);
  while (i < clause.size() && clause[i] == ' ') ++i;
  const std::size_t op_start = i;
  while (i < clause.size() && (clause[i] == '=' || clause[i] == '!' || clause[i] == '<' || clause[i] == '>')) ++i;
  op = clause.substr(op_start, i - op_start);
  while (i < clause.size() && clause[i] == ' ') ++i;
  value = clause.substr(i);
  while (!value.empty() && value.back() == ' ') value.pop_back();
  if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'') && value.back() == value[0]) {
    value = value.substr(1, value.size() - 2);
  }
  if (field.empty()) {
    error = "filter '" + clause + "': expected a field name (letters, digits, _ . - : / @)";
    return false;
  }
  if (field.size() > kMaxKeyChars) {
    error = "filter field longer than " + std::to_string(kMaxKeyChars) + " characters";
    return false;
  }
  if (op != "=" && op != "!=" && op != "<" && op != "<=" && op != ">" && op != ">=") {
    error = "filter '" + clause + "': expected one of = != < <= > >= after '" + field + "'";
    return false;
  }
  if (value.size() > kMaxValueChars) {
    error = "filter value longer than " + std::to_string(kMaxValueChars) + " characters";
    return false;
  }
  return true;
}

// The JSON path of an attribute key; key_char() admits no quote, so the path is well formed.
std::string json_path(const std::string& key) { return "$.\"" + key + "\""; }

// Column and JSON path for FIELD, or false. `attribute` tells the caller it is JSON.
bool field_expression(const std::string& field, SqlFragment& out, bool& attribute, std::string& error) {
  attribute = false;
  if (field == "name" || field == "service" || field == "trace_id") {
    out.sql = field;
    return true;
  }
  if (field == "kind" || field == "duration" || field == "status") {
    out.sql = field == "duration" ? "duration_ns" : field == "status" ? "status_code" : "kind";
    return true;
  }
  std::string key = field;
  const char* column = "attributes";
  if (key.rfind("resource.", 0) == 0) {
    key = key.substr(9);
    column = "resource";
  } else if (key.rfind("attr.", 0) == 0) {
    key = key.substr(5);
  }
  if (key.empty()) {
    error = "field '" + field + "' names no attribute";
    return false;
  }
  out.sql = std::string("json_extract(") + column + ", ?)";
  out.values.push_back(text_value(json_path(key)));
  attribute = true;
  return true;
}

bool add_clause(const std::string& clause, SqlFragment& out, std::string& error) {
  std::string field, op, value;
  if (!split_clause(clause, field, op, value, error)) return false;
  SqlFragment expr;
  bool attribute = false;
  if (!field_expression(field, expr, attribute, error)) return false;
  const std::string sql_op = op == "!=" ? "<>" : op;
  const bool equality = op == "=" || op == "!=";
  SqlValue v;
  if (field == "duration") {
    std::int64_t ns = 0;
    if (!parse_duration_ns(value, ns)) {
      error = "filter '" + clause + "': '" + value + "' is not a duration (e.g. 5ms, 250us, 1.5s)";
      return false;
    }
    v.type = SqlValue::Type::kInt;
    v.int_value = ns;
  } else if (field == "status") {
    const std::string s = lower(value);
    const int code = s == "unset" ? 0 : s == "ok" ? 1 : s == "error" ? 2 : -1;
    if (code < 0 || !equality) {
      error = "filter '" + clause + "': status takes = or != with error, ok or unset";
      return false;
    }
    v.type = SqlValue::Type::kInt;
    v.int_value = code;
  } else if (field == "kind") {
    const int k = kind_number(lower(value));
    if (k < 0) {
      error = "filter '" + clause + "': kind is internal, server, client, producer, consumer or 0..5";
      return false;
    }
    v.type = SqlValue::Type::kInt;
    v.int_value = k;
  } else if (attribute) {
    double d = 0;
    if (!equality) {
      if (!parse_number(value, d)) {
        error = "filter '" + clause + "': " + op + " needs a number";
        return false;
      }
      v.type = SqlValue::Type::kReal;
      v.real_value = d;
      expr.sql = "CAST(" + expr.sql + " AS REAL)";
    } else {
      // json_extract gives booleans as 1/0; compare everything as text.
      v.text = value == "true" ? "1" : value == "false" ? "0" : value;
      expr.sql = "CAST(" + expr.sql + " AS TEXT)";
    }
  } else {
    v.text = value;
  }
  out.sql += " AND " + expr.sql + " " + sql_op + " ?";
  for (SqlValue& bound : expr.values) out.values.push_back(std::move(bound));
  out.values.push_back(std::move(v));
  return true;
}

}  // namespace

bool parse_duration_ns(const std::string& text, std::int64_t& out) {
  std::size_t unit_at = text.size();
  while (unit_at > 0 && std::isalpha(static_cast<unsigned char>(text[unit_at - 1]))) --unit_at;
  const std::string unit = lower(text.substr(unit_at));
  double scale = 0;
  if (unit.empty() || unit == "ms") {
    scale = 1e6;
  } else if (unit == "ns") {
    scale = 1;
  } else if (unit == "us") {
    scale = 1e3;
  } else if (unit == "s") {
    scale = 1e9;
  } else {
    return false;
  }
  double d = 0;
  if (!parse_number(text.substr(0, unit_at), d) || !(d >= 0) || d * scale > 9e18) return false;
  out = static_cast<std::int64_t>(d * scale + 0.5);
  return true;
}

bool parse_where(const std::string& text, SqlFragment& out, std::string& error) {
  if (text.size() > kMaxFilterChars) {
    error = "filter longer than " + std::to_string(kMaxFilterChars) + " characters";
    return false;
  }
  // Split on the word "and" outside quotes.
  std::vector<std::string> clauses;
  std::string current;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      current += c;
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    if (c == ' ' && i + 4 < text.size() && lower(text.substr(i + 1, 3)) == "and" && text[i + 4] == ' ') {
      clauses.push_back(current);
      current.clear();
      i += 4;
      continue;
    }
    current += c;
  }
  if (quote != 0) {
    error = "filter has an unclosed quote";
    return false;
  }
  if (current.find_first_not_of(' ') != std::string::npos) clauses.push_back(current);
  if (clauses.size() > kMaxFilterClauses) {
    error = "filter has more than " + std::to_string(kMaxFilterClauses) + " clauses";
    return false;
  }
  for (const std::string& clause : clauses) {
    if (!add_clause(clause, out, error)) return false;
  }
  return true;
}

bool group_expression(const std::string& field, SqlFragment& out, std::string& error) {
  if (field.empty() || field.size() > kMaxKeyChars) {
    error = "group-by field must be 1.." + std::to_string(kMaxKeyChars) + " characters";
    return false;
  }
  for (char c : field) {
    if (!key_char(c)) {
      error = "group-by field '" + field + "': use letters, digits and _ . - : / @";
      return false;
    }
  }
  bool attribute = false;
  return field_expression(field, out, attribute, error);
}

}  // namespace tracelet::receiver
