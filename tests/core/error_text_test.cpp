// Room for real error text: an exception's stack trace and a span's status message survive the
// default limits, both in the OTLP request (decoded with the receiver's decoder) and on the
// console exporter's line.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/span_record.h"
#include "support/otlp_roundtrip.h"
#include "tracelet/console_exporter.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

// A frame-per-line trace like the ones runtimes print, `bytes` long.
std::string stack_trace(std::size_t bytes) {
  std::string out;
  for (int frame = 0; out.size() < bytes; ++frame) {
    out += "  at sensor::read_register(i2c.cpp:" + std::to_string(100 + frame) + ")\n";
  }
  out.resize(bytes);
  return out;
}

class ErrorTextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.service_name = "error-text";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    ASSERT_EQ(tracer_.init(options), Status::kOk);
  }

  // Every buffered span as OTLP, decoded; the ring is left as it was.
  std::vector<receiver::Span> otlp_spans() {
    const receiver::ExportRequest request = test::otlp_round_trip(tracer_, 64, false).request;
    std::vector<receiver::Span> spans;
    for (const auto& rs : request.resource_spans) {
      for (const auto& ss : rs.scope_spans) spans.insert(spans.end(), ss.spans.begin(), ss.spans.end());
    }
    return spans;
  }

  // Every buffered span as a console line; empties the ring.
  std::vector<std::string> console_lines() {
    struct Lines {
      std::vector<std::string> lines;
      static void write(void* ctx, const char* line, std::size_t len) {
        static_cast<Lines*>(ctx)->lines.emplace_back(line, len);
      }
    } out;
    ConsoleExporter console;
    console.write = &Lines::write;
    console.ctx = &out;
    (void)export_to_console(tracer_, console);
    return out.lines;
  }

  static std::string event_value(const receiver::Span& span, const std::string& key) {
    for (const auto& event : span.events) {
      for (const auto& kv : event.attributes.items) {
        if (kv.key == key) return kv.value.bytes;
      }
    }
    return "<missing>";
  }

  // What the console prints for `text`: newlines escaped.
  static std::string console_escaped(const std::string& text) {
    std::string out;
    for (char c : text) out += c == '\n' ? std::string("\\n") : std::string(1, c);
    return out;
  }

  alignas(8) std::uint8_t memory_[32 * 1024] = {};
  Tracer tracer_;
};

// The span: a long name, a long attribute and an exception with a 300-byte stack trace.
// Before, the trace was cut to 64 bytes and the status ended as error("").
TEST_F(ErrorTextTest, StackTraceOf300BytesAndStatusSurviveInOtlpAndConsole) {
  const std::string trace = stack_trace(300);
  const std::string message = "device 0x48 did not acknowledge register 0x01 after 3 retries";
  {
    auto span = tracer_.start_span(std::string(100, 'n'));
    span.set_attribute(std::string(80, 'k'), std::string(200, 'v'));
    span.record_error("sensor::I2cNack", message, trace);
  }
  const std::size_t kept = std::min<std::size_t>(trace.size(), TRACELET_MAX_EVENT_STRING_BYTES);
  ASSERT_GE(TRACELET_MAX_EVENT_STRING_BYTES, 300) << "the default must hold a 300-byte trace";

  const auto spans = otlp_spans();
  ASSERT_EQ(spans.size(), 1u);
  const receiver::Span& span = spans[0];
  EXPECT_EQ(span.name.size(), std::min<std::size_t>(100, TRACELET_MAX_STRING_BYTES));
  EXPECT_EQ(span.status_code, 2);
  EXPECT_EQ(span.status_message, message);
  ASSERT_EQ(span.events.size(), 1u);
  EXPECT_EQ(span.events[0].name, "exception");
  EXPECT_EQ(span.events[0].attributes.dropped, 0u);
  EXPECT_EQ(event_value(span, "exception.type"), "sensor::I2cNack");
  EXPECT_EQ(event_value(span, "exception.message"), message);
  EXPECT_EQ(event_value(span, "exception.stacktrace"), trace.substr(0, kept));
  EXPECT_EQ(span.attributes.items.size(), 1u);
  EXPECT_EQ(span.attributes.dropped, 0u);

  const auto lines = console_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("status=error(\"" + message + "\")"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("exception.stacktrace=\"" + console_escaped(trace.substr(0, kept)) + "\""),
            std::string::npos)
      << lines[0];
  EXPECT_EQ(lines[0].find('\n'), std::string::npos) << "one line per span";
}

// A trace longer than TRACELET_MAX_EVENT_STRING_BYTES keeps exactly that many bytes (less if a
// UTF-8 character would be split), never fewer because of a full buffer when it fits.
TEST_F(ErrorTextTest, StackTraceLongerThanTheCapIsCutAtTheCapOnAUtf8Boundary) {
  // Two-byte characters with an odd-length prefix, so the cap falls inside one.
  const std::string trace = "x" + [] {
    std::string s;
    for (int i = 0; i < 2 * TRACELET_MAX_EVENT_STRING_BYTES; ++i) s += "\xc3\xa9";
    return s;
  }();
  {
    auto span = tracer_.start_span("upload");
    span.record_error("Timeout", "no answer", trace);
  }
  const auto spans = otlp_spans();
  ASSERT_EQ(spans.size(), 1u);
  const std::string kept = event_value(spans[0], "exception.stacktrace");
  const std::size_t cap = TRACELET_MAX_EVENT_STRING_BYTES;
  EXPECT_EQ(kept.size(), cap % 2 == 1 ? cap : cap - 1);
  EXPECT_EQ(kept, trace.substr(0, kept.size()));
}

