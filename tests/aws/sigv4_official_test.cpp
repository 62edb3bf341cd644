// The exporter's SigV4-signed requests, checked by the OFFICIAL AWS SDK signer: a local HTTPS
// endpoint (tests/aws/official_signer.js, Node + @smithy/signature-v4 + @aws-crypto/sha256-js,
// pinned) with a fresh test CA recomputes every request's signature from what arrived and
// refuses any difference with 403. tracelet runs its real Exporter + NetConnector (Mbed TLS)
// on 127.0.0.1; the test starts and stops the endpoint by PID.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "support/json_lite.h"
#include "support/log_capture.h"
#include "support/process.h"
#include "support/receiver_process.h"
#include "support/tls_export_test.h"
#include "tracelet/exporter.h"
#include "tracelet/log_record.h"
#include "tracelet/net_connector.h"
#include "tracelet/sigv4.h"
#include "tracelet/tracelet.h"
#include "tracelet/xray_sampling.h"

namespace tracelet {
namespace {

constexpr const char* kKeyId = "AKIDEXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "IQoJb3JpZ2luX2VjEXAMPLE/SESSION+TOKEN==";
constexpr std::uint64_t kBeforeMidnight = 1796342399;  // 2026-12-03T23:59:59Z (date -u -d @1796342399)

std::uint64_t clock_value(void* ctx) { return *static_cast<std::uint64_t*>(ctx); }

// A connector that changes the span name "tamper-me" into "tampered!" on its way out: same
// length, so only the signature can tell.
struct TamperingConnector {
  Connector inner;
  Transport inner_transport{};
  static Status open(void* ctx, const char* host, std::uint16_t port, bool tls, std::uint32_t timeout_ms,
                     Transport* out, char* error, std::size_t cap) {
    auto* self = static_cast<TamperingConnector*>(ctx);
    const Status s = self->inner.open(self->inner.ctx, host, port, tls, timeout_ms, &self->inner_transport, error, cap);
    if (s != Status::kOk) return s;
    out->ctx = self;
    out->send = &send;
    out->recv = &recv;
    return s;
  }
  static void close(void* ctx) {
    auto* self = static_cast<TamperingConnector*>(ctx);
    self->inner.close(self->inner.ctx);
  }
  static std::int32_t send(void* ctx, const std::uint8_t* data, std::size_t len) {
    auto* self = static_cast<TamperingConnector*>(ctx);
    std::string copy(reinterpret_cast<const char*>(data), len);
    for (std::size_t at = copy.find("tamper-me"); at != std::string::npos; at = copy.find("tamper-me", at)) {
      copy.replace(at, 9, "tampered!");
    }
    return self->inner_transport.send(self->inner_transport.ctx, reinterpret_cast<const std::uint8_t*>(copy.data()),
                                      len);
  }
  static std::int32_t recv(void* ctx, std::uint8_t* data, std::size_t cap, std::uint32_t timeout_ms) {
    auto* self = static_cast<TamperingConnector*>(ctx);
    return self->inner_transport.recv(self->inner_transport.ctx, data, cap, timeout_ms);
  }
  Connector connector() { return Connector{this, &open, &close}; }
};

class SigV4Official : public test::TlsExportTest {
 protected:
  static void SetUpTestSuite() { setenv("NODE_PATH", TRACELET_AWS_NODE_MODULES, 1); }

  void SetUp() override {
    set_up("sigv4-device", 64 * 1024, 5000, 200);
    credentials_.access_key_id = kKeyId;
    credentials_.secret_access_key = kSecret;
    credentials_.region = "us-east-1";
    credentials_.service = "xray";
    credentials_.log = &test::LogCapture::sink;
    credentials_.log_ctx = &log_;
  }
  void TearDown() override {
    (void)exporter_.shutdown(1);
    server_.stop();
    // The secret never appears in anything tracelet logged.
    EXPECT_EQ(log_.all().find(kSecret), std::string::npos) << log_.all();
  }

