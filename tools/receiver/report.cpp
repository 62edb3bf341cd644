#include "report.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <sstream>
#include <vector>

namespace tracelet::receiver {
namespace {

// ---- text helpers ---------------------------------------------------------------------------

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
std::size_t utf8_sequence(const std::string& s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  std::uint32_t min = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  std::uint32_t cp = c & (0x7Fu >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

void append_json_string(std::string& out, const std::string& s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    // Printable ASCII other than '"' and '\\' is copied as it is, a run at a time.
    std::size_t plain = i;
    while (plain < s.size()) {
      const auto c = static_cast<unsigned char>(s[plain]);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
      ++plain;
    }
    out.append(s, i, plain - i);
    i = plain;
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      char buf[8];
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
      }
      ++i;
    } else {
      const std::size_t n = utf8_sequence(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s, i, n);
        i += n;
      }
    }
  }
  out += '"';
}

std::string json_string(const std::string& s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string json_double(double d) {
  // JSON has no NaN/Infinity; OTLP/JSON writes them as strings.
  if (std::isnan(d)) return "\"NaN\"";
  if (std::isinf(d)) return d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  // What printf's "%.17g" writes (to_chars with a precision is specified to match it), without
  // printf's multi-precision arithmetic, which was most of the cost of a double attribute.
  char buf[32];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::general, 17);
  return std::string(buf, r.ptr);
}

namespace {

const char* kind_name(int kind) {
  switch (kind) {
    case 1: return "internal";
    case 2: return "server";
    case 3: return "client";
    case 4: return "producer";
    case 5: return "consumer";
    default: return "unspecified";
  }
}

// ---- inline text form of values -------------------------------------------------------------

void text_value(std::ostream& out, const AnyValue& v);

void text_attributes(std::ostream& out, const std::vector<KeyValue>& items) {
  for (const auto& kv : items) {
    out << ' ' << kv.key << '=';
    text_value(out, kv.value);
  }
}

void text_value(std::ostream& out, const AnyValue& v) {
  switch (v.type) {
    case AnyValue::Type::kEmpty: out << "(empty)"; break;
    case AnyValue::Type::kString: out << json_string(v.bytes); break;
    case AnyValue::Type::kBool: out << (v.bool_value ? "true" : "false"); break;
    case AnyValue::Type::kInt: out << v.int_value; break;
    case AnyValue::Type::kDouble: out << json_double(v.double_value); break;
    case AnyValue::Type::kBytes:
      out << "0x" << to_hex(reinterpret_cast<const std::uint8_t*>(v.bytes.data()), v.bytes.size());
      break;
    case AnyValue::Type::kArray: {
      out << '[';
      for (std::size_t i = 0; i < v.array.size(); ++i) {
        if (i) out << ", ";
        text_value(out, v.array[i]);
      }
      out << ']';
      break;
    }
    case AnyValue::Type::kKvList: {
      out << '{';
      for (std::size_t i = 0; i < v.kvlist.size(); ++i) {
        if (i) out << ", ";
        out << v.kvlist[i].key << '=';
        text_value(out, v.kvlist[i].value);
      }
      out << '}';
      break;
    }
  }
}

std::string ms(std::uint64_t start, std::uint64_t end) {
  const double d = (static_cast<double>(end) - static_cast<double>(start)) / 1e6;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f ms", d);
  return buf;
}

// ---- trees --------------------------------------------------------------------------------

struct TreeSpan {
  const Span* span;
  const Scope* scope;
};

class TraceTree {
 public:
  TraceTree(std::ostream& out, std::vector<TreeSpan> spans, bool show_scope)
      : out_(out), spans_(std::move(spans)), show_scope_(show_scope), printed_(spans_.size(), false) {
    std::stable_sort(spans_.begin(), spans_.end(), [](const TreeSpan& a, const TreeSpan& b) {
      return a.span->start_time_unix_nano < b.span->start_time_unix_nano;
    });
    std::multimap<std::string, std::size_t> by_id;
    for (std::size_t i = 0; i < spans_.size(); ++i) {
      by_id.emplace(to_hex(spans_[i].span->span_id.data(), 8), i);
    }
    children_.resize(spans_.size());
    parent_.assign(spans_.size(), kNone);
    for (std::size_t i = 0; i < spans_.size(); ++i) {
      const Span& s = *spans_[i].span;
      if (s.parent_span_id.empty()) continue;
      const auto it = by_id.find(to_hex(s.parent_span_id.data(), s.parent_span_id.size()));
      if (it == by_id.end() || it->second == i) continue;
      parent_[i] = it->second;
      children_[it->second].push_back(i);  // in start-time order, as spans_ is sorted
    }
  }

