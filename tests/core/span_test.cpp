// Span recording on the fake port: nesting, ids, times, attributes, events, status, limits.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "support/core_test_support.h"
#include "tracelet/fake_port.h"
#include "tracelet/samplers.h"
#include "tracelet/tracelet.h"
#include "tracelet/version.h"

namespace tracelet {
namespace {

using testing_support::drain;
using testing_support::ReadSpan;

class SpanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_port::set_monotonic_ns(5'000'000'000);
    fake_port::set_unix_offset_ns(1'700'000'000'000'000'000);
    Options options;
    options.service_name = "sensor-node";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    ASSERT_EQ(tracer_.init(options), Status::kOk);
  }
  alignas(8) std::uint8_t memory_[64 * 1024];
  Tracer tracer_;
};

TEST_F(SpanTest, EndsAtScopeExitWithNameKindAndTimes) {
  {
    StartOptions options;
    options.kind = SpanKind::kClient;
    auto span = tracer_.start_span("read-sensor", options);
    EXPECT_TRUE(span.is_recording());
    fake_port::advance_ns(1500);
  }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "read-sensor");
  EXPECT_EQ(spans[0].head.kind, static_cast<std::uint8_t>(SpanKind::kClient));
  EXPECT_EQ(spans[0].head.start_unix_ns, 1'700'000'005'000'000'000u);
  EXPECT_EQ(spans[0].head.end_unix_ns - spans[0].head.start_unix_ns, 1500u);
  EXPECT_FALSE(spans[0].parent_id().is_valid());
  EXPECT_TRUE(spans[0].trace_id().is_valid());
  EXPECT_TRUE(spans[0].span_id().is_valid());
  EXPECT_EQ(spans[0].head.trace_flags, kTraceFlagSampled);
}

// end() writes the record straight into the ring in whole words: the bytes after the data in
// its last word must be zero again (free ring memory is zero; no stale stack bytes), for
// every remainder of the data length.
// Leaves non-zero bytes on the stack where record_one_span's frame (called next, from the same
// caller) will hold the span's data bytes.
[[gnu::noinline]] void dirty_stack() {
  volatile std::uint8_t junk[4096];
  for (auto& b : junk) b = 0xA5;
}
[[gnu::noinline]] void record_one_span(Tracer& tracer, const std::string& name) {
  auto span = tracer.start_span(name);
  span.set_attribute("k", 7);
}

TEST_F(SpanTest, RecordBytesAfterTheDataAreZero) {
  for (std::size_t name_len = 1; name_len <= 8; ++name_len) {
    const std::string name(name_len, 'n');
    dirty_stack();
    record_one_span(tracer_, name);
    Batch batch;
    ASSERT_EQ(tracer_.ring().peek_batch(batch, 1), Status::kOk);
    RecordCursor cursor = tracer_.ring().cursor(batch);
    const std::uint8_t* record = nullptr;
    std::size_t len = 0;
    ASSERT_TRUE(tracer_.ring().next(cursor, record, len));
    const std::size_t padded = (len + 3) & ~std::size_t{3};
    for (std::size_t i = len; i < padded; ++i) EXPECT_EQ(record[i], 0u) << "name length " << name_len;
    tracer_.ring().commit(batch);
  }
}

TEST_F(SpanTest, EndIsIdempotent) {
  auto span = tracer_.start_span("once");
  span.end();
  span.end();
  EXPECT_FALSE(span.is_recording());
  span.set_attribute("late", 1);  // after end: ignored, no crash
  EXPECT_EQ(drain(tracer_).size(), 1u);
}

