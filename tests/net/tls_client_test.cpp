// TlsClient against the real receiver (tracelet-receiver) with a CA made by --make-ca:
// verification success and every failure mode, keep-alive, resumption, timeouts.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <mbedtls/x509_crt.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "support/http_exchange.h"
#include "support/otlp_builder.h"
#include "support/process.h"
#include "support/receiver_process.h"
#include "support/tls_session.h"

namespace tracelet {
namespace {

using test::HttpResponse;
using test::TlsSession;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// CPU time of this process (the client side only; the receiver is another process).
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

class TlsClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    good_ca_ = dir_->file("good");
    other_ca_ = dir_->file("other");
    ASSERT_EQ(test::make_test_ca(good_ca_), "");
    ASSERT_EQ(test::make_test_ca(other_ca_), "");
    receiver_ = new test::ReceiverProcess();
    std::string error;
    ASSERT_TRUE(receiver_->start(dir_->path(), {"--certs", good_ca_, "--quiet"}, error)) << error;
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

  static TlsOptions options(const char* server_name = "localhost") {
    TlsOptions o;
    o.server_name = server_name;
    ca_path_ = good_ca_ + "/ca.crt";
    o.ca_file = ca_path_.c_str();
    o.handshake_timeout_ms = 5000;
    return o;
  }

  static Status post_sample(TlsSession& s, HttpResponse& response) {
    return test::post(s.transport(), "/v1/traces", "application/x-protobuf",
                      test::encode_request(test::sample_batch(1)), response);
  }

