// The exporter end to end: real TLS (Mbed TLS) over real sockets on 127.0.0.1 to the local
// receiver, which the test starts and stops by PID. Each fault scenario checks that every span
// that fit in the ring reaches the receiver, exactly once where the receiver acknowledged it,
// and that the exporter's counters explain every failure and drop.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "support/json_lite.h"
#include "support/log_capture.h"
#include "support/process.h"
#include "support/json_text.h"
#include "support/receiver_process.h"
#include "support/tls_export_test.h"
#include "tracelet/exporter.h"
#include "tracelet/net_connector.h"
#include "tracelet/net_port.h"
#include "tracelet/port.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

using test::LogCapture;

class ExporterE2E : public test::TlsExportTest {
 protected:
  void SetUp() override {
    set_up("e2e-device", 128 * 1024, 3000, 400);
    config_.max_export_batch_size = 25;
  }
  void TearDown() override {
    (void)exporter_.shutdown(1);
    receiver_.stop();
  }

  void start_receiver(std::vector<std::string> faults) {
    std::vector<std::string> args = {"--certs", dir_->file("pki"), "--quiet"};
    args.insert(args.end(), faults.begin(), faults.end());
    std::string error;
    ASSERT_TRUE(receiver_.start(dir_->path(), args, error)) << error;
  }
  void start_exporter(std::uint16_t port) {
    endpoint_ = "https://127.0.0.1:" + std::to_string(port) + "/v1/traces";
    config_.endpoint = endpoint_.c_str();
    connector_.configure(config_);
    ASSERT_EQ(exporter_.init(tracer_, config_, connector_.connector()), Status::kOk);
  }
  // Records `n` spans and remembers their ids.
  void record(int n) {
    for (int i = 0; i < n; ++i) {
      auto span = tracer_.start_span("work-" + std::to_string(recorded_.size()));
      span.set_attribute("seq", static_cast<std::int64_t>(recorded_.size()));
      recorded_.insert(test::hex(span.context().span_id.bytes, 8));
    }
  }
  // Span id -> how many times the receiver recorded it (in acknowledged requests).
  std::map<std::string, int> received() const {
    std::map<std::string, int> out;
    for (const std::string& line : receiver_.jsonl_lines()) {
      test::Json json;
      EXPECT_TRUE(test::Json::parse(line, json)) << line;
      ++out[json["span_id"].text];
    }
    return out;
  }
  void expect_all_received_once() {
    std::map<std::string, int> got = received();
    for (const std::string& id : recorded_) {
      EXPECT_EQ(got[id], 1) << "span " << id << "\n" << log_.all();
    }
    EXPECT_EQ(got.size(), recorded_.size());
    ExporterCounters c = exporter_.counters();
    EXPECT_EQ(c.spans_exported, recorded_.size());
    EXPECT_EQ(exporter_.pending_spans(), 0u);
  }

  std::string endpoint_;
  NetConnector connector_;
  Exporter exporter_;
  test::ReceiverProcess receiver_;
  std::set<std::string> recorded_;
};

TEST_F(ExporterE2E, DeliversEverySpanOnceOverOneKeptAliveTlsConnection) {
  start_receiver({});
  start_exporter(receiver_.port());
  record(100);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  expect_all_received_once();
  ExporterCounters c = exporter_.counters();
  EXPECT_EQ(c.exports_succeeded, 4u);
  EXPECT_EQ(c.connects, 1u) << "keep-alive";
  EXPECT_EQ(c.export_failures, 0u);
}

TEST_F(ExporterE2E, ReceiverDownAtStartThenUp) {
  // Find a free port by starting and stopping a receiver, then export to it while it is down.
  start_receiver({});
  const std::uint16_t port = receiver_.port();
  receiver_.stop();
  start_exporter(port);
  record(30);
  EXPECT_EQ(exporter_.flush(400), Status::kTimeout);
  EXPECT_EQ(exporter_.pending_spans(), 30u) << "nothing is lost while the collector is down";
  EXPECT_GE(exporter_.counters().connect_failures, 1u);
  EXPECT_TRUE(log_.contains("cannot reach 127.0.0.1")) << log_.all();
  std::string error;
  ASSERT_TRUE(receiver_.start(dir_->path(), {"--certs", dir_->file("pki"), "--quiet", "--port",
                                             std::to_string(port)},
                              error))
      << error;
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  expect_all_received_once();
}

TEST_F(ExporterE2E, Retries503ThreeTimesThenSucceeds) {
  start_receiver({"--fail-status", "503", "--fail-count", "3"});
  start_exporter(receiver_.port());
  record(20);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  expect_all_received_once();
  ExporterCounters c = exporter_.counters();
  EXPECT_EQ(c.export_failures, 3u);
  EXPECT_EQ(c.retries, 3u);
  EXPECT_EQ(c.last_http_status, 200);
  EXPECT_TRUE(log_.contains("answered 503")) << log_.all();
}

