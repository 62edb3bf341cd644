// OTEL_TRACES_EXPORTER, OTEL_PROPAGATORS, OTEL_LOG_LEVEL, the span limit variables and the
// check that names every OTEL_* variable tracelet does not read. Its own small fake
// environment and log capture (env_config_test.cpp has fuller ones; these stay independent of
// that file).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tracelet/env_config.h"
#include "tracelet/exporter.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

class EnvVarsTest : public ::testing::Test {
 protected:
  static const char* lookup(void* ctx, const char* name) {
    auto* self = static_cast<EnvVarsTest*>(ctx);
    self->asked_.emplace_back(name);
    auto it = self->vars_.find(name);
    return it == self->vars_.end() ? nullptr : it->second.c_str();
  }
  // The environment as "NAME=value" entries, in map order (what `environ` would list).
  static const char* entry(void* ctx, std::size_t index) {
    auto* self = static_cast<EnvVarsTest*>(ctx);
    if (index == 0) {
      self->entries_.clear();
      for (const auto& v : self->vars_) self->entries_.push_back(v.first + "=" + v.second);
    }
    return index < self->entries_.size() ? self->entries_[index].c_str() : nullptr;
  }
  static void sink(void* ctx, LogLevel level, const char* line) {
    static_cast<EnvVarsTest*>(ctx)->lines_.emplace_back(level, line);
  }

  std::size_t load(bool with_entries = true) {
    lines_.clear();
    return load_env_config(*settings_, exporter_, options_, &sink, this, &lookup, this,
                           with_entries ? &entry : nullptr, this);
  }
  void set(const std::string& name, const std::string& value) { vars_[name] = value; }

  // Lines containing `needle` at `level`.
  std::size_t count(LogLevel level, const std::string& needle) const {
    return static_cast<std::size_t>(std::count_if(lines_.begin(), lines_.end(), [&](const auto& l) {
      return l.first == level && l.second.find(needle) != std::string::npos;
    }));
  }
  std::size_t count(const std::string& needle) const {
    return static_cast<std::size_t>(std::count_if(lines_.begin(), lines_.end(), [&](const auto& l) {
      return l.second.find(needle) != std::string::npos;
    }));
  }
  std::string all() const {
    std::string out;
    for (const auto& l : lines_) out += std::to_string(static_cast<int>(l.first)) + " " + l.second + "\n";
    return out;
  }

  std::map<std::string, std::string> vars_;
  std::vector<std::string> asked_;
  std::vector<std::string> entries_;
  std::vector<std::pair<LogLevel, std::string>> lines_;
  std::unique_ptr<EnvSettings> settings_ = std::make_unique<EnvSettings>();
  ExporterConfig exporter_;
  Options options_;
};

// ---- OTEL_TRACES_EXPORTER --------------------------------------------------------------------

TEST_F(EnvVarsTest, TracesExporterDefaultsToOtlpAndEmptyIsUnset) {
  EXPECT_EQ(load(), 0u);
  EXPECT_TRUE(settings_->traces_exporters().otlp);
  EXPECT_FALSE(settings_->traces_exporters().console);
  set("OTEL_TRACES_EXPORTER", "");
  EXPECT_EQ(load(), 0u);
  EXPECT_TRUE(lines_.empty()) << all();
  EXPECT_TRUE(settings_->traces_exporters().otlp);
  EXPECT_NE(std::find(asked_.begin(), asked_.end(), "OTEL_TRACES_EXPORTER"), asked_.end());
}

TEST_F(EnvVarsTest, TracesExporterChoices) {
  const struct {
    const char* value;
    bool otlp, console;
  } cases[] = {
      {"otlp", true, false},      {"console", false, true},      {"none", false, false},
      {"otlp,console", true, true}, {" Console , OTLP ", true, true}, {"NONE", false, false},
      {"console,,", false, true},
  };
  for (const auto& c : cases) {
    set("OTEL_TRACES_EXPORTER", c.value);
    EXPECT_EQ(load(), 0u) << c.value << "\n" << all();
    EXPECT_EQ(settings_->traces_exporters().otlp, c.otlp) << c.value;
    EXPECT_EQ(settings_->traces_exporters().console, c.console) << c.value;
  }
  set("OTEL_TRACES_EXPORTER", "logging");  // the spec's old name for console
  EXPECT_EQ(load(), 0u);
  EXPECT_TRUE(settings_->traces_exporters().console);
  EXPECT_EQ(count(LogLevel::kInfo, "old name"), 1u) << all();
}

