// tools/receiver: the request head scan and parser on their own (no sockets), for the cases
// the fuzz targets found or that the connection code relies on.
#include <gtest/gtest.h>

#include <string>

#include "http.h"

namespace tracelet::receiver {
namespace {

TEST(ScanRequestHead, WaitsForTheBlankLineAndDropsLeadingEmptyLines) {
  std::string buffer = "\r\n\r\nPOST /v1/traces HTTP/1.1\r\nHost: a\r\n";
  HeadScan scan = scan_request_head(buffer, 1024);
  EXPECT_EQ(scan.state, HeadScan::State::kNeedMore);
  EXPECT_EQ(buffer.rfind("POST", 0), 0u) << "the CRLFs before the request line are gone";
  buffer += "\r\nbody";
  scan = scan_request_head(buffer, 1024);
  ASSERT_EQ(scan.state, HeadScan::State::kComplete);
  EXPECT_EQ(buffer.substr(scan.head_end), "\r\n\r\nbody");
}

TEST(ScanRequestHead, RefusesWhatCannotBeARequestAndOversizedHeads) {
  std::string tls = "\x16\x03\x01";
  HeadScan scan = scan_request_head(tls, 1024);
  ASSERT_EQ(scan.state, HeadScan::State::kError);
  EXPECT_EQ(scan.error.status, 400);
  EXPECT_NE(scan.error.reason.find("TLS"), std::string::npos) << scan.error.reason;

  std::string junk = "post / HTTP/1.1\r\n\r\n";
  EXPECT_EQ(scan_request_head(junk, 1024).error.status, 400);

  std::string big = "GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n";
  EXPECT_EQ(scan_request_head(big, 64).error.status, 431);
  std::string no_end = "GET /" + std::string(100, 'a');
  EXPECT_EQ(scan_request_head(no_end, 64).error.status, 431);
}

TEST(ScanRequestHead, ManyEmptyLinesAreDroppedInOnePass) {
  std::string buffer(1 << 20, '\n');
  EXPECT_EQ(scan_request_head(buffer, 1024).state, HeadScan::State::kNeedMore);
  EXPECT_TRUE(buffer.empty());
}

TEST(ParseRequestHead, RefusesCrLfAndNulInsideALine) {
  // A bare LF would hide "Transfer-Encoding: chunked" in a value here, while a proxy that ends
  // lines at LF sees it as a header: two views of where the body ends (RFC 9110 section 5.5).
  for (const std::string& head : {std::string("POST / HTTP/1.1\r\nX: a\nTransfer-Encoding: chunked"),
                                 std::string("POST / HTTP/1.1\r\nX: a\rb"),
                                 std::string("POST / HTTP/1.1\r\nX: a\0b", 23),
                                 std::string("POST /a\x01 HTTP/1.1\r\nHost: x"),
                                 std::string("POST /\n HTTP/1.1")}) {
    RequestHead parsed;
    HeadError error;
    EXPECT_FALSE(parse_request_head(head, parsed, error)) << head;
    EXPECT_EQ(error.status, 400) << head;
  }
  RequestHead ok;
  HeadError error;
  ASSERT_TRUE(parse_request_head("POST /v1/traces?x=1 HTTP/1.1\r\nX-Tab: a\tb\r\nHost:  h ", ok, error))
      << error.reason;
  EXPECT_EQ(ok.path, "/v1/traces");
  ASSERT_NE(ok.header("x-tab"), nullptr);
  EXPECT_EQ(*ok.header("x-tab"), "a\tb");
  EXPECT_EQ(*ok.header("host"), "h");
}

}  // namespace
}  // namespace tracelet::receiver
