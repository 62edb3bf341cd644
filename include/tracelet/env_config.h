#pragma once
// Reading tracelet's configuration from the standard OTEL_* environment variables, for hosts
// that have an environment (Linux, Raspberry Pi). Firmware without one fills ExporterConfig
// and Options in code instead; nothing here is needed there.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "tracelet/attribute.h"
#include "tracelet/config.h"
#include "tracelet/exporter_config.h"
#include "tracelet/log.h"
#include "tracelet/internal/blank_attributes.h"
#include "tracelet/samplers.h"
#include "tracelet/sigv4.h"
#include "tracelet/tracer.h"

#ifndef TRACELET_ENV_TEXT_BYTES
#define TRACELET_ENV_TEXT_BYTES 2048  // bytes for every string read from the environment (NUL-terminated copies); a value that does not fit is logged and ignored
#endif

#ifndef TRACELET_ENV_MAX_HEADERS
#define TRACELET_ENV_MAX_HEADERS 16  // export headers after merging code-set and OTEL_*_HEADERS ones; extras are logged and dropped
#endif

#ifndef TRACELET_ENV_MAX_RESOURCE_ATTRIBUTES
#define TRACELET_ENV_MAX_RESOURCE_ATTRIBUTES TRACELET_MAX_RESOURCE_ATTRIBUTES  // resource attributes after merging; more = OTEL_RESOURCE_ATTRIBUTES is logged and ignored
#endif

static_assert(TRACELET_ENV_TEXT_BYTES >= 256,
              "TRACELET_ENV_TEXT_BYTES must hold at least an endpoint URL: pick 256 or more.");
static_assert(TRACELET_ENV_MAX_HEADERS >= 1, "TRACELET_ENV_MAX_HEADERS must be at least 1.");
static_assert(TRACELET_ENV_MAX_RESOURCE_ATTRIBUTES >= 1,
              "TRACELET_ENV_MAX_RESOURCE_ATTRIBUTES must be at least 1.");

namespace tracelet {

/// Looks up one environment variable; returns nullptr when it is unset. nullptr as the
/// function itself means std::getenv. Tests inject their own to never touch the real one.
using EnvLookup = const char* (*)(void* ctx, const char* name);

/// Lists the environment, for the check that no OTEL_* variable is ignored silently: returns
/// the `index`-th "NAME=value" entry, or nullptr past the last. On POSIX hosts:
///   extern char** environ;
///   const char* entry(void*, std::size_t i) { return environ[i]; }
/// (not built in: `environ` is POSIX, and this module is portable code).
using EnvEntries = const char* (*)(void* ctx, std::size_t index);

/// The span exporters OTEL_TRACES_EXPORTER selects (default: otlp). Both false = "none":
/// spans are recorded (sampling, current span, ids) but not exported.
struct TracesExporters {
  bool otlp = true;
  bool console = false;
};

/// The context propagators OTEL_PROPAGATORS selects (default: tracecontext,baggage), for the
/// propagation code: W3C traceparent/tracestate, W3C baggage and AWS X-Ray's X-Amzn-Trace-Id
/// headers (tracelet/propagation.h).
struct Propagators {
  bool tracecontext = true;
  bool baggage = true;
  bool xray = false;
};

namespace detail {
class EnvLoader;
}  // namespace detail

/// Storage for everything load_env_config() reads: the ExporterConfig and Options it fills
/// point into it, so it must outlive them (Tracer::init copies what it needs; the Exporter
/// keeps the pointers for its whole life, so keep this next to the exporter, e.g. static).
/// Sizes are fixed at compile time (TRACELET_ENV_* above, about 3.3 KB by default); it never
/// allocates. Constant-initialisable. Several load_env_config() calls on one EnvSettings
/// append to it; earlier results stay valid. Its accessors: Blocks: never. Allocates: never.
class EnvSettings {
 public:
  constexpr EnvSettings() noexcept {}
  EnvSettings(const EnvSettings&) = delete;  // configs point into it; a copy would not be used
  EnvSettings& operator=(const EnvSettings&) = delete;

  /// Bytes of the text pool in use, out of TRACELET_ENV_TEXT_BYTES.
  std::size_t text_used() const noexcept { return text_used_; }
  /// What OTEL_TRACES_SAMPLER / _ARG selected (the spec's default if unset or invalid).
  const SamplerConfig& sampler_config() const noexcept { return sampler_.config(); }
  /// What OTEL_TRACES_EXPORTER selected (the default, otlp, if unset or nothing usable).
  const TracesExporters& traces_exporters() const noexcept { return exporters_; }
  /// What OTEL_LOGS_EXPORTER selected for log records (tracelet::log), in the same shape:
  /// otlp = sent to the logs endpoint (else ExporterConfig::drop_logs is set), console = the
  /// application prints them (format_span_line formats log records too).
  const TracesExporters& logs_exporters() const noexcept { return logs_exporters_; }
  /// What OTEL_PROPAGATORS selected (tracecontext,baggage if unset or nothing usable).
  const Propagators& propagators() const noexcept { return propagators_; }
  /// What TRACELET_AWS_SIGV4 and the AWS_* variables selected: the credentials to give
  /// SigV4Signer::init() (tracelet/sigv4.h, module tracelet::aws), or nullptr when requests
  /// are to stay unsigned (unset, or a required variable missing: logged).
  const SigV4Credentials* aws_sigv4() const noexcept { return aws_set_ ? &aws_ : nullptr; }

