// tracelet-receiver as a black box: OTLP requests built with nanopb, sent over the TLS client
// (or plain TCP with --plain); checks the JSONL output, the span trees and every HTTP answer.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
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

using test::chunk_body;
using test::chunked_head;
using test::HttpResponse;
using test::Json;
using test::TlsSession;
#if TRACELET_RECEIVER_HAVE_ZLIB
using test::gzip;
#endif

std::vector<Json> parse_lines(const std::vector<std::string>& lines) {
  std::vector<Json> out;
  for (const auto& line : lines) {
    Json j;
    EXPECT_TRUE(Json::parse(line, j)) << "not valid JSON: " << line;
    out.push_back(j);
  }
  return out;
}

const Json* find_span(const std::vector<Json>& spans, const std::string& name) {
  for (const Json& s : spans) {
    if (s["name"].text == name) return &s;
  }
  return nullptr;
}

// Protobuf length-delimited field, for hand-made hostile bodies.
std::string ld(int field, const std::string& payload) {
  std::string out(1, static_cast<char>(field << 3 | 2));
  std::size_t n = payload.size();
  do {
    std::uint8_t b = n & 0x7f;
    n >>= 7;
    if (n) b |= 0x80;
    out += static_cast<char>(b);
  } while (n);
  return out + payload;
}

// An ExportTraceServiceRequest with one span whose only attribute is an AnyValue nested
// `depth` arrays deep around the string "x".
std::string nested_request(int depth) {
  std::string any = ld(1, "x");
  for (int i = 0; i < depth; ++i) any = ld(5, ld(1, any));
  const std::string kv = ld(1, "nested") + ld(2, any);
  std::string span = ld(5, "deep");
  span += ld(9, kv);
  return ld(1, ld(2, ld(2, span)));
}

// ---- request bodies (chunked_head, chunk_body and gzip: support/request_bodies.h) ----

// Sends `data` in pieces of the given sizes (cycled) with a short pause between them, so the
// receiver sees the body across many reads, split at arbitrary points.
Status send_in_pieces(const Transport& t, const std::string& data, const std::vector<std::size_t>& pieces) {
  std::size_t pos = 0;
  for (std::size_t i = 0; pos < data.size(); ++i) {
    const std::size_t n = std::min(pieces[i % pieces.size()], data.size() - pos);
    if (Status s = test::send_all(t, data.substr(pos, n), 2000); s != Status::kOk) return s;
    pos += n;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Status::kOk;
}

// The JSONL lines of request #`request`, without the request number, in file order: two
// requests carrying the same batch must give identical lists.
std::vector<std::string> spans_of_request(const std::vector<std::string>& lines, int request) {
  const std::string prefix = "{\"request\":" + std::to_string(request) + ",";
  std::vector<std::string> out;
  for (const std::string& line : lines) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line.substr(prefix.size()));
  }
  return out;
}

// sample_batch(seed) plus `extra` copies of its spans with fresh span ids: a body of a few KB.
test::TestBatch big_batch(std::uint8_t seed, std::size_t extra) {
  test::TestBatch b = test::sample_batch(seed);
  const std::vector<test::TestSpan> base = b.spans;
  for (std::size_t i = 0; i < extra; ++i) {
    test::TestSpan copy = base[i % base.size()];
    copy.span_id[0] = static_cast<std::uint8_t>(0x80 | (i >> 8));
    copy.span_id[1] = static_cast<std::uint8_t>(i & 0xff);
    copy.name += " #" + std::to_string(i);
    b.spans.push_back(copy);
  }
  return b;
}

// True when the server has closed the TLS connection (after an answer that said so).
bool closed_by_server(TlsSession& s) {
  std::uint8_t buf[16];
  return s.tls.recv(buf, sizeof buf, 2000) == static_cast<std::int32_t>(Status::kUnavailable);
}

class ReceiverHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ASSERT_EQ(test::make_test_ca(dir_->file("ca")), "");
    ca_file_ = dir_->file("ca/ca.crt");
    receiver_ = new test::ReceiverProcess();
    std::string error;
    ASSERT_TRUE(receiver_->start(dir_->path(), {"--certs", dir_->file("ca")}, error)) << error;
  }
  static void TearDownTestSuite() {
    if (receiver_ != nullptr) {
      EXPECT_EQ(receiver_->stop(), 0);
    }
    delete receiver_;
    receiver_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(receiver_ != nullptr && receiver_->port() != 0) << "receiver did not start";
  }

  static TlsOptions options() {
    TlsOptions o;
    o.server_name = "localhost";
    o.ca_file = ca_file_.c_str();
    return o;
  }

  static test::TempDir* dir_;
  static test::ReceiverProcess* receiver_;
  static std::string ca_file_;
};

