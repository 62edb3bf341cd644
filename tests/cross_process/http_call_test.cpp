// The demo device's HTTP client (boards/demo/http_call.cpp) against scripted servers on
// 127.0.0.1: what it sends, what it keeps from an answer, and a clear error (never a crash or a
// hang) for every broken answer. Each server is a thread of this test that accepts one
// connection, reads the request, plays its script and closes; the test joins it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "http_call.h"  // boards/demo/

namespace tracelet::demo {
namespace {

// One step of a server's script: send `data` (may be empty), then sleep `pause_ms`.
struct Step {
  std::string data;
  int pause_ms = 0;
};

class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<Step> script, bool read_request = true)
      : script_(std::move(script)), read_request_(read_request) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd_, 1) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1: " << std::strerror(errno);
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) close(listen_fd_);
  }
  std::uint16_t port() const { return port_; }
  // Only valid after the client returned (the server thread is joined first).
  const std::string& request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

 private:
  void serve() {
    const int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    if (read_request_) {
      char buf[2048];
      std::size_t want = std::string::npos;
      while (request_.size() < want) {
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        request_.append(buf, static_cast<std::size_t>(n));
        const std::size_t head = request_.find("\r\n\r\n");
        if (head != std::string::npos && want == std::string::npos) {
          std::size_t length = 0;
          const std::size_t cl = request_.find("Content-Length: ");
          if (cl != std::string::npos && cl < head) length = std::stoul(request_.substr(cl + 16));
          want = head + 4 + length;
        }
      }
    }
    for (const Step& step : script_) {
      if (!step.data.empty()) (void)send(fd, step.data.data(), step.data.size(), MSG_NOSIGNAL);
      if (step.pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(step.pause_ms));
    }
    close(fd);
  }

  std::vector<Step> script_;
  bool read_request_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::string request_;
};

struct Call {
  HttpUrl url;
  HttpHeaders headers;
  HttpRequest request;
  HttpResponse response;
  Status status = Status::kOk;
};

void run(Call& c, std::uint16_t port, std::uint32_t timeout_ms = 2000) {
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/readings";
  ASSERT_EQ(parse_http_url(url, c.url), Status::kOk);
  c.request.url = &c.url;
  c.request.headers = &c.headers;
  c.request.content_type = "application/json";
  c.request.body = "{\"celsius\":21.5}";
  c.request.timeout_ms = timeout_ms;
  c.status = http_call(c.request, c.response);
}

const char kTraceresponse[] = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01";

// ---- URLs -----------------------------------------------------------------------------------

TEST(HttpUrlTest, ParsesHostPortAndPath) {
  HttpUrl u;
  ASSERT_EQ(parse_http_url("http://127.0.0.1:8080/readings?x=1", u), Status::kOk);
  EXPECT_STREQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_STREQ(u.path, "/readings?x=1");
  ASSERT_EQ(parse_http_url("HTTP://example.test", u), Status::kOk);
  EXPECT_STREQ(u.host, "example.test");
  EXPECT_EQ(u.port, 80);
  EXPECT_STREQ(u.path, "/");
  ASSERT_EQ(parse_http_url("http://[::1]:9/p", u), Status::kOk);
  EXPECT_STREQ(u.host, "::1");
  EXPECT_TRUE(u.ipv6_literal);
  EXPECT_EQ(u.port, 9);
  ASSERT_EQ(parse_http_url("http://h?q=1", u), Status::kOk);
  EXPECT_STREQ(u.path, "/?q=1");
}

