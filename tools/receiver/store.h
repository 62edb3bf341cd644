#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "otlp_decode.h"

struct sqlite3;

namespace tracelet::receiver {

/// Where and how long the store keeps spans. Zero means "no limit" for the retention fields.
struct StoreOptions {
  std::string path;                    // --db FILE; created with its tables on first use
  double keep_hours = 0;               // --keep HOURS: spans that started earlier are deleted
  std::int64_t max_rows = 0;           // --max-rows N: the oldest rows beyond N are deleted
  std::size_t max_queue_bytes = 64u << 20;  // --store-queue-mb: decoded requests waiting
};

/// What the store did so far (all counts since open()).
struct StoreStats {
  std::uint64_t written_spans = 0;     // committed to the file
  std::uint64_t dropped_spans = 0;     // refused because the queue was full (or writes failed)
  std::uint64_t dropped_requests = 0;
  std::uint64_t batches = 0;           // transactions committed
  std::uint64_t deleted_spans = 0;     // removed by retention
  std::uint64_t queued_spans = 0;      // waiting now
  std::string last_error;              // the last SQLite error, if any
};

/// Spans into one SQLite file (WAL). The HTTP threads hand decoded requests to enqueue(),
/// which only moves them into a bounded queue; one writer thread commits whatever is queued
/// in one transaction at a time, so answers never wait for the disk. A full queue drops the
/// request and counts it. WAL with synchronous=NORMAL keeps every committed transaction
/// when the process is killed (only a power cut may lose the last ones).
class Store {
 public:
  Store() = default;
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// Opens (creating if needed) the file and its tables and starts the writer thread.
  bool open(const StoreOptions& options, std::string& error);

  /// Queues a request for writing. Never blocks on the disk. Returns false (and counts the
  /// spans as dropped) when the queue is full.
  bool enqueue(ExportRequest&& request);

  /// Waits until everything queued so far is committed, at most `timeout_ms`.
  bool flush(int timeout_ms);

  /// Writes what is queued, then stops the writer and closes the file. Idempotent.
  void close();

  StoreStats stats() const;

 private:
  void writer_loop();
  bool write_batch(std::deque<ExportRequest>& batch, std::string& error);
  void apply_retention();

  StoreOptions options_;
  sqlite3* db_ = nullptr;
  std::thread writer_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<ExportRequest> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t queued_spans_ = 0;
  bool writing_ = false;
  bool stopping_ = false;
  StoreStats stats_;
  long last_retention_ms_ = 0;
};

/// The bytes a decoded request holds (structures and strings), for the queue bound.
std::size_t decoded_bytes(const ExportRequest& request);

/// Wall-clock Unix time in nanoseconds (the time base of span timestamps).
std::int64_t unix_now_ns();

/// Opens `path` for the query side (read-only, shared with a running writer). Returns nullptr
/// with `error` set when it cannot.
sqlite3* open_store_readonly(const std::string& path, std::string& error);

}  // namespace tracelet::receiver
