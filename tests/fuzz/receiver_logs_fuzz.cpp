// Fuzz target: the receiver's OTLP logs decoder (decode_logs_request in
// tools/receiver/otlp_decode.cpp) and what it writes of the records (print_logs and
// write_logs_jsonl in report.cpp). Checks that a refused body leaves nothing behind and says
// why, that the decoded tree is bounded by the body and the memory budget, that ids have their
// OTLP lengths, and that each JSON Lines record is one valid JSON object per log record.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "decoded_tally.h"
#include "json_check.h"
#include "otlp_decode.h"
#include "report.h"

namespace {

using namespace tracelet::receiver;
using fuzz::Tally;
using fuzz::count_attributes;
using fuzz::count_value;

Tally count(const LogsRequest& request) {
  Tally t;
  for (const ResourceLogs& rl : request.resource_logs) {
    ++t.elements;
    t.string_bytes += rl.schema_url.size();
    count_attributes(rl.resource.items, t);
    for (const ScopeLogs& sl : rl.scope_logs) {
      ++t.elements;
      t.string_bytes += sl.schema_url.size() + sl.scope.name.size() + sl.scope.version.size();
      count_attributes(sl.scope.attributes.items, t);
      for (const LogRecord& r : sl.log_records) {
        ++t.elements;
        if (!r.trace_id.empty() && r.trace_id.size() != 16) std::abort();
        if (!r.span_id.empty() && r.span_id.size() != 8) std::abort();
        t.string_bytes += r.severity_text.size() + r.event_name.size() + r.trace_id.size() + r.span_id.size();
        count_value(r.body, t);
        count_attributes(r.attributes.items, t);
      }
    }
  }
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  LogsRequest request;
  std::string error;
  bool too_large = false;
  // A budget of a few times the body, as the receiver allows (4 x --max-body there).
  const std::size_t budget = 4096 + 8 * size;
  if (!decode_logs_request(data, size, request, error, budget, &too_large)) {
    if (error.empty() || !request.resource_logs.empty()) std::abort();
    return 0;
  }
  if (too_large) std::abort();
  const Tally t = count(request);
  if (2 * t.elements > size || t.string_bytes > size) std::abort();

  std::string jsonl;
  write_logs_jsonl(jsonl, request, 7);
  const long records = tracelet::fuzz::json_lines_objects(jsonl);
  if (records < 0 || static_cast<std::size_t>(records) != request.log_record_count()) std::abort();

  std::ostringstream printed;
  print_logs(printed, request, 7, SpanNames(16));
  return 0;
}
