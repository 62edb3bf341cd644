#pragma once

namespace tracelet::receiver {

/// The store's tables, one row per span. Resource, scope, attributes, events and links are
/// JSON text (attributes as a flat {"key": value} object), which SQLite's json_extract()
/// reads, so any attribute can be filtered or grouped on without a table per key.
/// Times are Unix nanoseconds; duration_ns = end_ns - start_ns (0 when end < start).
/// `user_version` tells a future schema change which layout a file has.
inline constexpr int kStoreSchemaVersion = 1;

inline constexpr const char* kStoreSchema = R"sql(
CREATE TABLE IF NOT EXISTS spans (
  id             INTEGER PRIMARY KEY,
  trace_id       TEXT    NOT NULL,
  span_id        TEXT    NOT NULL,
  parent_span_id TEXT    NOT NULL DEFAULT '',
  name           TEXT    NOT NULL,
  kind           INTEGER NOT NULL DEFAULT 0,
  service        TEXT    NOT NULL DEFAULT '',
  start_ns       INTEGER NOT NULL,
  end_ns         INTEGER NOT NULL,
  duration_ns    INTEGER NOT NULL,
  status_code    INTEGER NOT NULL DEFAULT 0,
  status_message TEXT    NOT NULL DEFAULT '',
  scope_name     TEXT    NOT NULL DEFAULT '',
  scope_version  TEXT    NOT NULL DEFAULT '',
  attributes     TEXT    NOT NULL DEFAULT '{}',
  resource       TEXT    NOT NULL DEFAULT '{}',
  events         TEXT    NOT NULL DEFAULT '[]',
  links          TEXT    NOT NULL DEFAULT '[]',
  received_ns    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS spans_by_start   ON spans(start_ns);
CREATE INDEX IF NOT EXISTS spans_by_trace   ON spans(trace_id);
CREATE INDEX IF NOT EXISTS spans_by_name    ON spans(name, start_ns);
CREATE INDEX IF NOT EXISTS spans_by_service ON spans(service, start_ns);
)sql";

}  // namespace tracelet::receiver
