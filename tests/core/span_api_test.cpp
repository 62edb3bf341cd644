// The public span API, compiled twice by CTest: with TRACELET_ENABLED=1 it records, with
// TRACELET_ENABLED=0 every call is a no-op that still evaluates its arguments.
#include <gtest/gtest.h>

#include <string>

#include "tracelet/fake_port.h"
#include "tracelet/tracelet.h"

namespace {

int g_evaluations = 0;
int counted(int value) {
  ++g_evaluations;
  return value;
}

class SpanApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tracelet::Options options;
    options.service_name = "api-test";
    options.ring_memory = tracelet::ByteSpan{memory_, sizeof memory_};
    ASSERT_EQ(tracelet::init(options), tracelet::Status::kOk);
    g_evaluations = 0;
  }
  void TearDown() override { tracelet::shutdown(); }
  alignas(8) std::uint8_t memory_[16 * 1024];
};

TEST_F(SpanApiTest, EveryCallCompilesAndArgumentsAreEvaluated) {
  {
    auto span = tracelet::start_span("read-sensor");
    span.set_attribute("sensor.id", counted(7));
    span.set_attribute("ok", true);
    span.set_attribute("temperature", 21.5);
    span.set_attribute("unit", "celsius");
    span.set_attribute("owner", std::string("lab"));
    span.set_attribute("zones", {"a", "b"});
    const std::int64_t readings[] = {1, 2};
    span.set_attribute("readings", readings, static_cast<std::size_t>(counted(2)));
    span.add_event("sample", {{"raw", counted(1023)}});
    span.set_status(tracelet::StatusCode::kError, "out of range");
    span.record_error("RangeError", "value above limit");
    tracelet::StartOptions client;
    client.kind = tracelet::SpanKind::kClient;
    client.parent = &span.context();
    auto child = tracelet::start_span("publish", client);
    child.end();
  }
  EXPECT_EQ(g_evaluations, 3);
  const tracelet::TracerCounters counters = tracelet::default_tracer().counters();
#if TRACELET_ENABLED
  EXPECT_EQ(counters.spans_recorded, 2u);
#else
  EXPECT_EQ(counters.spans_recorded, 0u);
  EXPECT_EQ(tracelet::default_tracer().ring().used_bytes(), 0u);
#endif
}

TEST_F(SpanApiTest, RecordingStateMatchesTheBuild) {
  auto span = tracelet::start_span("state");
#if TRACELET_ENABLED
  EXPECT_TRUE(span.is_recording());
  EXPECT_TRUE(span.context().is_valid());
#else
  EXPECT_FALSE(span.is_recording());
  EXPECT_FALSE(span.context().is_valid());
  EXPECT_LE(sizeof(tracelet::Span), sizeof(tracelet::SpanContext)) << "a disabled span carries no data";
#endif
}

TEST_F(SpanApiTest, RuntimeSwitchTurnsRecordingOff) {
  tracelet::default_tracer().set_enabled(false);
  {
    auto span = tracelet::start_span("off");
    span.set_attribute("n", counted(1));
    EXPECT_FALSE(span.is_recording());
  }
  EXPECT_EQ(g_evaluations, 1);
  EXPECT_EQ(tracelet::default_tracer().counters().spans_recorded, 0u);
}

}  // namespace
