#include "query.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <unordered_map>
#include <vector>

#include "filter.h"
#include "report.h"

namespace tracelet::receiver {
namespace {

// Rows one query reads at most, so a huge file cannot take all memory; answers say
// "truncated": true when they stopped there.
constexpr std::int64_t kMaxScanRows = 2000000;
constexpr int kMaxTraceSpans = 10000;
constexpr int kDurationBuckets = 80;  // 2^(k/2) us: 1 us .. 2^39.5 us (about 9 days)

QueryAnswer fail(int status, const std::string& message) {
  return {status, "{\"error\":" + json_string(message) + "}"};
}

// ---- statements ---------------------------------------------------------------------------------

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, const std::vector<SqlValue>& values) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      error_ = sqlite3_errmsg(db);
      return;
    }
    int i = 1;
    for (const SqlValue& v : values) {
      switch (v.type) {
        case SqlValue::Type::kText:
          sqlite3_bind_text(stmt_, i, v.text.data(), static_cast<int>(v.text.size()), SQLITE_TRANSIENT);
          break;
        case SqlValue::Type::kInt: sqlite3_bind_int64(stmt_, i, v.int_value); break;
        case SqlValue::Type::kReal: sqlite3_bind_double(stmt_, i, v.real_value); break;
      }
      ++i;
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // True while there is a row; a failure ends the rows and sets error().
  bool next() {
    if (stmt_ == nullptr) return false;
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) error_ = sqlite3_errmsg(db_);
    return false;
  }
  std::int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p != nullptr ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }
  // The column as a JSON value (for group-by keys, which may be any type).
  std::string json(int col) const {
    switch (sqlite3_column_type(stmt_, col)) {
      case SQLITE_NULL: return "null";
      case SQLITE_INTEGER: return std::to_string(i64(col));
      case SQLITE_FLOAT: return json_double(sqlite3_column_double(stmt_, col));
      default: return json_string(text(col));
    }
  }
  const std::string& error() const { return error_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string error_;
};

// Time window, name, service and the `where` clauses, as "... AND ..." after a leading 1.
bool window_filter(const QueryParams& p, SqlFragment& out, std::string& error) {
  out.sql = "start_ns >= ? AND start_ns <= ?";
  SqlValue since, until;
  since.type = until.type = SqlValue::Type::kInt;
  since.int_value = p.since_ns;
  until.int_value = p.until_ns;
  out.values.push_back(since);
  out.values.push_back(until);
  if (!p.name.empty()) {
    out.sql += " AND name = ?";
    out.values.push_back({SqlValue::Type::kText, p.name, 0, 0});
  }
  if (!p.service.empty()) {
    out.sql += " AND service = ?";
    out.values.push_back({SqlValue::Type::kText, p.service, 0, 0});
  }
  return parse_where(p.where, out, error);
}

// ---- percentiles ----------------------------------------------------------------------------------

// Nearest-rank percentile of ascending `sorted` (not empty): sorted[ceil(q/100 * n) - 1].
std::int64_t nearest_rank(const std::vector<std::int64_t>& sorted, int q) {
  const std::size_t n = sorted.size();
  std::size_t rank = (static_cast<std::size_t>(q) * n + 99) / 100;
  if (rank < 1) rank = 1;
  return sorted[rank - 1];
}

std::string percentile_fields(const std::vector<std::int64_t>& sorted) {
  if (sorted.empty()) return "\"p50_ns\":null,\"p90_ns\":null,\"p95_ns\":null,\"p99_ns\":null,\"max_ns\":null";
  return "\"p50_ns\":" + std::to_string(nearest_rank(sorted, 50)) +
         ",\"p90_ns\":" + std::to_string(nearest_rank(sorted, 90)) +
         ",\"p95_ns\":" + std::to_string(nearest_rank(sorted, 95)) +
         ",\"p99_ns\":" + std::to_string(nearest_rank(sorted, 99)) +
         ",\"max_ns\":" + std::to_string(sorted.back());
}