test::TempDir* ReceiverHttpTest::dir_ = nullptr;
test::ReceiverProcess* ReceiverHttpTest::receiver_ = nullptr;
std::string ReceiverHttpTest::ca_file_;

TEST_F(ReceiverHttpTest, DecodesEveryFieldIntoJsonLines) {
  // Its own receiver, so the JSONL holds exactly this request.
  test::ReceiverProcess rx;
  std::string error;
  ASSERT_TRUE(rx.start(dir_->path(), {"--certs", dir_->file("ca"), "--quiet"}, error)) << error;
  TlsSession s;
  ASSERT_EQ(s.open(rx.port(), options()), Status::kOk) << s.reason();
  const test::TestBatch batch = test::sample_batch(3);
  HttpResponse r;
  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf",
                       test::encode_request(batch), r),
            Status::kOk);
  ASSERT_EQ(r.status, 200);

  const std::vector<Json> spans = parse_lines(rx.jsonl_lines());
  ASSERT_EQ(spans.size(), 3u);
  const Json* root = find_span(spans, "GET /orders");
  const Json* child = find_span(spans, "db.query");
  const Json* failed = find_span(spans, "cache.get");
  ASSERT_TRUE(root && child && failed);

  const Json& rs = *root;
  EXPECT_EQ(rs["request"].number(), 1);
  EXPECT_EQ(rs["trace_id"].text, "a3a4a5a6a7a8a9aaabacadaeafb0b1b2");
  EXPECT_EQ(rs["span_id"].text, "3132333435363738");
  EXPECT_EQ(rs["parent_span_id"].text, "");
  EXPECT_EQ(rs["trace_state"].text, "vendor=1");
  EXPECT_EQ(rs["flags"].number(), 0x101);
  EXPECT_EQ(rs["kind"].number(), 2);
  EXPECT_EQ(rs["start_time_unix_nano"].type, Json::Type::kString);
  EXPECT_EQ(rs["start_time_unix_nano"].text, "1700000000000000003");
  EXPECT_EQ(rs["end_time_unix_nano"].text, "1700000000012500003");
  const Json& attrs = rs["attributes"];
  EXPECT_EQ(test::attribute(attrs, "http.method")["stringValue"].text, "GET");
  EXPECT_EQ(test::attribute(attrs, "cache.hit")["boolValue"].type, Json::Type::kBool);
  EXPECT_FALSE(test::attribute(attrs, "cache.hit")["boolValue"].boolean);
  EXPECT_EQ(test::attribute(attrs, "http.status_code")["intValue"].text, "200");
  EXPECT_EQ(test::attribute(attrs, "ratio")["doubleValue"].number(), 0.25);
  EXPECT_EQ(test::attribute(attrs, "raw")["bytesValue"].text, "00ff10");
  EXPECT_EQ(rs["dropped_attributes_count"].number(), 2);
  ASSERT_EQ(rs["events"].size(), 1u);
  EXPECT_EQ(rs["events"].at(0)["name"].text, "accepted");
  EXPECT_EQ(rs["events"].at(0)["time_unix_nano"].text, "1700000000001000003");
  EXPECT_EQ(test::attribute(rs["events"].at(0)["attributes"], "queue")["intValue"].text, "3");
  EXPECT_EQ(rs["events"].at(0)["dropped_attributes_count"].number(), 1);
  EXPECT_EQ(rs["dropped_events_count"].number(), 4);
  EXPECT_EQ(rs["dropped_links_count"].number(), 5);
  EXPECT_EQ(rs["status"]["code"].number(), 1);
  EXPECT_EQ(test::attribute(rs["resource"]["attributes"], "service.name")["stringValue"].text, "net-test");
  EXPECT_EQ(test::attribute(rs["resource"]["attributes"], "service.instance")["intValue"].text, "3");
  EXPECT_EQ(rs["resource"]["dropped_attributes_count"].number(), 1);
  EXPECT_EQ(rs["scope"]["name"].text, "tracelet");
  EXPECT_EQ(rs["scope"]["version"].text, "0.1.0");

  EXPECT_EQ((*child)["parent_span_id"].text, rs["span_id"].text);
  EXPECT_EQ((*child)["trace_id"].text, rs["trace_id"].text);
  EXPECT_EQ((*child)["kind"].number(), 3);
  EXPECT_EQ(test::attribute((*child)["attributes"], "db.statement")["stringValue"].text, "SELECT \"x\"\n");
  EXPECT_EQ((*failed)["status"]["code"].number(), 2);
  EXPECT_EQ((*failed)["status"]["message"].text, "timeout");
  EXPECT_EQ((*failed)["parent_span_id"].text, rs["span_id"].text);

  ASSERT_TRUE(rx.wait_for_log("-> 200"));
  EXPECT_NE(rx.log().find("#1 POST /v1/traces -> 200 spans=3 bytes="), std::string::npos) << rx.log();
  s.close();
  EXPECT_EQ(rx.stop(), 0);
}

