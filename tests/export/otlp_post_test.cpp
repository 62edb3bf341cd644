// otlp_post(): one already-encoded OTLP/HTTP request over a caller's transport, against an
// in-memory peer that records the request and plays back a canned HTTP answer. Time is the
// fake port's clock, moved by the peer whenever it has nothing to give (a recv timeout).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "tracelet/fake_port.h"
#include "tracelet/otlp_post.h"
#include "tracelet/port.h"

namespace tracelet {
namespace {

// ---- in-memory peer with a canned answer ---------------------------------------------------
struct CannedPeer {
  std::string answer;                  // bytes the peer sends back, once the request is in
  std::string received;                // request bytes that arrived
  std::size_t answer_step = SIZE_MAX;  // at most this many bytes per recv
  bool close_when_drained = false;     // after the answer: report "peer closed", not a timeout
  std::size_t close_after_bytes = 0;   // >0: the connection resets when more would arrive
  bool stall_sends = false;            // send() would block forever

  static std::int32_t send(void* ctx, const std::uint8_t* data, std::size_t len) {
    auto* self = static_cast<CannedPeer*>(ctx);
    if (self->stall_sends) {
      fake_port::advance_ns(100 * 1000000ull);  // the transport's own send timeout
      return 0;
    }
    if (self->close_after_bytes != 0 && self->received.size() + len > self->close_after_bytes) {
      return static_cast<std::int32_t>(Status::kUnavailable);
    }
    self->received.append(reinterpret_cast<const char*>(data), len);
    return static_cast<std::int32_t>(len);
  }
  static std::int32_t recv(void* ctx, std::uint8_t* data, std::size_t cap, std::uint32_t timeout_ms) {
    auto* self = static_cast<CannedPeer*>(ctx);
    if (self->answer.empty()) {
      if (self->close_when_drained) return static_cast<std::int32_t>(Status::kUnavailable);
      fake_port::advance_ns(static_cast<std::uint64_t>(timeout_ms) * 1000000ull);
      return 0;
    }
    const std::size_t n = std::min({cap, self->answer_step, self->answer.size()});
    std::memcpy(data, self->answer.data(), n);
    self->answer.erase(0, n);
    return static_cast<std::int32_t>(n);
  }
  Transport transport() {
    Transport t;
    t.ctx = this;
    t.send = &CannedPeer::send;
    t.recv = &CannedPeer::recv;
    return t;
  }
};

class OtlpPostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_port::set_monotonic_ns(1000000000ull);
    char error[120];
    ASSERT_EQ(parse_endpoint("https://collector.example:4318/v1/traces", endpoint_, error, sizeof error),
              Status::kOk);
    options_.user_agent = "test-agent/1";
    options_.timeout_ms = 2000;
  }
  Status post(OtlpPostResult& result) {
    return otlp_post(peer_.transport(), endpoint_, options_, body_, sizeof body_, result);
  }

  const std::uint8_t body_[5] = {0x0a, 0x03, 0x01, 0x02, 0x03};  // stands in for a request
  Endpoint endpoint_;
  OtlpPostOptions options_;
  CannedPeer peer_;
};

// ---- answers -------------------------------------------------------------------------------
TEST_F(OtlpPostTest, SendsOnePostAndReadsAPartialSuccess) {
  const HttpHeader headers[] = {{"x-api-key", "KEY"}};
  options_.headers = headers;
  options_.header_count = 1;
  // ExportTraceServiceResponse{partial_success{rejected_spans: 2, error_message: "too old"}}
  peer_.answer = "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 13\r\n\r\n" +
                 std::string("\x0a\x0b\x08\x02\x12\x07too old", 13);
  OtlpPostResult result;
  ASSERT_EQ(post(result), Status::kOk);
  EXPECT_EQ(peer_.received,
            "POST /v1/traces HTTP/1.1\r\nHost: collector.example:4318\r\nUser-Agent: test-agent/1\r\n"
            "Content-Type: application/x-protobuf\r\nContent-Length: 5\r\nx-api-key: KEY\r\n\r\n" +
                std::string(reinterpret_cast<const char*>(body_), sizeof body_));
  EXPECT_EQ(result.outcome, OtlpPostOutcome::kDelivered);
  EXPECT_TRUE(result.sent);
  EXPECT_FALSE(result.close_connection);
  EXPECT_EQ(result.http_status, 200);
  EXPECT_EQ(result.rejected_spans, 2);
  EXPECT_STREQ(result.reason, "too old");
  EXPECT_EQ(result.retry_after_ms, 0u);
}