bool scan_percentiles(sqlite3* db, const SqlFragment& filter, std::vector<PercentileRow>& rows, bool& truncated,
                      std::string& error) {
  Statement st(db,
               "SELECT name, service, duration_ns, status_code FROM spans WHERE " + filter.sql +
                   " ORDER BY name, service, duration_ns LIMIT " + std::to_string(kMaxScanRows + 1),
               filter.values);
  PercentileRow row;
  std::vector<std::int64_t> durations;
  std::int64_t scanned = 0;
  auto emit = [&] {
    if (durations.empty()) return;
    row.count = static_cast<std::int64_t>(durations.size());
    row.p50 = nearest_rank(durations, 50);
    row.p90 = nearest_rank(durations, 90);
    row.p95 = nearest_rank(durations, 95);
    row.p99 = nearest_rank(durations, 99);
    row.max = durations.back();
    rows.push_back(row);
    durations.clear();
    row.errors = 0;
  };
  truncated = false;
  while (st.next()) {
    if (++scanned > kMaxScanRows) {
      truncated = true;
      break;
    }
    std::string n = st.text(0), s = st.text(1);
    if (durations.empty() || n != row.name || s != row.service) {
      emit();
      row.name = std::move(n);
      row.service = std::move(s);
    }
    durations.push_back(st.i64(2));
    if (st.i64(3) == 2) ++row.errors;
  }
  if (!st.error().empty()) {
    error = st.error();
    return false;
  }
  emit();
  return true;
}

QueryAnswer percentiles(sqlite3* db, const SqlFragment& filter) {
  std::vector<PercentileRow> rows;
  bool truncated = false;
  std::string error;
  if (!scan_percentiles(db, filter, rows, truncated, error)) return fail(500, error);
  std::string out = "{\"percentile\":\"nearest-rank\",\"truncated\":" + std::string(truncated ? "true" : "false") +
                    ",\"rows\":[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const PercentileRow& r = rows[i];
    out += (i ? ",{" : "{") + std::string("\"name\":") + json_string(r.name) + ",\"service\":" + json_string(r.service) +
           ",\"count\":" + std::to_string(r.count) + ",\"errors\":" + std::to_string(r.errors) +
           ",\"error_rate\":" + json_double(static_cast<double>(r.errors) / static_cast<double>(r.count)) +
           ",\"p50_ns\":" + std::to_string(r.p50) + ",\"p90_ns\":" + std::to_string(r.p90) +
           ",\"p95_ns\":" + std::to_string(r.p95) + ",\"p99_ns\":" + std::to_string(r.p99) +
           ",\"max_ns\":" + std::to_string(r.max) + "}";
  }
  return {200, out + "]}"};
}

// ---- heatmap --------------------------------------------------------------------------------------

std::vector<std::int64_t> duration_edges() {
  std::vector<std::int64_t> edges(kDurationBuckets + 1);
  for (int k = 0; k <= kDurationBuckets; ++k) edges[static_cast<std::size_t>(k)] = std::llround(1000.0 * std::pow(2.0, k / 2.0));
  return edges;
}