TEST_F(SpanTest, NestedSpansBecomeChildrenOfTheCurrentSpan) {
  SpanContext outer_ctx, middle_ctx, sibling_ctx;
  {
    auto outer = tracer_.start_span("outer");
    outer_ctx = outer.context();
    {
      auto middle = tracer_.start_span("middle");
      middle_ctx = middle.context();
      auto inner = tracer_.start_span("inner");
    }
    auto sibling = tracer_.start_span("sibling");
    sibling_ctx = sibling.context();
  }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 4u);  // end order: inner, middle, sibling, outer
  EXPECT_EQ(spans[0].name, "inner");
  EXPECT_EQ(spans[0].parent_id(), middle_ctx.span_id);
  EXPECT_EQ(spans[1].name, "middle");
  EXPECT_EQ(spans[1].parent_id(), outer_ctx.span_id);
  EXPECT_EQ(spans[2].name, "sibling");
  EXPECT_EQ(spans[2].parent_id(), outer_ctx.span_id);
  EXPECT_EQ(spans[3].name, "outer");
  EXPECT_FALSE(spans[3].parent_id().is_valid());
  for (const auto& s : spans) EXPECT_EQ(s.trace_id(), outer_ctx.trace_id);
  EXPECT_NE(sibling_ctx.span_id, middle_ctx.span_id);
}

TEST_F(SpanTest, ExplicitParentAndNewTrace) {
  SpanContext remote;
  remote.trace_id.bytes[15] = 0x42;
  remote.span_id.bytes[7] = 0x07;
  remote.trace_flags = kTraceFlagSampled;
  remote.is_remote = true;
  SpanContext a_ctx;
  {
    auto a = tracer_.start_span("a");
    a_ctx = a.context();
    StartOptions child_of_remote;
    child_of_remote.parent = &remote;
    child_of_remote.kind = SpanKind::kServer;
    auto b = tracer_.start_span("b", child_of_remote);
    StartOptions fresh;
    fresh.new_trace = true;
    auto c = tracer_.start_span("c", fresh);
  }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].name, "c");
  EXPECT_NE(spans[0].trace_id(), a_ctx.trace_id);
  EXPECT_FALSE(spans[0].parent_id().is_valid());
  EXPECT_EQ(spans[1].name, "b");
  EXPECT_EQ(spans[1].trace_id(), remote.trace_id);
  EXPECT_EQ(spans[1].parent_id(), remote.span_id);
  EXPECT_EQ(spans[1].head.flags & detail::kRecordFlagParentRemote, detail::kRecordFlagParentRemote);
  EXPECT_EQ(spans[2].name, "a");
}

TEST_F(SpanTest, SpanNotMadeCurrentIsNotAParent) {
  SpanContext first_ctx;
  {
    StartOptions detached;
    detached.not_current = true;
    auto first = tracer_.start_span("background", detached);
    first_ctx = first.context();
    auto second = tracer_.start_span("foreground");
  }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_FALSE(spans[0].parent_id().is_valid());
}

TEST_F(SpanTest, TypedAttributesAndReplacement) {
  {
    auto span = tracer_.start_span("attrs");
    span.set_attribute("ok", true);
    span.set_attribute("count", 42);
    span.set_attribute("big", std::int64_t{-9'000'000'000'000});
    span.set_attribute("ratio", 0.25);
    span.set_attribute("unit", "celsius");
    span.set_attribute("owned", std::string("from a std::string"));
    span.set_attribute("count", 43);          // same size: replaced in place
    span.set_attribute("unit", "kelvin-ish"); // other size: old entry retired
  }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  const ReadSpan& s = spans[0];
  ASSERT_EQ(s.attributes.size(), 6u);
  EXPECT_EQ(s.head.attribute_count, 6u);
  EXPECT_TRUE(s.attribute("ok")->b);
  EXPECT_EQ(s.attribute("count")->i, 43);
  EXPECT_EQ(s.attribute("big")->i, -9'000'000'000'000);
  EXPECT_DOUBLE_EQ(s.attribute("ratio")->d, 0.25);
  EXPECT_EQ(s.attribute("unit")->s, "kelvin-ish");
  EXPECT_EQ(s.attribute("owned")->s, "from a std::string");
  EXPECT_EQ(s.head.dropped_attributes, 0u);
}