TEST_F(ReceiverHttpTest, PrintsEachTraceAsATree) {
  TlsSession s;
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  HttpResponse r;
  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf",
                       test::encode_request(test::sample_batch(4)), r),
            Status::kOk);
  ASSERT_EQ(r.status, 200);
  const std::string trees = receiver_->trees();
  const std::size_t root = trees.find("\n    GET /orders  [server] 12.500 ms  span=");
  const std::size_t child = trees.find("\n      db.query  [client] 3.000 ms");
  const std::size_t failed = trees.find("\n      cache.get  [internal] 0.250 ms");
  ASSERT_NE(root, std::string::npos) << trees;
  EXPECT_NE(child, std::string::npos) << trees;
  EXPECT_NE(failed, std::string::npos) << trees;
  EXPECT_LT(root, child);
  EXPECT_NE(trees.find("!! ERROR: timeout"), std::string::npos) << trees;
  EXPECT_NE(trees.find("http.method=\"GET\" cache.hit=false http.status_code=200 ratio=0.25"), std::string::npos) << trees;
  EXPECT_NE(trees.find("* accepted at +1.000 ms queue=3"), std::string::npos) << trees;
  EXPECT_NE(trees.find("resource service.name=\"net-test\""), std::string::npos) << trees;
}

TEST_F(ReceiverHttpTest, WrongPathMethodTypeAndBodyGetReasonsOnAKeptAliveConnection) {
  TlsSession s;
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  const std::string good = test::encode_request(test::sample_batch(5));
  HttpResponse r;

  ASSERT_EQ(test::post(s.transport(), "/v1/metrics", "application/x-protobuf", good, r), Status::kOk);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("no such endpoint /v1/metrics"), std::string::npos);  // inside a google.rpc.Status

  ASSERT_EQ(test::send_all(s.transport(), "GET /v1/traces HTTP/1.1\r\nHost: x\r\n\r\n", 2000), Status::kOk);
  ASSERT_EQ(test::read_response(s.transport(), r, 2000), Status::kOk);
  EXPECT_EQ(r.status, 405);
  ASSERT_NE(r.header("allow"), nullptr);
  EXPECT_EQ(*r.header("allow"), "POST");

  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/json", "{}", r), Status::kOk);
  EXPECT_EQ(r.status, 415);
  EXPECT_NE(r.body.find("application/x-protobuf"), std::string::npos) << r.body;

  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf", "\xff\xff\xff garbage", r), Status::kOk);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("undecodable ExportTraceServiceRequest"), std::string::npos) << r.body;

  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf; charset=binary", good, r), Status::kOk);
  EXPECT_EQ(r.status, 200);  // same connection still fine after four errors
  ASSERT_TRUE(receiver_->wait_for_log("-> 415"));
  EXPECT_NE(receiver_->log().find("-> 400 spans=0"), std::string::npos);
}

TEST_F(ReceiverHttpTest, DeeplyNestedValuesAreRefusedAndShallowOnesKept) {
  TlsSession s;
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  HttpResponse r;
  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf", nested_request(3), r), Status::kOk);
  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf", nested_request(200), r), Status::kOk);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("nested too deeply"), std::string::npos) << r.body;
  bool found = false;
  for (const std::string& line : receiver_->jsonl_lines()) {
    if (line.find("\"name\":\"deep\"") == std::string::npos) continue;
    found = true;
    EXPECT_NE(line.find("{\"arrayValue\":{\"values\":[{\"arrayValue\""), std::string::npos) << line;
  }
  EXPECT_TRUE(found);
}

