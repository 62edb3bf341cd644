// The exporter's batching, retry and accounting logic against an in-memory collector: the
// transport is a byte pipe whose far end parses the HTTP request, decodes the OTLP body with
// nanopb and answers from a script. Faults: scripted status codes, Retry-After, a transport
// that breaks after N bytes (nanopb's flakystream idea), a collector that never answers.
#include <gtest/gtest.h>
#include <pb_decode.h>

#include <cstring>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "support/log_capture.h"
#include "tracelet/exporter.h"
#include "tracelet/port.h"
#include "tracelet/net_port.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

// ---- nanopb decoding of the request body: collects span names ------------------------------
bool read_name(pb_istream_t* stream, const pb_field_t*, void** arg) {
  auto* out = static_cast<std::string*>(*arg);
  out->resize(stream->bytes_left);
  return pb_read(stream, reinterpret_cast<pb_byte_t*>(&(*out)[0]), out->size());
}
bool read_span(pb_istream_t* stream, const pb_field_t*, void** arg) {
  auto* names = static_cast<std::vector<std::string>*>(*arg);
  opentelemetry_proto_trace_v1_Span span = opentelemetry_proto_trace_v1_Span_init_zero;
  std::string name;
  span.name.funcs.decode = read_name;
  span.name.arg = &name;
  if (!pb_decode(stream, opentelemetry_proto_trace_v1_Span_fields, &span)) return false;
  names->push_back(name);
  return true;
}
bool read_scope_spans(pb_istream_t* stream, const pb_field_t*, void** arg) {
  opentelemetry_proto_trace_v1_ScopeSpans scope = opentelemetry_proto_trace_v1_ScopeSpans_init_zero;
  scope.spans.funcs.decode = read_span;
  scope.spans.arg = *arg;
  return pb_decode(stream, opentelemetry_proto_trace_v1_ScopeSpans_fields, &scope);
}
bool read_resource_spans(pb_istream_t* stream, const pb_field_t*, void** arg) {
  opentelemetry_proto_trace_v1_ResourceSpans rs = opentelemetry_proto_trace_v1_ResourceSpans_init_zero;
  rs.scope_spans.funcs.decode = read_scope_spans;
  rs.scope_spans.arg = *arg;
  return pb_decode(stream, opentelemetry_proto_trace_v1_ResourceSpans_fields, &rs);
}
bool decode_span_names(const std::string& body, std::vector<std::string>& names) {
  opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest request =
      opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_init_zero;
  request.resource_spans.funcs.decode = read_resource_spans;
  request.resource_spans.arg = &names;
  pb_istream_t in = pb_istream_from_buffer(reinterpret_cast<const pb_byte_t*>(body.data()), body.size());
  return pb_decode(&in, opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_fields, &request);
}

// ---- in-memory collector --------------------------------------------------------------------
struct MemoryCollector {
  std::deque<std::string> script;   // raw HTTP answers, one per request; empty = 200
  std::size_t break_after_bytes = 0;  // >0: the next connection fails after this many bytes
  bool never_answer = false;
  bool close_after_answer = false;  // the peer resets the connection right after answering
  std::string partial;              // request bytes received on this connection
  std::string answer;               // bytes waiting to be read
  std::vector<std::map<std::string, std::string>> request_headers;
  std::vector<std::vector<std::string>> delivered;  // span names of each acknowledged request
  std::size_t sent_on_connection = 0;
  int opens = 0, closes = 0;
  bool open = false;

  void on_request_bytes() {
    std::size_t end = partial.find("\r\n\r\n");
    if (end == std::string::npos) return;
    std::map<std::string, std::string> headers;
    std::size_t line = partial.find("\r\n") + 2;
    headers["request-line"] = partial.substr(0, line - 2);
    while (line < end) {
      std::size_t next = partial.find("\r\n", line);
      std::string h = partial.substr(line, next - line);
      std::size_t colon = h.find(": ");
      headers[h.substr(0, colon)] = h.substr(colon + 2);
      line = next + 2;
    }
    std::size_t length = std::stoul(headers["Content-Length"]);
    if (partial.size() < end + 4 + length) return;
    std::string body = partial.substr(end + 4, length);
    partial.erase(0, end + 4 + length);
    request_headers.push_back(headers);
    std::vector<std::string> names;
    if (!decode_span_names(body, names)) {
      answer += "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
      return;
    }
    if (never_answer) return;
    std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    if (!script.empty()) {
      reply = script.front();
      script.pop_front();
    }
    if (reply.compare(9, 1, "2") == 0) delivered.push_back(names);
    answer += reply;
  }

