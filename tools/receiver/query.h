#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

struct sqlite3;

namespace tracelet::receiver {

/// The parameters every query takes, by the names the HTTP API and the CLI share:
/// name, service (exact match), since, until (Unix ns, or "10m"/"2h"/"30s" ago; "until"
/// defaults to now), where (see parse_where), attr (group-by field), n (row limit),
/// buckets (heatmap time buckets), sort (duration | start), id (trace id, hex).
struct QueryParams {
  std::string name;
  std::string service;
  std::int64_t since_ns = 0;
  std::int64_t until_ns = INT64_MAX;
  std::string where;
  std::string attr;
  int n = 20;
  int buckets = 60;
  std::string sort = "duration";
  std::string trace_id;
};

/// Reads `params` (name -> value) into `out`. False with `error` on an unknown name or a bad
/// value; limits: n in 1..1000, buckets in 1..240.
bool parse_query_params(const std::map<std::string, std::string>& params, std::int64_t now_ns,
                        QueryParams& out, std::string& error);

/// An answer: HTTP status (200, 400 for a bad query, 404 for an unknown trace, 500 when the
/// database fails) and a JSON body ({"error": "..."} when not 200).
struct QueryAnswer {
  int status = 200;
  std::string json;
};

/// One row of the percentiles query (durations in ns, nearest-rank).
struct PercentileRow {
  std::string name;
  std::string service;
  std::int64_t count = 0;
  std::int64_t errors = 0;
  std::int64_t p50 = 0, p90 = 0, p95 = 0, p99 = 0, max = 0;
};

/// The percentiles query as rows, ordered by name then service. False with `error` set.
bool percentile_rows(sqlite3* db, const QueryParams& params, std::vector<PercentileRow>& rows, bool& truncated,
                     std::string& error);

/// Runs query `kind` against an open store:
///   percentiles  per (name, service): count, errors, error_rate, p50/p90/p95/p99/max (ns).
///                Nearest-rank: Pq is the smallest duration d such that at least q% of the
///                spans take <= d, i.e. sorted[ceil(q/100 * count) - 1].
///   heatmap      counts over time buckets x log-scaled duration buckets (edges 2^(k/2) us),
///                plus p50/p90/p99 of the same spans
///   groupby      count, errors and p50 per value of `attr` (field names as in parse_where)
///   traces       traces with a span matching the filters, sorted by duration or start
///   slowest      traces sorted by duration (the `n` slowest)
///   trace        one trace (`id`): its spans depth-first, each with depth, offset from the
///                trace start, attributes, resource and events
///   errors       the latest `n` error spans with their exception events
///   stats        rows in the file and the time they span
QueryAnswer run_query(sqlite3* db, const std::string& kind, const QueryParams& params);

}  // namespace tracelet::receiver