TEST_F(ReceiverHttpTest, ChunkedBodiesInOneTwoAndManyChunksAreDecoded) {
  // Its own receiver, so request numbers in the JSONL are known.
  test::ReceiverProcess rx;
  std::string error;
  ASSERT_TRUE(rx.start(dir_->path(), {"--certs", dir_->file("ca"), "--quiet"}, error)) << error;
  TlsSession s;
  ASSERT_EQ(s.open(rx.port(), options()), Status::kOk) << s.reason();
  const std::string body = test::encode_request(big_batch(7, 40));
  ASSERT_GT(body.size(), 4000u);
  HttpResponse r;
  // Request #1 is the reference: the same body framed by Content-Length.
  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf", body, r), Status::kOk);
  ASSERT_EQ(r.status, 200);

  struct Case {
    const char* what;
    std::string wire;
    std::vector<std::size_t> pieces;  // how the request is cut into writes
  };
  const Case cases[] = {
      {"one chunk", chunked_head() + chunk_body(body, {body.size()}), {1u << 20}},
      {"two chunks with extensions",
       chunked_head() + chunk_body(body, {body.size() / 2 + 1}, {";part=1", " ; name = \"quoted \\\" value\" ;flag"}),
       {700}},
      {"many chunks cut across reads, with trailers",
       chunked_head() + chunk_body(body, {1, 7, 300, 16, 2, 255, 4096, 3}, {"", ";x", ";y=\"\""},
                                   "X-Checksum: abc\r\nX-Empty:\r\n"),
       {1, 2, 3, 50, 7, 1000, 13}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    ASSERT_EQ(send_in_pieces(s.transport(), c.wire, c.pieces), Status::kOk);
    ASSERT_EQ(test::read_response(s.transport(), r, 5000), Status::kOk);  // same connection
    EXPECT_EQ(r.status, 200) << r.body;
    std::int64_t rejected = 0;
    std::string message;
    EXPECT_TRUE(test::decode_response(r.body, rejected, message));
    EXPECT_EQ(rejected, -1);
  }

  const std::vector<std::string> lines = rx.jsonl_lines();
  const std::vector<std::string> reference = spans_of_request(lines, 1);
  ASSERT_EQ(reference.size(), 43u);
  for (int request = 2; request <= 4; ++request) {
    EXPECT_EQ(spans_of_request(lines, request), reference) << "request #" << request;
  }
  ASSERT_TRUE(rx.wait_for_log("#4 POST"));
  EXPECT_NE(rx.log().find("#4 POST /v1/traces -> 200 spans=43 bytes=" + std::to_string(body.size()) + " chunked"),
            std::string::npos) << rx.log();
  s.close();
  EXPECT_EQ(rx.stop(), 0);
}

TEST_F(ReceiverHttpTest, ChunkedRequestsKeepTheConnectionAlive) {
  test::ReceiverProcess rx;
  std::string error;
  ASSERT_TRUE(rx.start(dir_->path(), {"--certs", dir_->file("ca"), "--quiet"}, error)) << error;
  TlsSession s;
  ASSERT_EQ(s.open(rx.port(), options()), Status::kOk) << s.reason();
  const std::string a = test::encode_request(test::sample_batch(8));
  const std::string b = test::encode_request(test::sample_batch(9));
  const std::string c = test::encode_request(test::sample_batch(10));

  // A chunked request and a Content-Length one back to back in one write: the decoder must
  // stop exactly at the end of the chunked body.
  const std::string second = "POST /v1/traces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-protobuf\r\n"
                             "Content-Length: " + std::to_string(b.size()) + "\r\n\r\n" + b;
  ASSERT_EQ(test::send_all(s.transport(), chunked_head() + chunk_body(a, {10, 100}) + second, 2000), Status::kOk);
  HttpResponse r;
  ASSERT_EQ(test::read_response(s.transport(), r, 5000), Status::kOk);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("connection"), nullptr);  // no "close"
  ASSERT_EQ(test::read_response(s.transport(), r, 5000), Status::kOk);
  EXPECT_EQ(r.status, 200);

  // Expect: 100-continue on a chunked request: the receiver invites the body first.
  ASSERT_EQ(test::send_all(s.transport(), chunked_head("Expect: 100-continue\r\n"), 2000), Status::kOk);
  std::uint8_t interim[64];
  const std::int32_t n = s.tls.recv(interim, sizeof interim, 3000);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(interim), static_cast<std::size_t>(n)),
            "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_EQ(test::send_all(s.transport(), chunk_body(c, {64}), 2000), Status::kOk);
  ASSERT_EQ(test::read_response(s.transport(), r, 5000), Status::kOk);
  EXPECT_EQ(r.status, 200);

  const std::vector<std::string> lines = rx.jsonl_lines();
  EXPECT_EQ(lines.size(), 9u);
  for (int request = 1; request <= 3; ++request) {
    EXPECT_EQ(spans_of_request(lines, request).size(), 3u) << "request #" << request;
  }
  // Request #2 is the Content-Length batch (seed 9), not a piece of the chunked one.
  const std::vector<std::string> second_spans = spans_of_request(lines, 2);
  ASSERT_FALSE(second_spans.empty());
  EXPECT_NE(second_spans[0].find("\"service.instance\",\"value\":{\"intValue\":\"9\"}"), std::string::npos)
      << second_spans[0];
  ASSERT_TRUE(rx.wait_for_log("#3 POST"));
  EXPECT_NE(rx.log().find("conn 1: #3 POST /v1/traces -> 200 spans=3"), std::string::npos) << rx.log();
  s.close();
  EXPECT_EQ(rx.stop(), 0);
}