  void print() {
    for (std::size_t i = 0; i < spans_.size(); ++i) {
      const Span& s = *spans_[i].span;
      const bool is_root = parent_[i] == kNone;
      if (is_root) print_span(i, 4, !s.parent_span_id.empty() ? " (parent not in this batch)" : "");
    }
    // Whatever is left points at itself or sits in a parent cycle: still show it.
    for (std::size_t i = 0; i < spans_.size(); ++i) {
      if (!printed_[i]) print_span(i, 4, " (parent cycle)");
    }
  }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  void print_span(std::size_t i, int indent, const char* note) {
    printed_[i] = true;
    const Span& s = *spans_[i].span;
    const std::string pad(static_cast<std::size_t>(std::min(indent, 80)), ' ');
    out_ << pad << (s.name.empty() ? "(unnamed)" : s.name) << "  [" << kind_name(s.kind) << "] "
         << ms(s.start_time_unix_nano, s.end_time_unix_nano)
         << "  span=" << to_hex(s.span_id.data(), 8);
    if (s.flags != 0) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "0x%x", s.flags);
      out_ << " flags=" << buf;
    }
    if (!s.trace_state.empty()) out_ << " tracestate=" << json_string(s.trace_state);
    if (show_scope_) out_ << " scope=" << spans_[i].scope->name;
    if (s.status_code == 2) {
      out_ << "  !! ERROR" << (s.status_message.empty() ? "" : ": ") << s.status_message;
    } else if (s.status_code == 1) {
      out_ << "  (ok)";
    }
    text_attributes(out_, s.attributes.items);
    if (s.attributes.dropped || s.dropped_events_count || s.dropped_links_count) {
      out_ << "  (dropped: " << s.attributes.dropped << " attributes, " << s.dropped_events_count
           << " events, " << s.dropped_links_count << " links)";
    }
    out_ << note << '\n';
    for (const Event& e : s.events) {
      out_ << pad << "  * " << (e.name.empty() ? "(event)" : e.name) << " at +"
           << ms(s.start_time_unix_nano, e.time_unix_nano);
      text_attributes(out_, e.attributes.items);
      if (e.attributes.dropped) out_ << "  (dropped " << e.attributes.dropped << " attributes)";
      out_ << '\n';
    }
    for (const Link& l : s.links) {
      out_ << pad << "  -> link trace=" << to_hex(l.trace_id.data(), 16)
           << " span=" << to_hex(l.span_id.data(), 8);
      text_attributes(out_, l.attributes.items);
      out_ << '\n';
    }
    for (const std::size_t c : children_[i]) {
      if (!printed_[c]) print_span(c, indent + 2, "");
    }
  }

  std::ostream& out_;
  std::vector<TreeSpan> spans_;
  bool show_scope_;
  std::vector<bool> printed_;
  std::vector<std::size_t> parent_;                 // index of the parent span, or kNone
  std::vector<std::vector<std::size_t>> children_;  // indices of each span's children
};

// ---- JSON ---------------------------------------------------------------------------------
// Appended to one string per request (written to the file at once): the receiver writes a
// line per span, and iostreams' per-insertion overhead was most of its cost.

template <class Int>
void append_int(std::string& out, Int v) {
  char text[24];
  const std::to_chars_result r = std::to_chars(text, text + sizeof text, v);
  out.append(text, static_cast<std::size_t>(r.ptr - text));
}

void append_hex(std::string& out, const std::uint8_t* data, std::size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  // Ids, the usual case, go through a buffer on the stack and one append, not two per byte.
  char text[64];
  while (n > 0) {
    const std::size_t chunk = n < sizeof text / 2 ? n : sizeof text / 2;
    for (std::size_t i = 0; i < chunk; ++i) {
      text[2 * i] = kDigits[data[i] >> 4];
      text[2 * i + 1] = kDigits[data[i] & 0xF];
    }
    out.append(text, 2 * chunk);
    data += chunk;
    n -= chunk;
  }
}

void json_value(std::string& out, const AnyValue& v);

void json_attributes(std::string& out, const std::vector<KeyValue>& items) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += "{\"key\":";
    append_json_string(out, items[i].key);
    out += ",\"value\":";
    json_value(out, items[i].value);
    out += '}';
  }
  out += ']';
}