TEST_F(OtlpPostTest, EmptyOrUnreadableSuccessBodiesStillMeanDelivered) {
  peer_.answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  OtlpPostResult result;
  ASSERT_EQ(post(result), Status::kOk);
  EXPECT_EQ(result.outcome, OtlpPostOutcome::kDelivered);
  EXPECT_STREQ(result.reason, "");
  peer_.answer = "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n\xff\xff";
  ASSERT_EQ(post(result), Status::kOk);
  EXPECT_EQ(result.outcome, OtlpPostOutcome::kDelivered);
  EXPECT_EQ(result.http_status, 202);
  EXPECT_EQ(result.rejected_spans, 0);
  EXPECT_STREQ(result.reason, "");
}

TEST_F(OtlpPostTest, ThrottlingIsRetryableWithRetryAfterInMilliseconds) {
  peer_.answer = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Type: text/plain\r\n"
                 "Content-Length: 9\r\n\r\nbusy\tnow!";
  OtlpPostResult result;
  ASSERT_EQ(post(result), Status::kOk);
  EXPECT_EQ(result.outcome, OtlpPostOutcome::kRetryable);
  EXPECT_EQ(result.http_status, 503);
  EXPECT_EQ(result.retry_after_ms, 7000u);
  EXPECT_STREQ(result.reason, "busy now!");
  EXPECT_FALSE(result.close_connection);
}

TEST_F(OtlpPostTest, RetryAfterAsAnHttpDateUsesTheCallersClock) {
  options_.now_unix_s = 784111767;  // Sun, 06 Nov 1994 08:49:27 GMT
  peer_.answer = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                 "Content-Length: 0\r\n\r\n";
  OtlpPostResult result;
  ASSERT_EQ(post(result), Status::kOk);
  EXPECT_EQ(result.outcome, OtlpPostOutcome::kRetryable);
  EXPECT_EQ(result.retry_after_ms, 10000u);
}

TEST_F(OtlpPostTest, BadRequestIsRejectedWithTheCollectorsMessage) {
  // google.rpc.Status{code: 3, message: "bad payload"}
  peer_.answer = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-protobuf\r\nContent-Length: 15\r\n"
                 "Connection: close\r\n\r\n" +
                 std::string("\x08\x03\x12\x0b" "bad payload", 15);
  OtlpPostResult result;
  ASSERT_EQ(post(result), Status::kOk);
  EXPECT_EQ(result.outcome, OtlpPostOutcome::kRejected);
  EXPECT_EQ(result.http_status, 400);
  EXPECT_STREQ(result.reason, "bad payload");
  EXPECT_EQ(result.retry_after_ms, 0u);
  EXPECT_TRUE(result.close_connection) << "the answer said Connection: close";
}

TEST_F(OtlpPostTest, ServerErrorsOtherThanGatewaysAreNotRetried) {
  peer_.answer = "HTTP/1.1 500 Internal Server Error\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n";
  OtlpPostResult result;
  ASSERT_EQ(post(result), Status::kOk);
  EXPECT_EQ(result.outcome, OtlpPostOutcome::kRejected);
  EXPECT_EQ(result.retry_after_ms, 0u);
}

TEST_F(OtlpPostTest, AnswersArrivingByteByByteOnAKeptAliveConnection) {
  peer_.answer_step = 1;
  OtlpPostResult result;
  for (int i = 0; i < 2; ++i) {
    peer_.answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    ASSERT_EQ(post(result), Status::kOk) << i;
    EXPECT_EQ(result.outcome, OtlpPostOutcome::kDelivered);
    EXPECT_FALSE(result.close_connection);
  }
  EXPECT_NE(peer_.received.find("POST /v1/traces", 1), std::string::npos) << "two requests";
}

// ---- no valid answer -----------------------------------------------------------------------
TEST_F(OtlpPostTest, MalformedAnswerIsDataLossAndRetryable) {
  peer_.answer = "HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n";
  OtlpPostResult result;
  EXPECT_EQ(post(result), Status::kDataLoss);
  EXPECT_EQ(result.outcome, OtlpPostOutcome::kRetryable);
  EXPECT_TRUE(result.sent);
  EXPECT_TRUE(result.close_connection);
  EXPECT_EQ(result.http_status, 0);
  EXPECT_STREQ(result.reason, "malformed status code");
}

