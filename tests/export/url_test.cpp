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
