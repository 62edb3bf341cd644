// The receiver under attack, on loopback, bounded in count and time: a head or body trickled
// a byte at a time (slowloris), more connections than it serves, an oversized head, and a
// small body that decodes to a huge span tree. Each attack is checked for its answer, for the
// receiver's memory (peak RSS from /proc), and for valid requests still being served.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/otlp_builder.h"
#include "support/process.h"
#include "support/receiver_process.h"

namespace tracelet {
namespace {

using Clock = std::chrono::steady_clock;

long ms_since(Clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// A plain TCP client; every call is bounded in time.
class RawClient {
 public:
  ~RawClient() { close(); }
  bool connect(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  bool send(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Everything the server sends until it closes, or until `timeout_ms` passes.
  std::string read_until_close(int timeout_ms) {
    std::string out;
    const auto start = Clock::now();
    char buf[4096];
    while (ms_since(start) < timeout_ms) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  // True once the server has sent something or closed (without waiting longer than `ms`).
  bool answered_within(int ms) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

std::string request(const std::string& body) {
  return "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

int status_of(const std::string& response) {
  return response.size() >= 12 && response.compare(0, 9, "HTTP/1.1 ") == 0 ? std::atoi(response.c_str() + 9) : 0;
}

// One valid export on a new connection; returns the HTTP status (0 = no answer).
int valid_export(std::uint16_t port) {
  RawClient c;
  if (!c.connect(port)) return 0;
  const std::string body = test::encode_request(test::sample_batch(1));
  std::string r = request(body);
  r.insert(r.find("\r\n\r\n"), "\r\nConnection: close");
  if (!c.send(r)) return 0;
  return status_of(c.read_until_close(5000));
}

// Peak resident memory of a process, in KiB (VmHWM), or 0 if unreadable.
long peak_rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

void append_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void append_field(std::string& out, std::uint8_t tag, const std::string& bytes) {
  out.push_back(static_cast<char>(tag));
  append_varint(out, bytes.size());
  out += bytes;
}

// A legal ExportTraceServiceRequest of `spans` empty spans: 2 bytes on the wire each.
std::string empty_spans_request(std::size_t spans) {
  std::string scope;
  scope.reserve(spans * 2);
  for (std::size_t i = 0; i < spans; ++i) scope.append("\x12\x00", 2);  // ScopeSpans.spans = {}
  std::string resource;
  append_field(resource, 0x12, scope);  // ResourceSpans.scope_spans
  std::string request;
  append_field(request, 0x0a, resource);  // ExportTraceServiceRequest.resource_spans
  return request;
}

class ReceiverLimitsTest : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& extra, const std::vector<std::string>& wrapper = {}) {
    std::vector<std::string> args = {"--plain", "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string error;
    ASSERT_TRUE(rx_.start(dir_.path(), args, error, wrapper)) << error;
  }
  void TearDown() override {
    if (rx_.pid() > 0) {
      EXPECT_EQ(rx_.stop(), 0) << rx_.log();
    }
  }

  test::TempDir dir_;
  test::ReceiverProcess rx_;
};

TEST_F(ReceiverLimitsTest, AHeadTrickledAByteAtATimeGets408AtTheHeadDeadline) {
  start({"--head-timeout-ms", "1500"});
  const std::string head = request("").substr(0, 60);
  std::vector<RawClient> slow(8);
  for (auto& c : slow) ASSERT_TRUE(c.connect(rx_.port()));
  const auto start = Clock::now();
  std::size_t sent = 0;
  bool all_answered = false;
  // One byte per connection every 100 ms: each byte resets a stall timer, never the deadline.
  while (ms_since(start) < 6000 && !all_answered) {
    for (auto& c : slow) (void)c.send(head.substr(sent % head.size(), 1));
    ++sent;
    if (sent == 5) {
      EXPECT_EQ(valid_export(rx_.port()), 200) << "valid requests are served during the attack";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    all_answered = true;
    for (auto& c : slow) all_answered = all_answered && c.answered_within(0);
  }
  const long took = ms_since(start);
  EXPECT_TRUE(all_answered) << "after " << took << " ms";
  EXPECT_GE(took, 1400);
  EXPECT_LT(took, 4000);
  for (auto& c : slow) {
    const std::string answer = c.read_until_close(2000);
    EXPECT_EQ(status_of(answer), 408) << answer;
    EXPECT_NE(answer.find("request head not complete within 1500 ms"), std::string::npos) << answer;
  }
  EXPECT_EQ(valid_export(rx_.port()), 200);
}

TEST_F(ReceiverLimitsTest, ABodyTrickledPastTheBodyDeadlineGets408) {
  start({"--body-timeout-ms", "1000"});
  RawClient c;
  ASSERT_TRUE(c.connect(rx_.port()));
  const std::string body = test::encode_request(test::sample_batch(2));
  const std::string r = request(body);
  const std::size_t head_len = r.find("\r\n\r\n") + 4;
  ASSERT_TRUE(c.send(r.substr(0, head_len)));
  const auto start = Clock::now();
  for (std::size_t i = 0; i < body.size() - 1 && ms_since(start) < 5000; ++i) {
    if (!c.send(body.substr(i, 1)) || c.answered_within(0)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string answer = c.read_until_close(3000);
  EXPECT_EQ(status_of(answer), 408) << answer;
  EXPECT_NE(answer.find("body not complete within 1000 ms"), std::string::npos) << answer;
  EXPECT_LT(ms_since(start), 4000);
  EXPECT_EQ(valid_export(rx_.port()), 200);
}

TEST_F(ReceiverLimitsTest, ConnectionsPastTheCapAreRefusedWith503AndServiceGoesOn) {
  start({"--max-connections", "3"});
  std::vector<RawClient> held(3);
  for (auto& c : held) ASSERT_TRUE(c.connect(rx_.port()));
  ASSERT_TRUE(rx_.wait_for_log("", 100));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // all three accepted
  RawClient extra;
  ASSERT_TRUE(extra.connect(rx_.port()));
  const std::string answer = extra.read_until_close(3000);
  EXPECT_EQ(status_of(answer), 503) << answer;
  EXPECT_NE(answer.find("too many connections"), std::string::npos) << answer;
  EXPECT_TRUE(rx_.wait_for_log("refused: 3 connections open (--max-connections 3)")) << rx_.log();
  held[0].close();
  int status = 0;
  for (int i = 0; i < 40 && status != 200; ++i) {  // the receiver notices the close within ~0.5 s
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = valid_export(rx_.port());
  }
  EXPECT_EQ(status, 200);
}

TEST_F(ReceiverLimitsTest, TheHeadLimitIs16KiBAsDocumented) {
  start({});
  const std::string filler = "X-Filler: " + std::string(200, 'a') + "\r\n";
  std::string big = "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  while (big.size() < 16 * 1024 + 10) big += filler;
  big += "\r\n";
  RawClient c;
  ASSERT_TRUE(c.connect(rx_.port()));
  ASSERT_TRUE(c.send(big));
  const std::string answer = c.read_until_close(3000);
  EXPECT_EQ(status_of(answer), 431) << answer;
  EXPECT_NE(answer.find("larger than 16384 bytes"), std::string::npos) << answer;

  // A head just under the limit is read (and answered on its merits).
  std::string fits = "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n";
  while (fits.size() + filler.size() + 40 < 16 * 1024) fits += filler;
  const std::string body = test::encode_request(test::sample_batch(3));
  fits += "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  RawClient ok;
  ASSERT_TRUE(ok.connect(rx_.port()));
  ASSERT_TRUE(ok.send(fits));
  EXPECT_EQ(status_of(ok.read_until_close(3000)), 200);
}

// 8 MiB of empty spans (~4.2 million of them; the default --max-body) decodes to far more
// than 8 MiB: the receiver stops at 4 x --max-body of decoded data and answers 413, and its
// peak memory stays under the documented 16 x --max-body.
TEST_F(ReceiverLimitsTest, ABodyOfEmptySpansIsRefusedWith413WithinTheMemoryBound) {
  const std::size_t max_body = 8u << 20;
  start({"--max-body", std::to_string(max_body)});
  ASSERT_EQ(valid_export(rx_.port()), 200);
  const long before_kib = peak_rss_kib(rx_.pid());
  ASSERT_GT(before_kib, 0);
  const std::string body = empty_spans_request((max_body - 16) / 2);
  ASSERT_LE(body.size(), max_body);
  for (int round = 0; round < 3; ++round) {
    RawClient c;
    ASSERT_TRUE(c.connect(rx_.port()));
    std::string r = request(body);
    r.insert(r.find("\r\n\r\n"), "\r\nConnection: close");
    ASSERT_TRUE(c.send(r));
    const std::string answer = c.read_until_close(10000);
    EXPECT_EQ(status_of(answer), 413) << answer.substr(0, 300);
    EXPECT_NE(answer.find("more memory than the receiver allows"), std::string::npos) << answer.substr(0, 300);
  }
  const long grew_kib = peak_rss_kib(rx_.pid()) - before_kib;
  std::printf("receiver peak RSS grew by %ld KiB for a %zu-byte body of empty spans (--max-body %zu)\n",
              grew_kib, body.size(), max_body);
  // Documented (usage_text): under 16 x --max-body per connection.
  EXPECT_LT(grew_kib * 1024, static_cast<long>(16 * max_body));
  EXPECT_EQ(valid_export(rx_.port()), 200);
}

// Without memory for another thread, the receiver refuses that connection and keeps serving
// (it used to abort). An address-space limit makes thread stacks run out after a few dozen.
TEST_F(ReceiverLimitsTest, WhenNoThreadCanBeStartedTheConnectionIsRefusedNotTheProcess) {
  start({"--max-connections", "4000"}, {"prlimit", "--as=" + std::to_string(512L << 20), "--"});
  std::vector<RawClient> clients(120);
  for (auto& c : clients) ASSERT_TRUE(c.connect(rx_.port()));
  EXPECT_TRUE(rx_.wait_for_log("cannot start a thread for it", 5000)) << rx_.log().substr(0, 2000);
  for (auto& c : clients) c.close();
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = valid_export(rx_.port());
  }
  EXPECT_EQ(status, 200) << "the receiver still serves";
}

}  // namespace
}  // namespace tracelet
