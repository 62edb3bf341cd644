// Fuzz target: reading the OTEL_* environment (src/config/env_config.cpp) through its lookup
// seam, so the fuzzer's bytes become variable values without touching the real environment.
// Input: lines; the first byte of each picks a variable (known names, other signals', unknown
// and misspelt ones), the rest is its value. The certificate variables are left out: they name
// files the loader opens. Checks that loading is deterministic, that every log line is one
// printable line, that the problem count matches the warning and error lines, that what was
// kept is usable (an endpoint parse_endpoint accepts, headers that cannot inject a line, limits
// within the caps, the text pool within its size, a service name).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tracelet/endpoint.h"
#include "tracelet/env_config.h"

namespace {

using namespace tracelet;

constexpr const char* kNames[] = {
    "OTEL_SDK_DISABLED", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "TRACELET_ALLOW_PLAIN_HTTP",
    "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_EXPORTER_OTLP_COMPRESSION",
    "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_TRACES_EXPORTER", "OTEL_PROPAGATORS",
    "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_ATTRIBUTE_COUNT_LIMIT", "OTEL_SPAN_EVENT_COUNT_LIMIT", "OTEL_SPAN_LINK_COUNT_LIMIT",
    "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_METRICS_EXPORTER", "OTEL_EXPORTER_OTLP_INSECURE", "OTEL_EXPORTER_ZIPKIN_ENDPOINT",
    "OTEL_PYTHON_LOG_CORRELATION", "OTEL_BSP_MAX_QUEUE", "OTEL_Service_Name", "OTEL_FOO",
    "OTEL_LOG_LEVEL"};  // last: a run without it shows every line
constexpr std::size_t kNameCount = sizeof kNames / sizeof kNames[0];

struct Env {
  std::vector<std::string> values = std::vector<std::string>(kNameCount);
  std::vector<bool> set = std::vector<bool>(kNameCount, false);
  std::vector<std::string> entries;  // "NAME=value"
};

const char* lookup(void* ctx, const char* name) {
  const Env& env = *static_cast<const Env*>(ctx);
  for (std::size_t i = 0; i < kNameCount; ++i) {
    if (env.set[i] && std::strcmp(kNames[i], name) == 0) return env.values[i].c_str();
  }
  return nullptr;
}

const char* entry(void* ctx, std::size_t index) {
  const Env& env = *static_cast<const Env*>(ctx);
  return index < env.entries.size() ? env.entries[index].c_str() : nullptr;
}

struct Log {
  std::string text;
  std::size_t problems = 0;  // warning and error lines
};

void collect(void* ctx, LogLevel level, const char* line) {
  Log& log = *static_cast<Log*>(ctx);
  for (const char* p = line; *p != '\0'; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c < 0x20 || c == 0x7f) std::abort();  // values are escaped: one line each
  }
  if (level == LogLevel::kWarning || level == LogLevel::kError) ++log.problems;
  log.text += line;
  log.text += '\n';
}

struct Loaded {
  Log log;
  std::size_t problems = 0;
};

Loaded load(Env& env, EnvSettings& storage, ExporterConfig& exporter, Options& tracer) {
  Loaded out;
  exporter.endpoint = "https://collector.example:4318/v1/traces";
  tracer.service_name = "fuzz";
  out.problems = load_env_config(storage, exporter, tracer, collect, &out.log, lookup, &env, entry, &env);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Env env;
  const std::string input(reinterpret_cast<const char*>(data), size);
  for (std::size_t start = 0; start < input.size();) {
    std::size_t end = input.find('\n', start);
    if (end == std::string::npos) end = input.size();
    if (end > start) {
      const std::size_t i = static_cast<unsigned char>(input[start]) % kNameCount;
      env.values[i] = input.substr(start + 1, end - start - 1).c_str();  // up to a NUL, as in environ
      env.set[i] = true;
    }
    start = end + 1;
  }
  for (std::size_t i = 0; i < kNameCount; ++i) {
    if (env.set[i]) env.entries.push_back(std::string(kNames[i]) + "=" + env.values[i]);
  }

  EnvSettings storage;
  ExporterConfig exporter;
  Options tracer;
  const Loaded first = load(env, storage, exporter, tracer);

  if (!env.set[kNameCount - 1] && first.problems != first.log.problems) std::abort();
  if (first.problems < first.log.problems) std::abort();
  if (storage.text_used() > TRACELET_ENV_TEXT_BYTES) std::abort();
  Endpoint endpoint;
  if (exporter.endpoint == nullptr || parse_endpoint(exporter.endpoint, endpoint, nullptr, 0) != Status::kOk) {
    std::abort();
  }
  if (exporter.header_count > TRACELET_ENV_MAX_HEADERS || (exporter.header_count != 0 && exporter.headers == nullptr)) {
    std::abort();
  }
  for (std::size_t i = 0; i < exporter.header_count; ++i) {
    const HttpHeader& h = exporter.headers[i];
    if (h.name == nullptr || h.value == nullptr || h.name[0] == '\0' ||
        std::strpbrk(h.name, ":\r\n \t") != nullptr || std::strpbrk(h.value, "\r\n") != nullptr) {
      std::abort();
    }
  }
  if (tracer.service_name == nullptr || tracer.service_name[0] == '\0') std::abort();
  if (tracer.resource_attribute_count > TRACELET_ENV_MAX_RESOURCE_ATTRIBUTES) std::abort();
  const SpanLimits& l = tracer.limits;
  const auto within = [](std::uint16_t v, unsigned cap) { return v == SpanLimits::kNone || v <= cap; };
  if (!within(l.attributes, TRACELET_MAX_ATTRIBUTES) || !within(l.events, TRACELET_MAX_EVENTS) ||
      !within(l.links, TRACELET_MAX_LINKS)) {
    std::abort();
  }

  // The same environment again gives the same result and the same lines.
  EnvSettings storage2;
  ExporterConfig exporter2;
  Options tracer2;
  const Loaded second = load(env, storage2, exporter2, tracer2);
  if (second.problems != first.problems || second.log.text != first.log.text ||
      std::strcmp(exporter2.endpoint, exporter.endpoint) != 0 ||
      exporter2.header_count != exporter.header_count || exporter2.timeout_ms != exporter.timeout_ms ||
      std::strcmp(tracer2.service_name, tracer.service_name) != 0) {
    std::abort();
  }
  return 0;
}