TEST_F(SpanTest, AttributeCountLimitDropsAndCounts) {
  {
    auto span = tracer_.start_span("many");
    for (int i = 0; i < TRACELET_MAX_ATTRIBUTES + 5; ++i) {
      span.set_attribute("k" + std::to_string(i), i);
    }
    span.set_attribute("k0", 100);  // replacing an existing key is not a new attribute
  }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].attributes.size(), static_cast<std::size_t>(TRACELET_MAX_ATTRIBUTES));
  EXPECT_EQ(spans[0].head.dropped_attributes, 5u);
  EXPECT_EQ(spans[0].attribute("k0")->i, 100);
}

TEST_F(SpanTest, LongStringsAreCutAtUtf8Boundaries) {
  std::string long_name(200, 'n');
  std::string long_value;
  for (int i = 0; i < 100; ++i) long_value += "\xC3\xA9";  // "é" is two bytes
  {
    auto span = tracer_.start_span(long_name);
    span.set_attribute(std::string(300, 'k'), long_value);
  }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name.size(), static_cast<std::size_t>(TRACELET_MAX_STRING_BYTES));
  ASSERT_EQ(spans[0].attributes.size(), 1u);
  EXPECT_EQ(spans[0].attributes[0].key.size(), static_cast<std::size_t>(TRACELET_MAX_STRING_BYTES));
  const std::string& v = spans[0].attributes[0].s;
  EXPECT_LE(v.size(), static_cast<std::size_t>(TRACELET_MAX_STRING_BYTES));
  EXPECT_EQ(v.size() % 2, 0u) << "a two-byte character was split";
  EXPECT_EQ(v, long_value.substr(0, v.size()));
}

TEST_F(SpanTest, SpanDataBytesExhaustedDropsWithoutOverflow) {
  {
    auto span = tracer_.start_span("full");
    std::string value(TRACELET_MAX_STRING_BYTES, 'v');
    for (int i = 0; i < 100; ++i) {
      span.set_attribute("key-" + std::to_string(i), value);
      span.add_event("event-" + std::to_string(i), {{"n", i}});
    }
  }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  const ReadSpan& s = spans[0];
  EXPECT_EQ(s.attributes.size() + s.head.dropped_attributes, 100u);
  EXPECT_EQ(s.events.size() + s.head.dropped_events, 100u);
  EXPECT_GT(s.head.dropped_attributes, 0u);
  EXPECT_LE(s.head.data_len, TRACELET_SPAN_DATA_BYTES);
}

TEST_F(SpanTest, IntegerAttributesFollowTheSameRulesAsOtherValues) {
  // Integers take a short path when the key is new and fits; every other case (a long key,
  // a replacement of another type, no room, the count limit) must behave as for any value.
  {
    auto span = tracer_.start_span("ints");
    span.set_attribute("u8", std::uint8_t{200});
    span.set_attribute("i16", std::int16_t{-300});
    span.set_attribute("u32", std::uint32_t{4000000000u});
    span.set_attribute("size", std::size_t{123});
    span.set_attribute(std::string(300, 'k'), 7);   // key cut, like any key
    span.set_attribute("unit", "celsius");
    span.set_attribute("unit", 5);                  // replaces a string of another size
    span.set_attribute("flag", true);               // bool stays bool
    span.set_attribute("u8", 9);                    // same size: in place
    span.set_attribute("ratio", 1.5);               // double stays double
  }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  const ReadSpan& s = spans[0];
  ASSERT_EQ(s.attributes.size(), 8u);
  EXPECT_EQ(s.attribute("u8")->i, 9);
  EXPECT_EQ(s.attribute("i16")->i, -300);
  EXPECT_EQ(s.attribute("u32")->i, 4000000000);
  EXPECT_EQ(s.attribute("size")->i, 123);
  EXPECT_EQ(s.attribute(std::string(TRACELET_MAX_STRING_BYTES, 'k'))->i, 7);
  EXPECT_EQ(s.attribute("unit")->i, 5);
  EXPECT_TRUE(s.attribute("flag")->b);
  EXPECT_DOUBLE_EQ(s.attribute("ratio")->d, 1.5);
  EXPECT_EQ(s.head.dropped_attributes, 0u);

  {  // data bytes used up: integers are dropped and counted, never written past the end
    auto span = tracer_.start_span("full");
    const std::string value(TRACELET_MAX_STRING_BYTES, 'v');
    for (int i = 0; i < 100; ++i) span.set_attribute("s" + std::to_string(i), value);
    for (int i = 0; i < 100; ++i) span.set_attribute("n" + std::to_string(i), i);
  }
  spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].attributes.size() + spans[0].head.dropped_attributes, 200u);
  EXPECT_LE(spans[0].head.data_len, TRACELET_SPAN_DATA_BYTES);
}

