// The receiver's span store and its queries (tools/receiver/store.cpp, query.cpp, filter.cpp),
// in process against a real SQLite file: percentiles equal an exact nearest-rank computation
// over a known distribution, filters are bound (never spliced into SQL), the write queue and
// retention are bounded, and a trace comes back as a tree with its events.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "filter.h"
#include "query.h"
#include "store.h"

namespace tracelet::receiver {
namespace {

constexpr std::uint64_t kT0 = 1'700'000'000'000'000'000ull;  // a fixed Unix time in ns

KeyValue string_kv(const std::string& key, const std::string& value) {
  KeyValue kv;
  kv.key = key;
  kv.value.type = AnyValue::Type::kString;
  kv.value.bytes = value;
  return kv;
}

KeyValue int_kv(const std::string& key, std::int64_t value) {
  KeyValue kv;
  kv.key = key;
  kv.value.type = AnyValue::Type::kInt;
  kv.value.int_value = value;
  return kv;
}

Span make_span(std::uint32_t n, const std::string& name, std::uint64_t start, std::uint64_t duration) {
  Span s;
  for (int i = 0; i < 4; ++i) s.trace_id[static_cast<std::size_t>(12 + i)] = static_cast<std::uint8_t>(n >> (8 * (3 - i)));
  s.trace_id[0] = 0xab;
  for (int i = 0; i < 4; ++i) s.span_id[static_cast<std::size_t>(4 + i)] = static_cast<std::uint8_t>(n >> (8 * (3 - i)));
  s.span_id[0] = 1;
  s.name = name;
  s.kind = 1;
  s.start_time_unix_nano = start;
  s.end_time_unix_nano = start + duration;
  return s;
}

ExportRequest request_of(std::vector<Span> spans, const std::string& service = "svc-a") {
  ExportRequest r;
  r.resource_spans.emplace_back();
  r.resource_spans[0].resource.items.push_back(string_kv("service.name", service));
  r.resource_spans[0].resource.items.push_back(string_kv("host.arch", "x86_64"));
  r.resource_spans[0].scope_spans.emplace_back();
  r.resource_spans[0].scope_spans[0].scope.name = "test";
  r.resource_spans[0].scope_spans[0].spans = std::move(spans);
  return r;
}

class StoreQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "store_query_test_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::remove((dir_ + ".db").c_str());
    std::remove((dir_ + ".db-wal").c_str());
    std::remove((dir_ + ".db-shm").c_str());
    path_ = dir_ + ".db";
  }
  void TearDown() override {
    store_.close();
    if (db_ != nullptr) sqlite3_close(db_);
    std::remove(path_.c_str());
    std::remove((path_ + "-wal").c_str());
    std::remove((path_ + "-shm").c_str());
  }
  void open(StoreOptions o = {}) {
    o.path = path_;
    std::string error;
    ASSERT_TRUE(store_.open(o, error)) << error;
    db_ = open_store_readonly(path_, error);
    ASSERT_NE(db_, nullptr) << error;
  }
  void write(std::vector<Span> spans, const std::string& service = "svc-a") {
    ASSERT_TRUE(store_.enqueue(request_of(std::move(spans), service)));
    ASSERT_TRUE(store_.flush(10000));
  }
  QueryAnswer query(const std::string& kind, const std::map<std::string, std::string>& raw) {
    QueryParams p;
    std::string error;
    if (!parse_query_params(raw, static_cast<std::int64_t>(kT0 + 3600'000'000'000ull), p, error)) {
      return {400, error};
    }
    return run_query(db_, kind, p);
  }
  std::int64_t rows() {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT COUNT(*) FROM spans", -1, &st, nullptr) != SQLITE_OK) return -1;
    const std::int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
  }

  std::string dir_, path_;
  Store store_;
  sqlite3* db_ = nullptr;
};

// Exact nearest-rank, computed independently of the store: the smallest value with at least
// q% of the values at or below it.
std::int64_t exact_percentile(std::vector<std::int64_t> v, double q) {
  std::sort(v.begin(), v.end());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (static_cast<double>(i + 1) * 100.0 >= q * static_cast<double>(v.size())) return v[i];
  }
  return v.back();
}

TEST_F(StoreQueryTest, PercentilesEqualAnExactNearestRankComputation) {
  open();
  // 1000 "load" spans: durations i^2 us for i = 1..1000, written in a shuffled order over
  // several requests; every 10th an error. 7 "tiny" spans of another service; "load" spans
  // of svc-b too, which must stay a separate row.
  std::vector<std::int64_t> load, tiny = {900, 100, 500, 300, 700, 200, 600};
  std::vector<std::uint32_t> order(1000);
  for (std::uint32_t i = 0; i < 1000; ++i) order[i] = i + 1;
  std::mt19937 rng(42);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<Span> batch;
  std::int64_t errors = 0;
  for (std::uint32_t i : order) {
    const std::uint64_t d = static_cast<std::uint64_t>(i) * i * 1000;
    load.push_back(static_cast<std::int64_t>(d));
    batch.push_back(make_span(i, "load", kT0 + i * 1'000'000ull, d));
    if (i % 10 == 0) {
      batch.back().status_code = 2;
      ++errors;
    }
    if (batch.size() == 128) write(std::move(batch)), batch.clear();
  }
  write(std::move(batch));
  std::vector<Span> small;
  for (std::uint32_t i = 0; i < tiny.size(); ++i) {
    small.push_back(make_span(5000 + i, "tiny", kT0 + i, static_cast<std::uint64_t>(tiny[i])));
  }
  write(std::move(small), "svc-t");
  write({make_span(9000, "load", kT0, 5), make_span(9001, "load", kT0, 7)}, "svc-b");

  QueryParams params;
  std::vector<PercentileRow> got;
  bool truncated = true;
  std::string error;
  ASSERT_TRUE(percentile_rows(db_, params, got, truncated, error)) << error;
  EXPECT_FALSE(truncated);
  ASSERT_EQ(got.size(), 3u);
  const PercentileRow& a = got[0];
  EXPECT_EQ(a.name, "load");
  EXPECT_EQ(a.service, "svc-a");
  EXPECT_EQ(a.count, 1000);
  EXPECT_EQ(a.errors, errors);
  EXPECT_EQ(a.p50, exact_percentile(load, 50));
  EXPECT_EQ(a.p90, exact_percentile(load, 90));
  EXPECT_EQ(a.p95, exact_percentile(load, 95));
  EXPECT_EQ(a.p99, exact_percentile(load, 99));
  EXPECT_EQ(a.max, 1'000'000'000);
  EXPECT_EQ(a.p50, 500LL * 500 * 1000);  // nearest rank 500 of 1000: 500^2 us
  EXPECT_EQ(a.p99, 990LL * 990 * 1000);
  EXPECT_EQ(got[1].service, "svc-b");
  EXPECT_EQ(got[1].p50, 5);
  const PercentileRow& t = got[2];
  EXPECT_EQ(t.name, "tiny");
  EXPECT_EQ(t.p50, exact_percentile(tiny, 50));  // rank ceil(3.5) = 4 of 7: 500 ns
  EXPECT_EQ(t.p50, 500);
  EXPECT_EQ(t.p90, 900);
  EXPECT_EQ(t.p99, 900);

  // The JSON API says the same, and filters by name/service/window.
  const QueryAnswer json = query("percentiles", {{"name", "load"}, {"service", "svc-a"}});
  ASSERT_EQ(json.status, 200) << json.json;
  EXPECT_NE(json.json.find("\"p90_ns\":" + std::to_string(a.p90)), std::string::npos) << json.json;
  EXPECT_NE(json.json.find("\"percentile\":\"nearest-rank\""), std::string::npos);
  EXPECT_EQ(json.json.find("svc-b"), std::string::npos);
  const QueryAnswer window = query("percentiles", {{"name", "load"}, {"service", "svc-a"},
                                                   {"since", std::to_string(kT0 + 901'000'000ull)}});
  EXPECT_NE(window.json.find("\"count\":100,"), std::string::npos) << window.json;

  // The heatmap holds every span, and its percentiles are the table's.
  const QueryAnswer heat = query("heatmap", {{"name", "load"}, {"service", "svc-a"}, {"buckets", "10"}});
  ASSERT_EQ(heat.status, 200) << heat.json;
  EXPECT_NE(heat.json.find("\"count\":1000,"), std::string::npos);
  EXPECT_NE(heat.json.find("\"p99_ns\":" + std::to_string(a.p99)), std::string::npos) << heat.json;
}

TEST_F(StoreQueryTest, WhereFiltersAndGroupBy) {
  open();
  std::vector<Span> spans;
  for (std::uint32_t i = 0; i < 30; ++i) {
    Span s = make_span(i, i % 3 == 0 ? "read" : "write", kT0 + i, (i + 1) * 1'000'000ull);  // 1..30 ms
    s.attributes.items.push_back(string_kv("bus", i % 2 ? "i2c-1" : "spi-0"));
    s.attributes.items.push_back(int_kv("retries", i % 4));
    if (i % 5 == 0) s.status_code = 2;
    spans.push_back(std::move(s));
  }
  write(std::move(spans));
  auto count = [&](const std::string& where) {
    const QueryAnswer a = query("groupby", {{"attr", "name"}, {"where", where}});
    EXPECT_EQ(a.status, 200) << where << ": " << a.json;
    std::int64_t total = 0;
    for (std::size_t at = a.json.find("\"count\":"); at != std::string::npos; at = a.json.find("\"count\":", at + 1)) {
      total += std::atoll(a.json.c_str() + at + 8);
    }
    return total;
  };
  EXPECT_EQ(count(""), 30);
  EXPECT_EQ(count("duration > 20ms"), 10);
  EXPECT_EQ(count("duration >= 20ms"), 11);
  EXPECT_EQ(count("duration <= 2500us"), 2);
  EXPECT_EQ(count("status = error"), 6);
  EXPECT_EQ(count("status != error"), 24);
  EXPECT_EQ(count("bus = i2c-1"), 15);
  EXPECT_EQ(count("attr.bus = 'i2c-1' AND status = error"), 3);  // i = 5, 15, 25
  EXPECT_EQ(count("retries > 2"), 7);
  EXPECT_EQ(count("retries = 0"), 8);
  EXPECT_EQ(count("resource.host.arch = x86_64"), 30);
  EXPECT_EQ(count("name = read and duration > 10ms"), 6);
  EXPECT_EQ(count("kind = internal"), 30);

  const QueryAnswer by_bus = query("groupby", {{"attr", "bus"}, {"where", "status = error"}});
  EXPECT_NE(by_bus.json.find("{\"value\":\"i2c-1\",\"count\":3,\"errors\":3"), std::string::npos) << by_bus.json;
  EXPECT_NE(by_bus.json.find("{\"value\":\"spi-0\",\"count\":3,\"errors\":3"), std::string::npos) << by_bus.json;
  const QueryAnswer by_resource = query("groupby", {{"attr", "resource.host.arch"}});
  EXPECT_NE(by_resource.json.find("{\"value\":\"x86_64\",\"count\":30"), std::string::npos) << by_resource.json;
}

TEST_F(StoreQueryTest, FiltersAreBoundNeverSplicedIntoSql) {
  open();
  Span s = make_span(1, "x", kT0, 10);
  s.attributes.items.push_back(string_kv("user", "alice' OR '1'='1"));
  write({s});
  // Values that would change a spliced statement match nothing (or exactly the stored text).
  for (const char* where : {"user = 'x'' OR 1=1 --'", "user = \"x'; DROP TABLE spans; --\"",
                                   "name = x' OR '1'='1", "user = 1) OR (1=1", "user = 1; DROP TABLE spans"}) {
    const QueryAnswer a = query("groupby", {{"attr", "name"}, {"where", where}});
    ASSERT_EQ(a.status, 200) << where << ": " << a.json;
    EXPECT_EQ(a.json, "{\"attr\":\"name\",\"rows\":[]}") << where;
  }
  const QueryAnswer exact = query("groupby", {{"attr", "name"}, {"where", "user = \"alice' OR '1'='1\""}});
  EXPECT_NE(exact.json.find("\"count\":1"), std::string::npos) << exact.json;
  EXPECT_EQ(query("percentiles", {{"name", "x'; DROP TABLE spans; --"}}).json,
            "{\"percentile\":\"nearest-rank\",\"truncated\":false,\"rows\":[]}");
  // Field names are checked, not quoted: anything outside the key alphabet is refused.
  for (const char* where : {"user\" = 1", "a) OR (1 = 1", "duration > 1; --",
                                   "status = 1", "status > error", "duration > fast", "retries > many", "= 3",
                                   "name ~ x", "kind = sideways", "user = 'unclosed"}) {
    const QueryAnswer a = query("groupby", {{"attr", "name"}, {"where", where}});
    EXPECT_EQ(a.status, 400) << where << ": " << a.json;
  }
  for (const char* attr : {"name, sqlite_version()", "x\"y", "", "a b"}) {
    EXPECT_EQ(query("groupby", {{"attr", attr}}).status, 400) << attr;
  }
  EXPECT_EQ(rows(), 1);  // the table is still there, untouched
  const QueryAnswer a = query("groupby", {{"attr", "user"}});
  EXPECT_NE(a.json.find("alice' OR '1'='1"), std::string::npos) << a.json;
}

TEST_F(StoreQueryTest, FiltersAreBounded) {
  open();
  std::string many;
  for (int i = 0; i < 9; ++i) many += (i ? " and " : "") + std::string("a = 1");
  EXPECT_EQ(query("groupby", {{"attr", "name"}, {"where", many}}).status, 400);
  EXPECT_EQ(query("groupby", {{"attr", "name"}, {"where", "a = " + std::string(300, 'x')}}).status, 400);
  EXPECT_EQ(query("groupby", {{"attr", "name"}, {"where", std::string(200, 'k') + " = 1"}}).status, 400);
  EXPECT_EQ(query("groupby", {{"attr", "name"}, {"where", std::string(1100, ' ')}}).status, 400);
  EXPECT_EQ(query("slowest", {{"n", "1001"}}).status, 400);
  EXPECT_EQ(query("heatmap", {{"buckets", "0"}}).status, 400);
  EXPECT_EQ(query("percentiles", {{"since", "yesterday"}}).status, 400);
  EXPECT_EQ(query("percentiles", {{"colour", "red"}}).status, 400);
  EXPECT_EQ(query("nosuchquery", {}).status, 404);
  EXPECT_EQ(query("trace", {{"id", "abc"}}).status, 400);
  EXPECT_EQ(query("trace", {{"id", "zz"}}).status, 400);
  std::int64_t ns = 0;
  EXPECT_TRUE(parse_duration_ns("1.5s", ns));
  EXPECT_EQ(ns, 1'500'000'000);
  EXPECT_TRUE(parse_duration_ns("250us", ns));
  EXPECT_EQ(ns, 250'000);
  EXPECT_TRUE(parse_duration_ns("7", ns));
  EXPECT_EQ(ns, 7'000'000);
  EXPECT_FALSE(parse_duration_ns("-1ms", ns));
  EXPECT_FALSE(parse_duration_ns("1e30s", ns));
}

TEST_F(StoreQueryTest, TraceComesBackAsATreeWithEventsAndErrorsWithExceptions) {
  open();
  Span root = make_span(1, "root", kT0, 100);
  Span child = make_span(2, "child", kT0 + 10, 50);
  child.parent_span_id.assign(root.span_id.begin(), root.span_id.end());
  Span grandchild = make_span(3, "grandchild", kT0 + 20, 5);
  grandchild.parent_span_id.assign(child.span_id.begin(), child.span_id.end());
  grandchild.status_code = 2;
  grandchild.status_message = "boom";
  Event ex;
  ex.name = "exception";
  ex.time_unix_nano = kT0 + 22;
  ex.attributes.items.push_back(string_kv("exception.type", "Nack"));
  grandchild.events.push_back(ex);
  Event other;
  other.name = "retry";
  other.time_unix_nano = kT0 + 21;
  grandchild.events.push_back(other);
  Span sibling = make_span(4, "sibling", kT0 + 60, 30);
  sibling.parent_span_id.assign(root.span_id.begin(), root.span_id.end());
  for (Span* s : {&child, &grandchild, &sibling}) s->trace_id = root.trace_id;
  write({sibling, grandchild, root, child});  // any order on the wire

  const QueryAnswer slowest = query("slowest", {{"n", "5"}});
  ASSERT_EQ(slowest.status, 200);
  const std::size_t at = slowest.json.find("\"trace_id\":\"");
  ASSERT_NE(at, std::string::npos) << slowest.json;
  const std::string id = slowest.json.substr(at + 12, 32);
  EXPECT_NE(slowest.json.find("\"root\":\"root\""), std::string::npos);
  EXPECT_NE(slowest.json.find("\"duration_ns\":100,\"spans\":4,\"errors\":1"), std::string::npos) << slowest.json;

  const QueryAnswer trace = query("trace", {{"id", id}});
  ASSERT_EQ(trace.status, 200) << trace.json;
  // Depth-first, children in start order.
  std::vector<std::string> order;
  for (std::size_t p = trace.json.find("\"name\":\""); p != std::string::npos; p = trace.json.find("\"name\":\"", p + 1)) {
    order.push_back(trace.json.substr(p + 8, trace.json.find('"', p + 8) - p - 8));
  }
  // Span names, with event names after the span that holds them.
  EXPECT_EQ(order, (std::vector<std::string>{"root", "child", "grandchild", "exception", "retry", "sibling"}));
  EXPECT_NE(trace.json.find("\"depth\":2,\"offset_ns\":20"), std::string::npos) << trace.json;
  EXPECT_NE(trace.json.find("\"time_ns\":" + std::to_string(kT0 + 22)), std::string::npos);
  EXPECT_EQ(query("trace", {{"id", std::string(32, '0')}}).status, 404);

  const QueryAnswer errors = query("errors", {});
  EXPECT_NE(errors.json.find("\"name\":\"grandchild\""), std::string::npos) << errors.json;
  EXPECT_NE(errors.json.find("\"status_message\":\"boom\",\"exceptions\":[{\"name\":\"exception\""), std::string::npos)
      << errors.json;
  EXPECT_EQ(errors.json.find("retry"), std::string::npos) << "only exception events: " << errors.json;
}

TEST_F(StoreQueryTest, AFullQueueDropsAndCountsWithoutBlocking) {
  StoreOptions o;
  o.max_queue_bytes = 64;  // smaller than any request: every request is refused
  open(o);
  EXPECT_FALSE(store_.enqueue(request_of({make_span(1, "a", kT0, 1), make_span(2, "a", kT0, 1)})));
  const StoreStats s = store_.stats();
  EXPECT_EQ(s.dropped_spans, 2u);
  EXPECT_EQ(s.dropped_requests, 1u);
  EXPECT_EQ(s.written_spans, 0u);
  EXPECT_EQ(rows(), 0);
}

TEST_F(StoreQueryTest, RetentionKeepsTheNewestMaxRows) {
  StoreOptions o;
  o.max_rows = 30;
  open(o);
  for (std::uint32_t r = 0; r < 4; ++r) {
    std::vector<Span> spans;
    for (std::uint32_t i = 0; i < 25; ++i) spans.push_back(make_span(r * 100 + i, "s", kT0 + r * 100 + i, 1));
    write(std::move(spans));
  }
  // Retention runs at most once a second on the writer thread. The newest 30: the last 5 of
  // the third request (starts kT0+220..224) and all of the fourth.
  for (int i = 0; i < 50 && rows() != 30; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rows(), 30);
  EXPECT_EQ(store_.stats().deleted_spans, 70u);
  const QueryAnswer a = query("stats", {});
  EXPECT_NE(a.json.find("\"first_start_ns\":" + std::to_string(kT0 + 220)), std::string::npos) << a.json;
}

TEST_F(StoreQueryTest, RetentionDeletesSpansOlderThanKeepHours) {
  StoreOptions o;
  o.keep_hours = 1;
  open(o);
  const auto now = static_cast<std::uint64_t>(unix_now_ns());
  write({make_span(1, "old", now - 2 * 3600'000'000'000ull, 1), make_span(2, "new", now - 60'000'000'000ull, 1)});
  for (int i = 0; i < 50 && rows() != 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rows(), 1);
}

}  // namespace
}  // namespace tracelet::receiver