  static std::int32_t send(void* ctx, const std::uint8_t* data, std::size_t len) {
    auto* self = static_cast<MemoryCollector*>(ctx);
    if (!self->open) return static_cast<std::int32_t>(Status::kUnavailable);
    if (self->break_after_bytes != 0 && self->sent_on_connection + len > self->break_after_bytes) {
      self->break_after_bytes = 0;
      self->open = false;
      return static_cast<std::int32_t>(Status::kUnavailable);  // connection reset
    }
    self->sent_on_connection += len;
    self->partial.append(reinterpret_cast<const char*>(data), len);
    self->on_request_bytes();
    return static_cast<std::int32_t>(len);
  }
  static std::int32_t recv(void* ctx, std::uint8_t* data, std::size_t cap, std::uint32_t) {
    auto* self = static_cast<MemoryCollector*>(ctx);
    if (self->answer.empty()) {
      if (self->close_after_answer && !self->request_headers.empty()) self->open = false;
      return self->open ? 0 : static_cast<std::int32_t>(Status::kUnavailable);
    }
    std::size_t n = std::min(cap, self->answer.size());
    std::memcpy(data, self->answer.data(), n);
    self->answer.erase(0, n);
    return static_cast<std::int32_t>(n);
  }
  static Status open_cb(void* ctx, const char*, std::uint16_t, bool, std::uint32_t, Transport* out,
                        char*, std::size_t) {
    auto* self = static_cast<MemoryCollector*>(ctx);
    ++self->opens;
    self->open = true;
    self->partial.clear();
    self->answer.clear();
    self->sent_on_connection = 0;
    out->ctx = self;
    out->send = &MemoryCollector::send;
    out->recv = &MemoryCollector::recv;
    return Status::kOk;
  }
  static void close_cb(void* ctx) {
    auto* self = static_cast<MemoryCollector*>(ctx);
    ++self->closes;
    self->open = false;
  }
  Connector connector() {
    Connector c;
    c.ctx = this;
    c.open = &MemoryCollector::open_cb;
    c.close = &MemoryCollector::close_cb;
    return c;
  }
};

using test::LogCapture;

class ExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.service_name = "exporter-test";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    ASSERT_EQ(tracer_.init(options), Status::kOk);
    config_.endpoint = "https://collector.example:4318/v1/traces";
    config_.timeout_ms = 2000;  // generous: under qemu-user on a loaded machine an attempt can take 100s of ms
    config_.schedule_delay_ms = 1;
    config_.initial_backoff_ms = 1;
    config_.max_backoff_ms = 4;
    config_.log = &LogCapture::sink;
    config_.log_ctx = &log_;
  }
  void record(int n, const char* prefix = "span") {
    for (int i = 0; i < n; ++i) {
      auto span = tracer_.start_span(std::string(prefix) + "-" + std::to_string(next_++));
      span.set_attribute("i", i);
    }
  }
  std::multiset<std::string> all_delivered() const {
    std::multiset<std::string> out;
    for (const auto& request : collector_.delivered) out.insert(request.begin(), request.end());
    return out;
  }

  alignas(8) std::uint8_t memory_[64 * 1024];
  Tracer tracer_;
  ExporterConfig config_;
  MemoryCollector collector_;
  LogCapture log_;
  int next_ = 0;
};