TEST_F(SpanTest, EventsCarryTimeAndAttributesWithLimits) {
  {
    auto span = tracer_.start_span("events");
    fake_port::advance_ns(100);
    span.add_event("retry", {{"attempt", 2}, {"reason", "timeout"}});
    fake_port::advance_ns(100);
    std::vector<Attribute> many;
    std::vector<std::string> keys;
    for (int i = 0; i < TRACELET_MAX_EVENT_ATTRIBUTES + 3; ++i) keys.push_back("a" + std::to_string(i));
    for (const auto& k : keys) many.push_back({k, 1});
    span.add_event("busy", many.data(), many.size());
    for (int i = 0; i < TRACELET_MAX_EVENTS; ++i) span.add_event("tick");
  }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  const ReadSpan& s = spans[0];
  ASSERT_EQ(s.events.size(), static_cast<std::size_t>(TRACELET_MAX_EVENTS));
  EXPECT_EQ(s.head.dropped_events, 2u);
  EXPECT_EQ(s.events[0].name, "retry");
  EXPECT_EQ(s.events[0].time, s.head.start_unix_ns + 100);
  ASSERT_EQ(s.events[0].attributes.size(), 2u);
  EXPECT_EQ(s.events[0].attributes[0].i, 2);
  EXPECT_EQ(s.events[0].attributes[1].s, "timeout");
  EXPECT_EQ(s.events[1].attributes.size(), static_cast<std::size_t>(TRACELET_MAX_EVENT_ATTRIBUTES));
  EXPECT_EQ(s.events[1].dropped, 3u);
  EXPECT_TRUE(s.attributes.empty()) << "event attributes are not span attributes";
}

TEST_F(SpanTest, StatusFollowsOtelRules) {
  {
    auto unset = tracer_.start_span("unset");
    unset.set_status(StatusCode::kUnset, "ignored");
  }
  {
    auto error = tracer_.start_span("error");
    error.set_status(StatusCode::kError, "sensor offline");
  }
  {
    auto ok_is_final = tracer_.start_span("ok");
    ok_is_final.set_status(StatusCode::kOk, "message dropped for ok");
    ok_is_final.set_status(StatusCode::kError, "too late");
  }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].head.status, 0);
  EXPECT_EQ(spans[1].head.status, 2);
  EXPECT_EQ(spans[1].status_message, "sensor offline");
  EXPECT_EQ(spans[2].head.status, 1);
  EXPECT_EQ(spans[2].status_message, "");
}

TEST_F(SpanTest, RecordErrorAddsExceptionEventAndErrorStatus) {
  {
    auto span = tracer_.start_span("i2c-read");
    span.record_error("I2cNack", "device 0x48 did not answer", "i2c_read+0x12\nmain+0x40");
  }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  const ReadSpan& s = spans[0];
  EXPECT_EQ(s.head.status, 2);
  EXPECT_EQ(s.status_message, "device 0x48 did not answer");
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].name, "exception");
  ASSERT_EQ(s.events[0].attributes.size(), 3u);
  EXPECT_EQ(s.events[0].attributes[0].key, "exception.type");
  EXPECT_EQ(s.events[0].attributes[0].s, "I2cNack");
  EXPECT_EQ(s.events[0].attributes[1].key, "exception.message");
  EXPECT_EQ(s.events[0].attributes[2].key, "exception.stacktrace");
}

TEST_F(SpanTest, DisabledAtRuntimeRecordsNothing) {
  tracer_.set_enabled(false);
  {
    auto span = tracer_.start_span("off");
    EXPECT_FALSE(span.is_recording());
    span.set_attribute("k", 1);
    span.add_event("e");
  }
  EXPECT_TRUE(drain(tracer_).empty());
  EXPECT_EQ(tracer_.counters().spans_recorded, 0u);
  tracer_.set_enabled(true);
  { auto span = tracer_.start_span("on"); }
  EXPECT_EQ(drain(tracer_).size(), 1u);
}