// Ordinary span attributes keep the smaller cap: only event values get the long one.
TEST_F(ErrorTextTest, SpanAttributesKeepTheOrdinaryStringCap) {
  {
    auto span = tracer_.start_span("upload");
    span.set_attribute("payload", std::string(400, 'p'));
    span.add_event("retry", {{"reason", std::string(400, 'r')}});
  }
  const auto spans = otlp_spans();
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_EQ(spans[0].attributes.items.size(), 1u);
  EXPECT_EQ(spans[0].attributes.items[0].value.bytes.size(),
            static_cast<std::size_t>(TRACELET_MAX_STRING_BYTES));
  EXPECT_EQ(event_value(spans[0], "reason").size(),
            std::min<std::size_t>(400, TRACELET_MAX_EVENT_STRING_BYTES));
}

// A span whose data bytes are used up still carries its status message.
TEST_F(ErrorTextTest, StatusMessageSurvivesAFullDataBuffer) {
  {
    auto span = tracer_.start_span("flood");
    for (int i = 0; i < 200; ++i) {
      span.add_event("e", {{"v", std::string(60, 'x')}});
      span.set_attribute("key" + std::to_string(i), std::string(60, 'y'));
    }
    span.set_status(StatusCode::kError, "disk full");
  }
  const auto spans = otlp_spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_GT(spans[0].attributes.dropped + spans[0].dropped_events_count, 0u)
      << "the test must exhaust the span's data bytes";
  EXPECT_EQ(spans[0].status_code, 2);
  EXPECT_EQ(spans[0].status_message, "disk full");
  const auto lines = console_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("status=error(\"disk full\")"), std::string::npos) << lines[0];
}

// record_error on a nearly full span: the message is the status; the trace is cut to the
// bytes left (its first frames) rather than dropped.
TEST_F(ErrorTextTest, StackTraceIsCutToTheRoomLeftNotDropped) {
  const std::string trace = stack_trace(TRACELET_MAX_EVENT_STRING_BYTES);
  std::size_t kept = 0;
  bool cut_seen = false;
  // Fill the span with a growing number of bytes until the trace no longer fits whole.
  for (int filler = 0; filler < TRACELET_SPAN_DATA_BYTES && !cut_seen; filler += 8) {
    {
      auto span = tracer_.start_span("nearly-full");
      // Attributes of up to 60 bytes each (2 + key + 1 + value), `filler` bytes in all.
      for (int used = 0, i = 0; used < filler; used += 60, ++i) {
        const std::string key = "k" + std::to_string(i);
        const int value = std::min(60, filler - used) - 3 - static_cast<int>(key.size());
        if (value >= 0) span.set_attribute(key, std::string(static_cast<std::size_t>(value), 'b'));
      }
      span.record_error("Overflow", "buffer overflow", trace);
    }
    const auto spans = otlp_spans();
    (void)console_lines();  // empties the ring
    ASSERT_EQ(spans.size(), 1u);
    EXPECT_EQ(spans[0].status_message, "buffer overflow");
    const receiver::Span& span = spans[0];
    const auto exception = std::find_if(span.events.begin(), span.events.end(),
                                        [](const receiver::Event& e) { return e.name == "exception"; });
    if (exception == span.events.end()) continue;  // no room left even for the event
    for (const auto& kv : exception->attributes.items) {
      if (kv.key != "exception.stacktrace") continue;
      kept = kv.value.bytes.size();
      EXPECT_EQ(kv.value.bytes, trace.substr(0, kept));
      if (kept < trace.size()) {
        cut_seen = true;
        EXPECT_GE(kept, 32u);
        EXPECT_EQ(exception->attributes.dropped, 0u);
      }
    }
  }
  EXPECT_TRUE(cut_seen) << "no fill level made the trace cut";
}

// A too-long status message is cut at a UTF-8 boundary, never dropped; a later one replaces it.
TEST_F(ErrorTextTest, LongStatusMessageIsCutAtAUtf8BoundaryAndTheLastOneCounts) {
  std::string long_message = "z";
  for (int i = 0; i < TRACELET_MAX_STATUS_MESSAGE_BYTES; ++i) long_message += "\xe2\x82\xac";  // €
  {
    auto span = tracer_.start_span("a");
    span.set_status(StatusCode::kError, long_message);
  }
  {
    auto span = tracer_.start_span("b");
    span.set_status(StatusCode::kError, "first");
    span.set_status(StatusCode::kError, "second");
  }
  const auto spans = otlp_spans();
  ASSERT_EQ(spans.size(), 2u);
  const std::string& cut = spans[0].status_message;
  EXPECT_LE(cut.size(), static_cast<std::size_t>(TRACELET_MAX_STATUS_MESSAGE_BYTES));
  EXPECT_GT(cut.size(), static_cast<std::size_t>(TRACELET_MAX_STATUS_MESSAGE_BYTES) - 3);
  EXPECT_EQ((cut.size() - 1) % 3, 0u) << "cut inside a character";
  EXPECT_EQ(cut, long_message.substr(0, cut.size()));
  EXPECT_EQ(spans[1].status_message, "second");
}

}  // namespace
}  // namespace tracelet