  void start_server(std::vector<std::string> extra) {
    std::vector<std::string> argv = {TRACELET_AWS_NODE, TRACELET_AWS_SIGNER_JS,
                                     "--cert", dir_->file("pki/server.crt"), "--key", dir_->file("pki/server.key"),
                                     "--port-file", dir_->file("port"), "--log", dir_->file("verdicts.jsonl"),
                                     "--access-key", kKeyId, "--secret", kSecret,
                                     "--region", "us-east-1", "--service", "xray"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::string error;
    ASSERT_TRUE(server_.start(argv, dir_->file("server.out"), dir_->file("server.err"), error)) << error;
    ASSERT_TRUE(test::wait_for_file(dir_->file("port"), 15000)) << test::read_file(dir_->file("server.err"));
    endpoint_ = "https://127.0.0.1:" + test::read_file(dir_->file("port")) + "/v1/traces";
  }
  void start_exporter(Connector connector = Connector{}) {
    ASSERT_EQ(signer_.init(credentials_), Status::kOk) << log_.all();
    config_.endpoint = endpoint_.c_str();
    config_.signer = signer_.request_signer();
    net_.configure(config_);
    ASSERT_EQ(exporter_.init(tracer_, config_, connector.open != nullptr ? connector : net_.connector()),
              Status::kOk);
  }
  void record(int n, const char* name = "signed-work") {
    for (int i = 0; i < n; ++i) {
      auto span = tracer_.start_span(name);
      span.set_attribute("seq", static_cast<std::int64_t>(i));
    }
  }
  // The remote sampler's GetSamplingRules and GetSamplingTargets calls, signed by signer_ with
  // service "xray", to the same endpoint; checks the official signer's verdicts.
  void sampling_calls(bool with_token) {
    ASSERT_EQ(signer_.init(credentials_), Status::kOk) << log_.all();
    const std::string base = endpoint_.substr(0, endpoint_.find("/v1/traces"));
    net_.configure(config_);  // the test CA
    XraySamplingConfig xs;
    xs.endpoint = base.c_str();
    xs.connector = net_.connector();
    xs.signer = signer_.request_signer();
    xs.service_name = "sigv4-device";
    xs.log = &test::LogCapture::sink;
    xs.log_ctx = &log_;
    RemoteSampler sampler;
    ASSERT_EQ(sampler.init(xs), Status::kOk) << log_.all();
    EXPECT_EQ(sampler.poll_at(0), 10000u) << log_.all();
    EXPECT_EQ(sampler.rule_stats(0).name, "signed-rule") << log_.all();
    EXPECT_EQ(sampler.poll_at(10000), 10000u) << log_.all();
    const XraySamplingStats st = sampler.stats();
    EXPECT_EQ(st.rules_fetches, 1u);
    EXPECT_EQ(st.targets_fetches, 1u);
    EXPECT_EQ(st.call_failures, 0u) << log_.all();
    EXPECT_EQ(sampler.rule_stats(0).quota, 3u);
    const std::vector<Verdict> v = verdicts();
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].path, "/GetSamplingRules");
    EXPECT_EQ(v[1].path, "/SamplingTargets");
    for (const Verdict& one : v) {
      EXPECT_EQ(one.status, 200) << one.reason;
      EXPECT_EQ(one.reason, "signature verified");
      EXPECT_EQ(one.token, with_token);
      EXPECT_NE(one.scope.find("/us-east-1/xray"), std::string::npos) << one.scope;
    }
  }

  struct Verdict {
    int status;
    std::string reason, path, amz_date, scope, encoding;
    bool token;
    double body_bytes, decoded_bytes;
    std::string log_group, log_stream;
  };
  std::vector<Verdict> verdicts() const {
    std::vector<Verdict> out;
    const std::string text = test::read_file(dir_->file("verdicts.jsonl"));
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t end = text.find('\n', start);
      const std::string line = text.substr(start, end - start);
      start = end == std::string::npos ? text.size() : end + 1;
      if (line.empty()) continue;
      test::Json j;
      EXPECT_TRUE(test::Json::parse(line, j)) << line;
      std::printf("official signer: %s\n", line.c_str());
      out.push_back(Verdict{static_cast<int>(j["status"].number()), j["reason"].text, j["path"].text, j["amz_date"].text,
                            j["scope"].text, j["encoding"].text, j["token"].boolean, j["body_bytes"].number(),
                            j["decoded_bytes"].number(), j["log_group"].text, j["log_stream"].text});
    }
    return out;
  }

