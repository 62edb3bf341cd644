// tracelet-receiver --db as a process: spans it acknowledged reach the SQLite file, the query
// API answers on the receiver's port and the CLI from the file, and the file survives
// `kill -9` of the receiver at rest and in the middle of a stream of requests.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/otlp_builder.h"
#include "support/process.h"
#include "support/raw_http.h"
#include "support/receiver_process.h"

namespace tracelet::test {
namespace {

constexpr std::int64_t kSpansPerBatch = 3;  // sample_batch(): a server span and two children

std::string get(std::uint16_t port, const std::string& target) {
  RawClient c;
  if (!c.connect(port)) return std::string();
  if (!c.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) return std::string();
  return c.read_until_close(5000);
}

std::string body_of(const std::string& response) {
  const std::size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : response.substr(at + 4);
}

std::int64_t number_after(const std::string& json, const std::string& key) {
  const std::size_t at = json.find("\"" + key + "\":");
  return at == std::string::npos ? -1 : std::atoll(json.c_str() + at + key.size() + 3);
}

int export_batch(std::uint16_t port, std::uint8_t seed) {
  RawClient c;
  if (!c.connect(port)) return 0;
  std::string r = request(encode_request(sample_batch(seed)));
  r.insert(r.find("\r\n\r\n"), "\r\nConnection: close");
  if (!c.send(r)) return 0;
  return status_of(c.read_until_close(5000));
}

// Opens the file as a new process would after the crash, checks it and counts the spans.
struct FileCheck {
  std::string integrity;
  std::int64_t spans = -1;
};
FileCheck check_file(const std::string& path) {
  FileCheck out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    out.integrity = sqlite3_errmsg(db);
    sqlite3_close(db);
    return out;
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    out.integrity = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM spans", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    out.spans = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

class ReceiverStoreTest : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--plain", "--quiet", "--db", db_path()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string error;
    ASSERT_TRUE(rx_.start(dir_.path(), args, error)) << error;
  }
  void TearDown() override {
    if (rx_.pid() > 0) {
      EXPECT_EQ(rx_.stop(), 0) << rx_.log();
    }
  }
  std::string db_path() const { return dir_.file("spans.db"); }
  // Polls /api/stats until the store has committed `spans` spans.
  bool wait_written(std::int64_t spans, int timeout_ms = 5000) {
    const auto start = Clock::now();
    while (ms_since(start) < timeout_ms) {
      if (number_after(body_of(get(rx_.port(), "/api/stats")), "written_spans") == spans) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // Runs `tracelet-receiver query ARGS` and returns its stdout.
  std::string cli(const std::string& args) {
    std::string command;
    for (const std::string& word : receiver_command()) command += "'" + word + "' ";
    const std::string out = dir_.file("cli.out");
    std::string err;
    const int rc = run_to_completion({"/bin/sh", "-c", command + "query " + args + " >'" + out + "'"}, 10000, err);
    EXPECT_EQ(rc, 0) << args << ": " << err;
    return read_file(out);
  }

  TempDir dir_;
  ReceiverProcess rx_;
};

TEST_F(ReceiverStoreTest, AcknowledgedSpansAreQueryableByApiAndCli) {
  start();
  for (std::uint8_t i = 0; i < 10; ++i) ASSERT_EQ(export_batch(rx_.port(), i), 200);
  ASSERT_TRUE(wait_written(10 * kSpansPerBatch)) << rx_.log();

  const std::string api = get(rx_.port(), "/api/percentiles?name=db.query");
  EXPECT_EQ(status_of(api), 200) << api;
  EXPECT_NE(api.find("Content-Type: application/json"), std::string::npos);
  const std::string from_cli = cli("percentiles --db '" + db_path() + "' --name db.query");
  EXPECT_EQ(body_of(api) + "\n", from_cli);  // the same numbers from the port and the file
  EXPECT_EQ(number_after(from_cli, "count"), 10);

  const std::string table = cli("percentiles --db '" + db_path() + "' --table");
  EXPECT_NE(table.find("p50"), std::string::npos) << table;
  EXPECT_NE(table.find("GET /orders"), std::string::npos) << table;

  const std::string grouped = body_of(get(rx_.port(), "/api/groupby?attr=name&where=status%20%3D%20error"));
  EXPECT_EQ(number_after(grouped, "count"), 10) << grouped;  // one failed child per batch
  EXPECT_EQ(status_of(get(rx_.port(), "/api/groupby?attr=name&where=x%22%20%3D%201")), 400);
  EXPECT_EQ(status_of(get(rx_.port(), "/api/nosuchquery")), 404);
  EXPECT_EQ(status_of(get(rx_.port(), "/api/percentiles?where=%zz")), 400);
  const std::string page = get(rx_.port(), "/");
  EXPECT_EQ(status_of(page), 200);
  EXPECT_NE(page.find("text/html"), std::string::npos);
  EXPECT_NE(page.find("<canvas id=\"heatmap\""), std::string::npos);
  EXPECT_EQ(status_of(get(rx_.port(), "/app.js")), 200);
  EXPECT_EQ(status_of(get(rx_.port(), "/../etc/passwd")), 404);
  // POST is still the only way in for spans.
  EXPECT_EQ(status_of(get(rx_.port(), "/v1/traces")), 405);
}

TEST_F(ReceiverStoreTest, WithoutDbThereIsNoPage) {
  std::string error;
  ASSERT_TRUE(rx_.start(dir_.path(), {"--plain", "--quiet"}, error)) << error;
  EXPECT_EQ(status_of(get(rx_.port(), "/")), 404);
  EXPECT_EQ(status_of(get(rx_.port(), "/api/stats")), 404);
}

TEST_F(ReceiverStoreTest, CommittedSpansSurviveKill9) {
  start();
  for (std::uint8_t i = 0; i < 20; ++i) ASSERT_EQ(export_batch(rx_.port(), i), 200);
  ASSERT_TRUE(wait_written(20 * kSpansPerBatch)) << rx_.log();
  EXPECT_EQ(rx_.stop(SIGKILL), 128 + SIGKILL);
  const FileCheck after = check_file(db_path());
  EXPECT_EQ(after.integrity, "ok");
  EXPECT_EQ(after.spans, 20 * kSpansPerBatch);

  // A new receiver opens the same file and adds to it.
  start();
  ASSERT_EQ(export_batch(rx_.port(), 99), 200);
  ASSERT_TRUE(wait_written(kSpansPerBatch)) << rx_.log();
  EXPECT_EQ(number_after(body_of(get(rx_.port(), "/api/stats")), "spans"), 21 * kSpansPerBatch);
}

TEST_F(ReceiverStoreTest, Kill9DuringAStreamLeavesWholeRequestsInAConsistentFile) {
  start();
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 3; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; !stop.load() && i < 2000; ++i) {
        if (export_batch(rx_.port(), static_cast<std::uint8_t>(t * 50 + i)) == 200) acknowledged.fetch_add(1);
      }
    });
  }
  const auto start_time = Clock::now();
  while (acknowledged.load() < 60 && ms_since(start_time) < 10000) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(rx_.stop(SIGKILL), 128 + SIGKILL);
  stop.store(true);
  for (auto& s : senders) s.join();
  ASSERT_GE(acknowledged.load(), 60);

  const FileCheck after = check_file(db_path());
  EXPECT_EQ(after.integrity, "ok");
  // Each request is written inside one transaction: the file holds whole requests only.
  // Requests answered but still queued when the process died are not in it (answers never
  // wait for the disk), so the file holds at most what was acknowledged.
  EXPECT_EQ(after.spans % kSpansPerBatch, 0) << after.spans;
  EXPECT_LE(after.spans, acknowledged.load() * kSpansPerBatch);
  EXPECT_GT(after.spans, 0);
  std::printf("kill -9 during the stream: %d requests acknowledged, %lld spans in the file\n", acknowledged.load(),
              static_cast<long long>(after.spans));
}

}  // namespace
}  // namespace tracelet::test