TEST_F(SpanTest, IdsAreUniqueAndNonZero) {
  std::set<std::string> span_ids, trace_ids;
  for (int i = 0; i < 2000; ++i) {
    StartOptions fresh;
    fresh.new_trace = true;
    auto span = tracer_.start_span("id", fresh);
    const SpanContext& c = span.context();
    ASSERT_TRUE(c.is_valid());
    span_ids.insert(std::string(reinterpret_cast<const char*>(c.span_id.bytes), 8));
    trace_ids.insert(std::string(reinterpret_cast<const char*>(c.trace_id.bytes), 16));
  }
  EXPECT_EQ(span_ids.size(), 2000u);
  EXPECT_EQ(trace_ids.size(), 2000u);
}

TEST_F(SpanTest, FullRingDropsAndCountsAndNeverCorrupts) {
  Tracer small;
  alignas(8) std::uint8_t memory[1024];
  Options options;
  options.service_name = "small";
  options.ring_memory = ByteSpan{memory, sizeof memory};
  ASSERT_EQ(small.init(options), Status::kOk);
  for (int i = 0; i < 100; ++i) {
    auto span = small.start_span("fill");
    span.set_attribute("i", i);
  }
  TracerCounters counters = small.counters();
  EXPECT_EQ(counters.spans_recorded + counters.spans_dropped_full, 100u);
  EXPECT_GT(counters.spans_dropped_full, 0u);
  auto spans = drain(small);
  ASSERT_EQ(spans.size(), counters.spans_recorded);
  EXPECT_EQ(spans.front().attribute("i")->i, 0) << "drop-newest keeps the oldest";
}

TEST(TracerInit, RequiresServiceNameAndMemory) {
  Tracer tracer;
  Options options;
  EXPECT_EQ(tracer.init(options), Status::kInvalidArgument);
  options.service_name = "svc";
  EXPECT_EQ(tracer.init(options), Status::kInvalidArgument);
  alignas(8) std::uint8_t memory[512];
  options.ring_memory = ByteSpan{memory, sizeof memory};
  EXPECT_EQ(tracer.init(options), Status::kOk);
  EXPECT_EQ(tracer.init(options), Status::kFailedPrecondition);
  tracer.shutdown();
  tracer.shutdown();
  EXPECT_EQ(tracer.init(options), Status::kOk);
  auto span = Tracer().start_span("uninitialised tracer");
  EXPECT_FALSE(span.is_recording());
}

TEST(TracerInit, ResourceHasServiceSdkAndUserAttributes) {
  Tracer tracer;
  alignas(8) std::uint8_t memory[512];
  Attribute extra[] = {{"device.id", "node-7"}, {"host.arch", "arm64"}, {"device.id", "node-8"}};
  Options options;
  options.service_name = "svc";
  options.service_version = "1.2.3";
  options.resource_attributes = extra;
  options.resource_attribute_count = 3;
  options.ring_memory = ByteSpan{memory, sizeof memory};
  ASSERT_EQ(tracer.init(options), Status::kOk);
  ResourceView resource = tracer.resource();
  detail::AttributeReader reader(resource.data, resource.data + resource.len,
                                 resource.attribute_count);
  std::map<std::string, std::string> got;
  detail::AttributeEntry entry;
  std::size_t live = 0;
  while (reader.next(entry)) {
    EXPECT_EQ(got.count(std::string(entry.key)), 0u) << "duplicate resource key " << entry.key;
    got[std::string(entry.key)] = std::string(entry.value.as_string());
    ++live;
  }
  EXPECT_EQ(live, 7u);
  EXPECT_EQ(got["service.name"], "svc");
  EXPECT_EQ(got["service.version"], "1.2.3");
  EXPECT_EQ(got["telemetry.sdk.name"], "tracelet");
  EXPECT_EQ(got["telemetry.sdk.language"], "cpp");
  EXPECT_EQ(got["telemetry.sdk.version"], TRACELET_VERSION_STRING);
  EXPECT_EQ(got["device.id"], "node-8") << "a later value for a key replaces the earlier one";
  EXPECT_EQ(got["host.arch"], "arm64");
  EXPECT_EQ(resource.dropped_attributes, 0u);
}

