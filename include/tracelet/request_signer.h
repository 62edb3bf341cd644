#pragma once
// Request signing for the OTLP/HTTP exporter, behind a small interface (C3) so the exporter
// stays free of any crypto library: AWS Signature Version 4 (tracelet/sigv4.h, module
// tracelet::aws, Mbed TLS) implements it; a firmware may plug in its own.
#include <cstddef>
#include <cstdint>

#include "tracelet/http_header.h"

namespace tracelet {

/// What a request's body carries, for signers that sign each signal for its own service
/// (SigV4: X-Ray for traces, CloudWatch Logs for log records).
enum class SignedSignal : std::uint8_t { kTraces, kLogs, kOther };

/// What a signer sees of one request besides its body. Pointers are valid during sign() only.
struct SignedRequest {
  SignedSignal signal = SignedSignal::kTraces;
  const char* method = "POST";
  const char* host = nullptr;          // the Host header's value, port included when sent
  const char* target = nullptr;        // request target: path and optional "?query"
  const char* content_type = nullptr;  // the Content-Type header's value
};

/// The exporter calls, per request: begin(), body() with every byte of the body as it goes on
/// the wire (after compression), then sign(), which appends its headers to the request head.
/// One exporter thread uses it at a time. Called from the exporting thread only; never blocks,
/// never allocates.
struct RequestSigner {
  void* ctx = nullptr;
  /// Starts a new body.
  void (*begin)(void* ctx) = nullptr;
  void (*body)(void* ctx, const std::uint8_t* data, std::size_t len) = nullptr;
  /// Writes up to `cap` headers into `out` (pointers into the signer's own storage, valid until
  /// the next begin()) and returns how many; 0 = cannot sign (no time, bad credentials: the
  /// signer's log line says why, never showing a secret).
  std::size_t (*sign)(void* ctx, const SignedRequest& request, HttpHeader* out, std::size_t cap) = nullptr;
  /// Every answer's status and its Date header (nullptr when it has none). Returns true when
  /// the request should be sent again at once although the status says otherwise: the signer
  /// learned the time from `date` and its earlier signature was made with a clock too far off.
  bool (*on_answer)(void* ctx, int status, const char* date) = nullptr;
};

}  // namespace tracelet