void json_value(std::string& out, const AnyValue& v) {
  switch (v.type) {
    case AnyValue::Type::kEmpty: out += "{}"; break;
    case AnyValue::Type::kString:
      out += "{\"stringValue\":";
      append_json_string(out, v.bytes);
      out += '}';
      break;
    case AnyValue::Type::kBool: out += v.bool_value ? "{\"boolValue\":true}" : "{\"boolValue\":false}"; break;
    case AnyValue::Type::kInt:
      out += "{\"intValue\":\"";
      append_int(out, v.int_value);
      out += "\"}";
      break;
    case AnyValue::Type::kDouble:
      out += "{\"doubleValue\":";
      out += json_double(v.double_value);
      out += '}';
      break;
    case AnyValue::Type::kBytes:
      out += "{\"bytesValue\":\"";
      append_hex(out, reinterpret_cast<const std::uint8_t*>(v.bytes.data()), v.bytes.size());
      out += "\"}";
      break;
    case AnyValue::Type::kArray:
      out += "{\"arrayValue\":{\"values\":[";
      for (std::size_t i = 0; i < v.array.size(); ++i) {
        if (i) out += ',';
        json_value(out, v.array[i]);
      }
      out += "]}}";
      break;
    case AnyValue::Type::kKvList:
      out += "{\"kvlistValue\":{\"values\":";
      json_attributes(out, v.kvlist);
      out += "}}";
      break;
  }
}

}  // namespace

std::string to_hex(const std::uint8_t* data, std::size_t n) {
  std::string out;
  out.reserve(n * 2);
  append_hex(out, data, n);
  return out;
}

void print_trees(std::ostream& out, const ExportRequest& request, std::uint64_t request_seq) {
  out << "== request #" << request_seq << ": " << request.span_count() << " span(s) ==\n";
  for (const ResourceSpans& rs : request.resource_spans) {
    out << "resource";
    text_attributes(out, rs.resource.items);
    if (rs.resource.dropped) out << "  (dropped " << rs.resource.dropped << " attributes)";
    out << '\n';
    std::vector<std::string> trace_order;
    std::map<std::string, std::vector<TreeSpan>> by_trace;
    for (const ScopeSpans& ss : rs.scope_spans) {
      out << "  scope " << (ss.scope.name.empty() ? "(unnamed)" : ss.scope.name);
      if (!ss.scope.version.empty()) out << ' ' << ss.scope.version;
      text_attributes(out, ss.scope.attributes.items);
      out << "  (" << ss.spans.size() << " span(s))\n";
      for (const Span& s : ss.spans) {
        const std::string id = to_hex(s.trace_id.data(), 16);
        auto& list = by_trace[id];
        if (list.empty()) trace_order.push_back(id);
        list.push_back({&s, &ss.scope});
      }
    }
    for (const std::string& id : trace_order) {
      out << "  trace " << id << '\n';
      TraceTree(out, std::move(by_trace[id]), rs.scope_spans.size() > 1).print();
    }
  }
  out.flush();
}

// ---- logs ---------------------------------------------------------------------------------

std::size_t SpanNames::KeyHash::operator()(const Key& key) const noexcept {
  std::uint64_t trace_half = 0;
  std::uint64_t span = 0;
  std::memcpy(&trace_half, key.data() + 8, 8);
  std::memcpy(&span, key.data() + 16, 8);
  return static_cast<std::size_t>(trace_half ^ (span * 0x9E3779B97F4A7C15ull));
}

void SpanNames::remember(const ExportRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const ResourceSpans& rs : request.resource_spans) {
    for (const ScopeSpans& ss : rs.scope_spans) {
      for (const Span& s : ss.spans) {
        Key key;
        std::memcpy(key.data(), s.trace_id.data(), 16);
        std::memcpy(key.data() + 16, s.span_id.data(), 8);
        if (!names_.emplace(key, s.name).second) continue;
        order_.push_back(key);
        if (order_.size() > capacity_) {
          names_.erase(order_.front());
          order_.pop_front();
        }
      }
    }
  }
}

bool SpanNames::find(const std::vector<std::uint8_t>& trace_id, const std::vector<std::uint8_t>& span_id,
                     std::string& name) const {
  if (trace_id.size() != 16 || span_id.size() != 8) return false;  // no span has such ids
  Key key;
  std::memcpy(key.data(), trace_id.data(), 16);
  std::memcpy(key.data() + 16, span_id.data(), 8);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = names_.find(key);
  if (it == names_.end()) return false;
  name = it->second;
  return true;
}

namespace {

// "2026-12-03T13:35:27.123456Z"; "-" for 0 (no time given).
std::string utc_time(std::uint64_t unix_nano) {
  if (unix_nano == 0) return "-";
  const std::time_t seconds = static_cast<std::time_t>(unix_nano / 1000000000u);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[48];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06luZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned long>((unix_nano % 1000000000u) / 1000u));
  return text;
}

