// Demo device: a sensor node that reads a (simulated) sensor, filters the value and
// publishes it, with nested spans, attributes, events and an occasional error, and ships the
// spans as OTLP/HTTP over TLS. Configured like any OpenTelemetry SDK through OTEL_* variables:
//   OTEL_EXPORTER_OTLP_ENDPOINT=https://api.honeycomb.io OTEL_EXPORTER_OTLP_HEADERS=x-honeycomb-team=KEY
// Usage: sensor_node [--seconds N] [--cycle-ms N] [--console] [--call URL]
//   --call http://HOST:PORT/PATH  each publish step also POSTs the reading as JSON to URL inside
//   an HTTP CLIENT span whose traceparent travels with the request, with the W3C `baggage`
//   header device.id=sensor-node-01; the service's W3C `traceresponse` answer header is
//   recorded on that span (see report_traceresponse).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "http_call.h"
#include "tracelet/baggage.h"
#include "tracelet/console_exporter.h"
#include "tracelet/env_config.h"
#include "tracelet/exporter.h"
#include "tracelet/http_client_span.h"
#include "tracelet/net_connector.h"
#include "tracelet/net_port.h"
#include "tracelet/sigv4.h"
#include "tracelet/xray_propagation.h"
#include "tracelet/xray_sampling.h"
#include "sampling_rules_file.h"
#include "tracelet/tracelet.h"