TEST_F(EnvVarsTest, TracesExporterUnknownAndUnsupportedValuesAreWarned) {
  set("OTEL_TRACES_EXPORTER", "zipkin");
  EXPECT_EQ(load(), 2u) << all();  // zipkin skipped; nothing usable left
  EXPECT_EQ(count(LogLevel::kWarning, "OTEL_TRACES_EXPORTER: \"zipkin\" is not supported"), 1u) << all();
  EXPECT_EQ(count(LogLevel::kWarning, "using otlp"), 1u);
  EXPECT_TRUE(settings_->traces_exporters().otlp);

  set("OTEL_TRACES_EXPORTER", "console,stdout");
  EXPECT_EQ(load(), 1u) << all();
  EXPECT_EQ(count(LogLevel::kWarning, "\"stdout\" is not a known exporter"), 1u) << all();
  EXPECT_FALSE(settings_->traces_exporters().otlp);
  EXPECT_TRUE(settings_->traces_exporters().console);

  set("OTEL_TRACES_EXPORTER", "none,console");
  EXPECT_EQ(load(), 1u) << all();
  EXPECT_EQ(count(LogLevel::kWarning, "\"none\" cannot be combined"), 1u) << all();
  EXPECT_TRUE(settings_->traces_exporters().console);
  set("OTEL_TRACES_EXPORTER", " , ");  // not empty, but names nothing
  EXPECT_EQ(load(), 1u) << all();
  EXPECT_EQ(count(LogLevel::kWarning, "names no usable exporter; using otlp"), 1u) << all();
  EXPECT_TRUE(settings_->traces_exporters().otlp);
  EXPECT_FALSE(settings_->traces_exporters().console);
}

// ---- OTEL_PROPAGATORS ------------------------------------------------------------------------

TEST_F(EnvVarsTest, PropagatorsDefaultAndChoices) {
  EXPECT_EQ(load(), 0u);
  EXPECT_TRUE(settings_->propagators().tracecontext);
  EXPECT_TRUE(settings_->propagators().baggage);
  const struct {
    const char* value;
    bool tracecontext, baggage;
  } cases[] = {
      {"tracecontext", true, false}, {"baggage", false, true}, {"none", false, false},
      {"Baggage, TraceContext", true, true},
  };
  for (const auto& c : cases) {
    set("OTEL_PROPAGATORS", c.value);
    EXPECT_EQ(load(), 0u) << c.value << "\n" << all();
    EXPECT_EQ(settings_->propagators().tracecontext, c.tracecontext) << c.value;
    EXPECT_EQ(settings_->propagators().baggage, c.baggage) << c.value;
  }
}

TEST_F(EnvVarsTest, PropagatorsOtherThanW3cAreWarnedAsUnsupported) {
  for (const char* other : {"b3", "b3multi", "jaeger", "ottrace"}) {
    set("OTEL_PROPAGATORS", std::string("tracecontext,") + other);
    EXPECT_EQ(load(), 1u) << other << "\n" << all();
    EXPECT_EQ(count(LogLevel::kWarning, std::string("\"") + other + "\" is not supported"), 1u) << all();
    EXPECT_TRUE(settings_->propagators().tracecontext);
    EXPECT_FALSE(settings_->propagators().baggage);
  }
  set("OTEL_PROPAGATORS", "b3");  // nothing usable: the default
  EXPECT_EQ(load(), 2u) << all();
  EXPECT_EQ(count(LogLevel::kWarning, "using the default tracecontext,baggage"), 1u) << all();
  EXPECT_TRUE(settings_->propagators().tracecontext);
  EXPECT_TRUE(settings_->propagators().baggage);
  set("OTEL_PROPAGATORS", "tracecontext,w3c");
  EXPECT_EQ(load(), 1u);
  EXPECT_EQ(count(LogLevel::kWarning, "\"w3c\" is not a known propagator"), 1u) << all();
  set("OTEL_PROPAGATORS", "none,baggage");
  EXPECT_EQ(load(), 1u);
  EXPECT_EQ(count(LogLevel::kWarning, "\"none\" cannot be combined with other propagators"), 1u) << all();
  EXPECT_FALSE(settings_->propagators().tracecontext);
  EXPECT_TRUE(settings_->propagators().baggage);
}

