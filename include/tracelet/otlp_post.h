#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/endpoint.h"
#include "tracelet/exporter_config.h"
#include "tracelet/request_signer.h"
#include "tracelet/status.h"
#include "tracelet/transport.h"

// One OTLP/HTTP export request, already encoded, over a connection the caller owns: for
// programs that get OTLP bodies from elsewhere (a gateway forwarding a device's serial frames,
// a store-and-forward queue) and want tracelet's HTTP writer, response parser and OTLP answer
// rules without the Exporter's ring and batching. The Exporter applies the same rules.
namespace tracelet {

/// What to do with the request after one attempt, by OTLP/HTTP's rules.
enum class OtlpPostOutcome : std::uint8_t {
  kDelivered,  // a 2xx answer: done; the collector may still have dropped some (rejected_spans)
  kRetryable,  // no valid answer, or 429/502/503/504: send the same bytes again later
  kRejected,   // any other answer (400, 401, 404, 413, 500, ...): sending it again fails the same way
};

/// Everything one request needs besides the endpoint and the body. Zero means default.
/// Pointers are only read during otlp_post().
struct OtlpPostOptions {
  const char* user_agent = nullptr;     // User-Agent header; nullptr = "tracelet/<version>"
  const HttpHeader* headers = nullptr;  // extra headers (e.g. an API key); names without
  std::size_t header_count = 0;         // ':', space or CR/LF, values without CR/LF
  std::uint32_t timeout_ms = 0;         // sending plus waiting for the answer; 0 = 10000
  /// Unix time in seconds, to turn a Retry-After given as an HTTP-date into a wait. 0 = no
  /// wall clock: such a date then reads as far in the future (capped at one day).
  std::uint64_t now_unix_s = 0;
  /// Signs the request (e.g. SigV4Signer::request_signer()); nullptr = unsigned. The body is
  /// hashed from `body` as given, the signature headers follow `headers`.
  const RequestSigner* signer = nullptr;
  SignedSignal signal = SignedSignal::kTraces;  // what the body carries, for the signer
};

/// How one attempt ended. Fixed size; every field is set by otlp_post().
struct OtlpPostResult {
  OtlpPostOutcome outcome = OtlpPostOutcome::kRetryable;
  bool sent = false;              // the whole request (head and body) went out
  /// The transport must not carry another request: close it and connect again. True when the
  /// answer said "Connection: close", or when the exchange broke off (any non-kOk return but
  /// kInvalidArgument and kFailedPrecondition), since the stream is then at an unknown point.
  bool close_connection = false;
  int http_status = 0;            // status code of the answer; 0 when no valid answer arrived
  std::uint32_t retry_after_ms = 0;  // kRetryable answers' Retry-After (at least 1), else 0
  std::int64_t rejected_spans = 0;   // 2xx with partial_success: spans the collector dropped
  /// One printable line, NUL-terminated, cut to fit, possibly empty:
  ///   2xx answer      – partial_success.error_message (a body that is not an
  ///                     ExportTraceServiceResponse is ignored: empty, rejected_spans 0)
  ///   other answers   – the google.rpc.Status message of a protobuf body, else the body's
  ///                     printable characters
  ///   no valid answer – why: the status name if sending failed ("timeout", "unavailable"),
  ///                     "timeout" if the answer did not come in time, else what was wrong
  ///                     with it ("connection closed before any response", ...)
  char reason[160] = {};
  /// With a signer: the signer took the server's clock from this answer (a 403 with a Date far
  /// from its own): send the same body again at once, it will be signed anew.
  bool resign_now = false;
};

/// Sends `POST <endpoint.path>` with the `len`-byte protobuf ExportTraceServiceRequest `body`
/// over `transport` (Host, User-Agent, Content-Type: application/x-protobuf, Content-Length,
/// then options.headers), reads one answer and classifies it into `result`. The transport
/// must already be connected to `endpoint` (and TLS-wrapped for https); otlp_post() never
/// opens or closes it; call it again on the same transport while close_connection is false.
/// ISR-safe: no. Blocks: yes, in transport.send/recv, up to options.timeout_ms in total.
/// Allocates: never. Stack: about 2.5 KB (Cortex-M4, -Os: the response parser and a 512-byte
/// send or receive buffer), plus what the transport's send/recv use.
/// Return values:
///   kOk              – the collector answered; `result.outcome` says what to do
///   kInvalidArgument – transport.send or recv missing, `body` null with len > 0, or a
///                      malformed header; nothing was sent (outcome kRejected)
///   kTimeout         – timeout_ms passed before the request went out or the answer came in
///   kUnavailable     – the peer closed the connection first
///   kDataLoss        – the answer was not valid HTTP/1.1, or the transport reported a
///                      corrupt stream (TLS error)
///   kFailedPrecondition – options.signer could not sign (its log line says why); nothing
///                      was sent, the connection is still usable
///   (or another negative Status the transport returned)
/// Every return but kOk and kInvalidArgument comes with outcome kRetryable.
[[nodiscard]] Status otlp_post(const Transport& transport, const Endpoint& endpoint,
                               const OtlpPostOptions& options, const std::uint8_t* body,
                               std::size_t len, OtlpPostResult& result) noexcept;

}  // namespace tracelet