namespace {

alignas(8) std::uint8_t g_ring[64 * 1024];

// The environment as "NAME=value" entries, so load_env_config names every OTEL_* variable it
// does not read. POSIX `environ` lives here, in the host program, not in the portable module.
extern "C" char** environ;
const char* environment_entry(void* /*ctx*/, std::size_t index) {
  return environ != nullptr ? environ[index] : nullptr;
}

// OTEL_TRACES_EXPORTER=otlp,console: the OTLP exporter hands each span to the console as it
// leaves the ring (the ring has one consumer).
void print_exported_span(void* /*ctx*/, const std::uint8_t* record, std::size_t len) {
  char line[512 + TRACELET_SPAN_DATA_BYTES];
  if (tracelet::format_span_line(record, len, line, sizeof line) != 0) std::puts(line);
}

// OTEL_TRACES_EXPORTER=none: spans are recorded but go nowhere; the ring is emptied so it never
// reports them as dropped for want of room.
void discard_spans(tracelet::Tracer& tracer) {
  tracelet::Batch batch;
  while (tracer.ring().peek_batch(batch, 256) == tracelet::Status::kOk) tracer.ring().commit(batch);
}

struct Reading {
  double celsius;
  bool ok;
};

// A thermistor on a noisy bus: a slow sine plus noise, and a NACK now and then.
Reading read_sensor(unsigned cycle) {
  auto span = tracelet::start_span("read-sensor");
  span.set_attribute("sensor.id", "thermistor-0");
  span.set_attribute("bus", "i2c-1");
  tracelet::port::sleep_ms(2);
  if (cycle % 7 == 3) {
    span.record_error("I2cNack", "device 0x48 did not acknowledge");
    return {0, false};
  }
  double value = 21.0 + 3.0 * std::sin(cycle / 10.0) + ((cycle * 7919) % 100) / 200.0;
  span.set_attribute("sensor.raw_celsius", value);
  return {value, true};
}

double filter(double value, double& state, unsigned samples) {
  auto span = tracelet::start_span("filter");
  state = samples == 0 ? value : state * 0.8 + value * 0.2;  // exponential moving average
  span.set_attribute("filter.kind", "ema");
  span.set_attribute("filter.alpha", 0.2);
  span.set_attribute("filter.samples", static_cast<std::int64_t>(samples + 1));
  return state;
}

// The optional HTTP service every publish step posts to (--call).
struct CallTarget {
  const char* url_text = nullptr;  // nullptr: no calls
  tracelet::demo::HttpUrl url;
  unsigned calls = 0;
  unsigned answered_2xx = 0;
  unsigned failed = 0;             // no answer, or an answer other than 2xx
};

// W3C Trace Context Level 2: the callee names the span that served the request in the
// `traceresponse` answer header (traceparent's format, with the callee's span id). It is kept
// as the captured header attribute of the semantic conventions (`http.response.header.<name>`;
// they define a string array, tracelet records the one value as a string), so a backend can
// connect the client span to the server span even when the server's spans went elsewhere.
// If the callee started a new trace instead of continuing ours, a link points to its span.
void report_traceresponse(tracelet::HttpClientSpan& call, const tracelet::demo::HttpResponse& answer) {
  if (answer.traceresponse_count == 0) return;
  tracelet::Span& span = call.span();
  if (answer.traceresponse_count > 1 || answer.traceresponse_too_long) {
    span.add_event("traceresponse ignored",
                   {{"reason", answer.traceresponse_count > 1 ? "sent more than once" : "too long"}});
    return;
  }
  const std::string_view value = answer.traceresponse_value();
  span.set_attribute("http.response.header.traceresponse", value);
  tracelet::SpanContext callee;
  const char* reason = nullptr;
  if (tracelet::parse_traceparent(value, callee, &reason) != tracelet::Status::kOk) {
    span.add_event("traceresponse invalid", {{"reason", reason != nullptr ? reason : "malformed"}});
    return;
  }
  if (callee.trace_id != call.context().trace_id) span.add_link(callee);
}

// The header formats OTEL_PROPAGATORS selected (traceparent by default; X-Amzn-Trace-Id with xray).
tracelet::TraceFormats g_trace_formats{};

void call_service(CallTarget& target, double value, unsigned cycle) {
  tracelet::HttpClientSpan call(tracelet::default_tracer(), "POST", target.url_text);
  tracelet::demo::HttpHeaders headers;
  // Without a traceparent the request still goes out; the service then starts its own trace.
  if (tracelet::inject_context(call.context(), nullptr, g_trace_formats, headers.writer()) != tracelet::Status::kOk) {
    call.span().add_event("traceparent not sent");
  }
  // The baggage current here (main() made device.id current) goes out as the `baggage` header.
  if (const tracelet::Baggage* baggage = tracelet::current_baggage()) {
    if (tracelet::inject_baggage(*baggage, headers.writer()) != tracelet::Status::kOk) {
      call.span().add_event("baggage not sent");
    }
  }
  char body[128];
  const int body_len = std::snprintf(body, sizeof body,
                                     "{\"sensor\":\"thermistor-0\",\"cycle\":%u,\"celsius\":%.3f}",
                                     cycle, value);
  tracelet::demo::HttpRequest request;
  request.method = "POST";
  request.url = &target.url;
  request.headers = &headers;
  request.content_type = "application/json";
  request.body = std::string_view(body, body_len > 0 ? static_cast<std::size_t>(body_len) : 0);
  request.timeout_ms = 2000;
  tracelet::demo::HttpResponse answer;
  ++target.calls;
  if (tracelet::demo::http_call(request, answer) != tracelet::Status::kOk) {
    call.set_failure(answer.error_type, answer.error);
    ++target.failed;
    std::fprintf(stderr, "sensor-node: POST %s failed: %s\n", target.url_text, answer.error);
    return;
  }
  call.set_response_status(answer.status);
  report_traceresponse(call, answer);
  if (answer.status >= 200 && answer.status < 300) {
    ++target.answered_2xx;
  } else {
    ++target.failed;
    std::fprintf(stderr, "sensor-node: POST %s answered %d: %.*s\n", target.url_text, answer.status,
                 static_cast<int>(answer.body_len), answer.body);
  }
}

void publish(double value, unsigned cycle, CallTarget& target) {
  tracelet::StartOptions producer;
  producer.kind = tracelet::SpanKind::kProducer;
  auto span = tracelet::start_span("publish", producer);
  span.set_attribute("messaging.system", "mqtt");
  span.set_attribute("messaging.destination.name", "sensors/thermistor-0");
  span.set_attribute("value", value);
  tracelet::port::sleep_ms(1);
  if (cycle % 11 == 5) {
    span.add_event("broker busy", {{"retry.delay_ms", 5}});
    tracelet::port::sleep_ms(5);
  }
  if (target.url_text != nullptr) call_service(target, value, cycle);
}

void print_counters(const tracelet::TracerCounters& t, const tracelet::ExporterCounters& e) {
  std::printf("tracelet: spans recorded=%llu exported=%llu rejected=%llu dropped(ring full)=%llu "
              "dropped(overwritten)=%llu dropped(non-retryable)=%llu\n",
              static_cast<unsigned long long>(t.spans_recorded),
              static_cast<unsigned long long>(e.spans_exported),
              static_cast<unsigned long long>(e.spans_rejected),
              static_cast<unsigned long long>(t.spans_dropped_full),
              static_cast<unsigned long long>(t.spans_dropped_overwritten),
              static_cast<unsigned long long>(e.spans_dropped_non_retryable));
  std::printf("tracelet: export attempts=%llu ok=%llu failed=%llu retries=%llu connects=%llu "
              "connect failures=%llu body bytes=%llu (%llu before compression) last HTTP status=%d\n",
              static_cast<unsigned long long>(e.export_attempts),
              static_cast<unsigned long long>(e.exports_succeeded),
              static_cast<unsigned long long>(e.export_failures),
              static_cast<unsigned long long>(e.retries),
              static_cast<unsigned long long>(e.connects),
              static_cast<unsigned long long>(e.connect_failures),
              static_cast<unsigned long long>(e.bytes_sent),
              static_cast<unsigned long long>(e.bytes_uncompressed), e.last_http_status);
  std::printf("tracelet: spans sampled out=%llu record-only=%llu\n",
              static_cast<unsigned long long>(t.spans_sampled_out),
              static_cast<unsigned long long>(t.spans_record_only));
}

void print_usage(std::FILE* out, const char* program) {
  std::fprintf(out,
               "usage: %s [--seconds N] [--cycle-ms N] [--console] [--call http://HOST:PORT/PATH]\n"
               "          [--sampling-rules FILE.json]\n"
               "A demo sensor node: records read/filter/publish spans and ships them as OTLP/HTTP.\n"
               "\n"
               "Environment (OpenTelemetry SDK variables; unset = the default in brackets):\n"
               "  OTEL_SERVICE_NAME                    service.name [sensor-node]\n"
               "  OTEL_RESOURCE_ATTRIBUTES             key=value,... added to the resource\n"
               "  OTEL_SDK_DISABLED                    true = record nothing\n"
               "  OTEL_EXPORTER_OTLP_ENDPOINT          base URL; /v1/traces is appended [https://localhost:4318]\n"
               "  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   full traces URL (wins over the above)\n"
               "  OTEL_EXPORTER_OTLP_HEADERS           name=value,... e.g. x-honeycomb-team=KEY\n"
               "  OTEL_EXPORTER_OTLP_CERTIFICATE       CA bundle (PEM) to verify the collector [system bundle]\n"
               "  OTEL_EXPORTER_OTLP_TIMEOUT           one export attempt, ms [10000]\n"
               "  OTEL_EXPORTER_OTLP_PROTOCOL          http/protobuf only\n"
               "  OTEL_EXPORTER_OTLP_COMPRESSION       gzip | none [none]\n"
               "  OTEL_BSP_SCHEDULE_DELAY              ms between exports [1000 in this demo]\n"
               "  OTEL_BSP_MAX_EXPORT_BATCH_SIZE       spans per request [512]\n"
               "  OTEL_BSP_EXPORT_TIMEOUT              flush/shutdown limit, ms [30000]\n"
               "  OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG   always_on, traceidratio, parentbased_*, ...\n"
               "  OTEL_TRACES_EXPORTER                 otlp, console, none, or a list such as otlp,console [otlp]\n"
               "  OTEL_PROPAGATORS                     tracecontext, baggage, none [tracecontext,baggage]\n"
               "  OTEL_LOG_LEVEL                       debug, info, warn, error: tracelet's own log lines [debug]\n"
               "  OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_SPAN_EVENT_COUNT_LIMIT, OTEL_SPAN_LINK_COUNT_LIMIT,\n"
               "  OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT, OTEL_LINK_ATTRIBUTE_COUNT_LIMIT, OTEL_ATTRIBUTE_COUNT_LIMIT,\n"
               "  OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT, OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT\n"
               "                                       span limits, within this build's compile-time caps\n"
               "  TRACELET_ALLOW_PLAIN_HTTP            true = allow an http:// endpoint\n"
               "The _TRACES_ form of each OTEL_EXPORTER_OTLP_* variable wins over the plain one.\n",
               program);
}

}  // namespace

