// tracelet::current_span(): the OpenTelemetry `get_current_span()` for deep code. Built twice by
// CTest (tests/current_span.cmake), like span_api_test: with TRACELET_ENABLED=1 each call acts on
// the innermost active span of the calling thread; with TRACELET_ENABLED=0 every call is a
// no-op that still evaluates its arguments.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "support/core_test_support.h"
#include "tracelet/current_span.h"
#include "tracelet/fake_port.h"
#include "tracelet/http_client_span.h"  // the old home of current_span_context() still declares it
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

using testing_support::drain;
using testing_support::ReadSpan;

int g_evaluations = 0;
int counted(int value) {
  ++g_evaluations;
  return value;
}

[[maybe_unused]] const ReadSpan* find(const std::vector<ReadSpan>& spans, const std::string& name) {
  for (const auto& s : spans) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// Deep code that knows nothing about which span it runs in.
void deep_helper(int retries) {
  current_span().set_attribute("retry.count", counted(retries));
  current_span().set_attribute("cache.hit", false);
  current_span().set_attribute("latency.ms", 1.5);
  current_span().set_attribute("peer", "gateway");
  current_span().set_attribute("owner", std::string("lab"));
  current_span().add_event("retrying", {{"attempt", counted(retries)}});
}

class CurrentSpanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.service_name = "current-span-test";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    ASSERT_EQ(tracer_.init(options), Status::kOk);
    g_evaluations = 0;
  }
  alignas(8) std::uint8_t memory_[32 * 1024];
  Tracer tracer_;
};

TEST_F(CurrentSpanTest, NestedSpansActOnTheInnermost) {
  SpanContext inner_context;
  {
    [[maybe_unused]] auto outer = tracer_.start_span("outer");
    {
      auto inner = tracer_.start_span("inner");
      inner_context = inner.context();
      deep_helper(3);
      current_span().set_status(StatusCode::kError, "gave up");
#if TRACELET_ENABLED
      EXPECT_TRUE(current_span().is_recording());
      EXPECT_EQ(current_span().context().span_id, inner.context().span_id);
      EXPECT_EQ(current_span_context().span_id, inner.context().span_id);
#endif
    }
  }
  EXPECT_EQ(g_evaluations, 2) << "arguments are evaluated in both builds";
  const std::vector<ReadSpan> spans = drain(tracer_);
#if TRACELET_ENABLED
  ASSERT_EQ(spans.size(), 2u);
  const ReadSpan* inner = find(spans, "inner");
  const ReadSpan* outer = find(spans, "outer");
  ASSERT_NE(inner, nullptr);
  ASSERT_NE(outer, nullptr);
  ASSERT_NE(inner->attribute("retry.count"), nullptr);
  EXPECT_EQ(inner->attribute("retry.count")->i, 3);
  ASSERT_NE(inner->attribute("cache.hit"), nullptr);
  EXPECT_EQ(inner->attribute("cache.hit")->type, AttributeValue::Type::kBool);
  EXPECT_DOUBLE_EQ(inner->attribute("latency.ms")->d, 1.5);
  EXPECT_EQ(inner->attribute("peer")->s, "gateway");
  EXPECT_EQ(inner->attribute("owner")->s, "lab");
  ASSERT_EQ(inner->events.size(), 1u);
  EXPECT_EQ(inner->events[0].name, "retrying");
  EXPECT_EQ(inner->head.status, static_cast<std::uint8_t>(StatusCode::kError));
  EXPECT_EQ(inner->status_message, "gave up");
  EXPECT_TRUE(outer->attributes.empty()) << "only the innermost span is touched";
  EXPECT_TRUE(outer->events.empty());
  EXPECT_EQ(outer->head.status, static_cast<std::uint8_t>(StatusCode::kUnset));
#else
  EXPECT_TRUE(spans.empty());
  EXPECT_FALSE(inner_context.is_valid());
#endif
}

TEST_F(CurrentSpanTest, NoCurrentSpanDoesNothingSafely) {
  EXPECT_FALSE(current_span().is_recording());
  EXPECT_FALSE(current_span().context().is_valid());
  EXPECT_FALSE(current_span_context().is_valid());
  deep_helper(1);
  current_span().set_status(StatusCode::kOk);
  current_span().record_error("Timeout", "no answer", "main+0x12");
  const Attribute attributes[] = {{"n", 1}};
  current_span().add_event("array form", attributes, 1);
  EXPECT_EQ(g_evaluations, 2);
  EXPECT_TRUE(drain(tracer_).empty());
  EXPECT_EQ(tracer_.counters().spans_recorded, 0u);
}