TEST_F(EnvVarsTest, PropagatorsXrayAloneAndWithW3c) {
  set("OTEL_PROPAGATORS", "xray");
  EXPECT_EQ(load(), 0u) << all();
  EXPECT_TRUE(settings_->propagators().xray);
  EXPECT_FALSE(settings_->propagators().tracecontext);
  EXPECT_FALSE(settings_->propagators().baggage);
  set("OTEL_PROPAGATORS", "tracecontext,baggage,XRay");
  EXPECT_EQ(load(), 0u) << all();
  EXPECT_TRUE(settings_->propagators().xray);
  EXPECT_TRUE(settings_->propagators().tracecontext);
  EXPECT_TRUE(settings_->propagators().baggage);
  set("OTEL_PROPAGATORS", "tracecontext");
  EXPECT_EQ(load(), 0u) << all();
  EXPECT_FALSE(settings_->propagators().xray);
}

TEST_F(EnvVarsTest, XrayTraceIdsIsABoolean) {
  EXPECT_EQ(load(), 0u);
  EXPECT_FALSE(options_.xray_trace_ids);
  set("TRACELET_XRAY_TRACE_IDS", "TRUE");
  EXPECT_EQ(load(), 0u) << all();
  EXPECT_TRUE(options_.xray_trace_ids);
  set("TRACELET_XRAY_TRACE_IDS", "false");
  EXPECT_EQ(load(), 0u) << all();
  EXPECT_FALSE(options_.xray_trace_ids);
}

// ---- TRACELET_AWS_SIGV4 ----------------------------------------------------------------------

