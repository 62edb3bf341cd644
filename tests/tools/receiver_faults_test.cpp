// The receiver's fault options, as the HTTP exporter's retry tests will use them.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/http_exchange.h"
#include "support/json_lite.h"
#include "support/otlp_builder.h"
#include "support/process.h"
#include "support/receiver_process.h"
#include "support/request_bodies.h"
#include "support/tls_session.h"

namespace tracelet {
namespace {

using test::HttpResponse;
using test::TlsSession;
using Clock = std::chrono::steady_clock;

class ReceiverFaultsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ASSERT_EQ(test::make_test_ca(dir_->file("ca")), "");
    ca_file_ = dir_->file("ca/ca.crt");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // Starts a receiver with the fault options and opens a TLS session to it.
  void start(const std::vector<std::string>& faults) {
    std::vector<std::string> args = {"--certs", dir_->file("ca"), "--quiet"};
    args.insert(args.end(), faults.begin(), faults.end());
    std::string error;
    ASSERT_TRUE(rx_.start(dir_->path(), args, error)) << error;
    ASSERT_EQ(session_.open(rx_.port(), options()), Status::kOk) << session_.reason();
  }

  void TearDown() override {
    session_.close();
    if (rx_.pid() > 0) {
      EXPECT_EQ(rx_.stop(), 0);
    }
  }

  static TlsOptions options() {
    TlsOptions o;
    o.server_name = "localhost";
    o.ca_file = ca_file_.c_str();
    return o;
  }

  Status post(std::uint8_t seed, HttpResponse& r, std::uint32_t timeout_ms = 5000) {
    return test::post(session_.transport(), "/v1/traces", "application/x-protobuf",
                      test::encode_request(test::sample_batch(seed)), r, timeout_ms);
  }

  std::vector<test::Json> jsonl() {
    std::vector<test::Json> out;
    for (const auto& line : rx_.jsonl_lines()) {
      test::Json j;
      EXPECT_TRUE(test::Json::parse(line, j)) << line;
      out.push_back(j);
    }
    return out;
  }

  static test::TempDir* dir_;
  static std::string ca_file_;
  test::ReceiverProcess rx_;
  TlsSession session_;
};

test::TempDir* ReceiverFaultsTest::dir_ = nullptr;
std::string ReceiverFaultsTest::ca_file_;

// `body` in two chunks, as an exporter that streams its request sends it.
std::string chunked_request(const std::string& body, const std::string& extra_headers) {
  const std::size_t half = body.size() / 2;
  return test::chunked_head(extra_headers) + test::chunk_body(body, {half, body.size() - half});
}

TEST_F(ReceiverFaultsTest, FailStatusForTheFirstNRequestsWithRetryAfter) {
  start({"--fail-status", "503", "--fail-count", "3", "--retry-after", "7"});
  HttpResponse r;
  for (std::uint8_t i = 1; i <= 3; ++i) {
    ASSERT_EQ(post(i, r), Status::kOk);
    EXPECT_EQ(r.status, 503) << "request " << int{i};
    ASSERT_NE(r.header("retry-after"), nullptr);
    EXPECT_EQ(*r.header("retry-after"), "7");
    EXPECT_NE(r.body.find("injected failure"), std::string::npos);
  }
  ASSERT_EQ(post(4, r), Status::kOk);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("retry-after"), nullptr);
  // Only the accepted request's spans are recorded.
  const auto spans = jsonl();
  ASSERT_EQ(spans.size(), 3u);
  for (const auto& s : spans) EXPECT_EQ(s["request"].number(), 4);
  ASSERT_TRUE(rx_.wait_for_log("#4 POST"));
  EXPECT_NE(rx_.log().find("#1 POST /v1/traces -> 503 spans=3"), std::string::npos) << rx_.log();
  EXPECT_NE(rx_.log().find("injected, spans not recorded"), std::string::npos);
}

