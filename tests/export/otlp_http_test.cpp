// OTLP/HTTP request heads and answer handling shared by the exporter and the serial bridge.
#include <gtest/gtest.h>

#include <string>

#include "export/otlp_http.h"
#include "tracelet/port.h"

namespace tracelet {
namespace {

std::int32_t capture(void* ctx, const std::uint8_t* data, std::size_t len) {
  static_cast<std::string*>(ctx)->append(reinterpret_cast<const char*>(data), len);
  return static_cast<std::int32_t>(len);
}

std::string head_for(const char* host, std::uint16_t port, bool tls, const HttpHeader* headers = nullptr,
                     std::size_t count = 0) {
  std::string out;
  Transport t{};
  t.ctx = &out;
  t.send = &capture;
  detail::TransportWriter writer(t, detail::monotonic_ms() + 1000);
  EXPECT_TRUE(otlp::write_post_head(writer, host, port, tls, "/v1/traces", "agent/1", 42, headers, count) &&
              writer.flush());
  return out;
}

bool parse(const std::string& answer, detail::HttpResponseParser& parser) {
  std::size_t consumed = 0;
  return parser.feed(reinterpret_cast<const std::uint8_t*>(answer.data()), answer.size(), consumed) ==
         detail::HttpResponseParser::Result::kDone;
}

TEST(OtlpHttp, PostHeadNamesTheHostPortBodyAndExtraHeaders) {
  const HttpHeader headers[] = {{"x-honeycomb-team", "KEY"}, {"x-b", "2"}};
  EXPECT_EQ(head_for("collector.example", 4318, true, headers, 2),
            "POST /v1/traces HTTP/1.1\r\nHost: collector.example:4318\r\nUser-Agent: agent/1\r\n"
            "Content-Type: application/x-protobuf\r\nContent-Length: 42\r\n"
            "x-honeycomb-team: KEY\r\nx-b: 2\r\n\r\n");
}

TEST(OtlpHttp, DefaultPortsAreLeftOutAndIpv6LiteralsBracketed) {
  EXPECT_NE(head_for("api.example", 443, true).find("Host: api.example\r\n"), std::string::npos);
  EXPECT_NE(head_for("api.example", 80, false).find("Host: api.example\r\n"), std::string::npos);
  EXPECT_NE(head_for("api.example", 443, false).find("Host: api.example:443\r\n"), std::string::npos);
  EXPECT_NE(head_for("::1", 4318, true).find("Host: [::1]:4318\r\n"), std::string::npos);
}

TEST(OtlpHttp, OnlyThrottlingAndGatewayAnswersAreRetryable) {
  for (int status : {429, 502, 503, 504}) EXPECT_TRUE(otlp::is_retryable(status)) << status;
  for (int status : {200, 400, 401, 404, 413, 500, 501}) EXPECT_FALSE(otlp::is_retryable(status)) << status;
}

TEST(OtlpHttp, TextFailureBodiesAreMadePrintableAndCut) {
  detail::HttpResponseParser parser;
  ASSERT_TRUE(parse("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nbad\tpay\nload",
                    parser));
  char reason[8];
  otlp::failure_reason(parser, reason, sizeof reason);
  EXPECT_STREQ(reason, "bad pay");
}

TEST(OtlpHttp, ProtobufFailureMessagesLoseTheirControlCharacters) {
  // google.rpc.Status {code: 3, message: "a\nb\x1b[31m"}: the message goes into the log.
  detail::HttpResponseParser parser;
  const std::string body("\x08\x03\x12\x08" "a\nb\x1b[31m", 12);
  ASSERT_TRUE(parse("HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-protobuf\r\n"
                    "Content-Length: 12\r\n\r\n" + body, parser));
  char reason[32];
  otlp::failure_reason(parser, reason, sizeof reason);
  EXPECT_STREQ(reason, "a b [31m");
}

TEST(OtlpHttp, RetryAfterIsInMillisecondsAndZeroWhenAbsentOrUnreadable) {
  detail::HttpResponseParser with;
  ASSERT_TRUE(parse("HTTP/1.1 503 Busy\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n", with));
  EXPECT_EQ(otlp::retry_after_ms(with, 0), 3000u);
  detail::HttpResponseParser now;
  ASSERT_TRUE(parse("HTTP/1.1 503 Busy\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n", now));
  EXPECT_EQ(otlp::retry_after_ms(now, 0), 1u) << "0 s still waits a little";
  detail::HttpResponseParser without;
  ASSERT_TRUE(parse("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n", without));
  EXPECT_EQ(otlp::retry_after_ms(without, 0), 0u);
  detail::HttpResponseParser garbled;
  ASSERT_TRUE(parse("HTTP/1.1 503 Busy\r\nRetry-After: soon\r\nContent-Length: 0\r\n\r\n", garbled));
  EXPECT_EQ(otlp::retry_after_ms(garbled, 0), 0u);
}

TEST(OtlpHttp, SuccessBodiesMustBeExportResponsesWhenPresent) {
  otlp::ExportResponse answer;
  detail::HttpResponseParser empty;
  ASSERT_TRUE(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", empty));
  EXPECT_TRUE(otlp::read_success(empty, answer));
  // ExportTraceServiceResponse.partial_success (1) { rejected_spans (1) = 3 }
  detail::HttpResponseParser partial;
  ASSERT_TRUE(parse(std::string("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 4\r\n\r\n") +
                        std::string("\x0a\x02\x08\x03", 4),
                    partial));
  EXPECT_TRUE(otlp::read_success(partial, answer));
  EXPECT_EQ(answer.rejected_spans, 3);
  detail::HttpResponseParser junk;
  ASSERT_TRUE(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n\xff\xff", junk));
  EXPECT_FALSE(otlp::read_success(junk, answer));
}

}  // namespace
}  // namespace tracelet
