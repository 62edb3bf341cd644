// Log records (tracelet::log, logf): what goes into the ring, how the OTLP logs request is
// encoded from it (decoded back with the receiver's full decoder), drops, and that a traces
// request leaves log records out and the other way round.
#include <gtest/gtest.h>
#include <pb_encode.h>

#include <cstdio>
#include <cstring>
#include <vector>
#include <string>

#include "otlp/encode.h"
#include "otlp_decode.h"
#include "tracelet/console_exporter.h"
#include "tracelet/log_record.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

std::vector<std::uint8_t> bytes_of(const std::uint8_t* p, std::size_t n) { return {p, p + n}; }

class LogRecordTest : public ::testing::Test {
 protected:
  void SetUp() override { init(sizeof memory_); }
  void init(std::size_t ring_bytes) {
    tracer_.shutdown();
    Options options;
    options.service_name = "log-test";
    options.ring_memory = ByteSpan{memory_, ring_bytes};
    ASSERT_EQ(tracer_.init(options), Status::kOk);
  }
  // Encodes the whole ring as one request of `signal`, commits it, returns the bytes.
  std::string take(otlp::Signal signal, std::size_t* records = nullptr) {
    Batch batch;
    if (tracer_.ring().peek_batch(batch, 1000) != Status::kOk) return {};
    otlp::RequestSource source;
    source.ring = &tracer_.ring();
    source.batch = batch;
    source.resource = tracer_.resource();
    source.signal = signal;
    otlp::RequestPlan plan;
    EXPECT_TRUE(otlp::plan_request(source, plan));
    std::string out(plan.bytes, '\0');
    pb_ostream_t stream = pb_ostream_from_buffer(reinterpret_cast<pb_byte_t*>(&out[0]), out.size());
    EXPECT_TRUE(otlp::encode_request(source, plan, &stream));
    EXPECT_EQ(stream.bytes_written, plan.bytes);
    if (records != nullptr) *records = plan.spans;
    tracer_.ring().commit(batch);
    return out;
  }
  receiver::LogsRequest decode_logs(const std::string& body) {
    receiver::LogsRequest request;
    std::string error;
    EXPECT_TRUE(receiver::decode_logs_request(reinterpret_cast<const std::uint8_t*>(body.data()), body.size(),
                                              request, error))
        << error;
    return request;
  }

  alignas(8) std::uint8_t memory_[64 * 1024];
  Tracer tracer_;
};

TEST_F(LogRecordTest, RecordCarriesBodySeverityAttributesAndTheCurrentSpansIds) {
  SpanContext context;
  {
    auto span = tracer_.start_span("handle-request");
    context = span.context();
    const Attribute attributes[] = {{"battery.mv", 3100}, {"low", true}, {"unit", "mV"}};
    log(tracer_, Severity::kWarn, "battery low", attributes, 3);
  }
  log(tracer_, Severity::kInfo2, "outside any span");
  EXPECT_EQ(tracer_.counters().logs_recorded, 2u);
  EXPECT_EQ(tracer_.counters().spans_recorded, 1u);

  std::size_t records = 0;
  const receiver::LogsRequest request = decode_logs(take(otlp::Signal::kLogs, &records));
  EXPECT_EQ(records, 2u);
  ASSERT_EQ(request.resource_logs.size(), 1u);
  const receiver::ResourceLogs& rl = request.resource_logs[0];
  ASSERT_FALSE(rl.resource.items.empty());
  EXPECT_EQ(rl.resource.items[0].key, "service.name");
  EXPECT_EQ(rl.resource.items[0].value.bytes, "log-test");
  ASSERT_EQ(rl.scope_logs.size(), 1u);
  EXPECT_EQ(rl.scope_logs[0].scope.name, "tracelet");
  ASSERT_EQ(rl.scope_logs[0].log_records.size(), 2u);

  const receiver::LogRecord& in_span = rl.scope_logs[0].log_records[0];
  EXPECT_EQ(in_span.severity_number, 13);
  EXPECT_EQ(in_span.severity_text, "WARN");
  EXPECT_EQ(in_span.body.type, receiver::AnyValue::Type::kString);
  EXPECT_EQ(in_span.body.bytes, "battery low");
  EXPECT_EQ(in_span.trace_id, bytes_of(context.trace_id.bytes, 16));
  EXPECT_EQ(in_span.span_id, bytes_of(context.span_id.bytes, 8));
  EXPECT_EQ(in_span.flags, context.trace_flags);
  EXPECT_NE(in_span.time_unix_nano, 0u);
  EXPECT_EQ(in_span.observed_time_unix_nano, in_span.time_unix_nano);
  ASSERT_EQ(in_span.attributes.items.size(), 3u);
  EXPECT_EQ(in_span.attributes.items[0].key, "battery.mv");
  EXPECT_EQ(in_span.attributes.items[0].value.int_value, 3100);
  EXPECT_EQ(in_span.attributes.items[1].value.bool_value, true);
  EXPECT_EQ(in_span.attributes.items[2].value.bytes, "mV");
  EXPECT_EQ(in_span.attributes.dropped, 0u);

  const receiver::LogRecord& outside = rl.scope_logs[0].log_records[1];
  EXPECT_EQ(outside.severity_number, 10);
  EXPECT_EQ(outside.severity_text, "INFO");
  EXPECT_EQ(outside.body.bytes, "outside any span");
  EXPECT_TRUE(outside.trace_id.empty());
  EXPECT_TRUE(outside.span_id.empty());
  EXPECT_EQ(outside.flags, 0u);
}

