#pragma once
#include <cstdint>
#include <deque>
#include <array>
#include <mutex>
#include <ostream>
#include <string>
#include <unordered_map>

#include "otlp_decode.h"

namespace tracelet::receiver {

/// Prints every trace of `request` as an indented tree: one block per resource, then per
/// trace id the spans with children under their parents (ordered by start time), durations
/// in ms, attributes inline, events and links beneath, ERROR status marked.
void print_trees(std::ostream& out, const ExportRequest& request, std::uint64_t request_seq);

/// Appends one JSON object per span to `out`, one per line (JSON Lines), with every decoded
/// field: ids as lowercase hex, times as decimal strings, attributes in OTLP/JSON shape
/// ({"key":..,"value":{"stringValue":..}}; bytes as hex), plus the resource and scope.
void write_jsonl(std::string& out, const ExportRequest& request, std::uint64_t request_seq);

/// The names of the spans that arrived lately, so log records (which come in requests of
/// their own) can be shown under their span. Keeps the last `capacity` spans. Thread-safe.
class SpanNames {
 public:
  explicit SpanNames(std::size_t capacity = 100000) : capacity_(capacity) {}
  void remember(const ExportRequest& request);
  /// The span's name, or false if it was not seen (not yet exported, or forgotten).
  bool find(const std::vector<std::uint8_t>& trace_id, const std::vector<std::uint8_t>& span_id,
            std::string& name) const;

 private:
  using Key = std::array<std::uint8_t, 24>;  // trace id + span id
  struct KeyHash {
    // Ids are random, so eight of their bytes are already a good hash.
    std::size_t operator()(const Key& key) const noexcept;
  };
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<Key, std::string, KeyHash> names_;
  std::deque<Key> order_;  // oldest first, for forgetting
};

/// Prints the log records of `request`: per resource and scope, grouped by trace and by span
/// (with the span's name when `spans` saw it), oldest first within a span; records outside a
/// span under "(no span)". One line per record: time (UTC), severity, body, attributes.
void print_logs(std::ostream& out, const LogsRequest& request, std::uint64_t request_seq,
                const SpanNames& spans);

/// Appends one JSON object per log record (JSON Lines), with "signal":"log" and every decoded
/// field.
void write_logs_jsonl(std::string& out, const LogsRequest& request, std::uint64_t request_seq);

/// JSON string literal; invalid UTF-8 bytes become U+FFFD so every output stays valid JSON.
std::string json_string(const std::string& s);
/// The same literal, appended to `out`.
void append_json_string(std::string& out, const std::string& s);

/// JSON number for `d`; NaN and infinities as the strings OTLP/JSON uses ("NaN", "Infinity").
std::string json_double(double d);

/// Lowercase hex of `n` bytes.
std::string to_hex(const std::uint8_t* data, std::size_t n);

}  // namespace tracelet::receiver