TEST_F(ExporterE2E, HonoursRetryAfterOn429) {
  start_receiver({"--fail-status", "429", "--fail-count", "1", "--retry-after", "1"});
  start_exporter(receiver_.port());
  record(10);
  const std::uint64_t start = port::monotonic_ns();
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  const std::uint64_t waited_ms = (port::monotonic_ns() - start) / 1000000;
  EXPECT_GE(waited_ms, 1000u) << "the retry waited for Retry-After: 1";
  expect_all_received_once();
  EXPECT_TRUE(log_.contains("retry 1 in 1000 ms")) << log_.all();
}

TEST_F(ExporterE2E, ConnectionResetMidResponseIsRetried) {
  start_receiver({"--reset-after-headers", "2"});
  start_exporter(receiver_.port());
  record(20);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  expect_all_received_once();
  ExporterCounters c = exporter_.counters();
  EXPECT_EQ(c.export_failures, 2u);
  EXPECT_GE(c.connects, 3u) << "a reset connection is reopened";
}

TEST_F(ExporterE2E, SlowerThanTheTimeoutIsRetriedAndAtLeastOnce) {
  // The timeout must cover a TLS handshake even under qemu-user (~0.5 s on armhf).
  config_.timeout_ms = 1500;
  start_receiver({"--delay-ms", "4000", "--delay-count", "1"});
  start_exporter(receiver_.port());
  record(10);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  ExporterCounters c = exporter_.counters();
  EXPECT_EQ(c.export_failures, 1u);
  EXPECT_TRUE(log_.contains("no answer for 10 spans within 1500 ms")) << log_.all();
  // OTLP is at-least-once: the receiver acknowledged the slow request after the exporter had
  // given up on it, so those spans may arrive twice; nothing may be missing.
  receiver_.stop();
  std::map<std::string, int> got = received();
  for (const std::string& id : recorded_) {
    EXPECT_GE(got[id], 1) << id;
    EXPECT_LE(got[id], 2) << id;
  }
  EXPECT_EQ(c.spans_exported, recorded_.size());
}

TEST_F(ExporterE2E, BadCertificateKeepsSpansAndSaysWhy) {
  std::string error = test::make_test_ca(dir_->file("other"));
  ASSERT_EQ(error, "");
  start_receiver({});
  ca_file_ = dir_->file("other/ca.crt");  // a CA that did not sign the receiver's certificate
  config_.ca_file = ca_file_.c_str();
  start_exporter(receiver_.port());
  record(5);
  EXPECT_EQ(exporter_.flush(500), Status::kTimeout);
  EXPECT_EQ(exporter_.pending_spans(), 5u);
  EXPECT_GE(exporter_.counters().connect_failures, 1u);
  EXPECT_TRUE(log_.contains("not correctly signed by the trusted CA")) << log_.all();
  std::printf("what the device logs: %s\n", log_.empty() ? "" : log_.lines()[0].text.c_str());
  EXPECT_TRUE(receiver_.jsonl_lines().empty());
}

TEST_F(ExporterE2E, WrongHostNameKeepsSpansAndSaysWhy) {
  start_receiver({});
  // The receiver's certificate names localhost and 127.0.0.1; verify it as another name.
  config_.tls_server_name = "collector.example";
  start_exporter(receiver_.port());
  record(5);
  EXPECT_EQ(exporter_.flush(500), Status::kTimeout);
  EXPECT_EQ(exporter_.pending_spans(), 5u);
  EXPECT_TRUE(log_.contains("CN")) << log_.all();
  std::printf("what the device logs: %s\n", log_.empty() ? "" : log_.lines()[0].text.c_str());
  EXPECT_TRUE(receiver_.jsonl_lines().empty());
}

TEST_F(ExporterE2E, PartialSuccessIsCounted) {
  start_receiver({"--partial-reject", "3"});
  start_exporter(receiver_.port());
  record(10);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  ExporterCounters c = exporter_.counters();
  EXPECT_EQ(c.spans_exported, 7u);  // recorded = exported + rejected: 10 = 7 + 3
  EXPECT_EQ(c.spans_rejected, 3u);
}

TEST_F(ExporterE2E, NonRetryableAnswerDropsTheBatchWithACounter) {
  start_receiver({"--fail-status", "400", "--fail-count", "1"});
  config_.max_export_batch_size = 10;
  start_exporter(receiver_.port());
  record(20);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  ExporterCounters c = exporter_.counters();
  EXPECT_EQ(c.spans_dropped_non_retryable, 10u);
  EXPECT_EQ(c.spans_exported, 10u);
  EXPECT_EQ(received().size(), 10u);
  EXPECT_TRUE(log_.contains("answered 400")) << log_.all();
}

}  // namespace
}  // namespace tracelet
