#include "tracelet/env_config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/log_capture.h"

namespace tracelet {
namespace {

// The "environment" of a test: a map read through the injected lookup, so no test reads or
// changes the process environment.
struct FakeEnv {
  std::map<std::string, std::string> vars;
  std::vector<std::string> asked;  // every name looked up, in order

  static const char* lookup(void* ctx, const char* name) {
    auto* self = static_cast<FakeEnv*>(ctx);
    self->asked.emplace_back(name);
    auto it = self->vars.find(name);
    return it == self->vars.end() ? nullptr : it->second.c_str();
  }
};

using test::LogCapture;

class EnvConfigTest : public ::testing::Test {
 protected:
  // One load; also checks that the count returned is the number of warning/error lines.
  std::size_t load() {
    const std::size_t before = logs.count_at_least(LogLevel::kWarning);
    const std::size_t problems = load_env_config(*storage, exporter, tracer, &LogCapture::sink,
                                                 &logs, &FakeEnv::lookup, &env);
    EXPECT_EQ(problems, logs.count_at_least(LogLevel::kWarning) - before) << logs.all();
    return problems;
  }
  void set(const std::string& name, const std::string& value) { env.vars[name] = value; }
  std::string header_value(const std::string& name) const {
    for (std::size_t i = 0; i < exporter.header_count; ++i) {
      if (name == exporter.headers[i].name) return exporter.headers[i].value;
    }
    return "<missing>";
  }
  std::string logs_header_value(const std::string& name) const {
    for (std::size_t i = 0; exporter.logs_headers != nullptr && i < exporter.logs_header_count; ++i) {
      if (name == exporter.logs_headers[i].name) return exporter.logs_headers[i].value;
    }
    return "<missing>";
  }
  std::string attribute(std::string_view key) const {
    for (std::size_t i = 0; i < tracer.resource_attribute_count; ++i) {
      const Attribute& a = tracer.resource_attributes[i];
      if (a.key == key) {
        EXPECT_EQ(a.value.type(), AttributeValue::Type::kString);
        return std::string(a.value.as_string());
      }
    }
    return "<missing>";
  }