TEST_F(LogRecordTest, TracesRequestLeavesLogRecordsOutAndLogsRequestLeavesSpansOut) {
  {
    auto span = tracer_.start_span("with-logs");
    log(tracer_, Severity::kDebug, "one");
    log(tracer_, Severity::kError, "two");
  }
  Batch batch;
  ASSERT_EQ(tracer_.ring().peek_batch(batch, 100), Status::kOk);
  EXPECT_EQ(batch.count, 3u);
  std::size_t spans = 0;
  std::size_t logs = 0;
  otlp::count_signals(tracer_.ring(), batch, spans, logs);
  EXPECT_EQ(spans, 1u);
  EXPECT_EQ(logs, 2u);
  otlp::RequestSource source;
  source.ring = &tracer_.ring();
  source.batch = batch;
  otlp::RequestPlan plan;
  ASSERT_TRUE(otlp::plan_request(source, plan));
  EXPECT_EQ(plan.spans, 1u);
  EXPECT_EQ(plan.other, 2u);
  EXPECT_EQ(plan.skipped, 0u);
  std::string body(plan.bytes, '\0');
  pb_ostream_t stream = pb_ostream_from_buffer(reinterpret_cast<pb_byte_t*>(&body[0]), body.size());
  ASSERT_TRUE(otlp::encode_request(source, plan, &stream));
  receiver::ExportRequest traces;
  std::string error;
  ASSERT_TRUE(receiver::decode_export_request(reinterpret_cast<const std::uint8_t*>(body.data()), body.size(),
                                              traces, error))
      << error;
  ASSERT_EQ(traces.span_count(), 1u);
  EXPECT_EQ(traces.resource_spans[0].scope_spans[0].spans[0].name, "with-logs");
  source.signal = otlp::Signal::kLogs;
  ASSERT_TRUE(otlp::plan_request(source, plan));
  EXPECT_EQ(plan.spans, 2u);
  EXPECT_EQ(plan.other, 1u);
  tracer_.ring().release(batch);
}