TEST(TracerInit, MissingEntropyStillGivesValidIds) {
  fake_port::set_entropy_available(false);
  Tracer tracer;
  alignas(8) std::uint8_t memory[512];
  Options options;
  options.service_name = "svc";
  options.ring_memory = ByteSpan{memory, sizeof memory};
  ASSERT_EQ(tracer.init(options), Status::kOk);
  fake_port::set_entropy_available(true);
  auto span = tracer.start_span("x");
  EXPECT_TRUE(span.context().is_valid());
}

TEST(TracerInit, TimesNeverGoBackwardsWhenTheWallClockSteps) {
  Tracer tracer;
  alignas(8) std::uint8_t memory[1024];
  Options options;
  options.service_name = "svc";
  options.ring_memory = ByteSpan{memory, sizeof memory};
  fake_port::set_unix_offset_ns(2'000'000'000'000'000'000);
  ASSERT_EQ(tracer.init(options), Status::kOk);
  std::uint64_t first = tracer.now_unix_ns();
  fake_port::set_unix_offset_ns(1'000'000'000'000'000'000);  // NTP steps the clock back
  fake_port::advance_ns(10);
  EXPECT_EQ(tracer.now_unix_ns(), first + 10);
}

}  // namespace
}  // namespace tracelet

namespace tracelet {
namespace {

class SamplingTest : public ::testing::Test {
 protected:
  Status init(const Options& base) {
    Options options = base;
    options.service_name = "sampling";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    return tracer_.init(options);
  }
  alignas(8) std::uint8_t memory_[256 * 1024];
  Tracer tracer_;
};

TEST_F(SamplingTest, AlwaysOffRecordsNothingButKeepsContextAndCounts) {
  Options options;
  options.sampler = always_off_sampler();
  ASSERT_EQ(init(options), Status::kOk);
  {
    auto root = tracer_.start_span("root");
    EXPECT_FALSE(root.is_recording());
    EXPECT_TRUE(root.context().is_valid()) << "unsampled spans still propagate ids";
    EXPECT_FALSE(root.context().is_sampled());
    auto child = tracer_.start_span("child");
    EXPECT_EQ(child.context().trace_id, root.context().trace_id);
  }
  EXPECT_TRUE(drain(tracer_).empty());
  EXPECT_EQ(tracer_.ring().counters().written, 0u) << "a sampled-out span costs no ring space";
  EXPECT_EQ(tracer_.counters().spans_sampled_out, 2u);
}

TEST_F(SamplingTest, DefaultParentBasedFollowsTheRemoteParentsFlag) {
  ASSERT_EQ(init(Options{}), Status::kOk);
  SpanContext remote;
  remote.trace_id.bytes[0] = 1;
  remote.span_id.bytes[0] = 2;
  remote.is_remote = true;
  remote.trace_flags = 0;  // the caller decided not to sample
  {
    StartOptions o;
    o.parent = &remote;
    auto server = tracer_.start_span("server", o);
    EXPECT_FALSE(server.is_recording());
    auto child = tracer_.start_span("child-of-unsampled");
    EXPECT_FALSE(child.is_recording()) << "children of an unsampled span are unsampled";
  }
  remote.trace_flags = kTraceFlagSampled;
  {
    StartOptions o;
    o.parent = &remote;
    auto server = tracer_.start_span("server", o);
    EXPECT_TRUE(server.is_recording());
  }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(tracer_.counters().spans_sampled_out, 2u);
}

TEST_F(SamplingTest, TraceIdRatioKeepsWholeTracesAtTheRatio) {
  SamplerConfig config;
  config.kind = SamplerKind::kParentBasedTraceIdRatio;
  config.ratio = 0.25;
  ConfiguredSampler sampler;
  ASSERT_EQ(sampler.configure(config), Status::kOk);
  Options options;
  options.sampler = sampler.sampler();
  ASSERT_EQ(init(options), Status::kOk);
  int recorded_roots = 0;
  for (int i = 0; i < 4000; ++i) {
    auto root = tracer_.start_span("root");
    auto child = tracer_.start_span("child");
    EXPECT_EQ(root.is_recording(), child.is_recording()) << "a trace is kept or dropped whole";
    recorded_roots += root.is_recording() ? 1 : 0;
  }
  EXPECT_NEAR(recorded_roots / 4000.0, 0.25, 0.03);
  EXPECT_EQ(tracer_.counters().spans_recorded, static_cast<std::uint64_t>(2 * recorded_roots));
  EXPECT_EQ(tracer_.counters().spans_sampled_out, static_cast<std::uint64_t>(2 * (4000 - recorded_roots)));
}

struct SeenBySampler {
  std::string name;
  std::string method;
  SamplingDecision answer = SamplingDecision::kRecordOnly;
  static SamplingDecision decide(void* ctx, const SamplingParams& p) noexcept {
    auto* self = static_cast<SeenBySampler*>(ctx);
    self->name = std::string(p.name);
    for (std::size_t i = 0; i < p.attribute_count; ++i) {
      if (p.attributes[i].key == "http.request.method") {
        self->method = std::string(p.attributes[i].value.as_string());
      }
    }
    return self->answer;
  }
};

TEST_F(SamplingTest, CustomSamplerSeesStartAttributesAndRecordOnlyIsNotExported) {
  SeenBySampler seen;
  Options options;
  options.sampler = Sampler{&seen, &SeenBySampler::decide};
  ASSERT_EQ(init(options), Status::kOk);
  const Attribute start_attributes[] = {{"http.request.method", "POST"}};
  StartOptions o;
  o.kind = SpanKind::kServer;
  o.attributes = start_attributes;
  o.attribute_count = 1;
  {
    auto span = tracer_.start_span("POST /upload", o);
    EXPECT_TRUE(span.is_recording());
    EXPECT_FALSE(span.context().is_sampled());
  }
  EXPECT_EQ(seen.name, "POST /upload");
  EXPECT_EQ(seen.method, "POST");
  EXPECT_TRUE(drain(tracer_).empty()) << "record-only spans are not exported";
  EXPECT_EQ(tracer_.counters().spans_record_only, 1u);
  seen.answer = SamplingDecision::kRecordAndSample;
  { auto span = tracer_.start_span("GET /", o); }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_NE(spans[0].attribute("http.request.method"), nullptr);
  EXPECT_EQ(spans[0].attribute("http.request.method")->s, "POST");
}

TEST_F(SamplingTest, InvalidSamplerConfigIsRefused) {
  SamplerConfig config;
  config.kind = SamplerKind::kTraceIdRatio;
  config.ratio = 1.5;
  ConfiguredSampler sampler;
  EXPECT_EQ(sampler.configure(config), Status::kInvalidArgument);
}

}  // namespace
}  // namespace tracelet

