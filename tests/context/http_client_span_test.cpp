#include "tracelet/http_client_span.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "support/core_test_support.h"
#include "tracelet/fake_port.h"

namespace tracelet {
namespace {

using testing_support::drain;

struct Headers {
  std::map<std::string, std::string> values;
  static Status set(void* ctx, std::string_view name, std::string_view value) noexcept {
    static_cast<Headers*>(ctx)->values[std::string(name)] = std::string(value);
    return Status::kOk;
  }
  CarrierWriter writer() { return CarrierWriter{this, &Headers::set}; }
};

class HttpClientSpanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.service_name = "client";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    ASSERT_EQ(tracer_.init(options), Status::kOk);
  }
  alignas(8) std::uint8_t memory_[16384];
  Tracer tracer_;
};

TEST_F(HttpClientSpanTest, SemanticConventionAttributesAndTraceparent) {
  Headers headers;
  SpanContext parent_ctx, call_ctx;
  {
    auto parent = tracer_.start_span("upload-cycle");
    parent_ctx = parent.context();
    HttpClientSpan call(tracer_, "POST", "https://api.example.com:8443/v1/readings?x=1");
    call_ctx = call.context();
    ASSERT_EQ(call.inject(headers.writer()), Status::kOk);
    EXPECT_EQ(current_span_context().span_id, call_ctx.span_id) << "the call is the current span";
    call.set_response_status(201);
  }
  char expected[kTraceparentLength + 1];
  std::size_t len = 0;
  ASSERT_EQ(format_traceparent(call_ctx, expected, sizeof expected, len), Status::kOk);
  EXPECT_EQ(headers.values["traceparent"], std::string(expected, len));
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 2u);
  const auto& call = spans[0];
  EXPECT_EQ(call.name, "POST");
  EXPECT_EQ(call.head.kind, static_cast<std::uint8_t>(SpanKind::kClient));
  EXPECT_EQ(call.parent_id(), parent_ctx.span_id);
  EXPECT_EQ(call.attribute("http.request.method")->s, "POST");
  EXPECT_EQ(call.attribute("url.full")->s, "https://api.example.com:8443/v1/readings?x=1");
  EXPECT_EQ(call.attribute("server.address")->s, "api.example.com");
  EXPECT_EQ(call.attribute("server.port")->i, 8443);
  EXPECT_EQ(call.attribute("http.response.status_code")->i, 201);
  EXPECT_EQ(call.head.status, 0) << "success leaves the status unset";
}

TEST_F(HttpClientSpanTest, ServerErrorsAndFailuresMarkTheSpanAsError) {
  {
    HttpClientSpan call(tracer_, "GET", "http://[fd00::1]/status");
    call.set_response_status(503);
  }
  {
    HttpClientSpan call(tracer_, "GET", "https://collector.lan/v1/traces");
    call.set_failure("Timeout", "no answer within 5000 ms");
  }
  auto spans = drain(tracer_);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].head.status, 2);
  EXPECT_EQ(spans[0].attribute("error.type")->s, "503");
  EXPECT_EQ(spans[0].attribute("server.address")->s, "fd00::1");
  EXPECT_EQ(spans[0].attribute("server.port")->i, 80);
  EXPECT_EQ(spans[1].head.status, 2);
  EXPECT_EQ(spans[1].attribute("error.type")->s, "Timeout");
  ASSERT_EQ(spans[1].events.size(), 1u);
  EXPECT_EQ(spans[1].events[0].name, "exception");
  EXPECT_EQ(spans[1].attribute("server.port")->i, 443);
}

TEST_F(HttpClientSpanTest, NoCurrentSpanGivesAnInvalidContext) {
  EXPECT_FALSE(current_span_context().is_valid());
}

}  // namespace
}  // namespace tracelet