std::string severity_label(const LogRecord& r) {
  if (!r.severity_text.empty()) return r.severity_text;
  static const char* const kNames[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
  if (r.severity_number >= 1 && r.severity_number <= 24) return kNames[(r.severity_number - 1) / 4];
  return "UNSPECIFIED";
}

void print_log_line(std::ostream& out, const LogRecord& r, const char* indent) {
  out << indent << "log " << utc_time(r.time_unix_nano != 0 ? r.time_unix_nano : r.observed_time_unix_nano) << ' '
      << severity_label(r);
  if (r.severity_number != 0) out << '(' << r.severity_number << ')';
  out << ' ';
  text_value(out, r.body);
  if (!r.event_name.empty()) out << "  event=" << json_string(r.event_name);
  text_attributes(out, r.attributes.items);
  if (r.attributes.dropped) out << "  (dropped " << r.attributes.dropped << " attributes)";
  out << '\n';
}

}  // namespace

void print_logs(std::ostream& out, const LogsRequest& request, std::uint64_t request_seq, const SpanNames& spans) {
  out << "== logs request #" << request_seq << ": " << request.log_record_count() << " log record(s) ==\n";
  for (const ResourceLogs& rl : request.resource_logs) {
    out << "resource";
    text_attributes(out, rl.resource.items);
    if (rl.resource.dropped) out << "  (dropped " << rl.resource.dropped << " attributes)";
    out << '\n';
    for (const ScopeLogs& sl : rl.scope_logs) {
      out << "  scope " << (sl.scope.name.empty() ? "(unnamed)" : sl.scope.name);
      if (!sl.scope.version.empty()) out << ' ' << sl.scope.version;
      text_attributes(out, sl.scope.attributes.items);
      out << "  (" << sl.log_records.size() << " log record(s))\n";
      // Group by trace, then by span, keeping first-seen order; time order within a span.
      std::vector<std::string> traces;
      std::map<std::string, std::vector<std::string>> span_order;
      std::map<std::string, std::vector<const LogRecord*>> by_span;
      for (const LogRecord& r : sl.log_records) {
        const std::string trace = to_hex(r.trace_id.data(), r.trace_id.size());
        const std::string span = trace + "/" + to_hex(r.span_id.data(), r.span_id.size());
        if (span_order.find(trace) == span_order.end()) traces.push_back(trace);
        auto& list = by_span[span];
        if (list.empty()) span_order[trace].push_back(span);
        list.push_back(&r);
      }
      for (const std::string& trace : traces) {
        out << "  trace " << (trace.empty() ? "(none)" : trace) << '\n';
        for (const std::string& key : span_order[trace]) {
          std::vector<const LogRecord*>& list = by_span[key];
          std::stable_sort(list.begin(), list.end(), [](const LogRecord* a, const LogRecord* b) {
            return a->time_unix_nano < b->time_unix_nano;
          });
          const LogRecord& first = *list.front();
          if (first.span_id.empty()) {
            out << "    (no span)\n";
          } else {
            std::string name;
            out << "    span " << to_hex(first.span_id.data(), first.span_id.size()) << ' ';
            if (spans.find(first.trace_id, first.span_id, name)) {
              out << json_string(name) << '\n';
            } else {
              out << "(span not received yet)\n";
            }
          }
          for (const LogRecord* r : list) print_log_line(out, *r, "      ");
        }
      }
    }
  }
  out.flush();
}

void write_logs_jsonl(std::string& out, const LogsRequest& request, std::uint64_t request_seq) {
  for (const ResourceLogs& rl : request.resource_logs) {
    for (const ScopeLogs& sl : rl.scope_logs) {
      for (const LogRecord& r : sl.log_records) {
        out += "{\"signal\":\"log\",\"request\":";
        append_int(out, request_seq);
        out += ",\"resource\":{\"attributes\":";
        json_attributes(out, rl.resource.items);
        out += "},\"scope\":{\"name\":";
        append_json_string(out, sl.scope.name);
        out += ",\"version\":";
        append_json_string(out, sl.scope.version);
        out += "},\"time_unix_nano\":\"";
        append_int(out, r.time_unix_nano);
        out += "\",\"observed_time_unix_nano\":\"";
        append_int(out, r.observed_time_unix_nano);
        out += "\",\"severity_number\":";
        append_int(out, r.severity_number);
        out += ",\"severity_text\":";
        append_json_string(out, r.severity_text);
        out += ",\"body\":";
        json_value(out, r.body);
        out += ",\"attributes\":";
        json_attributes(out, r.attributes.items);
        out += ",\"dropped_attributes_count\":";
        append_int(out, r.attributes.dropped);
        out += ",\"flags\":";
        append_int(out, r.flags);
        out += ",\"trace_id\":\"";
        append_hex(out, r.trace_id.data(), r.trace_id.size());
        out += "\",\"span_id\":\"";
        append_hex(out, r.span_id.data(), r.span_id.size());
        out += "\",\"event_name\":";
        append_json_string(out, r.event_name);
        out += "}\n";
      }
    }
  }
}

