// SerialExporter over an in-memory link: frames decode (FrameDecoder) to OTLP requests
// (the receiver's nanopb decoder) carrying every span exactly once, through link failures at
// every byte position, would-block answers, timeouts and size limits.
#include "tracelet/serial_exporter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "otlp_decode.h"  // tools/receiver: a full decoder of ExportTraceServiceRequest
#include "support/log_capture.h"
#include "tracelet/config.h"
#include "tracelet/fake_port.h"
#include "tracelet/log_record.h"
#include "tracelet/serial_frame.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A byte link in memory with injectable faults (nanopb's "flakystream").
struct MemoryLink {
  Bytes bytes;
  std::size_t fail_after = SIZE_MAX;  // accept this many bytes in total, then fail once
  Status fail_with = Status::kDataLoss;
  int would_block_every = 0;          // every Nth call answers 0 (would block)
  std::uint64_t advance_ns_per_call = 0;  // fake time that passes in each call
  bool always_block = false;
  std::size_t calls = 0;
  std::size_t largest_write = 0;

  static std::int32_t send(void* ctx, const std::uint8_t* data, std::size_t len) {
    auto* self = static_cast<MemoryLink*>(ctx);
    ++self->calls;
    if (self->advance_ns_per_call != 0) fake_port::advance_ns(self->advance_ns_per_call);
    self->largest_write = std::max(self->largest_write, len);
    if (self->always_block) return 0;
    if (self->would_block_every != 0 && self->calls % static_cast<std::size_t>(self->would_block_every) == 0) {
      return 0;
    }
    if (self->fail_after != SIZE_MAX) {
      if (self->bytes.size() >= self->fail_after) {
        self->fail_after = SIZE_MAX;  // one failure, then the link works again
        return static_cast<std::int32_t>(self->fail_with);
      }
      len = std::min(len, self->fail_after - self->bytes.size());
    }
    self->bytes.insert(self->bytes.end(), data, data + len);
    return static_cast<std::int32_t>(len);
  }
  Transport transport() {
    Transport t;
    t.ctx = this;
    t.send = &MemoryLink::send;
    return t;
  }
};

struct DecodedStream {
  std::vector<std::uint32_t> sequences;
  std::vector<std::uint8_t> types;
  std::vector<receiver::LogRecord> logs;
  std::vector<std::size_t> payload_sizes;
  std::vector<receiver::Span> spans;
  std::vector<std::string> resource_services;
  std::size_t bad_frames = 0;
  std::size_t skipped = 0;
};

DecodedStream decode_stream(const Bytes& stream) {
  DecodedStream out;
  std::vector<std::uint8_t> memory(1 << 16);
  serial::FrameDecoder decoder;
  EXPECT_EQ(decoder.attach(ByteSpan{memory.data(), memory.size()}), Status::kOk);
  EXPECT_EQ(decoder.feed(stream.data(), stream.size()), stream.size());
  serial::FrameEvent event;
  while (decoder.next(event, true)) {
    if (event.kind == serial::FrameEvent::Kind::kBadFrame) ++out.bad_frames;
    if (event.kind == serial::FrameEvent::Kind::kSkipped) out.skipped += event.skipped;
    if (event.kind != serial::FrameEvent::Kind::kFrame) continue;
    out.sequences.push_back(event.header.sequence);
    out.payload_sizes.push_back(event.payload_len);
    out.types.push_back(event.header.type);
    std::string error;
    if (event.header.type == serial::kTypeOtlpLogs) {
      receiver::LogsRequest logs;
      EXPECT_TRUE(receiver::decode_logs_request(event.payload, event.payload_len, logs, error)) << error;
      for (const auto& rl : logs.resource_logs) {
        for (const auto& sl : rl.scope_logs) out.logs.insert(out.logs.end(), sl.log_records.begin(), sl.log_records.end());
      }
      continue;
    }
    receiver::ExportRequest request;
    EXPECT_TRUE(receiver::decode_export_request(event.payload, event.payload_len, request, error))
        << error;
    for (const auto& rs : request.resource_spans) {
      for (const auto& kv : rs.resource.items) {
        if (kv.key == "service.name") out.resource_services.push_back(kv.value.bytes);
      }
      for (const auto& ss : rs.scope_spans) {
        out.spans.insert(out.spans.end(), ss.spans.begin(), ss.spans.end());
      }
    }
  }
  return out;
}

