// gzip bodies end to end: the exporter with tracelet::gzip over real TLS (Mbed TLS) to
// tracelet-receiver on 127.0.0.1, which de-chunks and inflates them. The spans carry array
// attributes, so the receiver's JSON lines show both features arriving intact.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/json_lite.h"
#include "support/process.h"
#include "support/receiver_process.h"
#include "support/log_capture.h"
#include "tracelet/exporter.h"
#include "tracelet/net_connector.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

class GzipE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<test::TempDir>();
    ASSERT_EQ(test::make_test_ca(dir_->file("pki")), "");
    Options options;
    options.service_name = "gzip-e2e";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    ASSERT_EQ(tracer_.init(options), Status::kOk);
    std::string error;
    ASSERT_TRUE(receiver_.start(dir_->path(), {"--certs", dir_->file("pki"), "--quiet"}, error)) << error;
    ca_file_ = dir_->file("pki/ca.crt");
    endpoint_ = "https://127.0.0.1:" + std::to_string(receiver_.port()) + "/v1/traces";
    config_.endpoint = endpoint_.c_str();
    config_.ca_file = ca_file_.c_str();
    config_.timeout_ms = 3000;
    config_.schedule_delay_ms = 10;
    config_.max_export_batch_size = 40;
    config_.log = &test::LogCapture::sink;
    config_.log_ctx = &logs_;
  }
  void TearDown() override {
    (void)exporter_.shutdown(1);
    receiver_.stop();
  }

  std::unique_ptr<test::TempDir> dir_;
  alignas(8) std::uint8_t memory_[128 * 1024];
  Tracer tracer_;
  ExporterConfig config_;
  std::string ca_file_;
  std::string endpoint_;
  NetConnector connector_;
  Exporter exporter_;
  test::ReceiverProcess receiver_;
  test::LogCapture logs_;
};

TEST_F(GzipE2E, ReceiverInflatesChunkedGzipBodiesWithArrayAttributes) {
  config_.compression = Compression::kGzip;
  connector_.configure(config_);
  ASSERT_EQ(exporter_.init(tracer_, config_, connector_.connector()), Status::kOk) << logs_.all();
  EXPECT_TRUE(logs_.empty()) << "gzip is available in this build: " << logs_.all();
  for (int i = 0; i < 120; ++i) {
    auto span = tracer_.start_span("poll-" + std::to_string(i));
    span.set_attribute("seq", i);
    span.set_attribute("zones", {"eu-1", "eu-2"});
    const std::int64_t readings[] = {i, i + 1, i + 2};
    span.set_attribute("readings", readings, 3);
  }
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << logs_.all();
  const ExporterCounters c = exporter_.counters();
  EXPECT_EQ(c.spans_exported, 120u);
  EXPECT_EQ(c.exports_succeeded, 3u);
  EXPECT_EQ(c.connects, 1u) << "keep-alive across chunked requests";
  EXPECT_LT(c.bytes_sent, c.bytes_uncompressed);
  std::printf("gzip e2e: %llu protobuf bytes sent as %llu\n",
              static_cast<unsigned long long>(c.bytes_uncompressed),
              static_cast<unsigned long long>(c.bytes_sent));

  // The receiver logs each request with its framing and coding.
  ASSERT_TRUE(receiver_.wait_for_log("spans=40")) << receiver_.log();
  const std::string log = receiver_.log();
  EXPECT_NE(log.find("chunked"), std::string::npos) << log;
  EXPECT_NE(log.find("Content-Encoding gzip"), std::string::npos) << log;

  std::map<std::string, int> seen;
  for (const std::string& line : receiver_.jsonl_lines()) {
    test::Json json;
    ASSERT_TRUE(test::Json::parse(line, json)) << line;
    ++seen[json["name"].text];
    const test::Json& zones = test::attribute(json["attributes"], "zones");
    ASSERT_EQ(zones["arrayValue"]["values"].size(), 2u) << line;
    EXPECT_EQ(zones["arrayValue"]["values"].at(1)["stringValue"].text, "eu-2") << line;
    const test::Json& readings = test::attribute(json["attributes"], "readings");
    ASSERT_EQ(readings["arrayValue"]["values"].size(), 3u) << line;
  }
  EXPECT_EQ(seen.size(), 120u);
  for (const auto& [name, count] : seen) EXPECT_EQ(count, 1) << name;
}

}  // namespace
}  // namespace tracelet