void write_jsonl(std::string& out, const ExportRequest& request, std::uint64_t request_seq) {
  std::string prefix;  // what every line of a scope starts with: request, resource, scope
  for (const ResourceSpans& rs : request.resource_spans) {
    std::string resource = "{\"attributes\":";
    json_attributes(resource, rs.resource.items);
    resource += ",\"dropped_attributes_count\":";
    append_int(resource, rs.resource.dropped);
    resource += ",\"schema_url\":";
    append_json_string(resource, rs.schema_url);
    resource += '}';
    for (const ScopeSpans& ss : rs.scope_spans) {
      prefix = "{\"request\":";
      append_int(prefix, request_seq);
      prefix += ",\"resource\":";
      prefix += resource;
      prefix += ",\"scope\":{\"name\":";
      append_json_string(prefix, ss.scope.name);
      prefix += ",\"version\":";
      append_json_string(prefix, ss.scope.version);
      prefix += ",\"attributes\":";
      json_attributes(prefix, ss.scope.attributes.items);
      prefix += ",\"dropped_attributes_count\":";
      append_int(prefix, ss.scope.attributes.dropped);
      prefix += ",\"schema_url\":";
      append_json_string(prefix, ss.schema_url);
      prefix += "},\"trace_id\":\"";
      // About the prefix and 300 bytes more per span: one allocation for most requests.
      out.reserve(out.size() + ss.spans.size() * (prefix.size() + 300));
      for (const Span& s : ss.spans) {
        out += prefix;
        append_hex(out, s.trace_id.data(), 16);
        out += "\",\"span_id\":\"";
        append_hex(out, s.span_id.data(), 8);
        out += "\",\"parent_span_id\":\"";
        append_hex(out, s.parent_span_id.data(), s.parent_span_id.size());
        out += "\",\"trace_state\":";
        append_json_string(out, s.trace_state);
        out += ",\"flags\":";
        append_int(out, s.flags);
        out += ",\"name\":";
        append_json_string(out, s.name);
        out += ",\"kind\":";
        append_int(out, s.kind);
        out += ",\"start_time_unix_nano\":\"";
        append_int(out, s.start_time_unix_nano);
        out += "\",\"end_time_unix_nano\":\"";
        append_int(out, s.end_time_unix_nano);
        out += "\",\"attributes\":";
        json_attributes(out, s.attributes.items);
        out += ",\"dropped_attributes_count\":";
        append_int(out, s.attributes.dropped);
        out += ",\"events\":[";
        for (std::size_t i = 0; i < s.events.size(); ++i) {
          const Event& e = s.events[i];
          if (i) out += ',';
          out += "{\"time_unix_nano\":\"";
          append_int(out, e.time_unix_nano);
          out += "\",\"name\":";
          append_json_string(out, e.name);
          out += ",\"attributes\":";
          json_attributes(out, e.attributes.items);
          out += ",\"dropped_attributes_count\":";
          append_int(out, e.attributes.dropped);
          out += '}';
        }
        out += "],\"dropped_events_count\":";
        append_int(out, s.dropped_events_count);
        out += ",\"links\":[";
        for (std::size_t i = 0; i < s.links.size(); ++i) {
          const Link& l = s.links[i];
          if (i) out += ',';
          out += "{\"trace_id\":\"";
          append_hex(out, l.trace_id.data(), 16);
          out += "\",\"span_id\":\"";
          append_hex(out, l.span_id.data(), 8);
          out += "\",\"trace_state\":";
          append_json_string(out, l.trace_state);
          out += ",\"attributes\":";
          json_attributes(out, l.attributes.items);
          out += ",\"dropped_attributes_count\":";
          append_int(out, l.attributes.dropped);
          out += ",\"flags\":";
          append_int(out, l.flags);
          out += '}';
        }
        out += "],\"dropped_links_count\":";
        append_int(out, s.dropped_links_count);
        out += ",\"status\":{\"code\":";
        append_int(out, s.status_code);
        out += ",\"message\":";
        append_json_string(out, s.status_message);
        out += "}}\n";
      }
    }
  }
}

}  // namespace tracelet::receiver