TEST_F(ReceiverHttpTest, MalformedChunkedBodiesAndTransferEncodingsGetAReasonAndAClose) {
  const std::string post = "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n";
  const std::string te = post + "Transfer-Encoding: chunked\r\n\r\n";
  struct Case {
    std::string wire;
    int status;
    const char* reason;
  };
  const Case cases[] = {
      {te + "zz\r\nhello\r\n0\r\n\r\n", 400, "malformed chunk size line 'zz'"},
      {te + "-5\r\nhello\r\n0\r\n\r\n", 400, "malformed chunk size line '-5'"},
      {te + "0x5\r\nhello\r\n0\r\n\r\n", 400, "malformed chunk extension"},
      {te + "5;=v\r\nhello\r\n0\r\n\r\n", 400, "malformed chunk extension"},
      {te + "5;a=\"open\r\nhello\r\n0\r\n\r\n", 400, "malformed chunk extension"},
      {te + "5\nhello\r\n0\r\n\r\n", 400, "chunk size line not terminated by CRLF"},
      {te + "5\r\nhelloXY0\r\n\r\n", 400, "chunk data not followed by CRLF"},
      {te + "3\r\nhello\r\n0\r\n\r\n", 400, "chunk data not followed by CRLF"},
      {te + "5;" + std::string(5000, 'a'), 400, "chunk size line longer than 4096 bytes"},
      {te + "5\r\nhello\r\n0\r\nno colon here\r\n\r\n", 400, "malformed trailer field line"},
      {te + "5\r\nhello\r\n0\r\nX-T: 1\n\r\n", 400, "trailer line not terminated by CRLF"},
      {te + "800001\r\n", 413, "chunked body exceeds the limit of 8388608 bytes (--max-body)"},
      {te + "ffffffffffffffffffffffff\r\n", 413, "chunked body exceeds the limit"},
      {post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400,
       "both Transfer-Encoding and Content-Length are present"},
      {post + "Content-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400,
       "request-smuggling"},
      {post + "Transfer-Encoding: gzip\r\n\r\nxxxx", 400, "'gzip' does not end in chunked"},
      {post + "Transfer-Encoding: chunked, gzip\r\n\r\nxxxx", 400, "does not end in chunked"},
      {post + "Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 501,
       "transfer coding 'gzip' is not implemented (only chunked)"},
      {post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
       "applies chunked more than once"},
      {post + "Transfer-Encoding: \r\n\r\n", 400, "empty Transfer-Encoding"},
      {"POST /v1/traces HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400,
       "Transfer-Encoding in an HTTP/1.0 request"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.wire.substr(0, 160));
    TlsSession s;
    ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
    ASSERT_EQ(test::send_all(s.transport(), c.wire, 2000), Status::kOk);
    HttpResponse r;
    ASSERT_EQ(test::read_response(s.transport(), r, 3000), Status::kOk);
    EXPECT_EQ(r.status, c.status);
    EXPECT_NE(r.body.find(c.reason), std::string::npos) << r.body;
    ASSERT_NE(r.header("connection"), nullptr);
    EXPECT_EQ(*r.header("connection"), "close");
    EXPECT_TRUE(closed_by_server(s));
    // The log line names the status and the same reason.
    ASSERT_TRUE(receiver_->wait_for_log(c.reason)) << receiver_->log();
    const std::string log = receiver_->log();
    const std::size_t at = log.rfind(c.reason);
    const std::size_t line_start = log.rfind('\n', at) + 1;
    EXPECT_NE(log.substr(line_start, at - line_start).find("POST /v1/traces -> " + std::to_string(c.status) + " rejected: "),
              std::string::npos) << log.substr(line_start, log.find('\n', at) - line_start);
  }
}

