// tracelet-receiver as a black box: OTLP requests built with nanopb, sent over the TLS client
// (or plain TCP with --plain); checks the JSONL output, the span trees and every HTTP answer.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/http_exchange.h"
#include "support/json_lite.h"
#include "support/otlp_builder.h"
#include "support/process.h"
#include "support/receiver_process.h"
#include "support/tls_session.h"

namespace tracelet {
namespace {

using test::HttpResponse;
using test::Json;
using test::TlsSession;

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

  ASSERT_EQ(test::post(s.transport(), "/v1/logs", "application/x-protobuf", good, r), Status::kOk);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("no such endpoint /v1/logs"), std::string::npos);  // inside a google.rpc.Status

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

TEST_F(ReceiverHttpTest, ChunkedBodiesAreRefusedAndTheConnectionClosed) {
  TlsSession s;
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  ASSERT_EQ(test::send_all(s.transport(),
                           "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                           2000),
            Status::kOk);
  HttpResponse r;
  ASSERT_EQ(test::read_response(s.transport(), r, 2000), Status::kOk);
  EXPECT_EQ(r.status, 411);
  ASSERT_NE(r.header("connection"), nullptr);
  EXPECT_EQ(*r.header("connection"), "close");
  std::uint8_t buf[16];
  EXPECT_EQ(s.tls.recv(buf, sizeof buf, 2000), static_cast<std::int32_t>(Status::kUnavailable));
  ASSERT_TRUE(receiver_->wait_for_log("-> 411 rejected: Transfer-Encoding (chunked) is not supported"));
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