TEST_F(ExporterTest, SendsAProperRequestAndCommitsOnSuccess) {
  HttpHeader headers[] = {{"x-honeycomb-team", "KEY123"}};
  config_.headers = headers;
  config_.header_count = 1;
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(10);
  ASSERT_EQ(exporter.flush(2000), Status::kOk);
  ASSERT_EQ(collector_.request_headers.size(), 1u);
  auto& h = collector_.request_headers[0];
  EXPECT_EQ(h["request-line"], "POST /v1/traces HTTP/1.1");
  EXPECT_EQ(h["Host"], "collector.example:4318");
  EXPECT_EQ(h["Content-Type"], "application/x-protobuf");
  EXPECT_EQ(h["x-honeycomb-team"], "KEY123");
  EXPECT_EQ(all_delivered().size(), 10u);
  ExporterCounters c = exporter.counters();
  EXPECT_EQ(c.spans_exported, 10u);
  EXPECT_EQ(c.exports_succeeded, 1u);
  EXPECT_EQ(c.last_http_status, 200);
  EXPECT_EQ(exporter.pending_spans(), 0u);
  EXPECT_EQ(tracer_.counters().spans_acknowledged, 10u);
}

TEST_F(ExporterTest, BatchesRespectTheMaximumBatchSize) {
  config_.max_export_batch_size = 4;
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(10);
  ASSERT_EQ(exporter.flush(2000), Status::kOk);
  ASSERT_EQ(collector_.delivered.size(), 3u);
  EXPECT_EQ(collector_.delivered[0].size(), 4u);
  EXPECT_EQ(collector_.delivered[2].size(), 2u);
  EXPECT_EQ(collector_.opens, 1) << "keep-alive: one connection for all batches";
}

TEST_F(ExporterTest, Retries503ThreeTimesThenDeliversEverySpanOnce) {
  const std::string busy = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy";
  collector_.script = {busy, busy, busy};
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(25);
  ASSERT_EQ(exporter.flush(5000), Status::kOk);
  std::multiset<std::string> got = all_delivered();
  EXPECT_EQ(got.size(), 25u);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 25u) << "no duplicates";
  ExporterCounters c = exporter.counters();
  EXPECT_EQ(c.export_attempts, 4u);
  EXPECT_EQ(c.export_failures, 3u);
  EXPECT_EQ(c.retries, 3u);
  EXPECT_TRUE(log_.contains("answered 503 (busy)"));
}

TEST_F(ExporterTest, HonoursRetryAfter) {
  collector_.script = {"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n"};
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(3);
  std::uint32_t wait = 0;
  for (int i = 0; i < 1000 && collector_.request_headers.empty(); ++i) {
    wait = exporter.poll();  // due once the 1 ms schedule delay has passed
    if (collector_.request_headers.empty()) port::sleep_ms(1);
  }
  ASSERT_EQ(collector_.request_headers.size(), 1u);
  EXPECT_GE(wait, 1900u);
  EXPECT_LE(wait, 2000u);
  EXPECT_EQ(exporter.poll() > 1000, true) << "no new attempt before Retry-After";
  EXPECT_EQ(collector_.request_headers.size(), 1u);
  EXPECT_EQ(exporter.pending_spans(), 3u);
}

TEST_F(ExporterTest, NonRetryable400DropsTheBatchAndCountsIt) {
  collector_.script = {"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nbad payload"};
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(5);
  ASSERT_EQ(exporter.flush(2000), Status::kOk);
  ExporterCounters c = exporter.counters();
  EXPECT_EQ(c.spans_dropped_non_retryable, 5u);
  EXPECT_EQ(c.spans_exported, 0u);
  EXPECT_TRUE(log_.contains("answered 400 (bad payload); dropping 5 spans"));
}

TEST_F(ExporterTest, ConnectionResetMidRequestIsRetriedWithoutLoss) {
  collector_.break_after_bytes = 300;
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(20);
  ASSERT_EQ(exporter.flush(3000), Status::kOk);
  EXPECT_EQ(all_delivered().size(), 20u);
  EXPECT_EQ(collector_.opens, 2);
  EXPECT_EQ(exporter.counters().export_failures, 1u);
}