TEST_F(CurrentSpanTest, AfterEndTheParentIsCurrentAgain) {
  {
    [[maybe_unused]] auto parent = tracer_.start_span("parent");
    {
      auto child = tracer_.start_span("child");
      current_span().set_attribute("seen.by", "child");
      child.end();  // explicit end: the parent is current again right away
      current_span().set_attribute("after.explicit.end", true);
    }
    {
      [[maybe_unused]] auto child2 = tracer_.start_span("child2");
    }  // ended at scope exit
    current_span().record_error("IoError", "write failed");
#if TRACELET_ENABLED
    EXPECT_EQ(current_span_context().span_id, parent.context().span_id);
#endif
  }
  EXPECT_FALSE(current_span_context().is_valid()) << "nothing is current after the last end";
  current_span().set_attribute("too.late", 1);  // no span: nothing happens
  const std::vector<ReadSpan> spans = drain(tracer_);
#if TRACELET_ENABLED
  ASSERT_EQ(spans.size(), 3u);
  const ReadSpan* parent = find(spans, "parent");
  const ReadSpan* child = find(spans, "child");
  ASSERT_NE(parent, nullptr);
  ASSERT_NE(child, nullptr);
  EXPECT_NE(child->attribute("seen.by"), nullptr);
  EXPECT_EQ(child->attribute("after.explicit.end"), nullptr);
  EXPECT_NE(parent->attribute("after.explicit.end"), nullptr);
  EXPECT_EQ(parent->attribute("seen.by"), nullptr);
  EXPECT_EQ(parent->attribute("too.late"), nullptr);
  ASSERT_EQ(parent->events.size(), 1u);
  EXPECT_EQ(parent->events[0].name, "exception");
  EXPECT_EQ(parent->head.status, static_cast<std::uint8_t>(StatusCode::kError));
#else
  EXPECT_TRUE(spans.empty());
#endif
}

TEST_F(CurrentSpanTest, EachThreadSeesItsOwnCurrentSpan) {
  SpanContext worker_context;
  SpanContext idle_thread_saw;
  {
    [[maybe_unused]] auto main_span = tracer_.start_span("main-work");
    std::thread worker([&] {
      auto span = tracer_.start_span("worker-work");
      worker_context = span.context();
      current_span().set_attribute("thread", "worker");
    });
    std::thread idle([&] {
      idle_thread_saw = current_span_context();  // this thread has no span
      current_span().set_attribute("thread", "idle");
    });
    worker.join();
    idle.join();
    current_span().set_attribute("thread", "main");
  }
  EXPECT_FALSE(idle_thread_saw.is_valid()) << "another thread's span is not current here";
  const std::vector<ReadSpan> spans = drain(tracer_);
#if TRACELET_ENABLED
  ASSERT_EQ(spans.size(), 2u);
  const ReadSpan* main_span = find(spans, "main-work");
  const ReadSpan* worker_span = find(spans, "worker-work");
  ASSERT_NE(main_span, nullptr);
  ASSERT_NE(worker_span, nullptr);
  EXPECT_EQ(main_span->attribute("thread")->s, "main");
  EXPECT_EQ(worker_span->attribute("thread")->s, "worker");
  EXPECT_FALSE(worker_span->parent_id().is_valid()) << "the worker's span is a root in its thread";
  EXPECT_EQ(worker_span->span_id(), worker_context.span_id);
#else
  EXPECT_TRUE(spans.empty());
#endif
}

TEST_F(CurrentSpanTest, TracingOffAtRuntimeRecordsNothing) {
  tracer_.set_enabled(false);
  {
    [[maybe_unused]] auto span = tracer_.start_span("off");
    deep_helper(2);
    EXPECT_FALSE(current_span().is_recording());
  }
  EXPECT_EQ(g_evaluations, 2);
  EXPECT_TRUE(drain(tracer_).empty());
}

TEST_F(CurrentSpanTest, SpanNotMadeCurrentIsNotTouched) {
  StartOptions options;
  options.not_current = true;
  {
    [[maybe_unused]] auto detached = tracer_.start_span("detached", options);
    current_span().set_attribute("wrong", 1);
  }
  const std::vector<ReadSpan> spans = drain(tracer_);
#if TRACELET_ENABLED
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_TRUE(spans[0].attributes.empty());
#else
  EXPECT_TRUE(spans.empty());
#endif
}

}  // namespace
}  // namespace tracelet
