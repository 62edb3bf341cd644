#pragma once
#include <cstdint>
#include <ostream>
#include <string>

#include "otlp_decode.h"

namespace tracelet::receiver {

/// Prints every trace of `request` as an indented tree: one block per resource, then per
/// trace id the spans with children under their parents (ordered by start time), durations
/// in ms, attributes inline, events and links beneath, ERROR status marked.
void print_trees(std::ostream& out, const ExportRequest& request, std::uint64_t request_seq);

/// Writes one JSON object per span, one per line (JSON Lines), with every decoded field:
/// ids as lowercase hex, times as decimal strings, attributes in OTLP/JSON shape
/// ({"key":..,"value":{"stringValue":..}}; bytes as hex), plus the resource and scope.
void write_jsonl(std::ostream& out, const ExportRequest& request, std::uint64_t request_seq);

/// JSON string literal; invalid UTF-8 bytes become U+FFFD so every output stays valid JSON.
std::string json_string(const std::string& s);

/// JSON number for `d`; NaN and infinities as the strings OTLP/JSON uses ("NaN", "Infinity").
std::string json_double(double d);

/// Lowercase hex of `n` bytes.
std::string to_hex(const std::uint8_t* data, std::size_t n);

}  // namespace tracelet::receiver