QueryAnswer heatmap(sqlite3* db, const QueryParams& p, const SqlFragment& filter) {
  Statement st(db,
               "SELECT start_ns, duration_ns FROM spans WHERE " + filter.sql + " LIMIT " +
                   std::to_string(kMaxScanRows + 1),
               filter.values);
  std::vector<std::pair<std::int64_t, std::int64_t>> spans;
  bool truncated = false;
  while (st.next()) {
    if (static_cast<std::int64_t>(spans.size()) >= kMaxScanRows) {
      truncated = true;
      break;
    }
    spans.emplace_back(st.i64(0), st.i64(1));
  }
  if (!st.error().empty()) return fail(500, st.error());
  std::int64_t t0 = p.since_ns, t1 = p.until_ns;
  if (!spans.empty()) {
    std::int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (const auto& s : spans) {
      lo = std::min(lo, s.first);
      hi = std::max(hi, s.first);
    }
    // The time axis covers the spans found, inside the window asked for.
    t0 = std::max(t0, lo);
    t1 = std::min(t1, hi + 1);
  }
  if (t1 <= t0) t1 = t0 + 1;
  const std::int64_t step = std::max<std::int64_t>(1, (t1 - t0 + p.buckets - 1) / p.buckets);
  const std::vector<std::int64_t> edges = duration_edges();
  std::vector<std::vector<std::int64_t>> counts(static_cast<std::size_t>(p.buckets),
                                                std::vector<std::int64_t>(kDurationBuckets, 0));
  int kmin = kDurationBuckets, kmax = -1;
  std::vector<std::int64_t> durations;
  durations.reserve(spans.size());
  for (const auto& s : spans) {
    const auto bucket = static_cast<std::size_t>(std::min<std::int64_t>((s.first - t0) / step, p.buckets - 1));
    // The last edge not above the duration (durations under 1 us count in the first bucket).
    const auto it = std::upper_bound(edges.begin(), edges.end() - 1, s.second);
    const int k = std::max(0, static_cast<int>(it - edges.begin()) - 1);
    counts[bucket][static_cast<std::size_t>(k)] += 1;
    kmin = std::min(kmin, k);
    kmax = std::max(kmax, k);
    durations.push_back(s.second);
  }
  std::sort(durations.begin(), durations.end());
  if (kmax < 0) kmin = kmax = 0;
  std::string out = "{\"t0_ns\":" + std::to_string(t0) + ",\"step_ns\":" + std::to_string(step) +
                    ",\"buckets\":" + std::to_string(p.buckets) + ",\"count\":" + std::to_string(spans.size()) +
                    ",\"truncated\":" + (truncated ? "true" : "false") + ",\"edges_ns\":[";
  for (int k = kmin; k <= kmax + 1; ++k) out += (k > kmin ? "," : "") + std::to_string(edges[static_cast<std::size_t>(k)]);
  out += "],\"counts\":[";
  for (std::size_t b = 0; b < counts.size(); ++b) {
    out += b ? ",[" : "[";
    for (int k = kmin; k <= kmax; ++k) out += (k > kmin ? "," : "") + std::to_string(counts[b][static_cast<std::size_t>(k)]);
    out += ']';
  }
  out += "]," + percentile_fields(durations) + "}";
  return {200, out};
}

// ---- group-by -------------------------------------------------------------------------------------

QueryAnswer groupby(sqlite3* db, const QueryParams& p, const SqlFragment& filter) {
  SqlFragment group;
  std::string error;
  if (p.attr.empty()) return fail(400, "groupby needs attr=FIELD (e.g. attr=bus or attr=resource.host.name)");
  if (!group_expression(p.attr, group, error)) return fail(400, error);
  std::vector<SqlValue> values = group.values;
  values.insert(values.end(), filter.values.begin(), filter.values.end());
  Statement st(db,
               "SELECT " + group.sql + " AS g, COUNT(*), SUM(status_code = 2), AVG(duration_ns) FROM spans WHERE " +
                   filter.sql + " GROUP BY g ORDER BY COUNT(*) DESC, g LIMIT " + std::to_string(p.n),
               values);
  std::string rows;
  while (st.next()) {
    if (!rows.empty()) rows += ',';
    rows += "{\"value\":" + st.json(0) + ",\"count\":" + std::to_string(st.i64(1)) +
            ",\"errors\":" + std::to_string(st.i64(2)) + ",\"avg_ns\":" + std::to_string(st.i64(3)) + "}";
  }
  if (!st.error().empty()) return fail(500, st.error());
  return {200, "{\"attr\":" + json_string(p.attr) + ",\"rows\":[" + rows + "]}"};
}