  FakeEnv env;
  LogCapture logs;
  std::unique_ptr<EnvSettings> storage = std::make_unique<EnvSettings>();
  ExporterConfig exporter;
  Options tracer;
};

// ---- nothing set, empty values ---------------------------------------------------------------

TEST_F(EnvConfigTest, NothingSetLeavesFirmwareDefaultsAlone) {
  const HttpHeader fw_headers[] = {{"x-tenant", "acme"}};
  const Attribute fw_attrs[] = {{"device.id", 7}};
  exporter.endpoint = "https://fw.example:4318/v1/traces";
  exporter.headers = fw_headers;
  exporter.header_count = 1;
  exporter.timeout_ms = 1234;
  exporter.allow_plain_http = true;
  tracer.service_name = "firmware";
  tracer.resource_attributes = fw_attrs;
  tracer.resource_attribute_count = 1;
  tracer.start_disabled = true;

  EXPECT_EQ(load(), 0u);
  EXPECT_TRUE(logs.empty());
  EXPECT_STREQ(exporter.endpoint, "https://fw.example:4318/v1/traces");
  EXPECT_EQ(exporter.headers, fw_headers);
  EXPECT_EQ(exporter.timeout_ms, 1234u);
  EXPECT_TRUE(exporter.allow_plain_http);
  EXPECT_STREQ(tracer.service_name, "firmware");
  EXPECT_EQ(tracer.resource_attributes, fw_attrs);
  EXPECT_TRUE(tracer.start_disabled);
  EXPECT_EQ(storage->text_used(), 0u);
  // Every variable of the contract was asked for.
  for (const char* name :
       {"OTEL_SDK_DISABLED", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT",
        "TRACELET_ALLOW_PLAIN_HTTP", "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
        "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
        "OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT",
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_BSP_MAX_QUEUE_SIZE",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"}) {
    EXPECT_NE(std::find(env.asked.begin(), env.asked.end(), name), env.asked.end()) << name;
  }
}

TEST_F(EnvConfigTest, EmptyValuesCountAsUnset) {
  for (const char* name :
       {"OTEL_SDK_DISABLED", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT",
        "TRACELET_ALLOW_PLAIN_HTTP", "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_BSP_SCHEDULE_DELAY",
        "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_EXPORTER_OTLP_COMPRESSION"}) {
    set(name, "");
  }
  tracer.start_disabled = true;
  tracer.service_name = "fw";
  EXPECT_EQ(load(), 0u);
  EXPECT_TRUE(logs.empty()) << logs.all();
  EXPECT_TRUE(tracer.start_disabled);
  EXPECT_STREQ(tracer.service_name, "fw");
  EXPECT_EQ(exporter.endpoint, nullptr);
  EXPECT_EQ(exporter.timeout_ms, 0u);
}

// ---- OTEL_SDK_DISABLED and TRACELET_ALLOW_PLAIN_HTTP (Boolean) -------------------------------

TEST_F(EnvConfigTest, SdkDisabledAcceptsOnlyCaseInsensitiveTrue) {
  for (const char* value : {"true", "TRUE", "True", " true "}) {
    tracer.start_disabled = false;
    set("OTEL_SDK_DISABLED", value);
    EXPECT_EQ(load(), 0u) << value;
    EXPECT_TRUE(tracer.start_disabled) << value;
  }
}

TEST_F(EnvConfigTest, SdkDisabledFalseOverridesAFirmwareTrue) {
  tracer.start_disabled = true;
  set("OTEL_SDK_DISABLED", "False");
  EXPECT_EQ(load(), 0u);
  EXPECT_FALSE(tracer.start_disabled);
}

TEST_F(EnvConfigTest, UnrecognisedBooleansAreFalseWithAWarning) {
  for (const char* value : {"1", "yes", "on", "truee", "t"}) {
    logs.clear();
    tracer.start_disabled = true;
    set("OTEL_SDK_DISABLED", value);
    EXPECT_EQ(load(), 1u) << value;
    EXPECT_FALSE(tracer.start_disabled) << value;
    EXPECT_TRUE(logs.contains(LogLevel::kWarning, std::string("OTEL_SDK_DISABLED=\"") + value + "\""))
        << logs.all();
    EXPECT_TRUE(logs.contains("treated as false"));
  }
}

TEST_F(EnvConfigTest, AllowPlainHttp) {
  set("TRACELET_ALLOW_PLAIN_HTTP", "true");
  EXPECT_EQ(load(), 0u);
  EXPECT_TRUE(exporter.allow_plain_http);

  set("TRACELET_ALLOW_PLAIN_HTTP", "nope");
  EXPECT_EQ(load(), 1u);
  EXPECT_FALSE(exporter.allow_plain_http);
}

// ---- OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES ------------------------------------------

TEST_F(EnvConfigTest, ServiceNameIsCopiedIntoStorage) {
  set("OTEL_SERVICE_NAME", "checkout");
  EXPECT_EQ(load(), 0u);
  ASSERT_NE(tracer.service_name, nullptr);
  EXPECT_STREQ(tracer.service_name, "checkout");
  EXPECT_NE(tracer.service_name, env.vars["OTEL_SERVICE_NAME"].c_str());
  env.vars.clear();  // the environment may change later; the config must not
  EXPECT_STREQ(tracer.service_name, "checkout");
}

TEST_F(EnvConfigTest, ServiceNameMustBeUtf8) {
  tracer.service_name = "fw";
  set("OTEL_SERVICE_NAME", "bad\xC3");
  EXPECT_EQ(load(), 1u);
  EXPECT_STREQ(tracer.service_name, "fw");
  EXPECT_TRUE(logs.contains("not valid UTF-8"));
  EXPECT_TRUE(logs.contains("\\xc3"));  // the raw byte is escaped, not printed
}

TEST_F(EnvConfigTest, ResourceAttributesAreTrimmedStringsAndFillServiceFields) {
  set("OTEL_RESOURCE_ATTRIBUTES",
      " deployment.environment = prod ,host.name=pi-4,\tservice.name=api, service.version=1.2.3");
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_STREQ(tracer.service_name, "api");
  EXPECT_STREQ(tracer.service_version, "1.2.3");
  ASSERT_EQ(tracer.resource_attribute_count, 2u);  // service.* go to their own fields
  EXPECT_EQ(attribute("deployment.environment"), "prod");
  EXPECT_EQ(attribute("host.name"), "pi-4");
}

TEST_F(EnvConfigTest, ServiceNameVariableWinsOverResourceAttribute) {
  set("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attributes,team=core");
  set("OTEL_SERVICE_NAME", "from-service-name");
  EXPECT_EQ(load(), 0u);
  EXPECT_STREQ(tracer.service_name, "from-service-name");
  EXPECT_EQ(attribute("team"), "core");
}

TEST_F(EnvConfigTest, ResourceAttributesArePercentDecoded) {
  set("OTEL_RESOURCE_ATTRIBUTES",
      "k%2C1=v%3D1%20x,city=M%C3%BCnchen,plus=a+b,semi=a;b,%41%62c=lower%2fUPPER%2F,"
      "spaces=green eggs and ham,edge=%20padded%20");
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_EQ(attribute("k,1"), "v=1 x");
  EXPECT_EQ(attribute("city"), "M\xC3\xBCnchen");
  EXPECT_EQ(attribute("plus"), "a+b");  // '+' is a literal plus, not a space
  EXPECT_EQ(attribute("semi"), "a;b");
  EXPECT_EQ(attribute("Abc"), "lower/UPPER/");
  EXPECT_EQ(attribute("spaces"), "green eggs and ham");
  EXPECT_EQ(attribute("edge"), " padded ");  // encoded spaces survive trimming
}

TEST_F(EnvConfigTest, EmptyMembersAreSkipped) {
  set("OTEL_RESOURCE_ATTRIBUTES", ",a=1,, ,b=2,");
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_EQ(tracer.resource_attribute_count, 2u);
  EXPECT_EQ(attribute("a"), "1");
  EXPECT_EQ(attribute("b"), "2");
}

TEST_F(EnvConfigTest, AnEmptyValueIsKept) {
  set("OTEL_RESOURCE_ATTRIBUTES", "a=,b=2");
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(attribute("a"), "");
}

// The spec: "In case of any error ... the entire environment variable value SHOULD be discarded".
TEST_F(EnvConfigTest, AnyMalformedResourceMemberDiscardsTheWholeVariable) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a=1,service.name=x,b=%zz", "malformed %-escape"},
      {"a=1,b=%4", "malformed %-escape"},
      {"a=1,b=abc%", "malformed %-escape"},
      {"a=1,b=%G0", "malformed %-escape"},
      {"a=1,spam", "has no '='"},
      {"a=1,b=c=d", "second '='"},
      {"a=1, =v", "empty key"},
      {"a=1,b=x%00y", "NUL"},
      {"a=1,b=%C3%28", "UTF-8"},
      {"a=1,b=%ED%A0%80", "UTF-8"},  // an encoded surrogate
      {"a=1,b=%E0%80%AF", "UTF-8"},  // an overlong '/'
      {"a=1,b=%C0%AF", "UTF-8"},     // an overlong '/', two bytes
      {"a=1,b=%F4%90%80%80", "UTF-8"},  // above U+10FFFF
      {"a=1,b=%E2%82", "UTF-8"},     // cut short
      {"a=1,b=\xFF", "UTF-8"},
      {"a=1,b=x\ny", "control character"},
  };
  for (const auto& [value, reason] : cases) {
    logs.clear();
    tracer = Options{};
    tracer.service_name = "fw";
    set("OTEL_RESOURCE_ATTRIBUTES", value);
    const std::size_t before = storage->text_used();
    EXPECT_EQ(load(), 1u) << value;
    EXPECT_STREQ(tracer.service_name, "fw") << value;
    EXPECT_EQ(tracer.resource_attributes, nullptr) << value;
    EXPECT_EQ(tracer.resource_attribute_count, 0u) << value;
    EXPECT_EQ(storage->text_used(), before) << value << ": decoded text must be rolled back";
    EXPECT_TRUE(logs.contains(LogLevel::kWarning, reason)) << value << "\n" << logs.all();
    EXPECT_TRUE(logs.contains("the whole variable is ignored")) << value;
    EXPECT_TRUE(logs.contains("OTEL_RESOURCE_ATTRIBUTES: member ")) << value;
  }
}

