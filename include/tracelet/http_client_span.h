#pragma once
#include <cstdint>
#include <string_view>

#include "tracelet/current_span.h"
#include "tracelet/propagation.h"
#include "tracelet/span.h"
#include "tracelet/tracer.h"

namespace tracelet {

/// A CLIENT span around one outgoing HTTP request of the device, shaped by OpenTelemetry's
/// HTTP semantic conventions: name "{method}", attributes http.request.method, url.full,
/// server.address, server.port, and after the answer http.response.status_code. The status
/// is Error for a failure, or for an answer >= 400 (the conventions' rule for client spans:
/// the request did not do what the device asked). Becomes the current span, so spans the
/// device starts while waiting are its children.
///
///   HttpClientSpan call(tracer, "POST", "https://api.example.com/v1/readings");
///   call.inject(headers);                  // traceparent (+ tracestate) for the request
///   int status = my_http_post(...);
///   call.set_response_status(status);      // or call.set_failure("Timeout", "no answer");
///
/// Every method: Blocks: never. Allocates: never. ISR-safe: not meant for interrupts
/// (set_response_status() formats with snprintf; inject() calls the carrier's `set`); the
/// recording itself is the Span's.
class HttpClientSpan {
 public:
  /// Starts the span. `url` is recorded as url.full; host and port are taken from it.
  /// `parent` = nullptr: the current span.
  HttpClientSpan(Tracer& tracer, std::string_view method, std::string_view url,
                 const SpanContext* parent = nullptr) noexcept;

  /// Writes traceparent (and `state`, if given, as tracestate) for this span into `carrier`.
  /// Return values: kOk, or the carrier's/format's error (the request can go without it).
  [[nodiscard]] Status inject(const CarrierWriter& carrier, const TraceState* state = nullptr) noexcept;

  void set_response_status(int status_code) noexcept;
  /// The request failed without an answer (DNS, TLS, timeout...): error.type and an
  /// exception event, status Error.
  void set_failure(std::string_view error_type, std::string_view message) noexcept;

  Span& span() noexcept { return span_; }
  const SpanContext& context() const noexcept { return span_.context(); }

 private:
  Span span_;
};

// current_span_context() is declared in tracelet/current_span.h (included above).

}  // namespace tracelet