namespace tracelet {
namespace {

TEST_F(SpanTest, LinksCarryContextAndAttributesWithLimits) {
  SpanContext earlier;
  {
    auto first = tracer_.start_span("sample");
    earlier = first.context();
  }
  drain(tracer_);
  SpanContext invalid;  // all zero
  {
    auto upload = tracer_.start_span("batch-upload");
    upload.add_link(earlier, {{"records", 12}});
    upload.add_link(invalid);
    for (int i = 0; i < TRACELET_MAX_LINKS; ++i) upload.add_link(earlier);
  }
  Batch batch;
  ASSERT_EQ(tracer_.ring().peek_batch(batch, 10), Status::kOk);
  RecordCursor cursor = tracer_.ring().cursor(batch);
  const std::uint8_t* data = nullptr;
  std::size_t len = 0;
  ASSERT_TRUE(tracer_.ring().next(cursor, data, len));
  detail::SpanRecordReader reader;
  ASSERT_TRUE(reader.parse(data, len));
  EXPECT_EQ(reader.head().link_count, TRACELET_MAX_LINKS);
  EXPECT_EQ(reader.head().dropped_links, 2u) << "the invalid one and the one past the limit";
  const std::uint8_t* at = nullptr;
  detail::LinkEntry link;
  ASSERT_TRUE(reader.next_link(at, link));
  EXPECT_EQ(link.context.trace_id, earlier.trace_id);
  EXPECT_EQ(link.context.span_id, earlier.span_id);
  detail::AttributeReader attributes(link.attributes, link.attributes_end, link.attribute_count);
  detail::AttributeEntry entry;
  ASSERT_TRUE(attributes.next(entry));
  EXPECT_EQ(entry.key, "records");
  EXPECT_EQ(entry.value.as_int(), 12);
  EXPECT_EQ(reader.live_attribute_count(), 0u) << "link attributes are not span attributes";
  tracer_.ring().commit(batch);
}

}  // namespace
}  // namespace tracelet

