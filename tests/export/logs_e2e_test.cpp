// Log records end to end: tracelet::log inside a span, the exporter over real TLS to the local
// receiver (started and stopped by PID), which prints each record under the span it belongs to.
// Also: a logs endpoint of its own that is down at first (the spans are delivered once, the
// log records wait and follow), and OTEL_LOGS_EXPORTER=none (drop_logs).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/json_lite.h"
#include "support/json_text.h"
#include "support/log_capture.h"
#include "support/process.h"
#include "support/receiver_process.h"
#include "support/tls_export_test.h"
#include "tracelet/exporter.h"
#include "tracelet/log_record.h"
#include "tracelet/net_connector.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

class LogsE2E : public test::TlsExportTest {
 protected:
  void SetUp() override {
    set_up("logs-device", 64 * 1024, 3000, 200);
  }
  void TearDown() override {
    (void)exporter_.shutdown(1);
    receiver_.stop();
    logs_receiver_.stop();
  }
  void start(test::ReceiverProcess& receiver, const std::string& dir, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--certs", dir_->file("pki")};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string error;
    ASSERT_TRUE(receiver.start(dir, args, error)) << error;
  }
  void start_exporter() {
    endpoint_ = "https://127.0.0.1:" + std::to_string(receiver_.port()) + "/v1/traces";
    config_.endpoint = endpoint_.c_str();
    connector_.configure(config_);
    ASSERT_EQ(exporter_.init(tracer_, config_, connector_.connector()), Status::kOk);
  }
  // One span with two log records in it, and one log record outside any span.
  void record() {
    auto span = tracer_.start_span("read-sensor");
    span_id_ = test::hex(span.context().span_id.bytes, 8);
    trace_id_ = test::hex(span.context().trace_id.bytes, 16);
    const Attribute attributes[] = {{"sensor.id", 7}, {"unit", "mV"}};
    log(tracer_, Severity::kInfo, "sampling", attributes, 2);
    logf(tracer_, Severity::kWarn, "battery low: %d mV", 3100);
    span.end();
    log(tracer_, Severity::kError, "outside any span");
  }
  // The JSONL lines of one receiver, split by signal.
  static void split(const test::ReceiverProcess& receiver, std::vector<test::Json>& spans,
                    std::vector<test::Json>& logs) {
    for (const std::string& line : receiver.jsonl_lines()) {
      test::Json json;
      ASSERT_TRUE(test::Json::parse(line, json)) << line;
      (json["signal"].text == "log" ? logs : spans).push_back(json);
    }
  }

  std::string endpoint_;
  std::string logs_endpoint_;
  NetConnector connector_;
  Exporter exporter_;
  test::ReceiverProcess receiver_;
  test::ReceiverProcess logs_receiver_;
  std::string span_id_;
  std::string trace_id_;
};

TEST_F(LogsE2E, ReceiverPrintsEachLogRecordUnderItsSpan) {
  start(receiver_, dir_->path());
  start_exporter();
  record();
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  ASSERT_TRUE(receiver_.wait_for_log("POST /v1/logs")) << receiver_.log();

  const std::string printed = receiver_.trees();
  const std::string span_line = "    span " + span_id_ + " \"read-sensor\"\n";
  const std::size_t at = printed.find(span_line);
  ASSERT_NE(at, std::string::npos) << printed;
  const std::size_t trace_at = printed.rfind("  trace " + trace_id_ + "\n", at);
  EXPECT_NE(trace_at, std::string::npos) << printed;
  const std::size_t info = printed.find(" INFO(9) \"sampling\" sensor.id=7 unit=\"mV\"\n", at);
  const std::size_t warn = printed.find(" WARN(13) \"battery low: 3100 mV\"\n", at);
  EXPECT_NE(info, std::string::npos) << printed;
  EXPECT_NE(warn, std::string::npos) << printed;
  EXPECT_LT(info, warn) << "time order within the span";
  EXPECT_NE(printed.find("    (no span)\n      log "), std::string::npos) << printed;
  EXPECT_NE(printed.find(" ERROR(17) \"outside any span\"\n"), std::string::npos) << printed;
  std::printf("---- receiver output ----\n%s-------------------------\n", printed.c_str());

  std::vector<test::Json> spans;
  std::vector<test::Json> logs;
  split(receiver_, spans, logs);
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_EQ(logs.size(), 3u);
  int in_span = 0;
  for (test::Json& l : logs) {
    if (l["span_id"].text == span_id_) {
      EXPECT_EQ(l["trace_id"].text, trace_id_);
      ++in_span;
    }
  }
  EXPECT_EQ(in_span, 2);
  const ExporterCounters c = exporter_.counters();
  EXPECT_EQ(c.spans_exported, 1u);
  EXPECT_EQ(c.logs_exported, 3u);
  EXPECT_EQ(c.exports_succeeded, 2u) << "one traces and one logs request";
  EXPECT_EQ(c.connects, 1u) << "both signals share the kept-alive connection";
  EXPECT_EQ(tracer_.counters().logs_recorded, 3u);
}

TEST_F(LogsE2E, LogsEndpointDownAtFirstSpansAreSentOnceAndLogsFollow) {
  start(receiver_, dir_->path());
  // A second receiver for the logs: started to learn a free port, stopped, started again later.
  test::TempDir logs_dir;
  start(logs_receiver_, logs_dir.path());
  const std::uint16_t logs_port = logs_receiver_.port();
  logs_receiver_.stop();
  logs_endpoint_ = "https://127.0.0.1:" + std::to_string(logs_port) + "/v1/logs";
  config_.logs_endpoint = logs_endpoint_.c_str();
  start_exporter();
  record();
  EXPECT_EQ(exporter_.flush(500), Status::kTimeout);
  EXPECT_EQ(exporter_.pending_spans(), 4u) << "the batch stays until its log records are delivered";
  start(logs_receiver_, logs_dir.path(), {"--port", std::to_string(logs_port)});
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();

  std::vector<test::Json> spans;
  std::vector<test::Json> logs;
  split(receiver_, spans, logs);
  EXPECT_EQ(spans.size(), 1u) << "the spans went once, not again with each logs retry";
  EXPECT_EQ(logs.size(), 0u);
  std::vector<test::Json> spans2;
  std::vector<test::Json> logs2;
  split(logs_receiver_, spans2, logs2);
  EXPECT_EQ(spans2.size(), 0u);
  EXPECT_EQ(logs2.size(), 3u);
  const ExporterCounters c = exporter_.counters();
  EXPECT_EQ(c.spans_exported, 1u);
  EXPECT_EQ(c.logs_exported, 3u);
  EXPECT_GE(c.connect_failures, 1u);
  EXPECT_TRUE(log_.contains("3 log records stay buffered")) << log_.all();
  logs_receiver_.stop();  // before its directory goes
}

TEST_F(LogsE2E, DropLogsSendsOnlySpans) {
  start(receiver_, dir_->path());
  config_.drop_logs = true;
  start_exporter();
  record();
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  std::vector<test::Json> spans;
  std::vector<test::Json> logs;
  split(receiver_, spans, logs);
  EXPECT_EQ(spans.size(), 1u);
  EXPECT_EQ(logs.size(), 0u);
  const ExporterCounters c = exporter_.counters();
  EXPECT_EQ(c.logs_not_exported, 3u);
  EXPECT_EQ(c.logs_exported, 0u);
  EXPECT_EQ(exporter_.pending_spans(), 0u);
}

}  // namespace
}  // namespace tracelet
