// Fuzz target: the receiver's OTLP request decoder (tools/receiver/otlp_decode.cpp) and the
// reports it writes of what it decoded (report.cpp). Checks that a refused body leaves nothing
// behind and says why, that the decoded tree is bounded by the body (every element costs at
// least two bytes on the wire, every string byte one) and by the memory budget, and that each
// JSON Lines record is one valid JSON object per span whatever the strings held.
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

Tally count(const ExportRequest& request) {
  Tally t;
  for (const ResourceSpans& rs : request.resource_spans) {
    ++t.elements;
    t.string_bytes += rs.schema_url.size();
    count_attributes(rs.resource.items, t);
    for (const ScopeSpans& ss : rs.scope_spans) {
      ++t.elements;
      t.string_bytes += ss.schema_url.size() + ss.scope.name.size() + ss.scope.version.size();
      count_attributes(ss.scope.attributes.items, t);
      for (const Span& s : ss.spans) {
        ++t.elements;
        t.string_bytes += s.name.size() + s.trace_state.size() + s.status_message.size();
        if (s.parent_span_id.size() > 8) std::abort();  // nanopb's bound for the field
        count_attributes(s.attributes.items, t);
        for (const Event& e : s.events) {
          ++t.elements;
          t.string_bytes += e.name.size();
          count_attributes(e.attributes.items, t);
        }
        for (const Link& l : s.links) {
          ++t.elements;
          t.string_bytes += l.trace_state.size();
          count_attributes(l.attributes.items, t);
        }
      }
    }
  }
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ExportRequest request;
  std::string error;
  bool too_large = false;
  // A budget of a few times the body, as the receiver allows (4 x --max-body there).
  const std::size_t budget = 4096 + 8 * size;
  if (!decode_export_request(data, size, request, error, budget, &too_large)) {
    if (error.empty() || !request.resource_spans.empty()) std::abort();
    return 0;
  }
  if (too_large) std::abort();
  const Tally t = count(request);
  if (2 * t.elements > size || t.string_bytes > size) std::abort();

  std::string jsonl;
  write_jsonl(jsonl, request, 7);
  const long records = tracelet::fuzz::json_lines_objects(jsonl);
  if (records < 0 || static_cast<std::size_t>(records) != request.span_count()) std::abort();

  std::ostringstream trees;
  print_trees(trees, request, 7);
  return 0;
}