  SigV4Credentials credentials_;
  SigV4Signer signer_;
  std::string endpoint_;
  NetConnector net_;
  Exporter exporter_;
  test::ChildProcess server_;
};

TEST_F(SigV4Official, AcceptsSignedExportsWithLongTermCredentials) {
  start_server({});
  start_exporter();  // the port's wall clock
  record(5);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  record(3);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  const std::vector<Verdict> v = verdicts();
  ASSERT_EQ(v.size(), 2u);
  for (const Verdict& x : v) {
    EXPECT_EQ(x.status, 200) << x.reason;
    EXPECT_EQ(x.reason, "signature verified");
    EXPECT_FALSE(x.token);
    EXPECT_EQ(x.encoding, "identity");
  }
  EXPECT_EQ(exporter_.counters().spans_exported, 8u);
  EXPECT_EQ(exporter_.counters().export_failures, 0u);
}

// Spans to X-Ray and log records to CloudWatch Logs from one exporter and one signer: each
// request is signed for its own service, and only the logs' requests carry the log group and
// stream (OTEL_EXPORTER_OTLP_LOGS_HEADERS in the environment).
TEST_F(SigV4Official, SignsLogRecordsForCloudWatchLogsWithTheirGroupAndStream) {
  start_server({"--token", kToken});
  credentials_.session_token = kToken;
  const HttpHeader log_headers[] = {{"x-aws-log-group", "device-fleet"}, {"x-aws-log-stream", "pump-7"}};
  config_.logs_headers = log_headers;
  config_.logs_header_count = 2;
  start_exporter();
  {
    auto span = tracer_.start_span("pump-cycle");
    const Attribute pressure[] = {{"kpa", std::int64_t{412}}};
    log(tracer_, Severity::kWarn, "pressure above limit", pressure, 1);
  }
  log(tracer_, Severity::kInfo, "cycle done");
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  const std::vector<Verdict> v = verdicts();
  ASSERT_EQ(v.size(), 2u);
  std::size_t traces = 0, logs = 0;
  for (const Verdict& x : v) {
    EXPECT_EQ(x.status, 200) << x.reason;
    EXPECT_TRUE(x.token);
    if (x.path == "/v1/logs") {
      ++logs;
      EXPECT_NE(x.scope.find("/us-east-1/logs"), std::string::npos) << x.scope;
      EXPECT_EQ(x.log_group, "device-fleet");
      EXPECT_EQ(x.log_stream, "pump-7");
    } else {
      ++traces;
      EXPECT_EQ(x.path, "/v1/traces");
      EXPECT_NE(x.scope.find("/us-east-1/xray"), std::string::npos) << x.scope;
      EXPECT_EQ(x.log_group, "") << "the log group goes with log records only";
    }
  }
  EXPECT_EQ(traces, 1u);
  EXPECT_EQ(logs, 1u);
  EXPECT_EQ(exporter_.counters().spans_exported, 1u);
  EXPECT_EQ(exporter_.counters().logs_exported, 2u);
}

TEST_F(SigV4Official, RefusesLogRecordsWithoutTheLogGroup) {
  start_server({});
  start_exporter();
  log(tracer_, Severity::kError, "no group configured");
  (void)exporter_.flush(3000);
  const std::vector<Verdict> v = verdicts();
  ASSERT_GE(v.size(), 1u);
  EXPECT_EQ(v[0].status, 403);
  EXPECT_EQ(v[0].reason, "CloudWatch Logs needs the x-aws-log-group and x-aws-log-stream headers");
  EXPECT_EQ(exporter_.counters().logs_exported, 0u);
}

TEST_F(SigV4Official, AcceptsSignedExportsWithASessionToken) {
  start_server({"--token", kToken});
  credentials_.session_token = kToken;
  start_exporter();
  record(4);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  const std::vector<Verdict> v = verdicts();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].status, 200) << v[0].reason;
  EXPECT_TRUE(v[0].token);
  EXPECT_EQ(exporter_.counters().spans_exported, 4u);
}

TEST_F(SigV4Official, SignsTheSamplingApiCallsWithLongTermCredentials) {
  start_server({});
  sampling_calls(false);
}

