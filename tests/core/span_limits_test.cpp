// Run-time span limits (Options::limits, what the OTEL_*_LIMIT variables set) within the
// compile-time caps: items past a limit are dropped and counted as past the caps.
#include <gtest/gtest.h>

#include <string>

#include "support/core_test_support.h"
#include "tracelet/env_config.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

using testing_support::drain;
using testing_support::ReadSpan;

class SpanLimitsTest : public ::testing::Test {
 protected:
  void init(const SpanLimits& limits) {
    Options options;
    options.service_name = "limits";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    options.limits = limits;
    ASSERT_EQ(tracer_.init(options), Status::kOk);
  }
  SpanContext other() {
    SpanContext c;
    c.trace_id.bytes[0] = 1;
    c.span_id.bytes[0] = 2;
    c.trace_flags = kTraceFlagSampled;
    return c;
  }

  alignas(8) std::uint8_t memory_[32 * 1024] = {};
  Tracer tracer_;
};

TEST_F(SpanLimitsTest, ZeroMeansTheCompileTimeCaps) {
  init(SpanLimits{});
  const auto& l = tracer_.limits();
  EXPECT_EQ(l.attributes, TRACELET_MAX_ATTRIBUTES);
  EXPECT_EQ(l.events, TRACELET_MAX_EVENTS);
  EXPECT_EQ(l.links, TRACELET_MAX_LINKS);
  EXPECT_EQ(l.event_attributes, TRACELET_MAX_EVENT_ATTRIBUTES);
  EXPECT_EQ(l.link_attributes, TRACELET_MAX_LINK_ATTRIBUTES);
  EXPECT_EQ(l.value_bytes, TRACELET_MAX_STRING_BYTES);
  EXPECT_EQ(l.event_value_bytes, TRACELET_MAX_EVENT_STRING_BYTES);
}

TEST_F(SpanLimitsTest, ValuesAboveTheCapsAreTheCaps) {
  SpanLimits limits;
  limits.attributes = limits.events = limits.links = 60000;
  limits.event_attributes = limits.link_attributes = limits.value_bytes = 60000;
  init(limits);
  const auto& l = tracer_.limits();
  EXPECT_EQ(l.attributes, TRACELET_MAX_ATTRIBUTES);
  EXPECT_EQ(l.events, TRACELET_MAX_EVENTS);
  EXPECT_EQ(l.links, TRACELET_MAX_LINKS);
  EXPECT_EQ(l.event_attributes, TRACELET_MAX_EVENT_ATTRIBUTES);
  EXPECT_EQ(l.link_attributes, TRACELET_MAX_LINK_ATTRIBUTES);
  EXPECT_EQ(l.value_bytes, TRACELET_MAX_STRING_BYTES);
  EXPECT_EQ(l.event_value_bytes, TRACELET_MAX_EVENT_STRING_BYTES);
}

TEST_F(SpanLimitsTest, AttributesPastTheLimitAreDroppedAndCounted) {
  SpanLimits limits;
  limits.attributes = 2;
  init(limits);
  {
    auto span = tracer_.start_span("s");
    span.set_attribute("a", 1);
    span.set_attribute("b", 2);
    span.set_attribute("c", 3);        // past the limit
    span.set_attribute("a", 10);       // replacing an existing key is not a new attribute
    span.set_attribute("d", "text");   // past the limit
  }
  const auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].attributes.size(), 2u);
  EXPECT_EQ(spans[0].head.dropped_attributes, 2u);
  ASSERT_NE(spans[0].attribute("a"), nullptr);
  EXPECT_EQ(spans[0].attribute("a")->i, 10);
}

TEST_F(SpanLimitsTest, EventsLinksAndTheirAttributesPastTheLimitsAreDroppedAndCounted) {
  SpanLimits limits;
  limits.events = 1;
  limits.links = 1;
  limits.event_attributes = 1;
  limits.link_attributes = 1;
  init(limits);
  {
    auto span = tracer_.start_span("s");
    span.add_event("first", {{"x", 1}, {"y", 2}, {"z", 3}});
    span.add_event("second");
    span.add_link(other(), {{"l1", 1}, {"l2", 2}});
    span.add_link(other());
  }
  const auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_EQ(spans[0].events.size(), 1u);
  EXPECT_EQ(spans[0].head.dropped_events, 1u);
  EXPECT_EQ(spans[0].events[0].attributes.size(), 1u);
  EXPECT_EQ(spans[0].events[0].dropped, 2u);
  EXPECT_EQ(spans[0].head.link_count, 1u);
  EXPECT_EQ(spans[0].head.dropped_links, 1u);
}

TEST_F(SpanLimitsTest, ValueLengthCutsSpanEventAndStatusTextDifferently) {
  SpanLimits limits;
  limits.value_bytes = 5;
  init(limits);
  {
    auto span = tracer_.start_span("a-name-longer-than-five");
    span.set_attribute("k", "0123456789");
    span.add_event("e", {{"v", "abcdefghij"}});
    span.set_status(StatusCode::kError, "status text is not an attribute");
  }
  const auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "a-name-longer-than-five") << "names are not attribute values";
  EXPECT_EQ(spans[0].attribute("k")->s, "01234");
  ASSERT_EQ(spans[0].events.size(), 1u);
  EXPECT_EQ(spans[0].events[0].attributes[0].s, "abcde");
  EXPECT_EQ(spans[0].status_message, "status text is not an attribute");
}

TEST_F(SpanLimitsTest, NoneKeepsNothing) {
  SpanLimits limits;
  limits.attributes = SpanLimits::kNone;
  limits.events = SpanLimits::kNone;
  limits.value_bytes = SpanLimits::kNone;
  init(limits);
  {
    StartOptions start;
    const Attribute at_start[] = {{"early", 1}};
    start.attributes = at_start;
    start.attribute_count = 1;
    auto span = tracer_.start_span("s", start);
    span.set_attribute("late", "x");
    span.add_event("e");
  }
  const auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_TRUE(spans[0].attributes.empty());
  EXPECT_EQ(spans[0].head.dropped_attributes, 2u);
  EXPECT_TRUE(spans[0].events.empty());
  EXPECT_EQ(spans[0].head.dropped_events, 1u);
}

// The variables reach the recording path: load_env_config fills Options::limits.
TEST_F(SpanLimitsTest, EnvironmentLimitsApplyToSpans) {
  struct Env {
    static const char* lookup(void*, const char* name) {
      const std::string n = name;
      if (n == "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT") return "1";
      if (n == "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT") return "3";
      return nullptr;
    }
  };
  static EnvSettings settings;
  ExporterConfig exporter;
  Options options;
  options.service_name = "limits";
  options.ring_memory = ByteSpan{memory_, sizeof memory_};
  EXPECT_EQ(load_env_config(settings, exporter, options, [](void*, LogLevel, const char*) {},
                            nullptr, &Env::lookup, nullptr),
            0u);
  ASSERT_EQ(tracer_.init(options), Status::kOk);
  {
    auto span = tracer_.start_span("s");
    span.set_attribute("a", "abcdef");
    span.set_attribute("b", "x");
  }
  const auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_EQ(spans[0].attributes.size(), 1u);
  EXPECT_EQ(spans[0].attributes[0].s, "abc");
  EXPECT_EQ(spans[0].head.dropped_attributes, 1u);
}

}  // namespace
}  // namespace tracelet
