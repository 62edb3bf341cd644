#include "export/url.h"

#include <gtest/gtest.h>

#include <cstring>

namespace tracelet::detail {
namespace {

TEST(Url, ParsesSchemesHostsPortsAndPaths) {
  Url u;
  char error[200];
  ASSERT_EQ(parse_url("https://api.honeycomb.io/v1/traces", u, error, sizeof error), Status::kOk);
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.port, 443);
  EXPECT_STREQ(u.host, "api.honeycomb.io");
  EXPECT_STREQ(u.path, "/v1/traces");
  ASSERT_EQ(parse_url("HTTP://collector.lan:4318", u, error, sizeof error), Status::kOk);
  EXPECT_FALSE(u.tls);
  EXPECT_EQ(u.port, 4318);
  EXPECT_STREQ(u.path, "/");
  ASSERT_EQ(parse_url("https://[::1]:4318/v1/traces?x=1", u, error, sizeof error), Status::kOk);
  EXPECT_STREQ(u.host, "::1");
  EXPECT_TRUE(u.ipv6_literal);
  EXPECT_STREQ(u.path, "/v1/traces?x=1");
}

TEST(Url, LogsEndpointIsTheSameCollectorWithTheLogsPath) {
  Url traces;
  char error[200];
  ASSERT_EQ(parse_url("https://[::1]:4318/otlp/v1/traces", traces, error, sizeof error), Status::kOk);
  const Url logs = logs_endpoint_beside(traces);
  EXPECT_STREQ(logs.path, "/otlp/v1/logs");
  EXPECT_STREQ(logs.host, "::1");
  EXPECT_TRUE(logs.ipv6_literal);
  EXPECT_EQ(logs.port, 4318);
  EXPECT_TRUE(logs.tls);
  for (const char* other : {"http://c:1/", "http://c:1/ingest", "http://c:1/v1/traces?x=1"}) {
    ASSERT_EQ(parse_url(other, traces, error, sizeof error), Status::kOk) << other;
    EXPECT_STREQ(logs_endpoint_beside(traces).path, "/v1/logs") << other;
  }
  std::memset(traces.path, 'a', sizeof traces.path - 1 - 10);
  std::memcpy(traces.path + sizeof traces.path - 1 - 10, "/v1/traces", 11);
  const Url longest = logs_endpoint_beside(traces);
  EXPECT_EQ(std::strlen(longest.path), sizeof traces.path - 1 - 10 + 8);
  EXPECT_STREQ(longest.path + sizeof traces.path - 1 - 10, "/v1/logs");
}

TEST(Url, RejectsWhatItCannotUseWithAReason) {
  const char* bad[] = {"", "ftp://host/", "https://", "https://:443/", "https://host:0/",
                       "https://host:65536/", "https://user@host/", "https://[::1/",
                       "https://host:12ab/", "https://host/with space", "https://host/#frag",
                       // Whatever would reach the Host header or TLS server name unchecked:
                       "http://[a\r\nX-Evil: 1]/", "https://[::1 ]/", "https://[1234]/", "https://[]/",
                       "https://a[b]c/", "https://ho\x7fst/"};
  for (const char* text : bad) {
    Url u;
    char error[200] = {};
    EXPECT_EQ(parse_url(text, u, error, sizeof error), Status::kInvalidArgument) << text;
    EXPECT_STRNE(error, "") << text;
    EXPECT_EQ(std::strpbrk(error, "\r\n\x7f"), nullptr) << "the reason is one log line: " << error;
  }
}

}  // namespace
}  // namespace tracelet::detail
