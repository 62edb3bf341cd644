#include "export/http_response.h"

#include <gtest/gtest.h>

#include <string>

namespace tracelet::detail {
namespace {

using Result = HttpResponseParser::Result;

Result feed_all(HttpResponseParser& parser, const std::string& bytes, std::size_t step = 0) {
  Result result = Result::kNeedMore;
  std::size_t at = 0;
  if (step == 0) step = bytes.size();
  while (at < bytes.size() && result == Result::kNeedMore) {
    std::size_t n = std::min(step, bytes.size() - at);
    std::size_t consumed = 0;
    result = parser.feed(reinterpret_cast<const std::uint8_t*>(bytes.data() + at), n, consumed);
    at += consumed;
  }
  return result;
}

TEST(HttpResponse, ContentLengthBodyByteByByte) {
  const std::string response =
      "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 5\r\n\r\nhello";
  for (std::size_t step : {std::size_t{1}, std::size_t{3}, response.size()}) {
    HttpResponseParser parser;
    ASSERT_EQ(feed_all(parser, response, step), Result::kDone) << "step " << step;
    EXPECT_EQ(parser.status(), 200);
    EXPECT_TRUE(parser.body_is_protobuf());
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(parser.body()), parser.body_len()), "hello");
    EXPECT_FALSE(parser.connection_close());
  }
}

TEST(HttpResponse, ChunkedBodyWithExtensionsAndTrailers) {
  HttpResponseParser parser;
  ASSERT_EQ(feed_all(parser,
                     "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n"
                     "Retry-After: 7\r\n\r\n4;ext=1\r\nbusy\r\n3\r\n...\r\n0\r\nX-T: y\r\n\r\n",
                     2),
            Result::kDone);
  EXPECT_EQ(parser.status(), 503);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(parser.body()), parser.body_len()), "busy...");
  ASSERT_TRUE(parser.has_retry_after());
  EXPECT_STREQ(parser.retry_after(), "7");
}

TEST(HttpResponse, BodyUntilCloseAndHttp10) {
  HttpResponseParser parser;
  EXPECT_EQ(feed_all(parser, "HTTP/1.0 400 Bad Request\r\n\r\nbad things"), Result::kNeedMore);
  EXPECT_EQ(parser.end_of_stream(), Result::kDone);
  EXPECT_EQ(parser.status(), 400);
  EXPECT_TRUE(parser.connection_close());
  EXPECT_EQ(parser.body_total(), 10u);
}

TEST(HttpResponse, InterimContinueIsSkipped) {
  HttpResponseParser parser;
  ASSERT_EQ(feed_all(parser, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
            Result::kDone);
  EXPECT_EQ(parser.status(), 200);
}

TEST(HttpResponse, LargeBodyIsCountedButNotStoredPastTheLimit) {
  std::string body(5000, 'x');
  HttpResponseParser parser;
  ASSERT_EQ(feed_all(parser, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n" + body, 100),
            Result::kDone);
  EXPECT_EQ(parser.body_len(), HttpResponseParser::kMaxBody);
  EXPECT_EQ(parser.body_total(), 5000u);
  EXPECT_TRUE(parser.connection_close());
}

TEST(HttpResponse, MalformedInputIsAnErrorWithAReason) {
  const char* cases[] = {
      "HTTP/2 200 OK\r\n\r\n",
      "HTTP/1.1 2x0 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
      "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
      "garbage",
  };
  for (const char* text : cases) {
    HttpResponseParser parser;
    Result r = feed_all(parser, std::string(text) + "\n");
    if (r == Result::kNeedMore) r = parser.end_of_stream();
    EXPECT_EQ(r, Result::kError) << text;
    EXPECT_STRNE(parser.error(), "") << text;
  }
}

TEST(HttpResponse, HugeHeadersAreRefused) {
  HttpResponseParser parser;
  std::string response = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 400; ++i) response += "X-Filler: " + std::string(60, 'f') + "\r\n";
  EXPECT_EQ(feed_all(parser, response), Result::kError);
  EXPECT_STREQ(parser.error(), "response headers too large");
}

TEST(HttpResponse, ClosedEarlyIsAnError) {
  HttpResponseParser parser;
  EXPECT_EQ(feed_all(parser, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), Result::kNeedMore);
  EXPECT_EQ(parser.end_of_stream(), Result::kError);
  HttpResponseParser nothing;
  EXPECT_EQ(nothing.end_of_stream(), Result::kError);
  EXPECT_STREQ(nothing.error(), "connection closed before any response");
}

TEST(RetryAfter, SecondsAndHttpDates) {
  std::uint32_t s = 0;
  EXPECT_TRUE(parse_retry_after("120", 0, s));
  EXPECT_EQ(s, 120u);
  // Sun, 06 Nov 1994 08:49:37 GMT is Unix 784111777.
  EXPECT_TRUE(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30, s));
  EXPECT_EQ(s, 30u);
  EXPECT_TRUE(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 30, s));
  EXPECT_EQ(s, 0u) << "a date in the past means now";
  EXPECT_FALSE(parse_retry_after("soon", 0, s));
  EXPECT_FALSE(parse_retry_after("-5", 0, s));
  EXPECT_FALSE(parse_retry_after("Sun, 06 Xyz 1994 08:49:37 GMT", 0, s));
}

}  // namespace
}  // namespace tracelet::detail