#include "tracelet/fatal_error.h"
#include "tracelet/port.h"

namespace tracelet {
namespace {

TEST_F(SpanTest, FatalErrorEndsTheCurrentChainAsErrors) {
  auto outer = tracer_.start_span("main-loop");
  auto middle = tracer_.start_span("write-flash");
  auto inner = tracer_.start_span("erase-sector");
  EXPECT_EQ(fail_current_spans("HardFault", "bus fault at 0x08004000"), 3u);
  EXPECT_FALSE(outer.is_recording());
  EXPECT_EQ(*port::current_span_slot(), nullptr);
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].name, "erase-sector");
  EXPECT_EQ(spans[2].name, "main-loop");
  for (const auto& s : spans) {
    EXPECT_EQ(s.head.status, 2);
    EXPECT_EQ(s.status_message, "bus fault at 0x08004000");
    ASSERT_EQ(s.events.size(), 1u);
    EXPECT_EQ(s.events[0].attributes[0].s, "HardFault");
  }
  EXPECT_EQ(fail_current_spans("again", "nothing left"), 0u);
}

}  // namespace
}  // namespace tracelet

namespace tracelet {
namespace {

TEST(TracerReset, SpansRecordedBeforeAWarmResetAreKept) {
  alignas(8) static std::uint8_t memory[8192];
  static Tracer tracer;  // on a device both live in .noinit
  Options options;
  options.service_name = "reset";
  options.ring_memory = ByteSpan{memory, sizeof memory};
  ASSERT_EQ(tracer.init_keeping_ring(options), Status::kOk);
  EXPECT_FALSE(tracer.adopted_ring()) << "a fresh ring on first boot";
  SpanContext before;
  {
    auto span = tracer.start_span("before-reset");
    span.set_attribute("boot", 1);
    before = span.context();
  }
  // Warm reset: no shutdown, the object is not reconstructed, init runs again at boot.
  ASSERT_EQ(tracer.init_keeping_ring(options), Status::kOk);
  EXPECT_TRUE(tracer.adopted_ring());
  { auto span = tracer.start_span("after-reset"); }
  auto spans = drain(tracer);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].name, "before-reset");
  EXPECT_EQ(spans[0].span_id(), before.span_id);
  EXPECT_EQ(spans[1].name, "after-reset");
}

TEST(TracerReset, ColdBootGarbageStartsAnEmptyRing) {
  alignas(8) static std::uint8_t memory[8192];
  std::memset(memory, 0x5A, sizeof memory);
  alignas(Tracer) static unsigned char storage[sizeof(Tracer)];
  std::memset(storage, 0xA5, sizeof storage);  // power-on RAM
  Tracer* tracer = reinterpret_cast<Tracer*>(storage);
  Options options;
  options.service_name = "cold";
  options.ring_memory = ByteSpan{memory, sizeof memory};
  ASSERT_EQ(tracer->init_keeping_ring(options), Status::kOk);
  EXPECT_FALSE(tracer->adopted_ring());
  { auto span = tracer->start_span("first"); }
  auto spans = drain(*tracer);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "first");
}

}  // namespace
}  // namespace tracelet