// The one-signal entry points (what a firmware that exports only spans links) plan and write
// exactly what plan_request/encode_request do for that signal, whatever source.signal says.
TEST_F(LogRecordTest, OneSignalEncodersMatchTheGeneralOne) {
  {
    auto span = tracer_.start_span("mixed");
    span.set_attribute("n", 7);
    log(tracer_, Severity::kWarn, "between", nullptr, 0);
  }
  { auto other = tracer_.start_span("second"); }
  log(tracer_, Severity::kInfo, "last");
  Batch batch;
  ASSERT_EQ(tracer_.ring().peek_batch(batch, 100), Status::kOk);
  ASSERT_EQ(batch.count, 4u);
  otlp::RequestSource source;
  source.ring = &tracer_.ring();
  source.batch = batch;
  source.resource = tracer_.resource();
  auto encode = [&](otlp::Signal signal, bool one_signal, otlp::RequestPlan& plan) {
    // The one-signal calls ignore source.signal: give them the other one.
    source.signal = one_signal ? static_cast<otlp::Signal>(1 - static_cast<int>(signal)) : signal;
    const bool logs = signal == otlp::Signal::kLogs;
    bool ok = one_signal ? (logs ? otlp::plan_logs_request(source, plan) : otlp::plan_traces_request(source, plan))
                         : otlp::plan_request(source, plan);
    EXPECT_TRUE(ok);
    std::string out(plan.bytes, '\0');
    pb_ostream_t stream = pb_ostream_from_buffer(reinterpret_cast<pb_byte_t*>(&out[0]), out.size());
    ok = one_signal ? (logs ? otlp::encode_logs_request(source, plan, &stream)
                            : otlp::encode_traces_request(source, plan, &stream))
                    : otlp::encode_request(source, plan, &stream);
    EXPECT_TRUE(ok);
    EXPECT_EQ(stream.bytes_written, plan.bytes);
    return out;
  };
  for (const otlp::Signal signal : {otlp::Signal::kTraces, otlp::Signal::kLogs}) {
    otlp::RequestPlan general;
    otlp::RequestPlan one;
    const std::string expected = encode(signal, false, general);
    EXPECT_EQ(encode(signal, true, one), expected);
    EXPECT_EQ(one.bytes, general.bytes);
    EXPECT_EQ(one.spans, 2u);
    EXPECT_EQ(one.other, 2u);
    EXPECT_EQ(one.skipped, general.skipped);
  }
  source.signal = otlp::Signal::kTraces;
  otlp::RequestPlan plan;
  receiver::ExportRequest traces;
  std::string error;
  const std::string body = encode(otlp::Signal::kTraces, true, plan);
  ASSERT_TRUE(receiver::decode_export_request(reinterpret_cast<const std::uint8_t*>(body.data()), body.size(),
                                              traces, error))
      << error;
  ASSERT_EQ(traces.span_count(), 2u);
  EXPECT_EQ(traces.resource_spans[0].scope_spans[0].spans[0].name, "mixed");
  const receiver::LogsRequest logs = decode_logs(encode(otlp::Signal::kLogs, true, plan));
  ASSERT_EQ(logs.resource_logs[0].scope_logs[0].log_records.size(), 2u);
  EXPECT_EQ(logs.resource_logs[0].scope_logs[0].log_records[1].body.bytes, "last");
  tracer_.ring().release(batch);
}

TEST_F(LogRecordTest, LongBodyIsCutAtUtf8BoundaryAndExtraAttributesAreCounted) {
  std::string body(TRACELET_MAX_LOG_BODY_BYTES - 1, 'x');
  body += "\xc3\xa9tail";  // a two-byte character across the limit
  std::vector<Attribute> attributes;
  for (std::size_t i = 0; i < TRACELET_MAX_ATTRIBUTES + 3; ++i) {
    attributes.push_back(Attribute{"k", static_cast<std::int64_t>(i)});
  }
  log(tracer_, Severity::kFatal4, body, attributes.data(), attributes.size());
  const receiver::LogsRequest request = decode_logs(take(otlp::Signal::kLogs));
  const receiver::LogRecord& r = request.resource_logs[0].scope_logs[0].log_records.at(0);
  EXPECT_EQ(r.body.bytes, std::string(TRACELET_MAX_LOG_BODY_BYTES - 1, 'x'));
  EXPECT_EQ(r.severity_number, 24);
  EXPECT_EQ(r.severity_text, "FATAL");
  // What binds first depends on the configuration: the attribute cap, or the record's bytes
  // (TRACELET_LOG_RECORD_BYTES; the Raspberry Pi config allows 32 attributes, more than 512
  // bytes hold next to a full body). Either way every attribute is kept or counted.
  EXPECT_GE(r.attributes.items.size(), 1u);
  EXPECT_LE(r.attributes.items.size(), static_cast<std::size_t>(TRACELET_MAX_ATTRIBUTES));
  EXPECT_GE(r.attributes.dropped, 3u);
  EXPECT_EQ(r.attributes.items.size() + r.attributes.dropped, static_cast<std::size_t>(TRACELET_MAX_ATTRIBUTES + 3));
  for (std::size_t i = 0; i < r.attributes.items.size(); ++i) {
    EXPECT_EQ(r.attributes.items[i].value.int_value, static_cast<std::int64_t>(i)) << "kept in order";
  }
}