TEST(HttpUrlTest, RefusesWhatTheClientCannotDoWithAReason) {
  const char* const bad[] = {
      "https://127.0.0.1/readings",  // no TLS in this client
      "ftp://h/", "127.0.0.1:80/readings", "http://", "http://:80/", "http://h:/",
      "http://h:0/", "http://h:65536/", "http://h:8x/", "http://user:pw@h/", "http://h/a b",
      "http://h/#frag", "http://[::1/", "http://[::1]x/", "http://h/\r\nX: y",
  };
  for (const char* url : bad) {
    HttpUrl u;
    const char* reason = nullptr;
    EXPECT_EQ(parse_http_url(url, u, &reason), Status::kInvalidArgument) << url;
    EXPECT_NE(reason, nullptr) << url;
    EXPECT_EQ(u.host[0], '\0') << url;
  }
  HttpUrl u;
  const char* reason = nullptr;
  ASSERT_EQ(parse_http_url("https://x/", u, &reason), Status::kInvalidArgument);
  EXPECT_NE(std::string(reason).find("https"), std::string::npos) << reason;
  EXPECT_EQ(parse_http_url("http://" + std::string(kHttpMaxHostBytes, 'h') + "/", u), Status::kInvalidArgument);
  EXPECT_EQ(parse_http_url("http://h/" + std::string(kHttpMaxPathBytes, 'p'), u), Status::kInvalidArgument);
}

// ---- headers --------------------------------------------------------------------------------

TEST(HttpHeadersTest, SetReplacesByNameAndRefusesInjection) {
  HttpHeaders h;
  EXPECT_EQ(h.set("traceparent", "a"), Status::kOk);
  EXPECT_EQ(h.set("TraceParent", "b"), Status::kOk);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h.value(0), "b");
  EXPECT_EQ(h.set("x-a", "1\r\nInjected: yes"), Status::kInvalidArgument);
  EXPECT_EQ(h.set("bad name", "1"), Status::kInvalidArgument);
  EXPECT_EQ(h.set("", "1"), Status::kInvalidArgument);
  EXPECT_EQ(h.set("x-long", std::string(kHttpMaxHeaderValueBytes, 'v')), Status::kResourceExhausted);
  for (std::size_t i = h.size(); i < kHttpMaxExtraHeaders; ++i) {
    EXPECT_EQ(h.set("x-" + std::to_string(i), "v"), Status::kOk);
  }
  EXPECT_EQ(h.set("x-one-too-many", "v"), Status::kResourceExhausted);
  EXPECT_EQ(h.size(), kHttpMaxExtraHeaders);
  EXPECT_EQ(h.name(kHttpMaxExtraHeaders), "");
}

TEST(HttpHeadersTest, IsAPropagationCarrier) {
  SpanContext ctx;
  ASSERT_EQ(parse_traceparent(kTraceresponse, ctx), Status::kOk);
  HttpHeaders h;
  ASSERT_EQ(inject(ctx, nullptr, h.writer()), Status::kOk);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h.name(0), "traceparent");
  EXPECT_EQ(h.value(0), kTraceresponse);
}

// ---- exchanges ------------------------------------------------------------------------------

