#include "store.h"

#include <sqlite3.h>

#include <chrono>

#include "report.h"
#include "store_schema.h"

namespace tracelet::receiver {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr long kRetentionEveryMs = 1000;

// ---- JSON columns -----------------------------------------------------------------------------

void plain_value(std::string& out, const AnyValue& v);

// A flat {"key": value} object: what json_extract(attributes, '$."key"') reads.
void plain_object(std::string& out, const std::vector<KeyValue>& items) {
  out += '{';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += json_string(items[i].key);
    out += ':';
    plain_value(out, items[i].value);
  }
  out += '}';
}

void plain_value(std::string& out, const AnyValue& v) {
  switch (v.type) {
    case AnyValue::Type::kEmpty: out += "null"; break;
    case AnyValue::Type::kString: out += json_string(v.bytes); break;
    case AnyValue::Type::kBool: out += v.bool_value ? "true" : "false"; break;
    case AnyValue::Type::kInt: out += std::to_string(v.int_value); break;
    case AnyValue::Type::kDouble: out += json_double(v.double_value); break;
    case AnyValue::Type::kBytes:
      out += '"' + to_hex(reinterpret_cast<const std::uint8_t*>(v.bytes.data()), v.bytes.size()) + '"';
      break;
    case AnyValue::Type::kArray:
      out += '[';
      for (std::size_t i = 0; i < v.array.size(); ++i) {
        if (i) out += ',';
        plain_value(out, v.array[i]);
      }
      out += ']';
      break;
    case AnyValue::Type::kKvList: plain_object(out, v.kvlist); break;
  }
}

std::string events_json(const Span& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    if (i) out += ',';
    out += "{\"name\":" + json_string(s.events[i].name) +
           ",\"time_ns\":" + std::to_string(s.events[i].time_unix_nano) + ",\"attributes\":";
    plain_object(out, s.events[i].attributes.items);
    out += '}';
  }
  return out + ']';
}

std::string links_json(const Span& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.links.size(); ++i) {
    if (i) out += ',';
    out += "{\"trace_id\":\"" + to_hex(s.links[i].trace_id.data(), 16) + "\",\"span_id\":\"" +
           to_hex(s.links[i].span_id.data(), 8) + "\",\"attributes\":";
    plain_object(out, s.links[i].attributes.items);
    out += '}';
  }
  return out + ']';
}

std::string service_of(const Attributes& resource) {
  for (const KeyValue& kv : resource.items) {
    if (kv.key == "service.name" && kv.value.type == AnyValue::Type::kString) return kv.value.bytes;
  }
  return std::string();
}

std::size_t value_bytes(const AnyValue& v);

std::size_t attributes_bytes(const Attributes& a) {
  std::size_t n = sizeof a;
  for (const KeyValue& kv : a.items) n += sizeof kv + kv.key.capacity() + value_bytes(kv.value);
  return n;
}

std::size_t value_bytes(const AnyValue& v) {
  std::size_t n = v.bytes.capacity();
  for (const AnyValue& e : v.array) n += sizeof e + value_bytes(e);
  for (const KeyValue& kv : v.kvlist) n += sizeof kv + kv.key.capacity() + value_bytes(kv.value);
  return n;
}

bool exec(sqlite3* db, const char* sql, std::string& error) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK) return true;
  error = message != nullptr ? message : sqlite3_errmsg(db);
  sqlite3_free(message);
  return false;
}

// SQLite keeps integers signed; times past 2262 are clamped instead of wrapping negative.
std::int64_t to_i64(std::uint64_t v) {
  return v > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(v);
}

}  // namespace

std::int64_t unix_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::size_t decoded_bytes(const ExportRequest& request) {
  std::size_t n = sizeof request;
  for (const ResourceSpans& rs : request.resource_spans) {
    n += sizeof rs + attributes_bytes(rs.resource) + rs.schema_url.capacity();
    for (const ScopeSpans& ss : rs.scope_spans) {
      n += sizeof ss + ss.scope.name.capacity() + ss.scope.version.capacity() +
           attributes_bytes(ss.scope.attributes);
      for (const Span& s : ss.spans) {
        n += sizeof s + s.name.capacity() + s.trace_state.capacity() + s.status_message.capacity() +
             s.parent_span_id.capacity() + attributes_bytes(s.attributes);
        for (const Event& e : s.events) n += sizeof e + e.name.capacity() + attributes_bytes(e.attributes);
        for (const Link& l : s.links) n += sizeof l + l.trace_state.capacity() + attributes_bytes(l.attributes);
      }
    }
  }
  return n;
}

sqlite3* open_store_readonly(const std::string& path, std::string& error) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    error = "cannot open " + path + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  return db;
}

Store::~Store() { close(); }

bool Store::open(const StoreOptions& options, std::string& error) {
  options_ = options;
  if (sqlite3_open_v2(options.path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    error = "cannot open --db " + options.path + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory");
    sqlite3_close(db_);
    db_ = nullptr;
    return false;
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  // WAL: readers (the page, the CLI) never block the writer, and a killed process leaves a
  // file SQLite recovers on the next open. NORMAL syncs at checkpoints, not at every commit:
  // committed data survives a process crash; a power cut may lose the last transactions.
  if (!exec(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16384;", error) ||
      !exec(db_, kStoreSchema, error) ||
      !exec(db_, ("PRAGMA user_version=" + std::to_string(kStoreSchemaVersion)).c_str(), error)) {
    error = "--db " + options.path + ": " + error;
    sqlite3_close(db_);
    db_ = nullptr;
    return false;
  }
  apply_retention();
  writer_ = std::thread([this] { writer_loop(); });
  return true;
}

bool Store::enqueue(ExportRequest&& request) {
  const std::size_t spans = request.span_count();
  const std::size_t bytes = decoded_bytes(request);
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_ || db_ == nullptr || queued_bytes_ + bytes > options_.max_queue_bytes) {
    stats_.dropped_spans += spans;
    stats_.dropped_requests += 1;
    return false;
  }
  queued_bytes_ += bytes;
  queued_spans_ += spans;
  queue_.push_back(std::move(request));
  wake_.notify_one();
  return true;
}

bool Store::flush(int timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  return idle_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                        [this] { return queue_.empty() && !writing_; });
}

void Store::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (writer_.joinable()) writer_.join();
  if (db_ != nullptr) {
    sqlite3_close(db_);
    db_ = nullptr;
  }
}