TEST_F(LogRecordTest, LogfFormatsTheBody) {
  logf(tracer_, Severity::kInfo, "sensor %d read %ld mV (%s)", 4, 3012L, "ok");
  const receiver::LogsRequest request = decode_logs(take(otlp::Signal::kLogs));
  EXPECT_EQ(request.resource_logs[0].scope_logs[0].log_records.at(0).body.bytes, "sensor 4 read 3012 mV (ok)");
}

TEST_F(LogRecordTest, FullRingDropsAndCountsLogRecords) {
  init(Ring::kControlBytes + 512);
  int accepted = 0;
  for (int i = 0; i < 50; ++i) log(tracer_, Severity::kInfo, "filling the ring with log records");
  const TracerCounters c = tracer_.counters();
  accepted = static_cast<int>(c.logs_recorded);
  EXPECT_GT(accepted, 0);
  EXPECT_GT(c.logs_dropped, 0u);
  EXPECT_EQ(c.logs_recorded + c.logs_dropped, 50u);
  EXPECT_EQ(c.spans_recorded, 0u);
}

TEST_F(LogRecordTest, DisabledTracerRecordsNothing) {
  tracer_.set_enabled(false);
  log(tracer_, Severity::kError, "not recorded");
  EXPECT_EQ(tracer_.counters().logs_recorded, 0u);
  EXPECT_EQ(tracer_.ring().used_bytes(), 0u);
}

TEST_F(LogRecordTest, ConsolePrintsLogRecordsWithTheirSpan) {
  SpanContext context;
  {
    auto span = tracer_.start_span("console-span");
    context = span.context();
    log(tracer_, Severity::kWarn, "disk \"almost\" full");
  }
  std::vector<std::string> lines;
  ConsoleExporter console;
  console.ctx = &lines;
  console.write = [](void* ctx, const char* line, std::size_t len) {
    static_cast<std::vector<std::string>*>(ctx)->emplace_back(line, len);
  };
  EXPECT_EQ(export_to_console(tracer_, console), 2u);
  ASSERT_EQ(lines.size(), 2u);
  char span_hex[17];
  for (int i = 0; i < 8; ++i) std::snprintf(span_hex + 2 * i, 3, "%02x", context.span_id.bytes[i]);
  EXPECT_EQ(lines[0].rfind("log severity=WARN(13) trace=", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(std::string(" span=") + span_hex + " body=\"disk \\\"almost\\\" full\" attrs={}"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find("name=\"console-span\""), std::string::npos) << lines[1];
}

TEST(SeverityText, NamesEachRange) {
  EXPECT_STREQ(severity_text(Severity::kTrace), "TRACE");
  EXPECT_STREQ(severity_text(Severity::kDebug4), "DEBUG");
  EXPECT_STREQ(severity_text(Severity::kInfo), "INFO");
  EXPECT_STREQ(severity_text(Severity::kWarn3), "WARN");
  EXPECT_STREQ(severity_text(Severity::kError2), "ERROR");
  EXPECT_STREQ(severity_text(Severity::kFatal), "FATAL");
  EXPECT_STREQ(severity_text(Severity::kUnspecified), "");
  EXPECT_STREQ(severity_text(static_cast<Severity>(25)), "");
}

}  // namespace
}  // namespace tracelet