TEST(HttpCallTest, SendsTheRequestAndKeepsStatusTraceresponseAndBody) {
  ScriptedServer server({{std::string("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTraceResponse:  ") +
                              kTraceresponse + " \r\nContent-Length: 15\r\n\r\n{\"accepted\":1}\n"}});
  Call c;
  ASSERT_EQ(c.headers.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), Status::kOk);
  run(c, server.port());
  ASSERT_EQ(c.status, Status::kOk) << c.response.error;
  EXPECT_EQ(c.response.status, 200);
  EXPECT_EQ(c.response.traceresponse_count, 1u);
  EXPECT_EQ(c.response.traceresponse_value(), kTraceresponse);
  EXPECT_EQ(c.response.body_view(), "{\"accepted\":1}\n");
  EXPECT_EQ(c.response.error_type, nullptr);
  const std::string& req = server.request();
  const std::string host = "Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n";
  EXPECT_EQ(req.rfind("POST /readings HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_NE(req.find(host), std::string::npos) << req;
  EXPECT_NE(req.find("Connection: close\r\n"), std::string::npos) << req;
  EXPECT_NE(req.find("Content-Type: application/json\r\nContent-Length: 16\r\n"), std::string::npos) << req;
  EXPECT_NE(req.find("traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n"), std::string::npos)
      << req;
  EXPECT_EQ(req.substr(req.size() - 20), "\r\n\r\n{\"celsius\":21.5}") << req;
}

TEST(HttpCallTest, AnswerArrivingByteByByteAndInterim100AreHandled) {
  const std::string answer = "HTTP/1.1 100 Continue\r\ntraceresponse: bogus\r\n\r\nHTTP/1.1 201 Created\r\n"
                             "Content-Length: 2\r\n\r\nok";
  std::vector<Step> script;
  for (char ch : answer) script.push_back({std::string(1, ch), 0});
  ScriptedServer server(script);
  Call c;
  run(c, server.port());
  ASSERT_EQ(c.status, Status::kOk) << c.response.error;
  EXPECT_EQ(c.response.status, 201);
  EXPECT_EQ(c.response.traceresponse_count, 0u) << "headers of an interim answer do not count";
  EXPECT_EQ(c.response.body_view(), "ok");
}

TEST(HttpCallTest, ErrorStatusIsAnAnswerNotAFailure) {
  ScriptedServer server({{"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy"}});
  Call c;
  run(c, server.port());
  ASSERT_EQ(c.status, Status::kOk) << c.response.error;
  EXPECT_EQ(c.response.status, 503);
  EXPECT_EQ(c.response.body_view(), "busy");
}

TEST(HttpCallTest, BodyWithoutLengthEndsWithTheConnectionAndIsBounded) {
  const std::string big(3 * kHttpBodyBytes, 'b');
  ScriptedServer server({{"HTTP/1.0 200 OK\r\n\r\n" + big}});
  Call c;
  run(c, server.port());
  ASSERT_EQ(c.status, Status::kOk) << c.response.error;
  EXPECT_EQ(c.response.body_len, kHttpBodyBytes);
  EXPECT_EQ(c.response.body_total, big.size());
}

TEST(HttpCallTest, DuplicateOrOverlongTraceresponseIsFlagged) {
  ScriptedServer twice({{std::string("HTTP/1.1 200 OK\r\ntraceresponse: ") + kTraceresponse +
                         "\r\ntraceresponse: " + kTraceresponse + "\r\nContent-Length: 0\r\n\r\n"}});
  Call c;
  run(c, twice.port());
  ASSERT_EQ(c.status, Status::kOk) << c.response.error;
  EXPECT_EQ(c.response.traceresponse_count, 2u);
  ScriptedServer long_one({{"HTTP/1.1 200 OK\r\ntraceresponse: " + std::string(kHttpMaxHeaderValueBytes, 'a') +
                            "\r\nContent-Length: 0\r\n\r\n"}});
  Call d;
  run(d, long_one.port());
  ASSERT_EQ(d.status, Status::kOk) << d.response.error;
  EXPECT_TRUE(d.response.traceresponse_too_long);
  EXPECT_EQ(d.response.traceresponse_value(), "");
}

struct BrokenAnswer {
  const char* name;
  std::vector<Step> script;
  Status expected;
  const char* error_type;
};

TEST(HttpCallTest, BrokenAnswersGiveAClearErrorNeverACrash) {
  const std::vector<BrokenAnswer> cases = {
      {"closed without answer", {}, Status::kUnavailable, "connection_closed"},
      {"closed in headers", {{"HTTP/1.1 200 OK\r\nContent-Le"}}, Status::kUnavailable, "connection_closed"},
      {"closed in body", {{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"}}, Status::kUnavailable,
       "connection_closed"},
      {"not HTTP", {{"SSH-2.0-OpenSSH\r\n\r\n"}}, Status::kDataLoss, "invalid_response"},
      {"status of two digits", {{"HTTP/1.1 20 OK\r\n\r\n"}}, Status::kDataLoss, "invalid_response"},
      {"status 600", {{"HTTP/1.1 600 Odd\r\n\r\n"}}, Status::kDataLoss, "invalid_response"},
      {"HTTP/2 preface", {{"HTTP/2 200\r\n\r\n"}}, Status::kDataLoss, "invalid_response"},
      {"header without colon", {{"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"}}, Status::kDataLoss, "invalid_response"},
      {"space before colon", {{"HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"}}, Status::kDataLoss,
       "invalid_response"},
      {"folded header", {{"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"}}, Status::kDataLoss, "invalid_response"},
      {"control character", {{std::string("HTTP/1.1 200 OK\r\nX: a\x01 b\r\n\r\n")}}, Status::kDataLoss,
       "invalid_response"},
      {"bad length", {{"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"}}, Status::kDataLoss, "invalid_response"},
      {"conflicting lengths", {{"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"}},
       Status::kDataLoss, "invalid_response"},
      {"chunked body", {{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"}},
       Status::kDataLoss, "invalid_response"},
      {"head too large", {{"HTTP/1.1 200 OK\r\nX: " + std::string(kHttpResponseHeadBytes, 'x') + "\r\n\r\n"}},
       Status::kDataLoss, "invalid_response"},
      {"silence", {{"", 1500}}, Status::kTimeout, "timeout"},
      {"stalls in body", {{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", 1500}}, Status::kTimeout, "timeout"},
  };
  for (const BrokenAnswer& b : cases) {
    ScriptedServer server(b.script);
    Call c;
    const auto started = std::chrono::steady_clock::now();
    run(c, server.port(), 500);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(c.status, b.expected) << b.name << ": " << c.response.error;
    ASSERT_NE(c.response.error_type, nullptr) << b.name;
    EXPECT_STREQ(c.response.error_type, b.error_type) << b.name;
    EXPECT_NE(c.response.error[0], '\0') << b.name;
    EXPECT_LT(took, std::chrono::milliseconds(1400)) << b.name << " took longer than its 500 ms budget allows";
  }
}

TEST(HttpCallTest, RefusedConnectionAndBadRequestsFailBeforeSending) {
  // A port that was just bound and closed: nothing listens there.
  std::uint16_t port = 0;
  {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port = ntohs(addr.sin_port);
    close(fd);
  }
  Call refused;
  run(refused, port);
  EXPECT_EQ(refused.status, Status::kUnavailable);
  EXPECT_STREQ(refused.response.error_type, "connection_failed");
  EXPECT_NE(std::string(refused.response.error).find("127.0.0.1"), std::string::npos) << refused.response.error;

  HttpRequest no_url;
  HttpResponse r;
  EXPECT_EQ(http_call(no_url, r), Status::kInvalidArgument);
  EXPECT_STREQ(r.error_type, "invalid_request");

  Call bad_method;
  ASSERT_EQ(parse_http_url("http://127.0.0.1:9/", bad_method.url), Status::kOk);
  bad_method.request.url = &bad_method.url;
  bad_method.request.method = "GET /x";
  EXPECT_EQ(http_call(bad_method.request, bad_method.response), Status::kInvalidArgument);

  Call no_type;
  ASSERT_EQ(parse_http_url("http://127.0.0.1:9/", no_type.url), Status::kOk);
  no_type.request.url = &no_type.url;
  no_type.request.body = "x";
  EXPECT_EQ(http_call(no_type.request, no_type.response), Status::kInvalidArgument);

  Call too_big;
  ASSERT_EQ(parse_http_url("http://127.0.0.1:9/", too_big.url), Status::kOk);
  const std::string body(kHttpRequestBytes, 'x');
  too_big.request.url = &too_big.url;
  too_big.request.content_type = "text/plain";
  too_big.request.body = body;
  EXPECT_EQ(http_call(too_big.request, too_big.response), Status::kInvalidArgument);
  EXPECT_NE(std::string(too_big.response.error).find("does not fit"), std::string::npos);
}

}  // namespace
}  // namespace tracelet::demo