TEST_F(EnvConfigTest, ResourceAttributesMergeWithCodeSetOnesAndTheEnvironmentWins) {
  const Attribute code[] = {{"device.id", 7}, {"region", "eu"}, {"debug", true}};
  tracer.resource_attributes = code;
  tracer.resource_attribute_count = 3;
  set("OTEL_RESOURCE_ATTRIBUTES", "region=us,zone=b,zone=c");
  EXPECT_EQ(load(), 0u);
  ASSERT_EQ(tracer.resource_attribute_count, 4u);
  EXPECT_EQ(tracer.resource_attributes[0].key, "device.id");
  EXPECT_EQ(tracer.resource_attributes[0].value.type(), AttributeValue::Type::kInt);
  EXPECT_EQ(tracer.resource_attributes[0].value.as_int(), 7);
  EXPECT_EQ(tracer.resource_attributes[2].value.type(), AttributeValue::Type::kBool);
  EXPECT_EQ(attribute("region"), "us");
  EXPECT_EQ(attribute("zone"), "c");  // a repeated key: the later value wins
  EXPECT_EQ(code[1].value.as_string(), "eu");  // the caller's array is not written
}

TEST_F(EnvConfigTest, TooManyResourceAttributesDiscardTheVariable) {
  constexpr std::size_t kMax = TRACELET_ENV_MAX_RESOURCE_ATTRIBUTES;
  std::string exact;
  for (std::size_t i = 0; i < kMax; ++i) exact += "k" + std::to_string(i) + "=v,";
  exact += "k0=again,service.name=svc";  // duplicates and service.* do not take a slot
  set("OTEL_RESOURCE_ATTRIBUTES", exact);
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_EQ(tracer.resource_attribute_count, kMax);
  EXPECT_EQ(attribute("k0"), "again");

  auto fresh = std::make_unique<EnvSettings>();
  storage.swap(fresh);
  tracer = Options{};
  set("OTEL_RESOURCE_ATTRIBUTES", exact + ",one=more");
  EXPECT_EQ(load(), 1u);
  EXPECT_EQ(tracer.resource_attribute_count, 0u);
  EXPECT_EQ(tracer.service_name, nullptr);
  EXPECT_TRUE(logs.contains("TRACELET_ENV_MAX_RESOURCE_ATTRIBUTES"));
  EXPECT_EQ(storage->text_used(), 0u);
}

TEST_F(EnvConfigTest, EmptyServiceNameAttributeIsNotUsed) {
  tracer.service_name = "fw";
  set("OTEL_RESOURCE_ATTRIBUTES", "service.name=,team=core");
  EXPECT_EQ(load(), 1u);
  EXPECT_STREQ(tracer.service_name, "fw");
  EXPECT_EQ(attribute("team"), "core");
  EXPECT_TRUE(logs.contains("service.name is empty"));
}

// ---- endpoints -------------------------------------------------------------------------------

TEST_F(EnvConfigTest, TracesEndpointIsUsedAsIs) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"https://collector.example.com/custom/path", "https://collector.example.com/custom/path"},
      {"https://collector:4318/v1/traces/", "https://collector:4318/v1/traces/"},
      {"http://collector:4318", "http://collector:4318/"},  // no path: the root path
      {"https://h?tenant=a", "https://h/?tenant=a"},
      {"https://h/v1/traces?tenant=a%20b", "https://h/v1/traces?tenant=a%20b"},
      {"HTTPS://Collector:443/X", "https://Collector:443/X"},  // scheme case only
      {"https://[::1]:4318/v1/traces", "https://[::1]:4318/v1/traces"},
      {"https://[2001:db8::7]", "https://[2001:db8::7]/"},
      {"http://127.0.0.1:65535/v1/traces", "http://127.0.0.1:65535/v1/traces"},
  };
  set("TRACELET_ALLOW_PLAIN_HTTP", "true");
  for (const auto& [in, want] : cases) {
    set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", in);
    EXPECT_EQ(load(), 0u) << in << "\n" << logs.all();
    EXPECT_STREQ(exporter.endpoint, want.c_str()) << in;
  }
}

TEST_F(EnvConfigTest, GenericEndpointGetsV1TracesWithExactlyOneSlash) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"https://collector:4318", "https://collector:4318/v1/traces"},
      {"https://collector:4318/", "https://collector:4318/v1/traces"},
      {"https://collector/mycollector/", "https://collector/mycollector/v1/traces"},
      {"https://collector/mycollector", "https://collector/mycollector/v1/traces"},
      {"https://collector/mycollector//", "https://collector/mycollector/v1/traces"},
      {"https://[::1]", "https://[::1]/v1/traces"},
  };
  for (const auto& [in, want] : cases) {
    set("OTEL_EXPORTER_OTLP_ENDPOINT", in);
    EXPECT_EQ(load(), 0u) << in << "\n" << logs.all();
    EXPECT_STREQ(exporter.endpoint, want.c_str()) << in;
  }
}

TEST_F(EnvConfigTest, TracesEndpointWinsOverGeneric) {
  set("OTEL_EXPORTER_OTLP_ENDPOINT", "https://generic:4318");
  set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://traces:4318/t");
  EXPECT_EQ(load(), 0u);
  EXPECT_STREQ(exporter.endpoint, "https://traces:4318/t");
}

TEST_F(EnvConfigTest, InvalidTracesEndpointFallsBackToGeneric) {
  set("OTEL_EXPORTER_OTLP_ENDPOINT", "https://generic:4318");
  set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "grpc://traces:4317");
  EXPECT_EQ(load(), 1u);
  EXPECT_STREQ(exporter.endpoint, "https://generic:4318/v1/traces");
  EXPECT_TRUE(logs.contains(LogLevel::kError, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=\"grpc://traces:4317\""));
  EXPECT_TRUE(logs.contains("using OTEL_EXPORTER_OTLP_ENDPOINT instead"));
}

