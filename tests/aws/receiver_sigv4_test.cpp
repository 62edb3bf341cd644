// tracelet-receiver --aws-sigv4 KEYFILE plays an AWS OTLP endpoint offline: the real Exporter +
// NetConnector send SigV4-signed spans over TLS on 127.0.0.1 and the receiver keeps them only
// when the signature checks out; otherwise 403 with the reason and its Date (which a device
// without a clock takes its time from).
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>

#include "support/log_capture.h"
#include "support/process.h"
#include "support/receiver_process.h"
#include "tracelet/exporter.h"
#include "tracelet/log_record.h"
#include "tracelet/net_connector.h"
#include "tracelet/sigv4.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::uint64_t clock_value(void* ctx) { return *static_cast<std::uint64_t*>(ctx); }

class ReceiverSigV4 : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>();
    ASSERT_EQ(test::make_test_ca(dir_->file("pki")), "");
    std::ofstream(dir_->file("aws.key")) << "xray eu-west-1 AKIDEXAMPLE " << kSecret << "\n";
    std::string error;
    ASSERT_TRUE(receiver_.start(dir_->path(), {"--certs", dir_->file("pki"), "--quiet", "--aws-sigv4",
                                               dir_->file("aws.key")},
                                error))
        << error;
    Options options;
    options.service_name = "offline-aws";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    ASSERT_EQ(tracer_.init(options), Status::kOk);
    ca_ = dir_->file("pki/ca.crt");
    endpoint_ = "https://127.0.0.1:" + std::to_string(receiver_.port()) + "/v1/traces";
    config_.endpoint = endpoint_.c_str();
    config_.ca_file = ca_.c_str();
    config_.schedule_delay_ms = 10;
    config_.initial_backoff_ms = 50;
    config_.log = &test::LogCapture::sink;
    config_.log_ctx = &log_;
    credentials_.access_key_id = "AKIDEXAMPLE";
    credentials_.secret_access_key = kSecret;
    credentials_.region = "eu-west-1";
    credentials_.service = "xray";
    credentials_.log = &test::LogCapture::sink;
    credentials_.log_ctx = &log_;
  }
  void TearDown() override {
    (void)exporter_.shutdown(1);
    EXPECT_EQ(receiver_.stop(), 0);
    EXPECT_EQ(log_.all().find(kSecret), std::string::npos);
    EXPECT_EQ(receiver_.log().find(kSecret), std::string::npos) << "the receiver never shows the secret";
  }
  void start_exporter() {
    ASSERT_EQ(signer_.init(credentials_), Status::kOk);
    config_.signer = signer_.request_signer();
    net_.configure(config_);
    ASSERT_EQ(exporter_.init(tracer_, config_, net_.connector()), Status::kOk);
  }
  void record(int n) {
    for (int i = 0; i < n; ++i) tracer_.start_span("offline-" + std::to_string(i)).end();
  }

  std::unique_ptr<test::TempDir> dir_;
  test::ReceiverProcess receiver_;
  alignas(8) std::uint8_t memory_[64 * 1024];
  Tracer tracer_;
  ExporterConfig config_;
  SigV4Credentials credentials_;
  SigV4Signer signer_;
  NetConnector net_;
  Exporter exporter_;
  std::string ca_, endpoint_;
  test::LogCapture log_;
};

TEST_F(ReceiverSigV4, KeepsSignedSpans) {
  start_exporter();
  record(6);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all() << receiver_.log();
  EXPECT_EQ(receiver_.jsonl_lines().size(), 6u);
  EXPECT_EQ(exporter_.counters().spans_exported, 6u);
}

TEST_F(ReceiverSigV4, KeepsSignedLogRecordsAsCloudWatchLogsWould) {
  const HttpHeader log_headers[] = {{"x-aws-log-group", "devices"}, {"x-aws-log-stream", "pump-7"}};
  config_.logs_headers = log_headers;
  config_.logs_header_count = 2;
  start_exporter();
  {
    auto span = tracer_.start_span("offline-cycle");
    log(tracer_, Severity::kWarn, "valve slow to close");
  }
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all() << receiver_.log();
  EXPECT_EQ(exporter_.counters().spans_exported, 1u);
  EXPECT_EQ(exporter_.counters().logs_exported, 1u) << receiver_.log();
}

TEST_F(ReceiverSigV4, RefusesLogRecordsWithoutTheirGroupAndStream) {
  start_exporter();
  log(tracer_, Severity::kError, "no group");
  (void)exporter_.flush(3000);
  EXPECT_TRUE(receiver_.wait_for_log("x-aws-log-group")) << receiver_.log();
  EXPECT_EQ(exporter_.counters().logs_exported, 0u);
}

TEST_F(ReceiverSigV4, RefusesAWrongSecretWith403) {
  credentials_.secret_access_key = "AnotherSecretKeyThatIsNotTheRightOne00000";
  start_exporter();
  record(2);
  (void)exporter_.flush(3000);
  EXPECT_TRUE(receiver_.wait_for_log("signature mismatch")) << receiver_.log();
  EXPECT_EQ(receiver_.jsonl_lines().size(), 0u);
  EXPECT_EQ(exporter_.counters().spans_dropped_non_retryable, 2u);
  EXPECT_TRUE(log_.contains("collector answered 403")) << log_.all();
}

TEST_F(ReceiverSigV4, ADeviceWithoutAClockTakesTheReceiversDate) {
  std::uint64_t since_boot = 7;
  credentials_.now_unix_s = &clock_value;
  credentials_.now_ctx = &since_boot;
  start_exporter();
  record(3);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all() << receiver_.log();
  EXPECT_TRUE(receiver_.wait_for_log("Signature expired")) << receiver_.log();
  EXPECT_EQ(receiver_.jsonl_lines().size(), 3u);
  const std::int64_t skew = signer_.date_offset_s() + 7 - static_cast<std::int64_t>(std::time(nullptr));
  EXPECT_LE(skew < 0 ? -skew : skew, 2) << "the clock taken from Date is within 2 s";
}

}  // namespace
}  // namespace tracelet
