// TCP port layer (net_port.h) on real loopback sockets: connect, send/recv, timeouts, errors.
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

#include "tracelet/net_port.h"

namespace tracelet {
namespace {

using Clock = std::chrono::steady_clock;

long elapsed_ms(Clock::time_point since) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

// A listening socket on 127.0.0.1 owned by the test.
class Listener {
 public:
  explicit Listener(int backlog = 16) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(fd_, backlog), 0);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() {
    for (int fd : accepted_) close(fd);
    close(fd_);
  }
  std::uint16_t port() const { return port_; }
  int accept_one() {
    const int fd = accept(fd_, nullptr, nullptr);
    if (fd >= 0) accepted_.push_back(fd);
    return fd;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> accepted_;
};

std::int32_t st(Status s) { return static_cast<std::int32_t>(s); }

std::string describe(const port::TcpConnection& c) {
  char buf[160];
  return port::tcp_describe_error(&c, buf, sizeof buf);
}

// A port nobody listens on: bound once to get a number, then released.
std::uint16_t closed_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(TcpTransport, ConnectsSendsAndReceivesThroughTransport) {
  Listener listener;
  std::thread echo([&] {
    const int fd = listener.accept_one();
    char buf[64];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) send(fd, buf, static_cast<std::size_t>(n), 0);
  });
  port::TcpConnection conn{};
  ASSERT_EQ(port::tcp_connect(&conn, "127.0.0.1", listener.port(), 2000), Status::kOk);
  EXPECT_GE(conn.handle, 0);
  Transport t = port::tcp_transport(&conn);
  ASSERT_EQ(t.ctx, &conn);
  const std::string msg = "hello tracelet";
  EXPECT_EQ(t.send(t.ctx, reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()),
            static_cast<std::int32_t>(msg.size()));
  std::string got;
  std::uint8_t buf[64];
  while (got.size() < msg.size()) {
    const std::int32_t n = t.recv(t.ctx, buf, sizeof buf, 2000);
    ASSERT_GT(n, 0);
    got.append(reinterpret_cast<char*>(buf), static_cast<std::size_t>(n));
  }
  EXPECT_EQ(got, msg);
  echo.join();
  port::tcp_close(&conn);
  EXPECT_EQ(conn.handle, -1);
}

TEST(TcpTransport, ResolvesHostNames) {
  Listener listener;  // IPv4 only: if "localhost" also gives ::1, that address is refused first
  std::thread acceptor([&] { listener.accept_one(); });
  port::TcpConnection conn{};
  EXPECT_EQ(port::tcp_connect(&conn, "localhost", listener.port(), 2000), Status::kOk)
      << describe(conn);
  acceptor.join();
  port::tcp_close(&conn);
}

TEST(TcpTransport, RecvTimesOutWithZero) {
  Listener listener;
  port::TcpConnection conn{};
  ASSERT_EQ(port::tcp_connect(&conn, "127.0.0.1", listener.port(), 2000), Status::kOk);
  ASSERT_GE(listener.accept_one(), 0);  // accepted, but the peer never sends
  std::uint8_t buf[16];
  const auto start = Clock::now();
  EXPECT_EQ(port::tcp_recv(&conn, buf, sizeof buf, 150), 0);
  const long waited = elapsed_ms(start);
  EXPECT_GE(waited, 140);
  EXPECT_LT(waited, 2000);
  // timeout 0 polls: nothing there, returns at once.
  EXPECT_EQ(port::tcp_recv(&conn, buf, sizeof buf, 0), 0);
  port::tcp_close(&conn);
}

TEST(TcpTransport, PeerCloseIsUnavailable) {
  Listener listener;
  port::TcpConnection conn{};
  ASSERT_EQ(port::tcp_connect(&conn, "127.0.0.1", listener.port(), 2000), Status::kOk);
  const int peer = listener.accept_one();
  ASSERT_GE(peer, 0);
  send(peer, "ab", 2, 0);
  shutdown(peer, SHUT_RDWR);
  std::uint8_t buf[16];
  EXPECT_EQ(port::tcp_recv(&conn, buf, sizeof buf, 1000), 2);  // data before the FIN still arrives
  EXPECT_EQ(port::tcp_recv(&conn, buf, sizeof buf, 1000), st(Status::kUnavailable));
  EXPECT_NE(describe(conn).find("peer closed"), std::string::npos) << describe(conn);
  port::tcp_close(&conn);
}

TEST(TcpTransport, ConnectionRefusedIsACleanError) {
  port::TcpConnection conn{};
  const auto start = Clock::now();
  EXPECT_EQ(port::tcp_connect(&conn, "127.0.0.1", closed_port(), 2000), Status::kUnavailable);
  EXPECT_LT(elapsed_ms(start), 1000);  // refused at once, not a timeout
  EXPECT_EQ(conn.handle, -1);
  EXPECT_NE(describe(conn).find("refused"), std::string::npos) << describe(conn);
}

TEST(TcpTransport, ConnectTimesOutWhenTheServerNeverAnswers) {
  // Backlog 0 and nobody accepting: Linux completes one connection into the accept queue
  // and then drops further SYNs, so the next connect hangs until our timeout.
  Listener listener(0);
  std::vector<port::TcpConnection> fillers(4);
  Status last = Status::kOk;
  std::size_t used = 0;
  const auto start = Clock::now();
  for (; used < fillers.size() && last == Status::kOk; ++used) {
    last = port::tcp_connect(&fillers[used], "127.0.0.1", listener.port(), 300);
  }
  EXPECT_EQ(last, Status::kTimeout) << "every connect succeeded; the kernel did not drop SYNs";
  EXPECT_LT(elapsed_ms(start), 3000);
  EXPECT_NE(describe(fillers[used - 1]).find("timed out"), std::string::npos);
  for (auto& c : fillers) port::tcp_close(&c);
}

TEST(TcpTransport, SendReportsWouldBlockWhenThePeerDoesNotRead) {
  Listener listener;
  port::TcpConnection conn{};
  ASSERT_EQ(port::tcp_connect(&conn, "127.0.0.1", listener.port(), 2000), Status::kOk);
  ASSERT_GE(listener.accept_one(), 0);  // never reads
  conn.send_timeout_ms = 100;
  std::vector<std::uint8_t> chunk(256 * 1024, 0x5a);
  std::size_t total = 0;
  std::int32_t n = 1;
  Clock::time_point last_call;
  while (n > 0 && total < (256u << 20)) {
    last_call = Clock::now();
    n = port::tcp_send(&conn, chunk.data(), chunk.size());
    if (n > 0) total += static_cast<std::size_t>(n);
  }
  EXPECT_EQ(n, 0) << "after " << total << " bytes";
  EXPECT_GE(elapsed_ms(last_call), 90);  // waited for room before giving up
  EXPECT_GT(total, 0u);
  port::tcp_close(&conn);
}

TEST(TcpTransport, SendToAClosedPeerIsUnavailableWithoutSigpipe) {
  Listener listener;
  port::TcpConnection conn{};
  ASSERT_EQ(port::tcp_connect(&conn, "127.0.0.1", listener.port(), 2000), Status::kOk);
  const int peer = listener.accept_one();
  linger l{1, 0};
  setsockopt(peer, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  shutdown(peer, SHUT_RDWR);
  std::uint8_t byte = 1;
  std::int32_t n = 1;
  // The first sends may still be accepted locally; the reset then surfaces as kUnavailable.
  for (int i = 0; i < 50 && n > 0; ++i) {
    n = port::tcp_send(&conn, &byte, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(n, st(Status::kUnavailable));
  port::tcp_close(&conn);
}

TEST(TcpTransport, RejectsBadArgumentsAndWrongStates) {
  port::TcpConnection conn{};
  EXPECT_EQ(port::tcp_connect(nullptr, "127.0.0.1", 1, 100), Status::kInvalidArgument);
  EXPECT_EQ(port::tcp_connect(&conn, nullptr, 1, 100), Status::kInvalidArgument);
  EXPECT_EQ(port::tcp_connect(&conn, "", 1, 100), Status::kInvalidArgument);
  EXPECT_EQ(port::tcp_connect(&conn, "127.0.0.1", 0, 100), Status::kInvalidArgument);
  std::uint8_t buf[4] = {};
  EXPECT_EQ(port::tcp_send(&conn, buf, sizeof buf), st(Status::kUnavailable));
  EXPECT_EQ(port::tcp_recv(&conn, buf, sizeof buf, 10), st(Status::kUnavailable));
  EXPECT_EQ(port::tcp_recv(&conn, nullptr, 4, 10), st(Status::kInvalidArgument));
  EXPECT_EQ(port::tcp_send(nullptr, buf, 1), st(Status::kInvalidArgument));
  port::tcp_close(&conn);  // closing a closed connection is harmless
  port::tcp_close(nullptr);

  Listener listener;
  ASSERT_EQ(port::tcp_connect(&conn, "127.0.0.1", listener.port(), 2000), Status::kOk);
  EXPECT_EQ(port::tcp_connect(&conn, "127.0.0.1", listener.port(), 2000),
            Status::kFailedPrecondition);
  port::tcp_close(&conn);
  port::tcp_close(&conn);
}

TEST(TcpTransport, SleepWaitsAtLeastTheTime) {
  const auto start = Clock::now();
  port::sleep_ms(30);
  EXPECT_GE(elapsed_ms(start), 30);
  port::sleep_ms(0);
}

TEST(TcpTransport, DefaultCaBundleIsTheDebianOne) {
  const char* path = port::default_ca_bundle_path();
  ASSERT_NE(path, nullptr);
  EXPECT_STREQ(path, "/etc/ssl/certs/ca-certificates.crt");
  EXPECT_EQ(access(path, R_OK), 0) << "install the ca-certificates package";
}

}  // namespace
}  // namespace tracelet