TEST_F(EnvVarsTest, AwsSigV4TakesTheAwsVariablesWithoutCopyingOrLoggingTheSecret) {
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(settings_->aws_sigv4(), nullptr);
  const std::string secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  set("TRACELET_AWS_SIGV4", "xray");
  set("AWS_SECRET_ACCESS_KEY", secret);
  set("AWS_DEFAULT_REGION", "eu-west-1");
  EXPECT_EQ(load(), 1u) << all();
  EXPECT_EQ(count(LogLevel::kError, "needs AWS_ACCESS_KEY_ID, which is not set"), 1u) << all();
  EXPECT_EQ(settings_->aws_sigv4(), nullptr);
  set("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
  EXPECT_EQ(load(), 0u) << all();
  const tracelet::SigV4Credentials* c = settings_->aws_sigv4();
  ASSERT_NE(c, nullptr);
  EXPECT_STREQ(c->service, "xray");
  EXPECT_STREQ(c->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(c->secret_access_key, vars_["AWS_SECRET_ACCESS_KEY"].c_str());  // the environment's own string
  EXPECT_STREQ(c->region, "eu-west-1");
  EXPECT_EQ(c->session_token, nullptr);
  set("AWS_REGION", "us-east-2");  // wins over AWS_DEFAULT_REGION
  set("AWS_SESSION_TOKEN", "TOKEN");
  set("TRACELET_AWS_SIGV4", "LOGS");
  EXPECT_EQ(load(), 0u) << all();
  c = settings_->aws_sigv4();
  ASSERT_NE(c, nullptr);
  EXPECT_STREQ(c->service, "logs");
  EXPECT_STREQ(c->region, "us-east-2");
  EXPECT_STREQ(c->session_token, "TOKEN");
  set("TRACELET_AWS_SIGV4", "s3");
  EXPECT_EQ(load(), 1u) << all();
  EXPECT_EQ(count(LogLevel::kWarning, "TRACELET_AWS_SIGV4=\"s3\" is not xray or logs"), 1u) << all();
  EXPECT_EQ(all().find(secret), std::string::npos);
}

// ---- OTEL_LOG_LEVEL --------------------------------------------------------------------------

TEST_F(EnvVarsTest, LogLevelValuesAnyCase) {
  const struct {
    const char* value;
    LogLevel level;
  } cases[] = {{"debug", LogLevel::kDebug}, {"INFO", LogLevel::kInfo}, {"Warn", LogLevel::kWarning},
               {"warning", LogLevel::kWarning}, {" error ", LogLevel::kError}};
  for (const auto& c : cases) {
    exporter_.log_level = LogLevel::kDebug;
    set("OTEL_LOG_LEVEL", c.value);
    EXPECT_EQ(load(), 0u) << c.value;
    EXPECT_EQ(exporter_.log_level, c.level) << c.value;
  }
  set("OTEL_LOG_LEVEL", "verbose");
  exporter_.log_level = LogLevel::kInfo;
  EXPECT_EQ(load(), 1u);
  EXPECT_EQ(count(LogLevel::kWarning, "OTEL_LOG_LEVEL=\"verbose\" is not a log level"), 1u) << all();
  EXPECT_EQ(exporter_.log_level, LogLevel::kInfo);
}

TEST_F(EnvVarsTest, LogLevelFiltersTheLoadersLinesButProblemsAreStillCounted) {
  set("OTEL_BSP_MAX_QUEUE_SIZE", "2048");  // an info line
  set("OTEL_BSP_SCHEDULE_DELAY", "soon");  // a warning
  set("OTEL_LOG_LEVEL", "warn");
  EXPECT_EQ(load(), 1u);
  EXPECT_EQ(count("OTEL_BSP_MAX_QUEUE_SIZE"), 0u) << all();
  EXPECT_EQ(count(LogLevel::kWarning, "OTEL_BSP_SCHEDULE_DELAY"), 1u) << all();
  set("OTEL_LOG_LEVEL", "error");
  EXPECT_EQ(load(), 1u);
  EXPECT_TRUE(lines_.empty()) << all();
}

// The exporter's own lines obey ExporterConfig::log_level.
TEST_F(EnvVarsTest, LogLevelFiltersTheExportersLines) {
  alignas(8) static std::uint8_t ring[8192];
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kError}) {
    Tracer tracer;
    Options options;
    options.service_name = "log-level";
    options.ring_memory = ByteSpan{ring, sizeof ring};
    ASSERT_EQ(tracer.init(options), Status::kOk);
    { auto span = tracer.start_span("s"); }
    ExporterConfig config;
    config.log = &sink;
    config.log_ctx = this;
    config.log_level = level;
    config.max_export_batch_size = 1;  // one span is a due batch
    Connector unreachable;
    unreachable.open = [](void*, const char*, std::uint16_t, bool, std::uint32_t, Transport*,
                          char* error, std::size_t cap) {
      std::snprintf(error, cap, "connection refused");
      return Status::kUnavailable;
    };
    unreachable.close = [](void*) {};
    lines_.clear();
    Exporter exporter;
    ASSERT_EQ(exporter.init(tracer, config, unreachable), Status::kOk);
    (void)exporter.poll();
    if (level == LogLevel::kDebug) {
      EXPECT_EQ(count(LogLevel::kWarning, "cannot reach"), 1u) << all();
      EXPECT_EQ(count(LogLevel::kInfo, "retry"), 1u) << all();
    } else {
      EXPECT_TRUE(lines_.empty()) << all();
    }
    (void)exporter.shutdown(1);
    lines_.clear();
  }
}

// ---- span limits -----------------------------------------------------------------------------