TEST_F(EnvConfigTest, InvalidEndpointsAreRejectedWithTheReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"ftp://h/x", "http:// or https://"},
      {"collector:4318", "http:// or https://"},
      {"https://", "no host"},
      {"https://:4318/", "no host"},
      {"https:///v1/traces", "no host"},
      {"https://user:pw@h/", "credentials"},
      {"https://h:0/", "port"},
      {"https://h:65536/", "port"},
      {"https://h:/", "port"},
      {"https://h:12a/", "port"},
      {"https://h:-1/", "port"},
      {"https://h:123456/", "port"},
      {"https://::1/", "[brackets]"},
      {"https://[::1/", "unterminated"},
      {"https://[]/", "malformed [IPv6"},
      {"https://[zz::1]/", "malformed [IPv6"},
      {"https://[::1]x/", "after the ]"},
      {"https://[::1]:0/", "port"},
      {"https://h/pa th", "space"},
      {"https://h/a\r\nX-Evil: 1", "control"},
      {"https://h\xC3\xA9/", "non-ASCII"},
      {"https://h/#frag", "fragment"},
      {"https://h/%zz", "%-escape"},
      {"https://h/%4", "%-escape"},
      {"https://ho$t/", "host name"},
      {"https://h/a|b", "path"},
      {"https://h/{x}", "path"},
      // Well formed, but longer than the exporter's Endpoint holds: refused here, not at init.
      {"https://[" + std::string(300, 'f') + "::1]/", "cannot be used by the exporter (host too long"},
      {"https://" + std::string(300, 'h') + "/", "cannot be used by the exporter (host too long"},
      {"https://h/" + std::string(300, 'p'), "cannot be used by the exporter (path too long"},
  };
  exporter.endpoint = "https://fw:4318/v1/traces";
  for (const auto& [in, reason] : cases) {
    logs.clear();
    set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", in);
    EXPECT_EQ(load(), 1u) << in;
    EXPECT_STREQ(exporter.endpoint, "https://fw:4318/v1/traces") << in;
    EXPECT_TRUE(logs.contains(LogLevel::kError, reason)) << in << "\n" << logs.all();
    EXPECT_TRUE(logs.contains("keeping \"https://fw:4318/v1/traces\"")) << in;
  }
}

TEST_F(EnvConfigTest, GenericEndpointCannotHaveAQuery) {
  set("OTEL_EXPORTER_OTLP_ENDPOINT", "https://h/base?x=1");
  EXPECT_EQ(load(), 1u);
  EXPECT_EQ(exporter.endpoint, nullptr);
  EXPECT_TRUE(logs.contains("?query"));
  EXPECT_TRUE(logs.contains("keeping the default (https://localhost:4318/v1/traces)"));
}

TEST_F(EnvConfigTest, PlainHttpEndpointWithoutPermissionIsWarnedAbout) {
  set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
  // A warning, but no configuration problem: the value is kept as given, and the exporter
  // refuses it with its own error (so no "problems, defaults used" line follows).
  EXPECT_EQ(load(), 0u);
  EXPECT_STREQ(exporter.endpoint, "http://collector:4318/v1/traces");
  EXPECT_TRUE(logs.contains(LogLevel::kInfo, "TRACELET_ALLOW_PLAIN_HTTP is not true"));

  logs.clear();
  set("TRACELET_ALLOW_PLAIN_HTTP", "TRUE");
  EXPECT_EQ(load(), 0u);
  EXPECT_TRUE(exporter.allow_plain_http);
}

// ---- headers ---------------------------------------------------------------------------------

TEST_F(EnvConfigTest, HeadersAreParsedTrimmedAndDecoded) {
  set("OTEL_EXPORTER_OTLP_HEADERS",
      "x-honeycomb-team=KEY123, Authorization = Basic%20dXNlcjpwYXNz== ,x-raw=Bearer abc def,"
      "x-plus=a+b,x-empty=,x-pct=100%25");
  EXPECT_EQ(load(), 0u) << logs.all();
  ASSERT_EQ(exporter.header_count, 6u);
  EXPECT_STREQ(exporter.headers[0].name, "x-honeycomb-team");
  EXPECT_STREQ(exporter.headers[0].value, "KEY123");
  EXPECT_EQ(header_value("Authorization"), "Basic dXNlcjpwYXNz==");  // '=' padding is data
  EXPECT_EQ(header_value("x-raw"), "Bearer abc def");
  EXPECT_EQ(header_value("x-plus"), "a+b");
  EXPECT_EQ(header_value("x-empty"), "");
  EXPECT_EQ(header_value("x-pct"), "100%");
}

// Signal-specific replaces the generic variable as a whole (no per-key merge).
TEST_F(EnvConfigTest, TracesHeadersReplaceGenericHeaders) {
  set("OTEL_EXPORTER_OTLP_HEADERS", "x-generic=1,x-shared=generic");
  set("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-shared=traces");
  EXPECT_EQ(load(), 0u);
  ASSERT_EQ(exporter.header_count, 1u);
  EXPECT_EQ(header_value("x-shared"), "traces");
  EXPECT_EQ(header_value("x-generic"), "<missing>");
}

