#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tracelet::receiver {

/// One value bound into a query: text, or an integer/real number.
struct SqlValue {
  enum class Type { kText, kInt, kReal };
  Type type = Type::kText;
  std::string text;
  std::int64_t int_value = 0;
  double real_value = 0;
};

/// A piece of SQL with `?` placeholders and the values they take, in order. Only fixed
/// column names and operators chosen from a list ever reach the SQL text; every value the
/// user typed (attribute keys too, as JSON paths) is bound.
struct SqlFragment {
  std::string sql;
  std::vector<SqlValue> values;
};

/// Limits on a filter, so a query string cannot make an unbounded statement.
inline constexpr std::size_t kMaxFilterChars = 1024;
inline constexpr std::size_t kMaxFilterClauses = 8;
inline constexpr std::size_t kMaxKeyChars = 128;
inline constexpr std::size_t kMaxValueChars = 256;

/// Parses a `where` filter: clauses joined by "and" (any case), each `FIELD OP VALUE` with
/// OP one of = != < <= > >=. FIELD is
///   duration            VALUE a number with unit ns, us, ms (default) or s: `duration > 5ms`
///   status              error | ok | unset (= and != only)
///   name, service, kind, trace_id   span columns (kind: a number or internal/server/...)
///   resource.KEY        a resource attribute
///   KEY or attr.KEY     a span attribute (KEY: letters, digits and _ . - : / @)
/// VALUE may be quoted ("..." or '...'); numbers compare as numbers with < and >, = compares
/// the text (true/false match booleans). Appends " AND (...)" per clause to `out`.
/// Returns false with `error` set on anything else.
bool parse_where(const std::string& text, SqlFragment& out, std::string& error);

/// The SQL expression that reads FIELD (as parse_where names them) for GROUP BY, with its
/// bound values appended to `out.values`; false with `error` for an invalid field.
bool group_expression(const std::string& field, SqlFragment& out, std::string& error);

/// A duration such as "250us", "5ms", "1.5s", "100ns" or "7" (ms) in nanoseconds.
bool parse_duration_ns(const std::string& text, std::int64_t& out);

}  // namespace tracelet::receiver