TEST_F(ReceiverHttpTest, ChunkedBodiesOverMaxBodyGet413) {
  test::ReceiverProcess rx;
  std::string error;
  ASSERT_TRUE(rx.start(dir_->path(), {"--certs", dir_->file("ca"), "--quiet", "--max-body", "100"}, error)) << error;
  TlsSession s;
  ASSERT_EQ(s.open(rx.port(), options()), Status::kOk) << s.reason();
  const std::string small = nested_request(3);
  ASSERT_LE(small.size(), 100u);
  HttpResponse r;
  ASSERT_EQ(test::send_all(s.transport(), chunked_head() + chunk_body(small, {5}), 2000), Status::kOk);
  ASSERT_EQ(test::read_response(s.transport(), r, 3000), Status::kOk);
  EXPECT_EQ(r.status, 200);
  // 60 + 60 bytes: the second chunk size already passes the limit, before its data is read.
  ASSERT_EQ(test::send_all(s.transport(), chunked_head() + chunk_body(std::string(120, 'x'), {60}), 2000), Status::kOk);
  ASSERT_EQ(test::read_response(s.transport(), r, 3000), Status::kOk);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("chunked body exceeds the limit of 100 bytes (--max-body)"), std::string::npos) << r.body;
  EXPECT_TRUE(closed_by_server(s));
  EXPECT_EQ(rx.jsonl_lines().size(), 1u);
  s.close();
  EXPECT_EQ(rx.stop(), 0);
}

#if TRACELET_RECEIVER_HAVE_ZLIB
TEST_F(ReceiverHttpTest, GzipBodiesAreInflated) {
  test::ReceiverProcess rx;
  std::string error;
  ASSERT_TRUE(rx.start(dir_->path(), {"--certs", dir_->file("ca"), "--quiet"}, error)) << error;
  TlsSession s;
  ASSERT_EQ(s.open(rx.port(), options()), Status::kOk) << s.reason();
  const std::string body = test::encode_request(big_batch(11, 40));
  const std::string gz = gzip(body);
  ASSERT_FALSE(gz.empty());
  ASSERT_LT(gz.size(), body.size());
  const std::size_t half = body.size() / 2;
  const std::string two_members = gzip(body.substr(0, half)) + gzip(body.substr(half));
  HttpResponse r;
  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf", body, r), Status::kOk);  // #1
  ASSERT_EQ(r.status, 200);

  struct Case {
    const char* what;
    std::string wire;
  };
  auto with_length = [](const std::string& encoding, const std::string& payload) {
    return "POST /v1/traces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-protobuf\r\n"
           "Content-Encoding: " + encoding + "\r\nContent-Length: " + std::to_string(payload.size()) +
           "\r\n\r\n" + payload;
  };
  const Case cases[] = {
      {"gzip with Content-Length", with_length("gzip", gz)},                                     // #2
      {"gzip and chunked", chunked_head("Content-Encoding: gzip\r\n") + chunk_body(gz, {100, 33})},  // #3
      {"x-gzip after identity", with_length("identity, x-gzip", gz)},                            // #4
      {"two gzip members, upper-case name", with_length("GZIP", two_members)},                   // #5
      {"none", with_length("none", body)},                                                       // #6
      {"identity", with_length("identity", body)},                                               // #7
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    ASSERT_EQ(send_in_pieces(s.transport(), c.wire, {1000}), Status::kOk);
    ASSERT_EQ(test::read_response(s.transport(), r, 5000), Status::kOk);
    EXPECT_EQ(r.status, 200) << r.body;
  }
  const std::vector<std::string> lines = rx.jsonl_lines();
  const std::vector<std::string> reference = spans_of_request(lines, 1);
  ASSERT_EQ(reference.size(), 43u);
  for (int request = 2; request <= 7; ++request) {
    EXPECT_EQ(spans_of_request(lines, request), reference) << "request #" << request;
  }
  ASSERT_TRUE(rx.wait_for_log("#7 POST"));
  EXPECT_NE(rx.log().find("#2 POST /v1/traces -> 200 spans=43 bytes=" + std::to_string(gz.size()) +
                          " "),
            std::string::npos) << rx.log();
  EXPECT_NE(rx.log().find("Content-Encoding gzip: " + std::to_string(gz.size()) + " -> " +
                          std::to_string(body.size()) + " bytes"),
            std::string::npos) << rx.log();
  s.close();
  EXPECT_EQ(rx.stop(), 0);
}