  static test::TempDir* dir_;
  static test::ReceiverProcess* receiver_;
  static std::string good_ca_;
  static std::string other_ca_;
  static std::string ca_path_;
};

test::TempDir* TlsClientTest::dir_ = nullptr;
test::ReceiverProcess* TlsClientTest::receiver_ = nullptr;
std::string TlsClientTest::good_ca_;
std::string TlsClientTest::other_ca_;
std::string TlsClientTest::ca_path_;

TEST_F(TlsClientTest, HandshakeWithTheRightCaSucceedsAndCarriesRequests) {
  TlsSession s;
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  EXPECT_TRUE(s.tls.connected());
  EXPECT_EQ(s.tls.verify_flags(), 0u);
  HttpResponse r;
  ASSERT_EQ(post_sample(s, r), Status::kOk);
  EXPECT_EQ(r.status, 200);
  ASSERT_NE(r.header("content-type"), nullptr);
  EXPECT_EQ(*r.header("content-type"), "application/x-protobuf");
  EXPECT_TRUE(r.body.empty());  // an empty ExportTraceServiceResponse
}

TEST_F(TlsClientTest, NumericAndNamedHostsBothVerify) {
  const std::size_t before = count(receiver_->log(), "TLS handshake ok");
  for (const char* name : {"localhost", "127.0.0.1"}) {
    TlsSession s;
    EXPECT_EQ(s.open(receiver_->port(), options(name)), Status::kOk) << name << ": " << s.reason();
  }
  // The client is done when it has the server's Finished; the receiver logs its side a little
  // later. Wait for both lines, so the next test's count of handshakes does not catch them.
  for (int waited_ms = 0; waited_ms < 5000; waited_ms += 10) {
    if (count(receiver_->log(), "TLS handshake ok") >= before + 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(count(receiver_->log(), "TLS handshake ok"), before + 2);
}

TEST_F(TlsClientTest, KeepAliveSendsManyRequestsOverOneHandshake) {
  const std::size_t before = count(receiver_->log(), "TLS handshake ok");
  TlsSession s;
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  for (int i = 0; i < 3; ++i) {
    HttpResponse r;
    ASSERT_EQ(post_sample(s, r), Status::kOk) << "request " << i;
    EXPECT_EQ(r.status, 200);
  }
  s.close();
  ASSERT_TRUE(receiver_->wait_for_log("TLS handshake ok"));
  EXPECT_EQ(count(receiver_->log(), "TLS handshake ok") - before, 1u);
}

TEST_F(TlsClientTest, ReconnectResumesTheSavedSession) {
  TlsSession s;
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  EXPECT_FALSE(s.tls.session_resumed());
  HttpResponse r;
  ASSERT_EQ(post_sample(s, r), Status::kOk);
  s.close();
  EXPECT_FALSE(s.tls.connected());

  const std::size_t resumed_before = count(receiver_->log(), "resumed session");
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  EXPECT_TRUE(s.tls.session_resumed());
  ASSERT_EQ(post_sample(s, r), Status::kOk);
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(receiver_->wait_for_log("resumed session"));
  EXPECT_EQ(count(receiver_->log(), "resumed session"), resumed_before + 1);

  s.close();
  s.tls.forget_session();
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  EXPECT_FALSE(s.tls.session_resumed());
}

TEST_F(TlsClientTest, UntrustedCaIsAVerificationErrorWithAReason) {
  TlsOptions o = options();
  const std::string other = other_ca_ + "/ca.crt";
  o.ca_file = other.c_str();
  TlsSession s;
  EXPECT_EQ(s.open(receiver_->port(), o), Status::kDataLoss);
  EXPECT_FALSE(s.tls.connected());
  EXPECT_TRUE(s.tls.verify_flags() & MBEDTLS_X509_BADCERT_NOT_TRUSTED) << s.tls.verify_flags();
  const std::string reason = s.reason();
  EXPECT_NE(reason.find("certificate verification failed"), std::string::npos) << reason;
  EXPECT_NE(reason.find("not correctly signed by the trusted CA"), std::string::npos) << reason;
  // No way to send data over the failed session: no insecure fallback.
  const std::uint8_t byte = 0;
  EXPECT_LT(s.tls.send(&byte, 1), 0);
}

TEST_F(TlsClientTest, WrongHostNameIsRejected) {
  TlsSession s;
  EXPECT_EQ(s.open(receiver_->port(), options("wrong.example")), Status::kDataLoss);
  EXPECT_TRUE(s.tls.verify_flags() & MBEDTLS_X509_BADCERT_CN_MISMATCH) << s.tls.verify_flags();
  EXPECT_NE(s.reason().find("Common Name"), std::string::npos) << s.reason();
}

TEST_F(TlsClientTest, SystemBundleIsTheDefaultAndDoesNotTrustTheTestCa) {
  TlsOptions o;
  o.server_name = "localhost";  // no CA given: /etc/ssl/certs/ca-certificates.crt
  TlsSession s;
  EXPECT_EQ(s.open(receiver_->port(), o), Status::kDataLoss);
  EXPECT_TRUE(s.tls.verify_flags() & MBEDTLS_X509_BADCERT_NOT_TRUSTED) << s.reason();
}

TEST_F(TlsClientTest, CaFromMemoryAsPemOrDer) {
  std::string pem = test::read_file(good_ca_ + "/ca.crt");
  ASSERT_FALSE(pem.empty());
  TlsOptions o = options();
  o.ca_file = nullptr;

  // PEM without its NUL: refused with a reason instead of a confusing ASN.1 error.
  o.ca_data = reinterpret_cast<const std::uint8_t*>(pem.data());
  o.ca_size = pem.size();
  TlsClient bare;
  EXPECT_EQ(bare.init(o), Status::kInvalidArgument);
  char buf[256];
  EXPECT_NE(std::string(bare.describe_error(buf, sizeof buf)).find("NUL"), std::string::npos) << buf;

  // PEM with the NUL counted, as firmware gets from sizeof(kCaPem).
  o.ca_size = pem.size() + 1;
  {
    TlsSession s;
    EXPECT_EQ(s.open(receiver_->port(), o), Status::kOk) << s.reason();
  }

  // DER, as a flash image might hold it.
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  ASSERT_EQ(mbedtls_x509_crt_parse(&crt, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1), 0);
  const std::string der(reinterpret_cast<const char*>(crt.raw.p), crt.raw.len);
  mbedtls_x509_crt_free(&crt);
  o.ca_data = reinterpret_cast<const std::uint8_t*>(der.data());
  o.ca_size = der.size();
  {
    TlsSession s;
    EXPECT_EQ(s.open(receiver_->port(), o), Status::kOk) << s.reason();
  }

  // Garbage is a parse error at init, not at handshake.
  const std::string junk = "not a certificate";
  o.ca_data = reinterpret_cast<const std::uint8_t*>(junk.data());
  o.ca_size = junk.size();
  TlsClient junk_client;
  EXPECT_EQ(junk_client.init(o), Status::kInvalidArgument);
  EXPECT_NE(std::string(junk_client.describe_error(buf, sizeof buf)).find("CA: "), std::string::npos) << buf;
}

TEST_F(TlsClientTest, MisuseAndBadConfigurationAreErrors) {
  TlsClient client;
  char buf[256];
  EXPECT_STREQ(client.describe_error(buf, sizeof buf), "no error");
  const std::uint8_t byte = 0;
  std::uint8_t in[4];
  EXPECT_EQ(client.send(&byte, 1), static_cast<std::int32_t>(Status::kFailedPrecondition));
  EXPECT_EQ(client.recv(in, sizeof in, 10), static_cast<std::int32_t>(Status::kFailedPrecondition));
  port::TcpConnection tcp{};
  EXPECT_EQ(client.handshake(port::tcp_transport(&tcp)), Status::kFailedPrecondition);

  TlsOptions o = options();
  o.server_name = nullptr;
  EXPECT_EQ(client.init(o), Status::kInvalidArgument);
  o = options();
  o.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(client.init(o), Status::kInvalidArgument);
  EXPECT_NE(std::string(client.describe_error(buf, sizeof buf)).find("CA: cannot load CA file '/nonexistent/ca.pem': "),
            std::string::npos)
      << buf;

  ASSERT_EQ(client.init(options()), Status::kOk);
  EXPECT_EQ(client.handshake(Transport{}), Status::kInvalidArgument);
  client.deinit();
  client.deinit();  // idempotent
}

// A TCP server in the test that is not TLS: it answers any bytes with an HTTP error, or
// (silent) accepts and never says anything.
class FakeServer {
 public:
  explicit FakeServer(bool silent) : silent_(silent) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 4);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[512];
      if (!silent_ && recv(c, buf, sizeof buf, 0) > 0) {
        static const char kReply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        send(c, kReply, sizeof kReply - 1, MSG_NOSIGNAL);
      }
      while (!done_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      close(c);
    });
  }
  ~FakeServer() {
    done_ = true;
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  bool silent_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

TEST_F(TlsClientTest, PlainHttpServerIsAHandshakeErrorNotAHang) {
  FakeServer server(false);
  TlsSession s;
  const auto start = Clock::now();
  const Status st = s.open(server.port(), options());
  EXPECT_TRUE(st == Status::kDataLoss || st == Status::kUnavailable) << static_cast<int>(st);
  EXPECT_LT(ms_since(start), 2000);
  EXPECT_NE(s.reason().find("handshake: "), std::string::npos) << s.reason();
  std::printf("[ reason   ] plain-HTTP server: %s\n", s.reason().c_str());
}

TEST_F(TlsClientTest, PlainReceiverIsAHandshakeError) {
  test::ReceiverProcess plain;
  std::string error;
  ASSERT_TRUE(plain.start(dir_->path(), {"--plain", "--quiet"}, error)) << error;
  TlsSession s;
  const auto start = Clock::now();
  const Status st = s.open(plain.port(), options());
  EXPECT_TRUE(st == Status::kDataLoss || st == Status::kUnavailable) << static_cast<int>(st);
  EXPECT_LT(ms_since(start), 2000);
  std::printf("[ reason   ] --plain receiver: %s\n", s.reason().c_str());
  EXPECT_EQ(plain.stop(), 0);
}

TEST_F(TlsClientTest, SilentServerTimesOut) {
  FakeServer server(true);
  TlsOptions o = options();
  o.handshake_timeout_ms = 300;
  TlsSession s;
  const auto start = Clock::now();
  EXPECT_EQ(s.open(server.port(), o), Status::kTimeout);
  const double waited = ms_since(start);
  EXPECT_GE(waited, 290);
  EXPECT_LT(waited, 2000);
  EXPECT_NE(s.reason().find("timed out"), std::string::npos) << s.reason();
}

TEST_F(TlsClientTest, RecvTimeoutKeepsTheSessionUsable) {
  TlsSession s;
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  std::uint8_t buf[64];
  const auto start = Clock::now();
  EXPECT_EQ(s.tls.recv(buf, sizeof buf, 100), 0);
  EXPECT_GE(ms_since(start), 90);
  HttpResponse r;
  ASSERT_EQ(post_sample(s, r), Status::kOk);
  EXPECT_EQ(r.status, 200);
}

TEST_F(TlsClientTest, ServerCloseIsUnavailable) {
  TlsSession s;
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  HttpResponse r;
  ASSERT_EQ(test::post(s.transport(), "/v1/traces", "application/x-protobuf",
                       test::encode_request(test::sample_batch(2)), r, 5000, {"Connection: close"}),
            Status::kOk);
  EXPECT_EQ(r.status, 200);
  ASSERT_NE(r.header("connection"), nullptr);
  std::uint8_t buf[64];
  EXPECT_EQ(s.tls.recv(buf, sizeof buf, 2000), static_cast<std::int32_t>(Status::kUnavailable));
  EXPECT_FALSE(s.tls.connected());
  EXPECT_EQ(s.tls.send(buf, 1), static_cast<std::int32_t>(Status::kUnavailable));
  // Reconnecting after the server closed works and resumes.
  s.close();
  ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
  EXPECT_TRUE(s.tls.session_resumed());
}

// Loopback handshake cost; a benchmark printout, bounded only against hangs. Each
// connection carries one request, as the exporter's do: the server stores the session in its
// cache only after its side of the handshake ends, and an answer proves that happened.
TEST_F(TlsClientTest, HandshakeTimeOnLoopback) {
  constexpr int kRounds = 10;
  TlsSession s;
  HttpResponse r;
  double full = 0;
  double full_cpu = 0;
  double resumed = 0;
  for (int i = 0; i < kRounds; ++i) {
    s.tls.forget_session();
    const double cpu_start = cpu_ms();
    auto start = Clock::now();
    ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
    full += ms_since(start);
    full_cpu += cpu_ms() - cpu_start;
    EXPECT_FALSE(s.tls.session_resumed());
    ASSERT_EQ(post_sample(s, r), Status::kOk);
    s.close();
    start = Clock::now();
    ASSERT_EQ(s.open(receiver_->port(), options()), Status::kOk) << s.reason();
    resumed += ms_since(start);
    EXPECT_TRUE(s.tls.session_resumed());
    ASSERT_EQ(post_sample(s, r), Status::kOk);
    s.close();
  }
  std::printf("[ timing   ] TLS handshake on loopback (TCP connect included): full %.2f ms "
              "(client CPU %.2f ms), resumed %.2f ms (mean of %d)\n",
              full / kRounds, full_cpu / kRounds, resumed / kRounds, kRounds);
  RecordProperty("full_handshake_ms", std::to_string(full / kRounds));
  RecordProperty("resumed_handshake_ms", std::to_string(resumed / kRounds));
  EXPECT_LT(full / kRounds, 2000.0);
}

}  // namespace
}  // namespace tracelet