TEST_F(EnvVarsTest, EverySpanLimitVariableSetsItsField) {
  set("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "3");
  set("OTEL_SPAN_EVENT_COUNT_LIMIT", "2");
  set("OTEL_SPAN_LINK_COUNT_LIMIT", "1");
  set("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "4");
  set("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", " 2 ");
  set("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "40");
  EXPECT_EQ(load(), 0u) << all();
  EXPECT_EQ(options_.limits.attributes, 3u);
  EXPECT_EQ(options_.limits.events, 2u);
  EXPECT_EQ(options_.limits.links, 1u);
  EXPECT_EQ(options_.limits.event_attributes, 4u);
  EXPECT_EQ(options_.limits.link_attributes, 2u);
  EXPECT_EQ(options_.limits.value_bytes, 40u);
}

TEST_F(EnvVarsTest, SpanSpecificLimitsWinOverTheGeneralOnes) {
  set("OTEL_ATTRIBUTE_COUNT_LIMIT", "3");
  set("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "30");
  EXPECT_EQ(load(), 0u) << all();
  EXPECT_EQ(options_.limits.attributes, 3u);
  EXPECT_EQ(options_.limits.event_attributes, 3u);
  EXPECT_EQ(options_.limits.link_attributes, 3u);
  EXPECT_EQ(options_.limits.value_bytes, 30u);

  options_.limits = SpanLimits{};
  set("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "2");
  set("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "1");
  set("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "10");
  EXPECT_EQ(load(), 0u) << all();
  EXPECT_EQ(options_.limits.attributes, 2u);
  EXPECT_EQ(options_.limits.event_attributes, 1u);
  EXPECT_EQ(options_.limits.value_bytes, 10u);
}

TEST_F(EnvVarsTest, MalformedLimitsAreWarnedAndFallBackToTheGeneralOrTheCap) {
  set("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "ten");
  set("OTEL_ATTRIBUTE_COUNT_LIMIT", "3");
  set("OTEL_SPAN_EVENT_COUNT_LIMIT", "-1");
  set("OTEL_SPAN_LINK_COUNT_LIMIT", "99999999999");
  set("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "1e3");
  EXPECT_EQ(load(), 4u) << all();
  EXPECT_EQ(count(LogLevel::kWarning,
                  "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT=\"ten\" is not a decimal integer; using "
                  "OTEL_ATTRIBUTE_COUNT_LIMIT instead"),
            1u)
      << all();
  EXPECT_EQ(options_.limits.attributes, 3u);
  EXPECT_EQ(count(LogLevel::kWarning, "OTEL_SPAN_EVENT_COUNT_LIMIT=\"-1\" is negative; keeping "
                                      "TRACELET_MAX_EVENTS"),
            1u)
      << all();
  EXPECT_EQ(options_.limits.events, 0u);
  EXPECT_EQ(count(LogLevel::kWarning, "OTEL_SPAN_LINK_COUNT_LIMIT=\"99999999999\" is larger than"), 1u);
  EXPECT_EQ(options_.limits.links, 0u);
  EXPECT_EQ(count(LogLevel::kWarning, "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT=\"1e3\""), 1u);
  EXPECT_EQ(options_.limits.value_bytes, 0u);
}

TEST_F(EnvVarsTest, LimitsAboveTheCapsAreClampedWithALineNamingTheCap) {
  set("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "128");  // the OpenTelemetry SDKs' default
  set("OTEL_SPAN_EVENT_COUNT_LIMIT", "1000");
  EXPECT_EQ(load(), 2u) << all();
  EXPECT_EQ(count(LogLevel::kWarning, "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT=128 is above "
                                      "TRACELET_MAX_ATTRIBUTES (" +
                                          std::to_string(TRACELET_MAX_ATTRIBUTES) + ")"),
            1u)
      << all();
  EXPECT_EQ(options_.limits.attributes, TRACELET_MAX_ATTRIBUTES);
  EXPECT_EQ(options_.limits.events, TRACELET_MAX_EVENTS);

  options_.limits = SpanLimits{};
  set("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "");
  set("OTEL_SPAN_EVENT_COUNT_LIMIT", "");
  set("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100000");
  EXPECT_EQ(load(), 1u) << all();
  EXPECT_EQ(count(LogLevel::kWarning, "is above TRACELET_MAX_EVENT_STRING_BYTES"), 1u) << all();
  EXPECT_EQ(options_.limits.value_bytes, TRACELET_MAX_EVENT_STRING_BYTES);
  EXPECT_EQ(count(LogLevel::kInfo, "span and link attribute values are still cut at "
                                   "TRACELET_MAX_STRING_BYTES"),
            1u)
      << all();
}

TEST_F(EnvVarsTest, ALimitOfZeroKeepsNothing) {
  set("OTEL_SPAN_EVENT_COUNT_LIMIT", "0");
  set("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "0");
  EXPECT_EQ(load(), 0u) << all();
  EXPECT_EQ(options_.limits.events, SpanLimits::kNone);
  EXPECT_EQ(options_.limits.value_bytes, SpanLimits::kNone);
}

TEST_F(EnvVarsTest, EveryNewVariableIsLookedUp) {
  EXPECT_EQ(load(), 0u);
  for (const char* name :
       {"OTEL_TRACES_EXPORTER", "OTEL_PROPAGATORS", "OTEL_LOG_LEVEL", "OTEL_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_SPAN_EVENT_COUNT_LIMIT",
        "OTEL_SPAN_LINK_COUNT_LIMIT", "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT"}) {
    EXPECT_NE(std::find(asked_.begin(), asked_.end(), name), asked_.end()) << name;
  }
}

// ---- OTEL_* variables tracelet does not read -------------------------------------------------

TEST_F(EnvVarsTest, EveryUnreadOtelVariableGetsOneLineNamingIt) {
  set("PATH", "/usr/bin");                                  // not OTEL_*: no line
  set("OTEL_SERVICE_NAME", "svc");                          // read: no line
  set("OTEL_TRACES_EXPORTER", "otlp");                      // read: no line
  set("OTEL_SPAN_LINK_COUNT_LIMIT", "2");                   // read: no line
  set("OTEL_EMPTY_ONE", "");                                // empty = unset: no line
  set("OTEL_METRICS_EXPORTER", "none");                     // another signal: info
  set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://x");   // another signal: info
  set("OTEL_BLRP_SCHEDULE_DELAY", "100");                   // logs: info
  set("OTEL_PYTHON_LOG_CORRELATION", "true");               // another SDK: info
  set("OTEL_EXPORTER_ZIPKIN_ENDPOINT", "http://z");         // unsupported exporter: warning
  set("OTEL_EXPORTER_OTLP_INSECURE", "true");               // gRPC only: warning
  set("OTEL_EXPORTER_JAEGER_ENDPOINT", "http://j");         // unsupported exporter: warning
  set("OTEL_BSP_MAX_QUEUE", "5");                           // not a BSP option: warning
  set("OTEL_SERVICE_NAM", "typo");                          // unknown: warning
  set("otel_service_name", "lower");                        // wrong case: warning
  set("OTEL_Traces_Sampler", "always_on");                  // wrong case: warning
  set("otel_something", "x");                               // not an OTEL_ name at all: no line
  const std::size_t problems = load();
  for (const char* quiet : {"PATH", "OTEL_SERVICE_NAME ", "OTEL_TRACES_EXPORTER", "OTEL_EMPTY_ONE",
                            "OTEL_SPAN_LINK_COUNT_LIMIT", "otel_something"}) {
    EXPECT_EQ(count(quiet), 0u) << quiet << "\n" << all();
  }
  for (const char* info : {"OTEL_METRICS_EXPORTER", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                           "OTEL_BLRP_SCHEDULE_DELAY", "OTEL_PYTHON_LOG_CORRELATION"}) {
    EXPECT_EQ(count(LogLevel::kInfo, std::string("environment variable ") + info + " is ignored"), 1u)
        << info << "\n" << all();
  }
  for (const char* warned :
       {"OTEL_EXPORTER_ZIPKIN_ENDPOINT is ignored: tracelet has no Zipkin exporter",
        "OTEL_EXPORTER_OTLP_INSECURE is ignored: it is a gRPC option",
        "OTEL_EXPORTER_JAEGER_ENDPOINT is ignored: tracelet has no Jaeger exporter",
        "OTEL_BSP_MAX_QUEUE is ignored", "OTEL_SERVICE_NAM is not a variable tracelet knows",
        "otel_service_name is not read: names are case-sensitive (did you mean OTEL_SERVICE_NAME?)",
        "OTEL_Traces_Sampler is not read: names are case-sensitive (did you mean "
        "OTEL_TRACES_SAMPLER?)"}) {
    EXPECT_EQ(count(LogLevel::kWarning, warned), 1u) << warned << "\n" << all();
  }
  EXPECT_EQ(lines_.size(), 11u) << all();
  EXPECT_EQ(problems, 7u) << all();
  // Case matters for reading too: the lower-case service name was not used.
  EXPECT_STREQ(options_.service_name, "svc");
}

TEST_F(EnvVarsTest, WithoutAnEntriesFunctionNamesAreNotChecked) {
  set("OTEL_SERVICE_NAM", "typo");
  EXPECT_EQ(load(false), 0u);
  EXPECT_TRUE(lines_.empty()) << all();
}

}  // namespace
}  // namespace tracelet