TEST_F(SigV4Official, SignsTheSamplingApiCallsWithASessionToken) {
  start_server({"--token", kToken});
  credentials_.session_token = kToken;
  sampling_calls(true);
}

#if defined(TRACELET_AWS_HAVE_GZIP)
TEST_F(SigV4Official, SignsTheGzipBytesThatAreSent) {
  start_server({});
  config_.compression = Compression::kGzip;
  start_exporter();
  record(20);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  const std::vector<Verdict> v = verdicts();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].status, 200) << v[0].reason;
  EXPECT_EQ(v[0].encoding, "gzip");
  EXPECT_LT(v[0].body_bytes, v[0].decoded_bytes);  // the compressed bytes were what was signed
  EXPECT_EQ(static_cast<std::uint64_t>(v[0].body_bytes), exporter_.counters().bytes_sent);
}
#endif

TEST_F(SigV4Official, SignsAcrossADateChange) {
  start_server({"--now", std::to_string(kBeforeMidnight)});
  std::uint64_t now = kBeforeMidnight;
  credentials_.now_unix_s = &clock_value;
  credentials_.now_ctx = &now;
  credentials_.session_token = nullptr;
  start_exporter();
  record(2);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  now = kBeforeMidnight + 2;  // 2026-12-04T00:00:01Z: a new signing key and scope
  record(2);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  const std::vector<Verdict> v = verdicts();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].status, 200) << v[0].reason;
  EXPECT_EQ(v[0].amz_date, "20261203T235959Z");
  EXPECT_EQ(v[0].scope, "20261203/us-east-1/xray");
  EXPECT_EQ(v[1].status, 200) << v[1].reason;
  EXPECT_EQ(v[1].amz_date, "20261204T000001Z");
  EXPECT_EQ(v[1].scope, "20261204/us-east-1/xray");
}

TEST_F(SigV4Official, DeviceWithoutAClockTakesTheTimeFromTheRefusalsDate) {
  start_server({"--now", std::to_string(kBeforeMidnight)});
  std::uint64_t since_boot = 42;  // what a device without an RTC knows
  credentials_.now_unix_s = &clock_value;
  credentials_.now_ctx = &since_boot;
  start_exporter();
  record(3);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  const std::vector<Verdict> v = verdicts();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].status, 403);
  EXPECT_NE(v[0].reason.find("Signature expired"), std::string::npos) << v[0].reason;
  EXPECT_EQ(v[0].amz_date, "19700101T000042Z");
  EXPECT_EQ(v[1].status, 200) << v[1].reason;
  // The server's Date has whole seconds and the answer took a moment: within a few seconds.
  EXPECT_EQ(v[1].amz_date.substr(0, 13), "20261203T2359") << v[1].amz_date;
  EXPECT_EQ(exporter_.counters().spans_exported, 3u);
  EXPECT_EQ(exporter_.counters().spans_dropped_non_retryable, 0u);
  EXPECT_TRUE(log_.contains("signing with the server's time")) << log_.all();
}

TEST_F(SigV4Official, RefusesATamperedBody) {
  start_server({});
  TamperingConnector tamper{net_.connector()};
  start_exporter(tamper.connector());
  record(2, "tamper-me");
  (void)exporter_.flush(5000);
  const std::vector<Verdict> v = verdicts();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].status, 403);
  EXPECT_EQ(v[0].reason, "X-Amz-Content-Sha256 is not the SHA-256 of the body received");
  EXPECT_EQ(exporter_.counters().spans_exported, 0u);
  EXPECT_EQ(exporter_.counters().spans_dropped_non_retryable, 2u);
  EXPECT_TRUE(log_.contains("collector answered 403")) << log_.all();
}

TEST_F(SigV4Official, RefusesAWrongSecret) {
  start_server({});
  credentials_.secret_access_key = "AnotherSecretKeyThatIsNotTheRightOne00000";
  start_exporter();
  record(1);
  (void)exporter_.flush(5000);
  const std::vector<Verdict> v = verdicts();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].status, 403);
  EXPECT_EQ(v[0].reason.rfind("signature mismatch", 0), 0u) << v[0].reason;
  EXPECT_EQ(log_.all().find("AnotherSecretKeyThatIsNotTheRightOne00000"), std::string::npos);
}

}  // namespace
}  // namespace tracelet