// A retry whose wait is already over when poll() returns (a 0-1 ms back-off and a slow machine,
// as under qemu-user) must report "due now", not an unsigned wrap-around that made flush()
// sleep through its whole timeout. The slow log sink makes the clock tick at exactly that point.
TEST_F(ExporterTest, AnElapsedRetryWaitIsReportedAsDueNow) {
  config_.initial_backoff_ms = 1;
  config_.max_backoff_ms = 1;
  config_.log = [](void* ctx, LogLevel level, const char* line) {
    if (std::strstr(line, "exporter: retry") != nullptr) port::sleep_ms(3);
    LogCapture::sink(ctx, level, line);
  };
  collector_.script = {"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"};
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(3);
  port::sleep_ms(2);  // past the 1 ms schedule delay
  const std::uint32_t wait = exporter.poll();
  ASSERT_EQ(collector_.request_headers.size(), 1u) << "the first attempt was made";
  ASSERT_TRUE(log_.contains("exporter: retry 1"));
  EXPECT_LE(wait, 1u) << "the wait was at most the 1 ms back-off and has passed";
  EXPECT_EQ(exporter.flush(5000), Status::kOk);
  EXPECT_EQ(all_delivered().size(), 3u);
}

TEST_F(ExporterTest, CollectorThatNeverAnswersTimesOutAndKeepsTheSpans) {
  collector_.never_answer = true;
  config_.timeout_ms = 50;
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(4);
  EXPECT_EQ(exporter.flush(300), Status::kTimeout);
  EXPECT_EQ(exporter.pending_spans(), 4u);
  EXPECT_GE(exporter.counters().export_failures, 1u);
  EXPECT_TRUE(log_.contains("no answer for 4 spans within 50 ms"));
  collector_.never_answer = false;
  EXPECT_EQ(exporter.flush(2000), Status::kOk);
  EXPECT_EQ(all_delivered().size(), 4u);
}

TEST_F(ExporterTest, PartialSuccessIsCountedAndLogged) {
  // ExportTraceServiceResponse{partial_success{rejected_spans: 2, error_message: "too old"}}
  const std::string body = std::string("\x0a\x0b\x08\x02\x12\x07too old", 13);
  collector_.script = {"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 13\r\n\r\n" + body};
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(6);
  ASSERT_EQ(exporter.flush(2000), Status::kOk);
  ExporterCounters c = exporter.counters();
  // recorded = exported + rejected: the two rejected spans are not also counted as exported.
  EXPECT_EQ(c.spans_exported, 4u);
  EXPECT_EQ(c.spans_rejected, 2u);
  EXPECT_TRUE(log_.contains("rejected 2 of 6 spans: too old"));
}

TEST_F(ExporterTest, ConnectionCloseAnswerReconnectsNextTime) {
  collector_.script = {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"};
  config_.max_export_batch_size = 2;
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(4);
  ASSERT_EQ(exporter.flush(2000), Status::kOk);
  EXPECT_EQ(collector_.opens, 2);
  EXPECT_EQ(all_delivered().size(), 4u);
}

TEST_F(ExporterTest, BackgroundThreadExportsOnItsOwn) {
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  ASSERT_EQ(exporter.start_background(), Status::kOk);
  record(8);
  EXPECT_EQ(exporter.shutdown(3000), Status::kOk);
  EXPECT_EQ(exporter.counters().spans_exported, 8u);
}

TEST_F(ExporterTest, RefusesPlainHttpUnlessAllowed) {
  config_.endpoint = "http://collector.lan:4318/v1/traces";
  Exporter refused;
  EXPECT_EQ(refused.init(tracer_, config_, collector_.connector()), Status::kInvalidArgument);
  EXPECT_TRUE(log_.contains("refusing plain-text endpoint"));
  config_.allow_plain_http = true;
  Exporter allowed;
  EXPECT_EQ(allowed.init(tracer_, config_, collector_.connector()), Status::kOk);
}

TEST_F(ExporterTest, RejectsHeaderInjectionAndBadEndpoints) {
  HttpHeader evil[] = {{"x-key", "a\r\nHost: evil"}};
  config_.headers = evil;
  config_.header_count = 1;
  Exporter exporter;
  EXPECT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kInvalidArgument);
  config_.header_count = 0;
  config_.endpoint = "htps://typo";
  EXPECT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kInvalidArgument);
  EXPECT_TRUE(log_.contains("scheme must be http:// or https://"));
}