TEST_F(OtlpPostTest, PeerClosingBeforeOrDuringTheAnswerIsUnavailable) {
  peer_.close_when_drained = true;
  OtlpPostResult result;
  EXPECT_EQ(post(result), Status::kUnavailable);
  EXPECT_EQ(result.outcome, OtlpPostOutcome::kRetryable);
  EXPECT_TRUE(result.sent);
  EXPECT_TRUE(result.close_connection);
  EXPECT_STREQ(result.reason, "connection closed before any response");

  peer_.answer = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
  EXPECT_EQ(post(result), Status::kUnavailable);
  EXPECT_EQ(result.outcome, OtlpPostOutcome::kRetryable);
  EXPECT_EQ(result.http_status, 0) << "a cut answer is no answer";
  EXPECT_STREQ(result.reason, "connection closed in the middle of the response");
}

TEST_F(OtlpPostTest, BodyRunningUntilCloseIsComplete) {
  peer_.close_when_drained = true;
  peer_.answer = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\nno spans";
  OtlpPostResult result;
  ASSERT_EQ(post(result), Status::kOk);
  EXPECT_EQ(result.outcome, OtlpPostOutcome::kRejected);
  EXPECT_STREQ(result.reason, "no spans");
  EXPECT_TRUE(result.close_connection);
}

TEST_F(OtlpPostTest, PeerClosingWhileTheRequestGoesOutIsUnavailable) {
  peer_.close_after_bytes = 20;
  OtlpPostResult result;
  EXPECT_EQ(post(result), Status::kUnavailable);
  EXPECT_EQ(result.outcome, OtlpPostOutcome::kRetryable);
  EXPECT_FALSE(result.sent);
  EXPECT_TRUE(result.close_connection);
  EXPECT_STREQ(result.reason, "unavailable");
}

TEST_F(OtlpPostTest, SilentPeerTimesOutAfterTimeoutMs) {
  const std::uint64_t start_ns = port::monotonic_ns();
  OtlpPostResult result;
  EXPECT_EQ(post(result), Status::kTimeout);
  EXPECT_EQ(port::monotonic_ns() - start_ns, 2000u * 1000000u) << "waited exactly timeout_ms";
  EXPECT_EQ(result.outcome, OtlpPostOutcome::kRetryable);
  EXPECT_TRUE(result.sent);
  EXPECT_TRUE(result.close_connection);
  EXPECT_STREQ(result.reason, "timeout");
}

TEST_F(OtlpPostTest, StalledSendTimesOutBeforeTheRequestIsOut) {
  peer_.stall_sends = true;
  OtlpPostResult result;
  EXPECT_EQ(post(result), Status::kTimeout);
  EXPECT_FALSE(result.sent);
  EXPECT_TRUE(result.close_connection);
  EXPECT_STREQ(result.reason, "timeout");
}

// ---- arguments and defaults ----------------------------------------------------------------
TEST_F(OtlpPostTest, MalformedArgumentsSendNothing) {
  const HttpHeader injected[] = {{"x-a", "1\r\nEvil: yes"}};
  options_.headers = injected;
  options_.header_count = 1;
  OtlpPostResult result;
  EXPECT_EQ(post(result), Status::kInvalidArgument);
  EXPECT_EQ(result.outcome, OtlpPostOutcome::kRejected);
  EXPECT_FALSE(result.close_connection);
  options_.header_count = 0;
  EXPECT_EQ(otlp_post(peer_.transport(), endpoint_, options_, nullptr, 3, result), Status::kInvalidArgument);
  EXPECT_EQ(otlp_post(Transport{}, endpoint_, options_, body_, sizeof body_, result), Status::kInvalidArgument);
  EXPECT_TRUE(peer_.received.empty());
}

TEST_F(OtlpPostTest, DefaultsNameTraceletAndLeaveOutTheSchemesPort) {
  char error[120];
  ASSERT_EQ(parse_endpoint("https://[::1]/x?y=1", endpoint_, error, sizeof error), Status::kOk);
  options_ = OtlpPostOptions{};
  peer_.answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  OtlpPostResult result;
  ASSERT_EQ(post(result), Status::kOk);
  EXPECT_EQ(peer_.received.rfind("POST /x?y=1 HTTP/1.1\r\nHost: [::1]\r\nUser-Agent: tracelet/", 0), 0u)
      << peer_.received;
}

TEST(Endpoint, ParseFailuresSayWhy) {
  Endpoint endpoint;
  char error[120];
  EXPECT_EQ(parse_endpoint("ftp://x/", endpoint, error, sizeof error), Status::kInvalidArgument);
  EXPECT_NE(std::strstr(error, "scheme"), nullptr) << error;
  EXPECT_EQ(parse_endpoint(nullptr, endpoint, error, sizeof error), Status::kInvalidArgument);
}

}  // namespace
}  // namespace tracelet