TEST_F(ReceiverHttpTest, CorruptGzipGets400AndTheConnectionStaysUsable) {
  TlsSession s;
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  const std::string body = test::encode_request(test::sample_batch(12));
  const std::string gz = gzip(body);
  ASSERT_GT(gz.size(), 40u);
  std::string flipped = gz;
  for (std::size_t i = 12; i < 24; ++i) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
  std::string bad_crc = gz;
  bad_crc[gz.size() - 6] = static_cast<char>(bad_crc[gz.size() - 6] ^ 1);  // CRC-32 is in the last 8 bytes
  struct Case {
    const char* what;
    std::string payload;
    const char* reason;
  };
  const Case cases[] = {
      {"damaged deflate data", flipped, "corrupt gzip body: "},
      {"wrong CRC", bad_crc, "corrupt gzip body: incorrect data check"},
      {"not gzip at all", body, "corrupt gzip body: incorrect header check"},
      {"garbage after the member", gz + "xyz", "corrupt gzip body: "},
      {"truncated", gz.substr(0, gz.size() - 5), "gzip body is truncated"},
      {"empty", std::string(), "gzip body is truncated (0 bytes"},
  };
  HttpResponse r;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf", c.payload, r, 5000,
                         {"Content-Encoding: gzip"}),
              Status::kOk);
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find(c.reason), std::string::npos) << r.body;
    EXPECT_EQ(r.header("connection"), nullptr);  // the body was framed fine: keep-alive
  }
  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf", gz, r, 5000,
                       {"Content-Encoding: gzip"}),
            Status::kOk);
  EXPECT_EQ(r.status, 200);
}

TEST_F(ReceiverHttpTest, GzipBombStopsAtMaxBodyWith413) {
  test::ReceiverProcess rx;
  std::string error;
  ASSERT_TRUE(rx.start(dir_->path(), {"--certs", dir_->file("ca"), "--quiet", "--max-body", "1000000"}, error)) << error;
  TlsSession s;
  ASSERT_EQ(s.open(rx.port(), options()), Status::kOk) << s.reason();
  const std::string bomb = gzip(std::string(16u << 20, '\0'), 9);  // 16 MiB of zeros
  ASSERT_FALSE(bomb.empty());
  ASSERT_LT(bomb.size(), 100000u);  // small on the wire: only the inflated size is over the limit
  HttpResponse r;
  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf", bomb, r, 5000,
                       {"Content-Encoding: gzip"}),
            Status::kOk);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("gzip body inflates to more than the limit of 1000000 bytes (--max-body"), std::string::npos)
      << r.body;
  ASSERT_EQ(test::send_all(s.transport(), chunked_head("Content-Encoding: gzip\r\n") + chunk_body(bomb, {4096}), 2000),
            Status::kOk);
  ASSERT_EQ(test::read_response(s.transport(), r, 5000), Status::kOk);
  EXPECT_EQ(r.status, 413);
  // An inflated body just under the limit is fine, on the same connection.
  const std::string body = test::encode_request(test::sample_batch(13));
  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf", gzip(body), r, 5000,
                       {"Content-Encoding: gzip"}),
            Status::kOk);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(rx.jsonl_lines().size(), 3u);
  s.close();
  EXPECT_EQ(rx.stop(), 0);
}
#else
TEST_F(ReceiverHttpTest, GzipIsRefusedWith415WithoutZlib) {
  // This build found no zlib (tools/receiver/CMakeLists.txt): gzip must be refused clearly.
  TlsSession s;
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  HttpResponse r;
  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf", "\x1f\x8b\x08 whatever", r, 5000,
                       {"Content-Encoding: gzip"}),
            Status::kOk);
  EXPECT_EQ(r.status, 415);
  EXPECT_NE(r.body.find("built without zlib"), std::string::npos) << r.body;
  ASSERT_NE(r.header("accept-encoding"), nullptr);
  EXPECT_EQ(*r.header("accept-encoding"), "identity");
  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf",
                       test::encode_request(test::sample_batch(13)), r),
            Status::kOk);
  EXPECT_EQ(r.status, 200);
}
#endif

TEST_F(ReceiverHttpTest, UnknownContentEncodingGets415WithAcceptEncoding) {
  TlsSession s;
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  const std::string body = test::encode_request(test::sample_batch(14));
  const std::string accepted = TRACELET_RECEIVER_HAVE_ZLIB ? "gzip, identity" : "identity";
  HttpResponse r;
  std::vector<std::string> encodings = {"br", "deflate", "identity, zstd"};
  if (TRACELET_RECEIVER_HAVE_ZLIB) encodings.push_back("gzip, zstd");  // refused before inflating
  for (const std::string& encoding : encodings) {
    SCOPED_TRACE(encoding);
    ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf", body, r, 5000,
                         {"Content-Encoding: " + encoding}),
              Status::kOk);
    EXPECT_EQ(r.status, 415);
    const std::string last = encoding.substr(encoding.rfind(' ') + 1);
    EXPECT_NE(r.body.find("Content-Encoding '" + last + "' is not supported; use gzip or none (identity)"),
              std::string::npos) << r.body;
    ASSERT_NE(r.header("accept-encoding"), nullptr);
    EXPECT_EQ(*r.header("accept-encoding"), accepted);
  }
  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf", body, r), Status::kOk);
  EXPECT_EQ(r.status, 200);  // same connection
}