// ---- traces ---------------------------------------------------------------------------------------

QueryAnswer traces(sqlite3* db, const QueryParams& p, const SqlFragment& filter, bool by_duration) {
  Statement st(db,
               "SELECT trace_id, MIN(start_ns), MAX(end_ns), COUNT(*), SUM(status_code = 2) FROM spans "
               "WHERE trace_id IN (SELECT trace_id FROM spans WHERE " + filter.sql + ") GROUP BY trace_id ORDER BY " +
                   (by_duration ? "MAX(end_ns) - MIN(start_ns) DESC" : "MIN(start_ns) DESC") + " LIMIT " +
                   std::to_string(p.n),
               filter.values);
  std::string rows;
  while (st.next()) {
    const std::string id = st.text(0);
    Statement root(db,
                   "SELECT name, service FROM spans WHERE trace_id = ? ORDER BY parent_span_id <> '', start_ns LIMIT 1",
                   {{SqlValue::Type::kText, id, 0, 0}});
    std::string root_name, root_service;
    if (root.next()) {
      root_name = root.text(0);
      root_service = root.text(1);
    }
    if (!rows.empty()) rows += ',';
    rows += "{\"trace_id\":\"" + id + "\",\"root\":" + json_string(root_name) +
            ",\"service\":" + json_string(root_service) + ",\"start_ns\":" + std::to_string(st.i64(1)) +
            ",\"duration_ns\":" + std::to_string(std::max<std::int64_t>(0, st.i64(2) - st.i64(1))) +
            ",\"spans\":" + std::to_string(st.i64(3)) + ",\"errors\":" + std::to_string(st.i64(4)) + "}";
  }
  if (!st.error().empty()) return fail(500, st.error());
  return {200, "{\"sort\":\"" + std::string(by_duration ? "duration" : "start") + "\",\"rows\":[" + rows + "]}"};
}

