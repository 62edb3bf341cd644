#pragma once
// AWS X-Ray's trace header, X-Amzn-Trace-Id, as a propagator next to W3C Trace Context
// (OTEL_PROPAGATORS=xray, or e.g. tracecontext,baggage,xray), for devices that call API
// Gateway or Lambda:
//   X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1
// Root is "1-" + the trace id's first 8 hex digits + "-" + its other 24; Parent is the span
// id; Sampled is 1 or 0. On extract the fields may come in any order, with spaces around them
// and with others (Lineage, Self, ...), which are skipped; ids are hex in either case.
// Anything malformed in Root, Parent or Sampled rejects the whole header with a reason, as the
// official OpenTelemetry propagator (@opentelemetry/propagator-aws-xray) does.
//
// Contract of every function here: ISR-safe: yes (reentrant; extract/inject call the
// carrier's functions, which then must be too). Blocks: never. Allocates: never.
#include <cstddef>
#include <string_view>

#include "tracelet/ids.h"
#include "tracelet/propagation.h"
#include "tracelet/status.h"

namespace tracelet {

/// The header's name as tracelet sends it; matched in any letter case on extract.
inline constexpr std::string_view kXrayTraceField = "X-Amzn-Trace-Id";
/// Length of the value format_xray_header() writes: "Root=1-" 8 "-" 24 ";Parent=" 16 ";Sampled=" 1.
inline constexpr std::size_t kXrayHeaderLength = 74;

/// Parses an X-Amzn-Trace-Id value into `out` (is_remote = true).
/// Return values:
///   kOk              – `out` holds a valid remote context
///   kInvalidArgument – no Root, Parent or Sampled; one of them twice; Root not
///                      "1-<8 hex>-<24 hex>"; Parent not 16 hex; Sampled not 0 or 1; an
///                      all-zero id. `out` is reset; `reason`, when given, points to a fixed
///                      English sentence naming the rule.
Status parse_xray_header(std::string_view value, SpanContext& out, const char** reason = nullptr) noexcept;

/// Writes "Root=1-…;Parent=…;Sampled=0|1" for `context` into `out` (no NUL terminator).
/// Return values:
///   kOk                – `len` = kXrayHeaderLength bytes written
///   kInvalidArgument   – `context` is invalid; nothing written
///   kResourceExhausted – cap < kXrayHeaderLength; nothing written
Status format_xray_header(const SpanContext& context, char* out, std::size_t cap, std::size_t& len) noexcept;

/// Reads the first X-Amzn-Trace-Id field of `carrier`.
/// Return values: kOk (valid remote context), kUnavailable (no such field), kInvalidArgument
/// (malformed: start a new trace), kFailedPrecondition (the reader has neither field nor get).
/// In every case but kOk, `context` is invalid.
Status extract_xray(const CarrierReader& carrier, SpanContext& context) noexcept;

/// Writes X-Amzn-Trace-Id for `context` into `carrier`.
/// Return values: kOk, kInvalidArgument (invalid context, nothing written),
/// kFailedPrecondition (no `set`), or any Status the carrier's `set` returned.
Status inject_xray(const SpanContext& context, const CarrierWriter& carrier) noexcept;

/// Which formats extract_context()/inject_context() use: what OTEL_PROPAGATORS selected
/// (EnvSettings::propagators() has the same two flags plus baggage, which baggage.h handles).
struct TraceFormats {
  bool tracecontext = true;
  bool xray = false;
};

/// Extracts with each selected format in turn, W3C first: the first valid context wins (a
/// request through API Gateway may carry both headers). `state` as for extract().
/// Return values: kOk; else the W3C result when tracecontext is selected and its header was
/// there but malformed, otherwise the last format's (kUnavailable, kInvalidArgument, ...).
Status extract_context(const CarrierReader& carrier, const TraceFormats& formats, SpanContext& context,
                       TraceState* state) noexcept;

/// Injects with every selected format (traceparent/tracestate and/or X-Amzn-Trace-Id).
/// Return values: kOk, or the first failure (later formats are not written).
Status inject_context(const SpanContext& context, const TraceState* state, const TraceFormats& formats,
                      const CarrierWriter& carrier) noexcept;

}  // namespace tracelet