int main(int argc, char** argv) {
  unsigned seconds = 5;
  unsigned cycle_ms = 200;
  bool console = false;
  const char* rules_file = nullptr;
  static CallTarget target;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
    } else if (std::strcmp(argv[i], "--cycle-ms") == 0 && i + 1 < argc) {
      cycle_ms = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
    } else if (std::strcmp(argv[i], "--console") == 0) {
      console = true;
    } else if (std::strcmp(argv[i], "--sampling-rules") == 0 && i + 1 < argc) {
      rules_file = argv[++i];
    } else if (std::strcmp(argv[i], "--call") == 0 && i + 1 < argc) {
      target.url_text = argv[++i];
      const char* reason = nullptr;
      if (tracelet::demo::parse_http_url(target.url_text, target.url, &reason) != tracelet::Status::kOk) {
        std::fprintf(stderr, "sensor-node: --call %s: %s\n", target.url_text, reason);
        return 2;
      }
    } else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      print_usage(stdout, argv[0]);
      return 0;
    } else {
      std::fprintf(stderr, "sensor-node: unknown argument '%s'\n", argv[i]);
      print_usage(stderr, argv[0]);
      return 2;
    }
  }

  // Firmware defaults first; OTEL_* variables override them.
  static tracelet::Attribute device[] = {{"device.id", "sensor-node-01"}, {"host.arch", TRACELET_DEMO_ARCH}};
  tracelet::Options options;
  options.service_name = "sensor-node";
  options.service_version = "1.0.0";
  options.resource_attributes = device;
  options.resource_attribute_count = 2;
  options.ring_memory = tracelet::ByteSpan{g_ring, sizeof g_ring};
  tracelet::ExporterConfig exporter_config;
  exporter_config.schedule_delay_ms = 1000;
  static tracelet::EnvSettings env;
  std::size_t problems =
      tracelet::load_env_config(env, exporter_config, options, tracelet::log_to_stderr, nullptr,
                                nullptr, nullptr, &environment_entry, nullptr);
  // --console is OTEL_TRACES_EXPORTER=console.
  const bool use_otlp = !console && env.traces_exporters().otlp;
  const bool use_console = console || env.traces_exporters().console;
  if (problems != 0) std::fprintf(stderr, "tracelet: %zu configuration problem(s), defaults used\n", problems);
  g_trace_formats = tracelet::TraceFormats{env.propagators().tracecontext, env.propagators().xray};
  // TRACELET_AWS_SIGV4=xray with AWS_* credentials: OTLP straight to AWS X-Ray, signed.
  static tracelet::SigV4Signer signer;
  if (const tracelet::SigV4Credentials* aws = env.aws_sigv4()) {
    if (signer.init(*aws) != tracelet::Status::kOk) return 1;  // logged, without the secret
    exporter_config.signer = signer.request_signer();
    std::printf("sensor-node: signing exports with AWS SigV4 (service %s, region %s)\n", aws->service, aws->region);
  }
  if (rules_file != nullptr) {
    char error[300];
    if (!tracelet::demo::load_rule_sampler(rules_file, options.service_name, options.sampler, error,
                                           sizeof error)) {
      std::fprintf(stderr, "sensor-node: --sampling-rules: %s\n", error);
      return 2;
    }
  }

  // TRACELET_XRAY_SAMPLING_ENDPOINT: sampling rules and quotas from the X-Ray sampling API
  // (a local proxy, or =aws for the signed API); the exporter's thread polls it.
  static char xray_text[160];
  static tracelet::XraySamplingConfig xray_config;
  static tracelet::NetConnector xray_connector;
  static tracelet::SigV4Signer xray_signer;
  static tracelet::SigV4Credentials xray_credentials;
  static tracelet::RemoteSampler remote_sampler;
  static tracelet::ParentBasedSampler remote_parent_based;
  bool remote_sampling = false;
  {
    bool signed_api = false;
    char message[200];
    const tracelet::Status s = tracelet::load_xray_sampling_env(xray_config, &signed_api, xray_text,
                                                                sizeof xray_text, nullptr, message, sizeof message);
    if (s == tracelet::Status::kInvalidArgument) {
      std::fprintf(stderr, "sensor-node: %s\n", message);
      return 2;
    }
    if (s == tracelet::Status::kOk) {
      // Signed for the AWS API (=aws), and for any https endpoint while TRACELET_AWS_SIGV4 is
      // set (tracelet-receiver --aws-sigv4 --xray-sampling-rules playing the API offline); a
      // plain-http local proxy (a collector's localhost:2000) gets unsigned calls.
      const bool https = std::strncmp(xray_config.endpoint, "https://", 8) == 0;
      if (signed_api || (https && env.aws_sigv4() != nullptr)) {
        const tracelet::SigV4Credentials* aws = env.aws_sigv4();
        if (aws == nullptr) {
          std::fprintf(stderr, "sensor-node: TRACELET_XRAY_SAMPLING_ENDPOINT=aws needs TRACELET_AWS_SIGV4=xray "
                               "and the AWS_* credentials\n");
          return 2;
        }
        xray_credentials = *aws;
        xray_credentials.service = "xray";
        if (xray_signer.init(xray_credentials) != tracelet::Status::kOk) return 1;
        xray_config.signer = xray_signer.request_signer();
      }
      // The exporter's CA (OTEL_EXPORTER_OTLP_CERTIFICATE), else the platform's bundle.
      tracelet::ExporterConfig xray_net;
      xray_net.ca_file = exporter_config.ca_file;
      xray_connector.configure(xray_net);
      xray_config.connector = xray_connector.connector();
      xray_config.service_name = options.service_name;
      if (remote_sampler.init(xray_config) != tracelet::Status::kOk) return 2;  // logged
      remote_parent_based.root = remote_sampler.sampler();
      options.sampler = remote_parent_based.sampler();
      exporter_config.poll_task = remote_sampler.poll_task();
      remote_sampling = true;
      std::printf("sensor-node: sampling rules from %s%s\n", xray_config.endpoint, signed_api ? " (signed)" : "");
    }
  }

  if (tracelet::init(options) != tracelet::Status::kOk) {
    std::fprintf(stderr, "tracelet: init failed\n");
    return 1;
  }
  static tracelet::NetConnector connector;
  static tracelet::Exporter exporter;
  if (use_otlp) {
    if (use_console) exporter_config.on_span_exported = &print_exported_span;
    connector.configure(exporter_config);
    if (exporter.init(tracelet::default_tracer(), exporter_config, connector.connector()) !=
            tracelet::Status::kOk ||
        exporter.start_background() != tracelet::Status::kOk) {
      std::fprintf(stderr, "tracelet: exporter could not start (see above)\n");
      return 1;
    }
    std::printf("sensor-node: shipping spans to %s for %u s\n",
                exporter_config.endpoint ? exporter_config.endpoint : "https://localhost:4318/v1/traces",
                seconds);
  }

  if (!use_otlp && !use_console) {
    std::printf("sensor-node: OTEL_TRACES_EXPORTER=none: spans are recorded but not exported\n");
  }

  // W3C Baggage current for the whole run: every call carries device.id to the service.
  static tracelet::Baggage baggage;
  (void)baggage.set("device.id", "sensor-node-01");
  tracelet::BaggageScope baggage_scope(baggage);

  const unsigned cycles = seconds * 1000 / (cycle_ms ? cycle_ms : 1);
  double ema = 0;
  unsigned samples = 0;
  for (unsigned cycle = 0; cycle < cycles; ++cycle) {
    {
      auto span = tracelet::start_span("sensor-cycle");
      span.set_attribute("cycle", static_cast<std::int64_t>(cycle));
      Reading reading = read_sensor(cycle);
      if (!reading.ok) {
        span.set_status(tracelet::StatusCode::kError, "sensor read failed");
      } else {
        double smoothed = filter(reading.celsius, ema, samples++);
        publish(smoothed, cycle, target);
      }
    }
    if (use_console && !use_otlp) tracelet::export_to_console(tracelet::default_tracer());
    if (!use_console && !use_otlp) discard_spans(tracelet::default_tracer());
    if (remote_sampling && !use_otlp) (void)remote_sampler.poll();  // no exporter thread to do it
    tracelet::port::sleep_ms(cycle_ms);
  }

  tracelet::Status flushed = use_otlp ? exporter.shutdown(10000) : tracelet::Status::kOk;
  print_counters(tracelet::default_tracer().counters(), exporter.counters());
  if (rules_file != nullptr) tracelet::demo::print_rule_stats();
  if (remote_sampling) {
    const tracelet::XraySamplingStats st = remote_sampler.stats();
    std::printf("sensor-node: X-Ray sampling: %s, %u rules, %u rules and %u targets calls, %u failed; "
                "default rule sampled %u of %u\n",
                st.using_default_rule ? "default rule" : "remote rules", st.rule_count, st.rules_fetches,
                st.targets_fetches, st.call_failures, st.default_rule_sampled, st.default_rule_matched);
    for (std::size_t i = 0; i < st.rule_count; ++i) {
      const tracelet::XrayRuleStats r = remote_sampler.rule_stats(i);
      std::printf("  rule %.*s: %u matched, %u sampled (%u borrowed), quota %u/s, rate %.3f\n",
                  static_cast<int>(r.name.size()), r.name.data(), r.matched, r.sampled, r.borrowed, r.quota,
                  r.fixed_rate);
    }
  }
  if (target.url_text != nullptr) {
    std::printf("sensor-node: calls to %s: %u, answered 2xx: %u, failed: %u\n", target.url_text, target.calls,
                target.answered_2xx, target.failed);
  }
  tracelet::shutdown();
  return flushed == tracelet::Status::kOk ? 0 : 3;
}