QueryAnswer trace(sqlite3* db, const QueryParams& p) {
  if (p.trace_id.size() != 32) return fail(400, "trace needs id=<32 hex digits>");
  Statement st(db,
               "SELECT span_id, parent_span_id, name, kind, service, start_ns, end_ns, duration_ns, status_code,"
               " status_message, scope_name, scope_version, attributes, resource, events, links FROM spans"
               " WHERE trace_id = ? ORDER BY start_ns, id LIMIT " + std::to_string(kMaxTraceSpans),
               {{SqlValue::Type::kText, p.trace_id, 0, 0}});
  struct Row {
    std::string span_id, parent, fields;
    std::int64_t start = 0, end = 0;
  };
  std::vector<Row> rows;
  while (st.next()) {
    Row r;
    r.span_id = st.text(0);
    r.parent = st.text(1);
    r.start = st.i64(5);
    r.end = st.i64(6);
    r.fields = "\"span_id\":\"" + r.span_id + "\",\"parent_span_id\":\"" + r.parent + "\",\"name\":" +
               json_string(st.text(2)) + ",\"kind\":" + std::to_string(st.i64(3)) +
               ",\"service\":" + json_string(st.text(4)) + ",\"start_ns\":" + std::to_string(r.start) +
               ",\"duration_ns\":" + std::to_string(st.i64(7)) + ",\"status_code\":" + std::to_string(st.i64(8)) +
               ",\"status_message\":" + json_string(st.text(9)) + ",\"scope\":" + json_string(st.text(10)) +
               ",\"scope_version\":" + json_string(st.text(11)) + ",\"attributes\":" + st.text(12) +
               ",\"resource\":" + st.text(13) + ",\"events\":" + st.text(14) + ",\"links\":" + st.text(15);
    rows.push_back(std::move(r));
  }
  if (!st.error().empty()) return fail(500, st.error());
  if (rows.empty()) return fail(404, "no trace " + p.trace_id);
  std::int64_t t0 = INT64_MAX, t1 = INT64_MIN;
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    t0 = std::min(t0, rows[i].start);
    t1 = std::max(t1, rows[i].end);
    index.emplace(rows[i].span_id, i);
  }
  // Children in start order (rows are sorted by start); spans whose parent is not stored are
  // roots, so a partly received trace still shows every span.
  std::vector<std::vector<std::size_t>> children(rows.size());
  std::vector<std::size_t> roots;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto it = rows[i].parent.empty() ? index.end() : index.find(rows[i].parent);
    if (it == index.end() || it->second == i) {
      roots.push_back(i);
    } else {
      children[it->second].push_back(i);
    }
  }
  std::string out = "{\"trace_id\":\"" + p.trace_id + "\",\"start_ns\":" + std::to_string(t0) +
                    ",\"duration_ns\":" + std::to_string(std::max<std::int64_t>(0, t1 - t0)) + ",\"spans\":[";
  std::vector<bool> seen(rows.size(), false);
  bool first = true;
  // Iterative depth-first walk (a deep or cyclic parent chain must not overflow the stack).
  std::vector<std::pair<std::size_t, int>> stack;
  for (auto r = roots.rbegin(); r != roots.rend(); ++r) stack.emplace_back(*r, 0);
  while (!stack.empty()) {
    const auto [i, depth] = stack.back();
    stack.pop_back();
    if (seen[i]) continue;
    seen[i] = true;
    out += first ? "{" : ",{";
    first = false;
    out += rows[i].fields + ",\"depth\":" + std::to_string(depth) +
           ",\"offset_ns\":" + std::to_string(rows[i].start - t0) + ",\"children\":" + std::to_string(children[i].size()) + "}";
    for (auto c = children[i].rbegin(); c != children[i].rend(); ++c) stack.emplace_back(*c, depth + 1);
  }
  // Spans caught in a parent cycle are never reached from a root: list them at depth 0.
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (seen[i]) continue;
    out += (first ? "{" : ",{") + rows[i].fields + ",\"depth\":0,\"offset_ns\":" +
           std::to_string(rows[i].start - t0) + ",\"children\":0}";
    first = false;
  }
  return {200, out + "]}"};
}

QueryAnswer errors(sqlite3* db, const QueryParams& p, const SqlFragment& filter) {
  Statement st(db,
               "SELECT trace_id, span_id, name, service, start_ns, duration_ns, status_message,"
               " (SELECT json_group_array(json(value)) FROM json_each(events)"
               "   WHERE json_extract(value, '$.name') = 'exception')"
               " FROM spans WHERE status_code = 2 AND " + filter.sql + " ORDER BY start_ns DESC LIMIT " +
                   std::to_string(p.n),
               filter.values);
  std::string rows;
  while (st.next()) {
    if (!rows.empty()) rows += ',';
    rows += "{\"trace_id\":\"" + st.text(0) + "\",\"span_id\":\"" + st.text(1) + "\",\"name\":" +
            json_string(st.text(2)) + ",\"service\":" + json_string(st.text(3)) +
            ",\"start_ns\":" + std::to_string(st.i64(4)) + ",\"duration_ns\":" + std::to_string(st.i64(5)) +
            ",\"status_message\":" + json_string(st.text(6)) + ",\"exceptions\":" + st.text(7) + "}";
  }
  if (!st.error().empty()) return fail(500, st.error());
  return {200, "{\"rows\":[" + rows + "]}"};
}

QueryAnswer stats(sqlite3* db) {
  Statement st(db, "SELECT COUNT(*), MIN(start_ns), MAX(start_ns), COUNT(DISTINCT trace_id) FROM spans", {});
  if (!st.next()) return fail(500, st.error().empty() ? "no answer" : st.error());
  return {200, "{\"spans\":" + std::to_string(st.i64(0)) + ",\"traces\":" + std::to_string(st.i64(3)) +
                   ",\"first_start_ns\":" + std::to_string(st.i64(1)) +
                   ",\"last_start_ns\":" + std::to_string(st.i64(2)) + "}"};
}