 private:
  friend class detail::EnvLoader;
  ConfiguredSampler sampler_;  // tracer.sampler points here when the variables are set
  char text_[TRACELET_ENV_TEXT_BYTES] = {};
  std::size_t text_used_ = 0;
  HttpHeader headers_[TRACELET_ENV_MAX_HEADERS] = {};
  HttpHeader logs_headers_[TRACELET_ENV_MAX_HEADERS] = {};
  std::array<Attribute, TRACELET_ENV_MAX_RESOURCE_ATTRIBUTES> resource_ =
      detail::blank_attributes(std::make_index_sequence<TRACELET_ENV_MAX_RESOURCE_ATTRIBUTES>());  TracesExporters exporters_{};
  TracesExporters logs_exporters_{};
  Propagators propagators_{};
  SigV4Credentials aws_{};
  bool aws_set_ = false;
};

/// Fills `exporter` and `tracer` from the environment (OpenTelemetry SDK environment variable
/// specification, OTLP exporter and resource SDK sections).
///
/// Values already in the structs are defaults: a variable that is unset or empty leaves its
/// field as it is; a set one replaces it. Headers and resource attributes are merged by key
/// with what the structs already hold (the environment wins on a duplicate key).
///
/// Variables read (the signal-specific OTEL_EXPORTER_OTLP_TRACES_* one wins over the generic
/// OTEL_EXPORTER_OTLP_* one as a whole value; an invalid one counts as unset, so the generic
/// one then applies):
///   OTEL_SDK_DISABLED=true                  -> tracer.start_disabled (Boolean, see below)
///   OTEL_SERVICE_NAME                       -> tracer.service_name (wins over service.name
///                                              in OTEL_RESOURCE_ATTRIBUTES)
///   OTEL_RESOURCE_ATTRIBUTES=k=v,k2=v2      -> tracer.resource_attributes (string values);
///        service.name / service.version there -> tracer.service_name / service_version.
///        Keys and values are trimmed of spaces/tabs and percent-decoded; `,` and `=` inside
///        them must be written %2C and %3D. Any error (no '=', empty key, bad %-escape, %00,
///        invalid UTF-8, too many attributes) discards the whole variable, as the spec says.
///   OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT    -> exporter.endpoint. TRACES_ is used as-is (a
///        missing path becomes "/"); the generic one gets "/v1/traces" appended with exactly
///        one '/'. Must be http:// or https://, a host (IPv6 in [brackets]), an optional
///        :port 1..65535; no user@, no #fragment (and no ?query on the generic one).
///   OTEL_EXPORTER_OTLP_LOGS_ENDPOINT        -> exporter.logs_endpoint, as-is (log records,
///        tracelet::log); else OTEL_EXPORTER_OTLP_ENDPOINT + "/v1/logs". Neither = the
///        exporter uses the traces endpoint's collector with the path /v1/logs. Every other
///        OTEL_EXPORTER_OTLP_* setting is shared by both signals.
///   TRACELET_ALLOW_PLAIN_HTTP=true          -> exporter.allow_plain_http (Boolean)
///   OTEL_EXPORTER_OTLP_[TRACES_]HEADERS     -> exporter.headers: name=value,... names are
///        HTTP tokens, values percent-decoded; a member with a bad name, a ';', a bad escape
///        or a control character (CR/LF: header injection) is logged and dropped alone.
///   OTEL_EXPORTER_OTLP_LOGS_HEADERS         -> exporter.logs_headers, the same syntax: the headers
///        of log records' requests (e.g. x-aws-log-group=...,x-aws-log-stream=... for CloudWatch
///        Logs). Unset: log records share the traces' headers, unless
///        OTEL_EXPORTER_OTLP_TRACES_HEADERS is set, in which case they get the generic ones.
///   OTEL_EXPORTER_OTLP_[TRACES_]CERTIFICATE -> exporter.ca_file (a path, copied as-is)
///   OTEL_EXPORTER_OTLP_[TRACES_]CLIENT_CERTIFICATE -> exporter.client_cert_file (a path)
///   OTEL_EXPORTER_OTLP_[TRACES_]CLIENT_KEY  -> exporter.client_key_file (a path; the file's
///        contents are never read here or logged). Each of the two is picked on its own, the
///        TRACES_ form winning; a set one replaces client_*_data set in code. An unreadable
///        file, or one of the pair without the other, is an error naming the variable (the
///        exporter then refuses to connect with a configuration error).
///   OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT     -> exporter.timeout_ms (Timeout: ms, 0 = no limit)
///   OTEL_BSP_SCHEDULE_DELAY                 -> exporter.schedule_delay_ms (Duration, ms)
///   OTEL_BSP_EXPORT_TIMEOUT                 -> exporter.export_timeout_ms (Timeout, ms)
///   OTEL_BSP_MAX_EXPORT_BATCH_SIZE          -> exporter.max_export_batch_size (> 0)
///   OTEL_BSP_MAX_QUEUE_SIZE                 -> ignored (info log): the queue is the span ring
///                                              the caller sizes through Options::ring_memory
///   OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION -> exporter.compression: "gzip" or "none"
///        (case-insensitive); anything else is warned about and ignored. gzip needs a
///        compressor: zlib's on Linux (tracelet::gzip); without one (firmware builds) the
///        exporter logs a line at init and sends uncompressed bodies
///   OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL    -> anything but "http/protobuf" is warned about
///   OTEL_TRACES_EXPORTER=otlp,console,none  -> storage.traces_exporters() (comma list, any
///        case; "logging" is read as console; zipkin, jaeger and unknown names are warned
///        about and skipped; "none" with others is warned about; nothing usable = otlp)
///   OTEL_LOGS_EXPORTER=otlp,console,none    -> storage.logs_exporters(), read the same way;
///        without otlp, exporter.drop_logs = true
///   OTEL_PROPAGATORS=tracecontext,baggage,xray,none -> storage.propagators() (b3, b3multi,
///        jaeger, ottrace and unknown names are warned about as unsupported; nothing usable =
///        the default tracecontext,baggage)
///   TRACELET_XRAY_TRACE_IDS=true            -> tracer.xray_trace_ids (Boolean): trace ids led
///        by the epoch seconds, as X-Ray's older paths need
///   TRACELET_AWS_SIGV4=xray|logs            -> storage.aws_sigv4(): sign every export with AWS
///        SigV4 for that service, with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, the optional
///        AWS_SESSION_TOKEN, and AWS_REGION (else AWS_DEFAULT_REGION). The OTEL_* endpoint and
///        headers stay as they are (e.g. https://xray.<region>.amazonaws.com/v1/traces). These
///        values are not copied: the credentials point at the strings `lookup` returned
///        (getenv's, which live as long as the environment is not changed), so the secret
///        exists once; it is never logged. A missing one is an error naming the variable.
///   OTEL_LOG_LEVEL=debug|info|warn|error     -> exporter.log_level, and the lowest level this
///        loader passes to `log` (read first; problems are counted even when not shown)
///   OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT (else OTEL_ATTRIBUTE_COUNT_LIMIT) -> tracer.limits.attributes
///   OTEL_SPAN_EVENT_COUNT_LIMIT             -> tracer.limits.events
///   OTEL_SPAN_LINK_COUNT_LIMIT              -> tracer.limits.links
///   OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT (else OTEL_ATTRIBUTE_COUNT_LIMIT) -> .event_attributes
///   OTEL_LINK_ATTRIBUTE_COUNT_LIMIT (else OTEL_ATTRIBUTE_COUNT_LIMIT)  -> .link_attributes
///   OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT (else OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT)
///                                           -> tracer.limits.value_bytes
///        Limits are Integers; 0 keeps nothing (SpanLimits::kNone); a value above the
///        compile-time cap (config.h) is the cap, with a warning naming it.
/// With `entries` (nullptr = no check), every set OTEL_* variable not in the list above gets
/// one line naming it: an info line for other signals' (metrics, logs) and other languages'
/// variables, a warning for the rest (unsupported exporters and options, unknown or misspelt
/// names; a name that differs from a known one only in case is named as such).
/// Booleans: only case-insensitive "true" is true; "false" is false; anything else is false
/// with a warning. Integers: decimal digits only (surrounding spaces/tabs allowed), 0 to
/// 2147483647; a sign, junk or overflow is a warning and the field keeps its value. A Timeout
/// of 0 means "no limit" and is stored as 2147483647 ms (0 in ExporterConfig means default);
/// a Duration of 0 is stored as 1 ms for the same reason.
///
/// Every problem is one line to `log` (nullptr = log_to_stderr) naming the variable, the bad
/// value (escaped and shortened; header values are never printed, they hold API keys) and
/// the value kept. Returns the number of problems (warnings and errors; info lines such as
/// the ignored queue size are not problems): 0 = everything set was applied.
/// ISR-safe: no (startup code). Allocates: never. Blocks: never (besides `log` and
/// `lookup`). Not thread-safe with respect to other writers of `storage`, `exporter` or
/// `tracer`, nor with setenv() when `lookup` is the default std::getenv.
std::size_t load_env_config(EnvSettings& storage, ExporterConfig& exporter, Options& tracer,
                            LogSink log, void* log_ctx, EnvLookup lookup = nullptr,
                            void* lookup_ctx = nullptr, EnvEntries entries = nullptr,
                            void* entries_ctx = nullptr) noexcept;

}  // namespace tracelet