std::string hex(const std::uint8_t* b, std::size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += kDigits[b[i] >> 4];
    s += kDigits[b[i] & 15];
  }
  return s;
}

const receiver::AnyValue* attribute(const receiver::Span& span, const std::string& key) {
  for (const auto& kv : span.attributes.items) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

using test::LogCapture;

class SerialExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_port::set_monotonic_ns(1'000'000'000);
    Options options;
    options.service_name = "serial-test";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    ASSERT_EQ(tracer_.init(options), Status::kOk);
    config_.log = &LogCapture::sink;
    config_.log_ctx = &log_;
  }

  // `n` spans: every third one a child of the one before it, with attributes.
  std::vector<SpanContext> record(int n, const char* prefix = "op") {
    std::vector<SpanContext> ids;
    for (int i = 0; i < n; ++i) {
      auto span = tracer_.start_span(std::string(prefix) + "-" + std::to_string(i));
      span.set_attribute("index", i);
      span.set_attribute("label", "value");
      ids.push_back(span.context());
      fake_port::advance_ns(1000);
      if (i % 3 == 0 && i + 1 < n) {
        auto child = tracer_.start_span("child");
        child.set_attribute("ok", true);
        ids.push_back(child.context());
        ++i;
      }
    }
    return ids;
  }

  static void expect_exactly_once(const DecodedStream& got, const std::vector<SpanContext>& sent) {
    std::multiset<std::string> received;
    for (const auto& s : got.spans) received.insert(hex(s.span_id.data(), 8));
    EXPECT_EQ(received.size(), sent.size());
    for (const auto& ctx : sent) {
      EXPECT_EQ(received.count(hex(ctx.span_id.bytes, 8)), 1u) << hex(ctx.span_id.bytes, 8);
    }
  }

  alignas(8) std::uint8_t memory_[32768];
  Tracer tracer_;
  MemoryLink link_;
  LogCapture log_;
  SerialExporterConfig config_;
};

