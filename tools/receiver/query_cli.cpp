#include "query_cli.h"

#include <sqlite3.h>

#include <cstdio>
#include <map>
#include <string>

#include "query.h"
#include "store.h"

namespace tracelet::receiver {
namespace {

// A duration with a unit that keeps sub-millisecond spans readable: "230 ns", "12.5 us", "1.101 ms".
std::string duration(std::int64_t ns) {
  char buf[32];
  if (ns < 1000) {
    std::snprintf(buf, sizeof buf, "%lld ns", static_cast<long long>(ns));
  } else if (ns < 1000000) {
    std::snprintf(buf, sizeof buf, "%.1f us", static_cast<double>(ns) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.3f ms", static_cast<double>(ns) / 1e6);
  }
  return buf;
}

void print_table(std::ostream& out, const std::vector<PercentileRow>& rows) {
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %-16s %7s %6s %11s %11s %11s %11s %11s\n", "span name", "service", "count",
                "err%", "p50", "p90", "p95", "p99", "max");
  out << line;
  for (const PercentileRow& r : rows) {
    std::snprintf(line, sizeof line, "%-24s %-16s %7lld %6.1f %11s %11s %11s %11s %11s\n", r.name.c_str(),
                  r.service.c_str(), static_cast<long long>(r.count),
                  100.0 * static_cast<double>(r.errors) / static_cast<double>(r.count), duration(r.p50).c_str(),
                  duration(r.p90).c_str(), duration(r.p95).c_str(), duration(r.p99).c_str(), duration(r.max).c_str());
    out << line;
  }
}

}  // namespace

int run_query_cli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  static const char kUsage[] =
      "usage: tracelet-receiver query KIND --db FILE [--table] [--PARAM VALUE ...]\n"
      "  KIND: percentiles heatmap groupby traces slowest trace errors stats\n"
      "  PARAM: name service since until where attr n buckets sort id (as the /api/ query string)\n";
  if (argc < 1) {
    err << kUsage;
    return 2;
  }
  const std::string kind = argv[0];
  std::string db_file;
  bool table = false;
  std::map<std::string, std::string> raw;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--table") {
      table = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || i + 1 >= argc) {
      err << "tracelet-receiver query: expected --PARAM VALUE, got '" << arg << "'\n" << kUsage;
      return 2;
    }
    const std::string value = argv[++i];
    if (arg == "--db") {
      db_file = value;
    } else if (!raw.emplace(arg.substr(2), value).second) {
      err << "tracelet-receiver query: " << arg << " given twice\n";
      return 2;
    }
  }
  if (db_file.empty()) {
    err << "tracelet-receiver query: --db FILE is required\n" << kUsage;
    return 2;
  }
  if (table && kind != "percentiles") {
    err << "tracelet-receiver query: --table is for percentiles only\n";
    return 2;
  }
  QueryParams params;
  std::string error;
  if (!parse_query_params(raw, unix_now_ns(), params, error)) {
    err << "tracelet-receiver query: " << error << '\n';
    return 2;
  }
  sqlite3* db = open_store_readonly(db_file, error);
  if (db == nullptr) {
    err << "tracelet-receiver query: " << error << '\n';
    return 1;
  }
  int rc = 0;
  if (table) {
    std::vector<PercentileRow> rows;
    bool truncated = false;
    if (percentile_rows(db, params, rows, truncated, error)) {
      print_table(out, rows);
      if (truncated) out << "(stopped after the first rows of a very large window)\n";
    } else {
      err << "tracelet-receiver query: " << error << '\n';
      rc = 1;
    }
  } else {
    const QueryAnswer answer = run_query(db, kind, params);
    (answer.status == 200 ? out : err) << answer.json << '\n';
    rc = answer.status == 200 ? 0 : answer.status == 400 ? 2 : 1;
  }
  sqlite3_close(db);
  return rc;
}

}  // namespace tracelet::receiver