// Log records' requests: their own variable (CloudWatch Logs' group and stream), else the
// traces' list, or the generic one when the traces' variable replaced it.
TEST_F(EnvConfigTest, LogsHeadersAreTheirOwnOrTheGenericOnes) {
  set("OTEL_EXPORTER_OTLP_HEADERS", "x-generic=1");
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_EQ(exporter.logs_headers, nullptr) << "one list for both signals";

  set("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "x-aws-log-group=devices,x-aws-log-stream=pump-7");
  exporter = ExporterConfig{};
  EXPECT_EQ(load(), 0u) << logs.all();
  ASSERT_NE(exporter.logs_headers, nullptr);
  EXPECT_EQ(exporter.logs_header_count, 2u);
  EXPECT_EQ(logs_header_value("x-aws-log-group"), "devices");
  EXPECT_EQ(logs_header_value("x-aws-log-stream"), "pump-7");
  EXPECT_EQ(logs_header_value("x-generic"), "<missing>");
  EXPECT_EQ(header_value("x-generic"), "1");
  EXPECT_EQ(header_value("x-aws-log-group"), "<missing>") << "not sent with spans";

  set("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "");
  set("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-traces=2");
  exporter = ExporterConfig{};
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_EQ(header_value("x-traces"), "2");
  EXPECT_EQ(logs_header_value("x-generic"), "1");
  EXPECT_EQ(logs_header_value("x-traces"), "<missing>");

  set("OTEL_EXPORTER_OTLP_HEADERS", "");
  exporter = ExporterConfig{};
  EXPECT_EQ(load(), 0u) << logs.all();
  ASSERT_NE(exporter.logs_headers, nullptr);
  EXPECT_EQ(exporter.logs_header_count, 0u) << "the traces' headers are not the logs'";
}

TEST_F(EnvConfigTest, HeadersMergeWithCodeSetOnesCaseInsensitively) {
  const HttpHeader code[] = {{"x-tenant", "acme"}, {"X-Api-Key", "old"}};
  exporter.headers = code;
  exporter.header_count = 2;
  set("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=new,x-b=1,x-b=2");
  EXPECT_EQ(load(), 0u);
  ASSERT_EQ(exporter.header_count, 3u);
  EXPECT_EQ(header_value("x-tenant"), "acme");
  EXPECT_EQ(header_value("x-api-key"), "new");
  EXPECT_EQ(header_value("x-b"), "2");
  EXPECT_STREQ(code[1].value, "old");  // the caller's array is not written
}

TEST_F(EnvConfigTest, HeaderInjectionAndBadNamesAreRejectedOneByOne) {
  const std::string secret = "SECRETVALUE";
  set("OTEL_EXPORTER_OTLP_HEADERS",
      "x-good=" + secret + ",x-crlf=a%0D%0AX-Evil: 1" + secret + ",x-lf=a%0a" + secret +
          ",x-nul=a%00" + secret + ",x-raw=a\r\nX-Evil: " + secret + ",x-del=a%7F" + secret +
          ",bad name=" + secret + ",x(y)=" + secret + ",=" + secret + ",x-colon:=" + secret +
          "," + secret + ",x-semi=" + secret + ";p=1,x-esc=%zz" + secret + ",x-tab=a%09b");
  EXPECT_EQ(load(), 12u) << logs.all();
  ASSERT_EQ(exporter.header_count, 2u);
  EXPECT_EQ(header_value("x-good"), secret);
  EXPECT_EQ(header_value("x-tab"), "a\tb");  // HTAB is allowed in a field value
  for (const auto& line : logs.lines()) {
    EXPECT_EQ(line.text.find(secret), std::string::npos) << "a log line leaks a value: "
                                                          << line.text;
    EXPECT_EQ(line.text.find('\n'), std::string::npos);
    EXPECT_EQ(line.level, LogLevel::kError);
  }
  EXPECT_TRUE(logs.contains("\"x-crlf\" decodes to CR, LF"));
  EXPECT_TRUE(logs.contains("\"x-lf\" decodes to CR, LF"));
  EXPECT_TRUE(logs.contains("\"x-nul\" decodes to CR, LF, NUL"));
  EXPECT_TRUE(logs.contains("\"x-raw\" has a control character"));
  EXPECT_TRUE(logs.contains("\"bad name\" has a name that is not an HTTP token"));
  EXPECT_TRUE(logs.contains("\"x(y)\" has a name that is not an HTTP token"));
  EXPECT_TRUE(logs.contains("has no '='"));
  EXPECT_TRUE(logs.contains("\"x-semi\" has ';' metadata"));
  EXPECT_TRUE(logs.contains("\"x-esc\" has a malformed %-escape"));
}

TEST_F(EnvConfigTest, HeadersBeyondCapacityAreDropped) {
  std::string value;
  for (std::size_t i = 0; i <= TRACELET_ENV_MAX_HEADERS + 1; ++i) {  // two more than fit
    value += "x-h" + std::to_string(i) + "=v,";
  }
  set("OTEL_EXPORTER_OTLP_HEADERS", value);
  EXPECT_EQ(load(), 2u);
  EXPECT_EQ(exporter.header_count, static_cast<std::size_t>(TRACELET_ENV_MAX_HEADERS));
  const std::string slots = "all " + std::to_string(TRACELET_ENV_MAX_HEADERS) +
                            " header slots (TRACELET_ENV_MAX_HEADERS) are taken";
  EXPECT_TRUE(logs.contains(LogLevel::kError, "header " + std::to_string(TRACELET_ENV_MAX_HEADERS + 2) +
                                             " \"x-h" + std::to_string(TRACELET_ENV_MAX_HEADERS + 1) +
                                             "\" does not fit: " + slots));
  EXPECT_FALSE(logs.contains("one more than"));
}

// ---- certificate, timeouts, batch processor --------------------------------------------------

// A readable file in the test's temporary directory (the CA's content is not checked here).
std::string temp_file(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f != nullptr) {
    std::fputs("-----BEGIN CERTIFICATE-----\n", f);
    std::fclose(f);
  }
  return path;
}

TEST_F(EnvConfigTest, CertificatePrecedence) {
  const std::string generic = temp_file("tracelet-env-generic.pem");
  const std::string traces = temp_file("tracelet-env-traces ca.pem");
  set("OTEL_EXPORTER_OTLP_CERTIFICATE", generic);
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(exporter.ca_file, generic);
  set("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", traces);
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(exporter.ca_file, traces);
}

TEST_F(EnvConfigTest, AMissingCaFileIsOneErrorNamingTheVariableAndThePath) {
  set("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem");
  EXPECT_EQ(load(), 1u);
  EXPECT_STREQ(exporter.ca_file, "/nonexistent/ca.pem");  // kept: the exporter reports it too
  EXPECT_TRUE(logs.contains(LogLevel::kError,
                       "OTEL_EXPORTER_OTLP_CERTIFICATE=\"/nonexistent/ca.pem\": cannot read the CA file"))
      << logs.all();
}

TEST_F(EnvConfigTest, TimeoutPrecedenceAndFallback) {
  set("OTEL_EXPORTER_OTLP_TIMEOUT", "2500");
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(exporter.timeout_ms, 2500u);

  set("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "700");
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(exporter.timeout_ms, 700u);

  // An invalid signal-specific value counts as unset: the generic one applies.
  set("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "10s");
  EXPECT_EQ(load(), 1u);
  EXPECT_EQ(exporter.timeout_ms, 2500u);
  EXPECT_TRUE(logs.contains("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT=\"10s\" is not a decimal integer"));
  EXPECT_TRUE(logs.contains("using OTEL_EXPORTER_OTLP_TIMEOUT instead"));
}

TEST_F(EnvConfigTest, TimeoutZeroMeansNoLimit) {
  set("OTEL_EXPORTER_OTLP_TIMEOUT", "0");
  set("OTEL_BSP_EXPORT_TIMEOUT", "0");
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(exporter.timeout_ms, 2147483647u);
  EXPECT_EQ(exporter.export_timeout_ms, 2147483647u);
  EXPECT_TRUE(logs.contains(LogLevel::kInfo, "OTEL_EXPORTER_OTLP_TIMEOUT=0 means no time limit"));
}

TEST_F(EnvConfigTest, BatchProcessorVariables) {
  set("OTEL_BSP_SCHEDULE_DELAY", "250");
  set("OTEL_BSP_EXPORT_TIMEOUT", "15000");
  set("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "64");
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(exporter.schedule_delay_ms, 250u);
  EXPECT_EQ(exporter.export_timeout_ms, 15000u);
  EXPECT_EQ(exporter.max_export_batch_size, 64u);
}

TEST_F(EnvConfigTest, ScheduleDelayZeroBecomesOneMillisecond) {
  set("OTEL_BSP_SCHEDULE_DELAY", "0");
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(exporter.schedule_delay_ms, 1u);
  EXPECT_TRUE(logs.contains(LogLevel::kInfo, "1 ms"));
}

TEST_F(EnvConfigTest, BatchSizeMustBePositive) {
  exporter.max_export_batch_size = 100;
  set("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0");
  EXPECT_EQ(load(), 1u);
  EXPECT_EQ(exporter.max_export_batch_size, 100u);
  EXPECT_TRUE(logs.contains("must be positive; keeping 100"));
}

TEST_F(EnvConfigTest, MalformedIntegersKeepTheFieldAndSayWhy) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"abc", "not a decimal integer"}, {"12ms", "not a decimal integer"},
      {"+5", "not a decimal integer"},  {"1.5", "not a decimal integer"},
      {"0x10", "not a decimal integer"}, {"1e3", "not a decimal integer"},
      {"1 2", "not a decimal integer"}, {" ", "not a decimal integer"},
      {"-", "not a decimal integer"},   {"-0", "not a decimal integer"},
      {"-5", "is negative"},            {"2147483648", "larger than 2147483647"},
      {"99999999999999999999999", "larger than 2147483647"},
  };
  for (const auto& [value, reason] : cases) {
    logs.clear();
    exporter.schedule_delay_ms = 0;
    set("OTEL_BSP_SCHEDULE_DELAY", value);
    EXPECT_EQ(load(), 1u) << value;
    EXPECT_EQ(exporter.schedule_delay_ms, 0u) << value;
    EXPECT_TRUE(logs.contains(LogLevel::kWarning, reason)) << value << "\n" << logs.all();
    EXPECT_TRUE(logs.contains("keeping the default (5000 ms)")) << value;
  }
}

TEST_F(EnvConfigTest, IntegersAllowSurroundingBlanksAndLeadingZeros) {
  set("OTEL_BSP_SCHEDULE_DELAY", " 42\t");
  set("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "00012");
  set("OTEL_BSP_EXPORT_TIMEOUT", "2147483647");
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(exporter.schedule_delay_ms, 42u);
  EXPECT_EQ(exporter.max_export_batch_size, 12u);
  EXPECT_EQ(exporter.export_timeout_ms, 2147483647u);
}

TEST_F(EnvConfigTest, QueueSizeIsIgnoredAtInfoLevel) {
  set("OTEL_BSP_MAX_QUEUE_SIZE", "4096");
  EXPECT_EQ(load(), 0u);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs.lines()[0].level, LogLevel::kInfo);
  EXPECT_TRUE(logs.contains("OTEL_BSP_MAX_QUEUE_SIZE=\"4096\" is ignored"));
  EXPECT_TRUE(logs.contains("ring_memory"));
}

// ---- protocol and compression ----------------------------------------------------------------

TEST_F(EnvConfigTest, ProtocolOtherThanHttpProtobufIsWarnedAbout) {
  set("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
  EXPECT_EQ(load(), 0u);
  for (const char* value : {"grpc", "http/json", "thrift"}) {
    logs.clear();
    set("OTEL_EXPORTER_OTLP_PROTOCOL", value);
    EXPECT_EQ(load(), 1u) << value;
    EXPECT_TRUE(logs.contains(LogLevel::kWarning, "http/protobuf")) << logs.all();
  }
  // The traces-specific value wins.
  logs.clear();
  set("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf");
  EXPECT_EQ(load(), 0u);
}

TEST_F(EnvConfigTest, CompressionGzipOrNoneIsAppliedOthersAreWarnedAbout) {
  set("OTEL_EXPORTER_OTLP_COMPRESSION", "none");
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(exporter.compression, Compression::kNone);
  set("OTEL_EXPORTER_OTLP_COMPRESSION", " GZip ");
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(exporter.compression, Compression::kGzip);
  EXPECT_TRUE(logs.empty()) << logs.all();
  set("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zstd");
  EXPECT_EQ(load(), 1u);
  EXPECT_TRUE(logs.contains("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=\"zstd\" is not a known compression"));
  EXPECT_EQ(exporter.compression, Compression::kGzip);
  logs.clear();
  set("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "None");
  EXPECT_EQ(load(), 0u);  // signal-specific "none" wins over generic gzip
  EXPECT_EQ(exporter.compression, Compression::kNone);
}

// ---- limits, storage, logging ----------------------------------------------------------------

TEST_F(EnvConfigTest, TooLongValuesAreRejectedClearly) {
  tracer.service_name = "fw";
  set("OTEL_SERVICE_NAME", std::string(TRACELET_ENV_TEXT_BYTES, 'n'));
  set("OTEL_EXPORTER_OTLP_CERTIFICATE", std::string(TRACELET_ENV_TEXT_BYTES + 10, 'c'));
  set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
      "https://h/" + std::string(TRACELET_ENV_TEXT_BYTES, 'p'));
  set("OTEL_RESOURCE_ATTRIBUTES", "a=" + std::string(TRACELET_ENV_TEXT_BYTES, 'v'));
  EXPECT_EQ(load(), 4u) << logs.all();
  EXPECT_STREQ(tracer.service_name, "fw");
  EXPECT_EQ(exporter.ca_file, nullptr);
  EXPECT_EQ(exporter.endpoint, nullptr);
  EXPECT_EQ(tracer.resource_attribute_count, 0u);
  EXPECT_TRUE(logs.contains(LogLevel::kError, "OTEL_SERVICE_NAME is too long"));
  EXPECT_TRUE(logs.contains(LogLevel::kError, "OTEL_EXPORTER_OTLP_CERTIFICATE is too long"));
  EXPECT_TRUE(logs.contains(LogLevel::kError, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is too long"));
  EXPECT_TRUE(logs.contains("does not fit in TRACELET_ENV_TEXT_BYTES"));
  EXPECT_EQ(storage->text_used(), 0u);
}

TEST_F(EnvConfigTest, ValuesThatFitExactlyAreAccepted) {
  // One string using the whole pool (including its NUL) fits.
  set("OTEL_SERVICE_NAME", std::string(TRACELET_ENV_TEXT_BYTES - 1, 'n'));
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(std::string(tracer.service_name).size(), TRACELET_ENV_TEXT_BYTES - 1u);
  EXPECT_EQ(storage->text_used(), static_cast<std::size_t>(TRACELET_ENV_TEXT_BYTES));
}

TEST_F(EnvConfigTest, LoggedValuesAreEscapedAndShortened) {
  const std::string value = "5\n[fake] tracelet: error: \"x\"" + std::string(300, 'z');
  set("OTEL_BSP_SCHEDULE_DELAY", value);
  EXPECT_EQ(load(), 1u);
  ASSERT_EQ(logs.size(), 1u);
  const std::string line = logs.lines()[0].text;
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("5\\x0a[fake]"), std::string::npos) << line;
  EXPECT_NE(line.find("\\\"x\\\""), std::string::npos) << line;
  EXPECT_NE(line.find("... (" + std::to_string(value.size()) + " bytes)"), std::string::npos)
      << line;
  EXPECT_LT(line.size(), 400u);
}

TEST_F(EnvConfigTest, ConfigsPointIntoStorageNotIntoTheEnvironment) {
  set("OTEL_SERVICE_NAME", "svc");
  set("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c:4318");
  set("OTEL_EXPORTER_OTLP_HEADERS", "k=v");
  set("OTEL_RESOURCE_ATTRIBUTES", "a=b");
  const std::string ca = temp_file("tracelet-env-storage-ca.pem");
  set("OTEL_EXPORTER_OTLP_CERTIFICATE", ca);
  EXPECT_EQ(load(), 0u);
  for (auto& [name, value] : env.vars) value.assign(value.size(), '#');
  env.vars.clear();
  EXPECT_STREQ(tracer.service_name, "svc");
  EXPECT_STREQ(exporter.endpoint, "https://c:4318/v1/traces");
  EXPECT_STREQ(exporter.headers[0].name, "k");
  EXPECT_STREQ(exporter.headers[0].value, "v");
  EXPECT_EQ(attribute("a"), "b");
  EXPECT_EQ(exporter.ca_file, ca);
}

TEST_F(EnvConfigTest, ASecondLoadAppendsAndKeepsEarlierResultsValid) {
  set("OTEL_RESOURCE_ATTRIBUTES", "a=1");
  set("OTEL_EXPORTER_OTLP_HEADERS", "h1=1");
  EXPECT_EQ(load(), 0u);
  const char* first_name = exporter.headers[0].name;
  set("OTEL_RESOURCE_ATTRIBUTES", "b=2");
  set("OTEL_EXPORTER_OTLP_HEADERS", "h2=2");
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(tracer.resource_attribute_count, 2u);
  EXPECT_EQ(attribute("a"), "1");
  EXPECT_EQ(attribute("b"), "2");
  ASSERT_EQ(exporter.header_count, 2u);
  EXPECT_EQ(exporter.headers[0].name, first_name);
  EXPECT_EQ(header_value("h1"), "1");
  EXPECT_EQ(header_value("h2"), "2");
}

TEST_F(EnvConfigTest, EverythingAtOnce) {
  set("OTEL_SERVICE_NAME", "gateway");
  set("OTEL_RESOURCE_ATTRIBUTES", "service.version=2.0,deployment.environment=staging");
  set("OTEL_EXPORTER_OTLP_ENDPOINT", "https://api.honeycomb.io");
  set("OTEL_EXPORTER_OTLP_HEADERS", "x-honeycomb-team=abc123");
  set("OTEL_EXPORTER_OTLP_TIMEOUT", "5000");
  set("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
  set("OTEL_BSP_SCHEDULE_DELAY", "1000");
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_TRUE(logs.empty());
  EXPECT_STREQ(tracer.service_name, "gateway");
  EXPECT_STREQ(tracer.service_version, "2.0");
  EXPECT_EQ(attribute("deployment.environment"), "staging");
  EXPECT_STREQ(exporter.endpoint, "https://api.honeycomb.io/v1/traces");
  EXPECT_EQ(header_value("x-honeycomb-team"), "abc123");
  EXPECT_EQ(exporter.timeout_ms, 5000u);
  EXPECT_EQ(exporter.schedule_delay_ms, 1000u);
}

// ---- default sink ----------------------------------------------------------------------------

TEST(LogToStderr, FormatsOneLinePerCall) {
  ::testing::internal::CaptureStderr();
  log_to_stderr(nullptr, LogLevel::kWarning, "hello");
  log_to_stderr(nullptr, LogLevel::kInfo, "i");
  log_to_stderr(nullptr, LogLevel::kError, "e");
  log_to_stderr(nullptr, LogLevel::kDebug, "d");
  const std::string long_line(1000, 'x');
  log_to_stderr(nullptr, LogLevel::kError, long_line.c_str());
  log_to_stderr(nullptr, LogLevel::kError, nullptr);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "tracelet: warning: hello\ntracelet: info: i\ntracelet: error: e\n"
            "tracelet: debug: d\ntracelet: error: " + long_line + "\ntracelet: error: \n");
}

TEST(LogToStderr, IsTheDefaultSinkOfTheLoader) {
  FakeEnv env;
  env.vars["OTEL_SDK_DISABLED"] = "maybe";
  EnvSettings storage;
  ExporterConfig exporter;
  Options tracer;
  ::testing::internal::CaptureStderr();
  const std::size_t problems =
      load_env_config(storage, exporter, tracer, nullptr, nullptr, &FakeEnv::lookup, &env);
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(problems, 1u);
  EXPECT_EQ(out.rfind("tracelet: warning: OTEL_SDK_DISABLED=\"maybe\"", 0), 0u) << out;
}

}  // namespace
}  // namespace tracelet

namespace tracelet {
namespace {

TEST_F(EnvConfigTest, TracesSamplerAndArgSelectTheSampler) {
  set("OTEL_TRACES_SAMPLER", "parentbased_traceidratio");
  set("OTEL_TRACES_SAMPLER_ARG", "0.25");
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_EQ(storage->sampler_config().kind, SamplerKind::kParentBasedTraceIdRatio);
  EXPECT_DOUBLE_EQ(storage->sampler_config().ratio, 0.25);
  ASSERT_NE(tracer.sampler.should_sample, nullptr) << "the tracer is given the configured sampler";
  TraceId low;  // randomness 0: below every threshold except ratio 1
  SamplingParams params;
  params.trace_id = low;
  EXPECT_EQ(sample(tracer.sampler, params), SamplingDecision::kDrop);
}

TEST_F(EnvConfigTest, MalformedSamplerArgIsNamedAndTheDefaultUsed) {
  set("OTEL_TRACES_SAMPLER", "traceidratio");
  set("OTEL_TRACES_SAMPLER_ARG", "half");
  EXPECT_EQ(load(), 1u);
  EXPECT_TRUE(logs.contains(LogLevel::kWarning, "OTEL_TRACES_SAMPLER_ARG=\"half\"")) << logs.all();
  EXPECT_EQ(storage->sampler_config().kind, SamplerKind::kTraceIdRatio);
  EXPECT_DOUBLE_EQ(storage->sampler_config().ratio, 1.0);
}

TEST_F(EnvConfigTest, NoSamplerVariablesLeaveTheFirmwareSampler) {
  tracer.sampler = always_off_sampler();
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(tracer.sampler.should_sample, always_off_sampler().should_sample);
}

TEST_F(EnvConfigTest, UnknownSamplerFallsBackToTheSpecDefault) {
  set("OTEL_TRACES_SAMPLER", "sometimes");
  EXPECT_EQ(load(), 1u);
  EXPECT_TRUE(logs.contains("OTEL_TRACES_SAMPLER=\"sometimes\"")) << logs.all();
  EXPECT_EQ(storage->sampler_config().kind, SamplerKind::kParentBasedAlwaysOn);
}

// ---- the logs signal: OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, OTEL_LOGS_EXPORTER ----

TEST_F(EnvConfigTest, LogsEndpointIsUsedAsIsAndTheGenericOneGetsV1Logs) {
  set("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318/");
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_STREQ(exporter.endpoint, "https://collector:4318/v1/traces");
  EXPECT_STREQ(exporter.logs_endpoint, "https://collector:4318/v1/logs");

  exporter = ExporterConfig{};
  set("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "https://logs.example:443/custom/logs");
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_STREQ(exporter.logs_endpoint, "https://logs.example:443/custom/logs");
  EXPECT_STREQ(exporter.endpoint, "https://collector:4318/v1/traces");
}

TEST_F(EnvConfigTest, NoEndpointVariablesLeaveTheLogsEndpointToTheExporter) {
  EXPECT_EQ(load(), 0u);
  EXPECT_EQ(exporter.logs_endpoint, nullptr);
}

TEST_F(EnvConfigTest, InvalidLogsEndpointFallsBackToTheGenericOne) {
  set("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318");
  set("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "ftp://nope");
  EXPECT_EQ(load(), 1u);
  EXPECT_STREQ(exporter.logs_endpoint, "https://collector:4318/v1/logs");
  EXPECT_TRUE(logs.contains("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")) << logs.all();
}

TEST_F(EnvConfigTest, LogsExporterNoneOrConsoleDropsLogsAndOtlpKeepsThem) {
  set("OTEL_LOGS_EXPORTER", "none");
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_TRUE(exporter.drop_logs);
  EXPECT_FALSE(storage->logs_exporters().otlp);

  exporter = ExporterConfig{};
  set("OTEL_LOGS_EXPORTER", "console");
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_TRUE(exporter.drop_logs);
  EXPECT_TRUE(storage->logs_exporters().console);

  exporter = ExporterConfig{};
  set("OTEL_LOGS_EXPORTER", "otlp,console");
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_FALSE(exporter.drop_logs);
  EXPECT_TRUE(storage->logs_exporters().otlp);
  EXPECT_TRUE(storage->logs_exporters().console);
  EXPECT_FALSE(logs.contains("is not a variable tracelet knows")) << logs.all();
}

}  // namespace
}  // namespace tracelet