TEST_F(ReceiverHttpTest, OversizedBodiesGet413) {
  test::ReceiverProcess rx;
  std::string error;
  ASSERT_TRUE(rx.start(dir_->path(), {"--certs", dir_->file("ca"), "--quiet", "--max-body", "100"}, error)) << error;
  TlsSession s;
  ASSERT_EQ(s.open(rx.port(), options()), Status::kOk) << s.reason();
  HttpResponse r;
  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf", std::string(101, 'x'), r), Status::kOk);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("101 bytes exceeds the limit of 100"), std::string::npos) << r.body;
  ASSERT_TRUE(rx.wait_for_log("-> 413 rejected"));
  EXPECT_TRUE(rx.jsonl_lines().empty());
  s.close();
  EXPECT_EQ(rx.stop(), 0);
}

TEST_F(ReceiverHttpTest, MalformedRequestLineIs400) {
  TlsSession s;
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  ASSERT_EQ(test::send_all(s.transport(), "NONSENSE\r\n\r\n", 2000), Status::kOk);
  HttpResponse r;
  ASSERT_EQ(test::read_response(s.transport(), r, 2000), Status::kOk);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("malformed request line"), std::string::npos);
}

TEST_F(ReceiverHttpTest, PlainModeServesHttpWithoutTls) {
  test::ReceiverProcess rx;
  std::string error;
  ASSERT_TRUE(rx.start(dir_->path(), {"--plain", "--quiet"}, error)) << error;
  EXPECT_TRUE(rx.wait_for_log("plain HTTP, no TLS")) << rx.log();
  port::TcpConnection tcp{};
  ASSERT_EQ(port::tcp_connect(&tcp, "127.0.0.1", rx.port(), 2000), Status::kOk);
  HttpResponse r;
  ASSERT_EQ(test::post(port::tcp_transport(&tcp), "/v1/traces", "application/x-protobuf",
                       test::encode_request(test::sample_batch(6)), r),
            Status::kOk);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(rx.jsonl_lines().size(), 3u);
  port::tcp_close(&tcp);
  EXPECT_EQ(rx.stop(SIGINT), 0);
  EXPECT_NE(rx.log().find("stopped after 1 request(s)"), std::string::npos) << rx.log();
}

TEST_F(ReceiverHttpTest, StopsPromptlyWithIdleAndHalfOpenConnections) {
  test::ReceiverProcess rx;
  std::string error;
  ASSERT_TRUE(rx.start(dir_->path(), {"--certs", dir_->file("ca"), "--quiet"}, error)) << error;
  TlsSession idle;  // keep-alive connection with nothing more to say
  ASSERT_EQ(idle.open(rx.port(), options()), Status::kOk) << idle.reason();
  port::TcpConnection half_open{};  // TCP connected, never starts the TLS handshake
  ASSERT_EQ(port::tcp_connect(&half_open, "127.0.0.1", rx.port(), 2000), Status::kOk);
  ASSERT_TRUE(rx.wait_for_log("TLS handshake ok"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(rx.stop(), 0) << rx.log();
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count(), 2000);
  EXPECT_NE(rx.log().find("shutting down"), std::string::npos) << rx.log();
  port::tcp_close(&half_open);
}

TEST_F(ReceiverHttpTest, BadCommandLinesExplainThemselves) {
  auto run = [](std::vector<std::string> args, std::string& err) {
    std::vector<std::string> argv = test::receiver_command();
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run_to_completion(argv, 5000, err);
  };
  std::string err;
  EXPECT_EQ(run({}, err), 2);
  EXPECT_NE(err.find("choose TLS with --certs DIR"), std::string::npos) << err;
  EXPECT_EQ(run({"--plain", "--fail-status", "700"}, err), 2);
  EXPECT_NE(err.find("--fail-status"), std::string::npos) << err;
  EXPECT_EQ(run({"--certs", "/nonexistent", "--port", "0"}, err), 1);
  EXPECT_NE(err.find("cannot read /nonexistent/server.crt"), std::string::npos) << err;
}

}  // namespace
}  // namespace tracelet