StoreStats Store::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  StoreStats s = stats_;
  s.queued_spans = queued_spans_;
  return s;
}

void Store::writer_loop() {
  for (;;) {
    std::deque<ExportRequest> batch;
    std::size_t spans = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(kRetentionEveryMs),
                     [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
      spans = queued_spans_;
      queued_bytes_ = 0;
      queued_spans_ = 0;
      writing_ = !batch.empty();
    }
    std::string error;
    const bool ok = batch.empty() || write_batch(batch, error);
    apply_retention();
    std::lock_guard<std::mutex> lock(mutex_);
    if (!batch.empty()) {
      if (ok) {
        stats_.written_spans += spans;
        stats_.batches += 1;
      } else {
        stats_.dropped_spans += spans;
        stats_.dropped_requests += batch.size();
        stats_.last_error = error;
      }
    }
    writing_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

bool Store::write_batch(std::deque<ExportRequest>& batch, std::string& error) {
  static const char kInsert[] =
      "INSERT INTO spans(trace_id, span_id, parent_span_id, name, kind, service, start_ns, end_ns,"
      " duration_ns, status_code, status_message, scope_name, scope_version, attributes, resource,"
      " events, links, received_ns) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)";
  if (!exec(db_, "BEGIN IMMEDIATE", error)) return false;
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v2(db_, kInsert, -1, &insert, nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(db_);
    std::string ignored;
    (void)exec(db_, "ROLLBACK", ignored);
    return false;
  }
  const std::int64_t received = unix_now_ns();
  bool ok = true;
  auto text = [&](int column, const std::string& s) {
    sqlite3_bind_text(insert, column, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  };
  for (const ExportRequest& request : batch) {
    for (const ResourceSpans& rs : request.resource_spans) {
      const std::string service = service_of(rs.resource);
      std::string resource;
      plain_object(resource, rs.resource.items);
      for (const ScopeSpans& ss : rs.scope_spans) {
        for (const Span& s : ss.spans) {
          std::string attributes;
          plain_object(attributes, s.attributes.items);
          const std::int64_t start = to_i64(s.start_time_unix_nano);
          const std::int64_t end = to_i64(s.end_time_unix_nano);
          text(1, to_hex(s.trace_id.data(), 16));
          text(2, to_hex(s.span_id.data(), 8));
          text(3, to_hex(s.parent_span_id.data(), s.parent_span_id.size()));
          text(4, s.name);
          sqlite3_bind_int(insert, 5, s.kind);
          text(6, service);
          sqlite3_bind_int64(insert, 7, start);
          sqlite3_bind_int64(insert, 8, end);
          sqlite3_bind_int64(insert, 9, end > start ? end - start : 0);
          sqlite3_bind_int(insert, 10, s.status_code);
          text(11, s.status_message);
          text(12, ss.scope.name);
          text(13, ss.scope.version);
          text(14, attributes);
          text(15, resource);
          text(16, events_json(s));
          text(17, links_json(s));
          sqlite3_bind_int64(insert, 18, received);
          if (sqlite3_step(insert) != SQLITE_DONE) {
            error = sqlite3_errmsg(db_);
            ok = false;
          }
          sqlite3_reset(insert);
          if (!ok) break;
        }
        if (!ok) break;
      }
      if (!ok) break;
    }
    if (!ok) break;
  }
  sqlite3_finalize(insert);
  std::string ignored;
  if (!ok) {
    (void)exec(db_, "ROLLBACK", ignored);
    return false;
  }
  if (!exec(db_, "COMMIT", error)) {
    (void)exec(db_, "ROLLBACK", ignored);
    return false;
  }
  return true;
}

void Store::apply_retention() {
  if (options_.keep_hours <= 0 && options_.max_rows <= 0) return;
  const long now = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now().time_since_epoch())
                                         .count());
  if (last_retention_ms_ != 0 && now - last_retention_ms_ < kRetentionEveryMs) return;
  last_retention_ms_ = now;
  std::int64_t deleted = 0;
  auto run = [&](const char* sql, std::int64_t value) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) return;
    sqlite3_bind_int64(stmt, 1, value);
    if (sqlite3_step(stmt) == SQLITE_DONE) deleted += sqlite3_changes(db_);
    sqlite3_finalize(stmt);
  };
  if (options_.keep_hours > 0) {
    const auto keep_ns = static_cast<std::int64_t>(options_.keep_hours * 3600e9);
    run("DELETE FROM spans WHERE start_ns < ?1", unix_now_ns() - keep_ns);
  }
  if (options_.max_rows > 0) {
    // Row ids grow with arrival, so the newest max_rows rows are the highest ids.
    run("DELETE FROM spans WHERE id <= (SELECT MAX(id) FROM spans) - ?1", options_.max_rows);
  }
  if (deleted > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.deleted_spans += static_cast<std::uint64_t>(deleted);
  }
}

}  // namespace tracelet::receiver