// "123" (Unix ns), "now", or "<number><s|m|h|d>" ago.
bool parse_time(const std::string& text, std::int64_t now_ns, std::int64_t& out) {
  if (text == "now") {
    out = now_ns;
    return true;
  }
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end == text.c_str() || !(v >= 0)) return false;
  const std::string unit = end;
  if (unit.empty()) {
    if (v > 9e18) return false;
    out = static_cast<std::int64_t>(v);
    return true;
  }
  const double scale = unit == "s" ? 1e9 : unit == "m" ? 60e9 : unit == "h" ? 3600e9 : unit == "d" ? 86400e9 : 0;
  if (scale == 0 || v * scale > 9e18) return false;
  out = now_ns - static_cast<std::int64_t>(v * scale);
  return true;
}

bool parse_int(const std::string& text, int min, int max, int& out) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || errno != 0 || *end != '\0' || v < min || v > max) return false;
  out = static_cast<int>(v);
  return true;
}

}  // namespace

bool parse_query_params(const std::map<std::string, std::string>& params, std::int64_t now_ns, QueryParams& out,
                        std::string& error) {
  for (const auto& [key, value] : params) {
    if (value.size() > kMaxFilterChars) {
      error = key + ": value longer than " + std::to_string(kMaxFilterChars) + " characters";
      return false;
    }
    if (key == "name") {
      out.name = value;
    } else if (key == "service") {
      out.service = value;
    } else if (key == "since" || key == "until") {
      std::int64_t& t = key == "since" ? out.since_ns : out.until_ns;
      if (!value.empty() && !parse_time(value, now_ns, t)) {
        error = key + ": '" + value + "' is not Unix nanoseconds, 'now', or an age like 30s, 10m, 2h, 1d";
        return false;
      }
    } else if (key == "where") {
      out.where = value;
    } else if (key == "attr") {
      out.attr = value;
    } else if (key == "n") {
      if (!parse_int(value, 1, 1000, out.n)) {
        error = "n: '" + value + "' is not a number in 1..1000";
        return false;
      }
    } else if (key == "buckets") {
      if (!parse_int(value, 1, 240, out.buckets)) {
        error = "buckets: '" + value + "' is not a number in 1..240";
        return false;
      }
    } else if (key == "sort") {
      if (value != "duration" && value != "start") {
        error = "sort: '" + value + "' is not duration or start";
        return false;
      }
      out.sort = value;
    } else if (key == "id") {
      out.trace_id.clear();
      for (char c : value) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) {
          error = "id: '" + value + "' is not a hex trace id";
          return false;
        }
        out.trace_id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    } else {
      error = "unknown parameter '" + key + "'";
      return false;
    }
  }
  return true;
}

bool percentile_rows(sqlite3* db, const QueryParams& params, std::vector<PercentileRow>& rows, bool& truncated,
                     std::string& error) {
  SqlFragment filter;
  return window_filter(params, filter, error) && scan_percentiles(db, filter, rows, truncated, error);
}

QueryAnswer run_query(sqlite3* db, const std::string& kind, const QueryParams& params) {
  SqlFragment filter;
  std::string error;
  if (!window_filter(params, filter, error)) return fail(400, error);
  if (kind == "percentiles") return percentiles(db, filter);
  if (kind == "heatmap") return heatmap(db, params, filter);
  if (kind == "groupby") return groupby(db, params, filter);
  if (kind == "traces") return traces(db, params, filter, params.sort == "duration");
  if (kind == "slowest") return traces(db, params, filter, true);
  if (kind == "trace") return trace(db, params);
  if (kind == "errors") return errors(db, params, filter);
  if (kind == "stats") return stats(db);
  return fail(404, "no query '" + kind + "' (percentiles, heatmap, groupby, traces, slowest, trace, errors, stats)");
}

}  // namespace tracelet::receiver