TEST_F(ExporterTest, PartialSuccessClaimingMoreThanTheBatchCountsTheBatchOnly) {
  // partial_success{rejected_spans: 9} for a batch of 3
  const std::string body = std::string("\x0a\x02\x08\x09", 4);
  collector_.script = {"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 4\r\n\r\n" + body};
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(3);
  ASSERT_EQ(exporter.flush(2000), Status::kOk);
  ExporterCounters c = exporter.counters();
  EXPECT_EQ(c.spans_exported, 0u);
  EXPECT_EQ(c.spans_rejected, 3u);
}

TEST_F(ExporterTest, RetryAfterIsCappedAtTheConfiguredMaximum) {
  collector_.script = {"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3600\r\nContent-Length: 0\r\n\r\n"};
  config_.max_retry_after_ms = 1500;
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(2);
  std::uint32_t wait = 0;
  for (int i = 0; i < 1000 && collector_.request_headers.empty(); ++i) {
    wait = exporter.poll();
    if (collector_.request_headers.empty()) port::sleep_ms(1);
  }
  ASSERT_EQ(collector_.request_headers.size(), 1u);
  EXPECT_LE(wait, 1500u);
  EXPECT_GE(wait, 1000u);
  EXPECT_TRUE(log_.contains("Retry-After of 3600 s is longer than the 1 s limit"));
  EXPECT_TRUE(log_.contains("retry 1 in 1500 ms"));
  // flush() keeps its own deadline even while the server asks for a long wait.
  const auto start = port::monotonic_ns();
  EXPECT_EQ(exporter.flush(200), Status::kTimeout);
  EXPECT_LT(port::monotonic_ns() - start, 1000000000u);
  EXPECT_EQ(exporter.pending_spans(), 2u);
}

TEST_F(ExporterTest, DefaultRetryAfterLimitIsFiveMinutes) {
  collector_.script = {"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3600\r\nContent-Length: 0\r\n\r\n"};
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(1);
  std::uint32_t wait = 0;
  for (int i = 0; i < 1000 && collector_.request_headers.empty(); ++i) {
    wait = exporter.poll();
    if (collector_.request_headers.empty()) port::sleep_ms(1);
  }
  ASSERT_EQ(collector_.request_headers.size(), 1u);
  EXPECT_LE(wait, 300000u);
  EXPECT_GE(wait, 299000u);
}

TEST_F(ExporterTest, AResetMidAnswerIsReportedAsCutOffNotAsATimeout) {
  collector_.script = {"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort"};
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(2);
  collector_.close_after_answer = true;
  for (int i = 0; i < 1000 && collector_.request_headers.empty(); ++i) {
    (void)exporter.poll();
    if (collector_.request_headers.empty()) port::sleep_ms(1);
  }
  EXPECT_TRUE(log_.contains("the answer for 2 spans was cut off or malformed")) << log_.all();
  EXPECT_FALSE(log_.contains("within"));
  EXPECT_EQ(exporter.pending_spans(), 2u);
}

// A connector that fails with kInvalidArgument (a configuration error such as an unreadable
// CA file) is reported once, not at every retry; the spans stay buffered.
TEST_F(ExporterTest, AConfigurationErrorOfTheConnectorIsLoggedOnce) {
  struct BadConfig {
    int opens = 0;
    static Status open(void* ctx, const char*, std::uint16_t, bool, std::uint32_t, Transport*, char* error,
                       std::size_t cap) {
      ++static_cast<BadConfig*>(ctx)->opens;
      std::snprintf(error, cap, "TLS CA: cannot read /nonexistent/ca.pem");
      return Status::kInvalidArgument;
    }
    static void close(void*) {}
  } bad;
  Connector connector;
  connector.ctx = &bad;
  connector.open = &BadConfig::open;
  connector.close = &BadConfig::close;
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer_, config_, connector), Status::kOk);
  record(3);
  EXPECT_EQ(exporter.flush(100), Status::kTimeout);
  EXPECT_GE(bad.opens, 2) << "it kept trying";
  std::size_t said = 0;
  for (const auto& line : log_.lines()) {
    if (line.text.find("configuration error") != std::string::npos) ++said;
  }
  EXPECT_EQ(said, 1u);
  EXPECT_TRUE(log_.contains("cannot read /nonexistent/ca.pem"));
  EXPECT_EQ(exporter.pending_spans(), 3u);
}

}  // namespace
}  // namespace tracelet