TEST_F(SerialExporterTest, LogRecordsGoInALogsFrameAfterTheSpansFrame) {
  SerialExporter exporter;
  ASSERT_EQ(exporter.init(tracer_, link_.transport(), config_), Status::kOk);
  SpanContext context;
  {
    auto span = tracer_.start_span("with-logs");
    context = span.context();
    log(tracer_, Severity::kWarn, "over the wire", nullptr, 0);
  }
  log(tracer_, Severity::kInfo, "outside");
  EXPECT_EQ(exporter.poll(), 1u);
  DecodedStream got = decode_stream(link_.bytes);
  EXPECT_EQ(got.sequences, (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(got.types, (std::vector<std::uint8_t>{serial::kTypeOtlpTraces, serial::kTypeOtlpLogs}));
  ASSERT_EQ(got.spans.size(), 1u);
  ASSERT_EQ(got.logs.size(), 2u);
  EXPECT_EQ(got.logs[0].body.bytes, "over the wire");
  EXPECT_EQ(got.logs[0].severity_number, 13);
  EXPECT_EQ(got.logs[0].span_id, std::vector<std::uint8_t>(context.span_id.bytes, context.span_id.bytes + 8));
  EXPECT_EQ(got.logs[1].body.bytes, "outside");
  const SerialExporterCounters c = exporter.counters();
  EXPECT_EQ(c.frames_sent, 2u);
  EXPECT_EQ(c.spans_sent, 1u);
  EXPECT_EQ(c.logs_sent, 2u);
  EXPECT_EQ(exporter.pending_spans(), 0u);
}

TEST_F(SerialExporterTest, FailedLogsFrameResendsTheBatchWithTheSameSequenceNumbers) {
  SerialExporter exporter;
  ASSERT_EQ(exporter.init(tracer_, link_.transport(), config_), Status::kOk);
  {
    auto span = tracer_.start_span("with-logs");
    log(tracer_, Severity::kError, "retried");
  }
  // A failure inside the traces frame: nothing intact went out.
  link_.fail_after = 40;
  EXPECT_EQ(exporter.poll(), 0u);
  EXPECT_EQ(exporter.counters().write_failures, 1u);
  link_.bytes.clear();
  fake_port::advance_ns(10'000'000'000ULL);
  EXPECT_EQ(exporter.poll(), 1u);
  DecodedStream got = decode_stream(link_.bytes);
  EXPECT_EQ(got.sequences, (std::vector<std::uint32_t>{0, 1})) << "the retry starts again at the batch's first number";
  const std::size_t traces_frame = got.payload_sizes.at(0) + serial::kOverheadBytes;
  EXPECT_EQ(got.logs.size(), 1u);

  // Now a failure inside the logs frame: the traces frame went out whole, and goes again.
  {
    auto span = tracer_.start_span("with-logs");
    log(tracer_, Severity::kError, "retried");
  }
  link_.bytes.clear();
  link_.fail_after = traces_frame + 10;
  EXPECT_EQ(exporter.poll(), 0u);
  fake_port::advance_ns(10'000'000'000ULL);
  EXPECT_EQ(exporter.poll(), 1u);
  got = decode_stream(link_.bytes);
  EXPECT_EQ(got.sequences, (std::vector<std::uint32_t>{2, 2, 3}))
      << "an intact repeat of frame 2, which the bridge forwards once";
  EXPECT_EQ(got.types, (std::vector<std::uint8_t>{serial::kTypeOtlpTraces, serial::kTypeOtlpTraces,
                                                  serial::kTypeOtlpLogs}));
  EXPECT_GT(got.skipped, 0u) << "the 10 bytes of the broken logs frame";
  EXPECT_EQ(exporter.counters().logs_sent, 2u);
}

TEST_F(SerialExporterTest, OneBatchBecomesOneFrameWithAnOtlpRequest) {
  SerialExporter exporter;
  ASSERT_EQ(exporter.init(tracer_, link_.transport(), config_), Status::kOk);
  {
    auto parent = tracer_.start_span("read-sensor");
    parent.set_attribute("sensor", "temperature");
    parent.set_attribute("celsius", 21.5);
    auto child = tracer_.start_span("adc");
    child.set_attribute("channel", 3);
  }
  EXPECT_EQ(exporter.poll(), 2u);
  EXPECT_EQ(exporter.poll(), 0u);  // nothing left
  DecodedStream got = decode_stream(link_.bytes);
  ASSERT_EQ(got.sequences, std::vector<std::uint32_t>{0});
  EXPECT_EQ(got.bad_frames, 0u);
  EXPECT_EQ(got.skipped, 0u);
  ASSERT_EQ(got.spans.size(), 2u);
  EXPECT_EQ(got.resource_services, std::vector<std::string>{"serial-test"});
  const receiver::Span& adc = got.spans[0];
  const receiver::Span& read = got.spans[1];
  EXPECT_EQ(adc.name, "adc");
  EXPECT_EQ(read.name, "read-sensor");
  EXPECT_EQ(adc.parent_span_id, std::vector<std::uint8_t>(read.span_id.begin(), read.span_id.end()));
  EXPECT_TRUE(read.parent_span_id.empty());
  ASSERT_NE(attribute(read, "celsius"), nullptr);
  EXPECT_EQ(attribute(read, "celsius")->double_value, 21.5);
  ASSERT_NE(attribute(adc, "channel"), nullptr);
  EXPECT_EQ(attribute(adc, "channel")->int_value, 3);

  SerialExporterCounters c = exporter.counters();
  EXPECT_EQ(c.frames_sent, 1u);
  EXPECT_EQ(c.spans_sent, 2u);
  EXPECT_EQ(c.bytes_sent, link_.bytes.size());
  EXPECT_EQ(c.bytes_sent, got.payload_sizes[0] + serial::kOverheadBytes);
  EXPECT_EQ(c.write_failures, 0u);
  EXPECT_EQ(exporter.next_sequence(), 1u);
  EXPECT_EQ(exporter.pending_spans(), 0u);
  EXPECT_EQ(tracer_.ring().used_bytes(), 0u);
}

TEST_F(SerialExporterTest, BatchesFollowMaxBatchSpansWithConsecutiveSequenceNumbers) {
  config_.max_batch_spans = 16;
  SerialExporter exporter;
  ASSERT_EQ(exporter.init(tracer_, link_.transport(), config_), Status::kOk);
  auto sent = record(40);
  EXPECT_EQ(exporter.poll(), 16u);
  EXPECT_EQ(exporter.poll(), 16u);
  EXPECT_EQ(exporter.poll(), 8u);
  EXPECT_EQ(exporter.poll(), 0u);
  DecodedStream got = decode_stream(link_.bytes);
  EXPECT_EQ(got.sequences, (std::vector<std::uint32_t>{0, 1, 2}));
  expect_exactly_once(got, sent);
  EXPECT_EQ(exporter.counters().spans_sent, 40u);
}

TEST_F(SerialExporterTest, PayloadIsStreamedInSmallWritesNotBuffered) {
  config_.max_payload_bytes = 65536;
  config_.max_batch_spans = 200;
  SerialExporter exporter;
  ASSERT_EQ(exporter.init(tracer_, link_.transport(), config_), Status::kOk);
  record(150);
  EXPECT_EQ(exporter.poll(), 150u);
  // A frame of several write buffers went out through the exporter's write buffer
  // (TRACELET_HTTP_SEND_BUFFER_BYTES), never as one piece.
  EXPECT_GT(link_.bytes.size(), 2u * TRACELET_HTTP_SEND_BUFFER_BYTES);
  EXPECT_LE(link_.largest_write, std::size_t{TRACELET_HTTP_SEND_BUFFER_BYTES});
  EXPECT_GT(link_.calls, link_.bytes.size() / TRACELET_HTTP_SEND_BUFFER_BYTES);
}

// The link fails once after `cut` bytes, for every cut position of a small frame: the batch
// stays in the ring, the next frame carries it again with the same sequence number, and the
// decoder sees one damaged frame (or noise) plus one good copy: no span lost or duplicated.
TEST_F(SerialExporterTest, ALinkFailingAfterAnyByteCountLosesNothing) {
  // Size of the frame first, on a scratch exporter.
  std::size_t frame_size = 0;
  {
    record(3, "probe");
    SerialExporter probe;
    MemoryLink probe_link;
    ASSERT_EQ(probe.init(tracer_, probe_link.transport(), config_), Status::kOk);
    ASSERT_EQ(probe.poll(), 3u);
    frame_size = probe_link.bytes.size();
  }
  ASSERT_GT(frame_size, serial::kOverheadBytes);
  for (std::size_t cut = 0; cut < frame_size; ++cut) {
    SCOPED_TRACE("link fails after " + std::to_string(cut) + " bytes");
    MemoryLink link;
    link.fail_after = cut;
    link.fail_with = cut % 2 == 0 ? Status::kDataLoss : Status::kUnavailable;
    SerialExporter exporter;
    ASSERT_EQ(exporter.init(tracer_, link.transport(), config_), Status::kOk);
    auto sent = record(3, "probe");
    EXPECT_EQ(exporter.poll(), 0u);
    EXPECT_EQ(exporter.counters().write_failures, 1u);
    EXPECT_EQ(exporter.pending_spans(), 3u);
    EXPECT_EQ(exporter.poll(), 0u);  // inside the retry delay: no attempt
    EXPECT_EQ(link.bytes.size(), cut);
    fake_port::advance_ns(100'000'000);
    EXPECT_EQ(exporter.poll(), 3u);
    EXPECT_EQ(exporter.pending_spans(), 0u);
    DecodedStream got = decode_stream(link.bytes);
    EXPECT_EQ(got.sequences, std::vector<std::uint32_t>{0});  // the retry kept its number
    EXPECT_EQ(got.bad_frames, cut >= serial::kHeaderBytes ? 1u : 0u);
    EXPECT_EQ(got.skipped, cut);
    expect_exactly_once(got, sent);
    SerialExporterCounters c = exporter.counters();
    EXPECT_EQ(c.frames_sent, 1u);
    EXPECT_EQ(c.bytes_sent, link.bytes.size());
    EXPECT_EQ(exporter.next_sequence(), 1u);
  }
  EXPECT_FALSE(log_.empty());
}

TEST_F(SerialExporterTest, WouldBlockAnswersAreRetriedWithinTheFrame) {
  link_.would_block_every = 2;
  config_.max_batch_spans = 100;
  SerialExporter exporter;
  ASSERT_EQ(exporter.init(tracer_, link_.transport(), config_), Status::kOk);
  auto sent = record(30);
  EXPECT_EQ(exporter.poll(), 30u);
  DecodedStream got = decode_stream(link_.bytes);
  EXPECT_EQ(got.sequences, std::vector<std::uint32_t>{0});
  expect_exactly_once(got, sent);
}

TEST_F(SerialExporterTest, ALinkThatNeverTakesBytesTimesOutAndKeepsTheBatch) {
  link_.always_block = true;
  link_.advance_ns_per_call = 50'000'000;  // 50 ms per attempt
  config_.write_timeout_ms = 1000;
  SerialExporter exporter;
  ASSERT_EQ(exporter.init(tracer_, link_.transport(), config_), Status::kOk);
  auto sent = record(4);
  EXPECT_EQ(exporter.poll(), 0u);
  EXPECT_EQ(exporter.counters().write_failures, 1u);
  EXPECT_LE(link_.calls, 25u);
  EXPECT_EQ(exporter.pending_spans(), 4u);
  EXPECT_EQ(exporter.flush(), Status::kUnavailable);
  link_.always_block = false;
  link_.advance_ns_per_call = 0;
  EXPECT_EQ(exporter.flush(), Status::kOk);
  DecodedStream got = decode_stream(link_.bytes);
  expect_exactly_once(got, sent);
  EXPECT_TRUE(log_.contains("timeout")) << log_.all();
}

TEST_F(SerialExporterTest, BatchesLargerThanMaxPayloadAreSplit) {
  config_.max_payload_bytes = 600;
  config_.max_batch_spans = 64;
  SerialExporter exporter;
  ASSERT_EQ(exporter.init(tracer_, link_.transport(), config_), Status::kOk);
  auto sent = record(50);
  EXPECT_EQ(exporter.flush(), Status::kOk);
  DecodedStream got = decode_stream(link_.bytes);
  ASSERT_GT(got.sequences.size(), 3u);
  for (std::size_t i = 0; i < got.sequences.size(); ++i) {
    EXPECT_EQ(got.sequences[i], i);
    EXPECT_LE(got.payload_sizes[i], 600u);
  }
  expect_exactly_once(got, sent);
  EXPECT_EQ(exporter.counters().spans_dropped_too_large, 0u);
}

TEST_F(SerialExporterTest, ASpanAboveMaxPayloadIsDroppedAndCounted) {
  // Payload size of one small span, measured.
  std::size_t small = 0;
  {
    SerialExporter probe;
    MemoryLink probe_link;
    ASSERT_EQ(probe.init(tracer_, probe_link.transport(), config_), Status::kOk);
    { auto s = tracer_.start_span("small"); }
    ASSERT_EQ(probe.poll(), 1u);
    small = probe_link.bytes.size() - serial::kOverheadBytes;
  }
  config_.max_payload_bytes = static_cast<std::uint32_t>(small + 30);
  SerialExporter exporter;
  ASSERT_EQ(exporter.init(tracer_, link_.transport(), config_), Status::kOk);
  std::vector<SpanContext> sent;
  {
    auto s = tracer_.start_span("small");
    sent.push_back(s.context());
  }
  {
    auto big = tracer_.start_span("small");
    big.set_attribute("a", std::string(60, 'a'));
    big.set_attribute("b", std::string(60, 'b'));
  }
  {
    auto s = tracer_.start_span("small");
    sent.push_back(s.context());
  }
  EXPECT_EQ(exporter.flush(), Status::kOk);
  DecodedStream got = decode_stream(link_.bytes);
  expect_exactly_once(got, sent);
  for (std::size_t size : got.payload_sizes) EXPECT_LE(size, small + 30);
  EXPECT_EQ(exporter.counters().spans_dropped_too_large, 1u);
  EXPECT_EQ(exporter.pending_spans(), 0u);
}

TEST_F(SerialExporterTest, InitChecksItsArguments) {
  SerialExporter exporter;
  EXPECT_EQ(exporter.init(tracer_, Transport{}, config_), Status::kInvalidArgument);
  SerialExporterConfig tiny = config_;
  tiny.max_payload_bytes = 10;
  EXPECT_EQ(exporter.init(tracer_, link_.transport(), tiny), Status::kInvalidArgument);
  Tracer uninitialised;
  EXPECT_EQ(exporter.init(uninitialised, link_.transport(), config_), Status::kFailedPrecondition);
  EXPECT_EQ(exporter.flush(), Status::kFailedPrecondition);
  EXPECT_EQ(exporter.poll(), 0u);
  ASSERT_EQ(exporter.init(tracer_, link_.transport(), config_), Status::kOk);
  EXPECT_EQ(exporter.init(tracer_, link_.transport(), config_), Status::kFailedPrecondition);
  exporter.shutdown();
  exporter.shutdown();
  EXPECT_EQ(exporter.poll(), 0u);
}

}  // namespace
}  // namespace tracelet
