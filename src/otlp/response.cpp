#include "otlp/response.h"

#include <pb_decode.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace tracelet::otlp {
namespace {

// Copies a length-delimited field into a fixed char buffer, cutting what does not fit.
bool read_text(pb_istream_t* stream, char* out, std::size_t cap) {
  std::size_t n = stream->bytes_left;
  std::size_t keep = n < cap - 1 ? n : cap - 1;
  if (!pb_read(stream, reinterpret_cast<pb_byte_t*>(out), keep)) return false;
  out[keep] = '\0';
  return pb_read(stream, nullptr, n - keep);
}

bool capture_message(pb_istream_t* stream, const pb_field_t*, void** arg) {
  auto* response = static_cast<ExportResponse*>(*arg);
  return read_text(stream, response->error_message, sizeof response->error_message);
}

}  // namespace

bool decode_export_response(const std::uint8_t* body, std::size_t len, ExportResponse& out) noexcept {
  out = ExportResponse{};
  opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse decoded =
      opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_init_zero;
  decoded.partial_success.error_message.funcs.decode = capture_message;
  decoded.partial_success.error_message.arg = &out;
  pb_istream_t in = pb_istream_from_buffer(body, len);
  if (!pb_decode(&in, opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_fields,
                 &decoded)) {
    out = ExportResponse{};
    return false;
  }
  out.rejected_spans = decoded.partial_success.rejected_spans;
  return true;
}

bool decode_status_message(const std::uint8_t* body, std::size_t len, char* out,
                           std::size_t cap) noexcept {
  if (cap == 0) return false;
  out[0] = '\0';
  pb_istream_t in = pb_istream_from_buffer(body, len);
  pb_wire_type_t type;
  std::uint32_t tag;
  bool eof = false;
  while (pb_decode_tag(&in, &type, &tag, &eof)) {
    if (tag == 2 && type == PB_WT_STRING) {
      pb_istream_t field;
      if (!pb_make_string_substream(&in, &field)) return false;
      bool ok = read_text(&field, out, cap);
      return pb_close_string_substream(&in, &field) && ok;
    }
    if (!pb_skip_field(&in, type)) return false;
  }
  return false;
}

}  // namespace tracelet::otlp
