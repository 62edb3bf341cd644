#pragma once
#include <cstddef>
#include <cstdint>

namespace tracelet::otlp {

/// What a collector's 2xx body (ExportTraceServiceResponse) says about partial success.
struct ExportResponse {
  std::int64_t rejected_spans = 0;
  char error_message[160] = {};  // cut to fit, NUL-terminated
};

/// Decodes an ExportTraceServiceResponse body. Returns false (and leaves zeros) if the bytes
/// are not one; an empty body is a valid, empty response.
bool decode_export_response(const std::uint8_t* body, std::size_t len, ExportResponse& out) noexcept;

/// Reads google.rpc.Status.message (field 2), the body OTLP/HTTP sends with error answers,
/// into `out` (cut to cap - 1, NUL-terminated). Returns false if there is none.
bool decode_status_message(const std::uint8_t* body, std::size_t len, char* out,
                           std::size_t cap) noexcept;

}  // namespace tracelet::otlp