TEST_F(ReceiverFaultsTest, FailStatusAppliesToChunkedAndGzipBodiesToo) {
  // Faults are chosen after the body is read and decoded, whatever its framing and coding:
  // the log still counts the spans of a refused chunked or gzip request.
  start({"--fail-status", "503", "--fail-count", "2", "--retry-after", "1"});
  const std::string body = test::encode_request(test::sample_batch(21));
  HttpResponse r;
  ASSERT_EQ(test::send_all(session_.transport(), chunked_request(body, ""), 2000), Status::kOk);
  ASSERT_EQ(test::read_response(session_.transport(), r, 5000), Status::kOk);
  EXPECT_EQ(r.status, 503);
  ASSERT_NE(r.header("retry-after"), nullptr);
#if TRACELET_RECEIVER_HAVE_ZLIB
  const std::string second = chunked_request(test::gzip(body), "Content-Encoding: gzip\r\n");
#else
  const std::string second = chunked_request(body, "Content-Encoding: identity\r\n");
#endif
  ASSERT_EQ(test::send_all(session_.transport(), second, 2000), Status::kOk);
  ASSERT_EQ(test::read_response(session_.transport(), r, 5000), Status::kOk);
  EXPECT_EQ(r.status, 503);
  ASSERT_EQ(test::send_all(session_.transport(), second, 2000), Status::kOk);  // same connection
  ASSERT_EQ(test::read_response(session_.transport(), r, 5000), Status::kOk);
  EXPECT_EQ(r.status, 200);
  const auto spans = jsonl();
  ASSERT_EQ(spans.size(), 3u);
  for (const auto& s : spans) EXPECT_EQ(s["request"].number(), 3);
  ASSERT_TRUE(rx_.wait_for_log("#3 POST"));
  EXPECT_NE(rx_.log().find("#1 POST /v1/traces -> 503 spans=3 bytes=" + std::to_string(body.size()) + " chunked"),
            std::string::npos) << rx_.log();
  EXPECT_NE(rx_.log().find("#2 POST /v1/traces -> 503 spans=3 bytes="), std::string::npos) << rx_.log();
}

TEST_F(ReceiverFaultsTest, TooManyRequestsCarriesRetryAfterButOtherCodesDoNot) {
  start({"--fail-status", "429", "--fail-count", "1", "--retry-after", "2"});
  HttpResponse r;
  ASSERT_EQ(post(1, r), Status::kOk);
  EXPECT_EQ(r.status, 429);
  ASSERT_NE(r.header("retry-after"), nullptr);
  EXPECT_EQ(*r.header("retry-after"), "2");
  session_.close();
  ASSERT_EQ(rx_.stop(), 0);

  start({"--fail-status", "500", "--retry-after", "2"});  // no count: every request fails
  for (std::uint8_t i = 0; i < 2; ++i) {
    ASSERT_EQ(post(i, r), Status::kOk);
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.header("retry-after"), nullptr);
  }
  EXPECT_TRUE(jsonl().empty());
}

TEST_F(ReceiverFaultsTest, DelayHoldsTheAnswer) {
  start({"--delay-ms", "400", "--delay-count", "1"});
  const std::string body = test::encode_request(test::sample_batch(1));
  const std::string request = "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  const auto start_time = Clock::now();
  ASSERT_EQ(test::send_all(session_.transport(), request, 2000), Status::kOk);
  HttpResponse r;
  // A client with a short read timeout sees nothing yet...
  EXPECT_EQ(test::read_response(session_.transport(), r, 100), Status::kTimeout);
  // ...and the answer once the delay is over, on the same TLS session.
  ASSERT_EQ(test::read_response(session_.transport(), r, 3000), Status::kOk);
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_time).count(), 390);

  const auto second = Clock::now();
  ASSERT_EQ(post(2, r), Status::kOk);  // only the first request is delayed
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - second).count(), 390);
}

TEST_F(ReceiverFaultsTest, ResetAfterHeadersKillsTheConnectionMidResponse) {
  start({"--reset-after-headers", "1"});
  HttpResponse r;
  const Status first = post(1, r);
  EXPECT_EQ(first, Status::kUnavailable) << "status " << r.status;
  EXPECT_FALSE(session_.tls.connected());
  EXPECT_TRUE(jsonl().empty());
  ASSERT_TRUE(rx_.wait_for_log("reset after response headers"));

  // The exporter's recovery path: close, reconnect (resuming), resend.
  session_.close();
  ASSERT_EQ(session_.open(rx_.port(), options()), Status::kOk) << session_.reason();
  ASSERT_EQ(post(1, r), Status::kOk);
  EXPECT_EQ(r.status, 200);
  const auto spans = jsonl();
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0]["request"].number(), 2);
}

TEST_F(ReceiverFaultsTest, PartialRejectAnswers200WithPartialSuccess) {
  start({"--partial-reject", "2"});
  HttpResponse r;
  ASSERT_EQ(post(1, r), Status::kOk);
  EXPECT_EQ(r.status, 200);
  std::int64_t rejected = -1;
  std::string message;
  ASSERT_TRUE(test::decode_response(r.body, rejected, message));
  EXPECT_EQ(rejected, 2);
  EXPECT_EQ(message, "rejected 2 of 3 span(s) (--partial-reject)");
  EXPECT_EQ(jsonl().size(), 3u);
}

}  // namespace
}  // namespace tracelet
