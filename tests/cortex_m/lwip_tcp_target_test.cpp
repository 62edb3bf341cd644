// On-target test of port/lwip with the MPS2-AN386 LAN9118 driver, under qemu-system-arm with
// user-mode networking (restrict=on, see lwip_e2e.cmake). QEMU forwards 10.0.2.100:7 to `cat`
// (an echo per connection) and 10.0.2.100:13 to a command that exits at once; nothing else is
// reachable. Checks a TCP round trip larger than the window, and the reason net_port.h gives
// for each failure it can produce here: refused, timed out, no route, not an address, peer
// closed.
#include <lwip/netif.h>

#include <cstdint>
#include <cstring>

#include "board.h"
#include "check.h"
#include "ethernet.h"
#include "lan9118.h"
#include "tracelet/net_port.h"
#include "tracelet/port.h"
#include "tracelet_cortex_m.h"

namespace {

using tracelet::Status;
namespace port = tracelet::port;

constexpr const char* kForwarded = "10.0.2.100";

bool describes(const port::TcpConnection& conn, const char* needle) {
  char text[160];
  port::tcp_describe_error(&conn, text, sizeof text);
  board::write("  reason: ");
  board::write(text);
  board::write("\n");
  return std::strstr(text, needle) != nullptr;
}

void test_echo() {
  check::section("echo round trip through guestfwd (16 KB, more than the TCP window)");
  port::TcpConnection conn{};
  if (!CHECK(port::tcp_connect(&conn, kForwarded, 7, 5000) == Status::kOk)) {
    describes(conn, "");
    return;
  }
  static std::uint8_t out[16384];
  static std::uint8_t back[sizeof out];
  for (std::size_t i = 0; i < sizeof out; ++i) out[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
  std::size_t sent = 0, received = 0;
  const std::uint64_t deadline = port::monotonic_ns() + 20'000'000'000ull;
  while (received < sizeof back && port::monotonic_ns() < deadline) {
    if (sent < sizeof out) {
      const std::int32_t n = port::tcp_send(&conn, out + sent, sizeof out - sent);
      if (!CHECK(n >= 0)) break;
      sent += static_cast<std::size_t>(n);
    }
    const std::int32_t got = port::tcp_recv(&conn, back + received, sizeof back - received, 10);
    if (!CHECK(got >= 0)) {
      describes(conn, "");
      break;
    }
    received += static_cast<std::size_t>(got);
  }
  CHECK_EQ(sent, sizeof out);
  CHECK_EQ(received, sizeof back);
  CHECK(std::memcmp(out, back, sizeof out) == 0);
  port::tcp_close(&conn);
  CHECK(conn.handle == -1);
  // The slot is free again: a second connection works.
  CHECK(port::tcp_connect(&conn, kForwarded, 7, 5000) == Status::kOk);
  const std::uint8_t ping[] = "ping";
  CHECK_EQ(port::tcp_send(&conn, ping, 4), 4);
  std::uint8_t pong[4] = {};
  std::size_t got = 0;
  while (got < 4) {
    const std::int32_t n = port::tcp_recv(&conn, pong + got, 4 - got, 2000);
    if (!CHECK(n > 0)) break;
    got += static_cast<std::size_t>(n);
  }
  CHECK(std::memcmp(pong, "ping", 4) == 0);
  port::tcp_close(&conn);
  port::tcp_close(&conn);  // idempotent
}

void test_failures() {
  check::section("failure reasons");
  port::TcpConnection conn{};
  // restrict=on: QEMU answers a SYN to a port it does not forward with a reset.
  CHECK(port::tcp_connect(&conn, kForwarded, 9, 2000) == Status::kUnavailable);
  CHECK(describes(conn, "connection refused"));
  CHECK(conn.handle == -1);
  // Nobody answers ARP for 10.0.2.99: the SYN never leaves, the connect runs into its timeout.
  const std::uint64_t start = port::monotonic_ns();
  CHECK(port::tcp_connect(&conn, "10.0.2.99", 4318, 700) == Status::kTimeout);
  const std::uint64_t took_ms = (port::monotonic_ns() - start) / 1000000u;
  board::write("  connect gave up after ");
  board::write_uint(took_ms);
  board::write(" ms\n");
  CHECK(took_ms >= 700 && took_ms < 1500);
  CHECK(describes(conn, "timed out"));
  CHECK(conn.handle == -1);

  CHECK(port::tcp_connect(&conn, "collector.example", 4318, 500) == Status::kUnavailable);
  CHECK(describes(conn, "not an IPv4 address"));

  netif_set_down(board::ethernet::interface());
  CHECK(port::tcp_connect(&conn, kForwarded, 7, 500) == Status::kUnavailable);
  CHECK(describes(conn, "no route"));
  netif_set_up(board::ethernet::interface());

  // Accepted, then closed by the far end before a byte is sent.
  CHECK(port::tcp_connect(&conn, kForwarded, 13, 5000) == Status::kOk);
  std::uint8_t byte = 0;
  std::int32_t n = 0;
  for (int i = 0; i < 50 && n == 0; ++i) n = port::tcp_recv(&conn, &byte, 1, 100);
  CHECK(n == static_cast<std::int32_t>(Status::kUnavailable));
  CHECK(describes(conn, "peer closed"));
  port::tcp_close(&conn);

  CHECK(port::tcp_send(&conn, &byte, 1) == static_cast<std::int32_t>(Status::kUnavailable));
  CHECK(describes(conn, "not open"));
  CHECK(port::tcp_connect(nullptr, kForwarded, 7, 100) == Status::kInvalidArgument);
  CHECK(port::tcp_connect(&conn, kForwarded, 0, 100) == Status::kInvalidArgument);
}

}  // namespace

int main() {
  CHECK(tracelet::cortex_m::init(board::kCoreClockHz) == Status::kOk);
  check::section("LAN9118 + lwIP up at 10.0.2.15/24");
  if (!CHECK(board::ethernet::start("10.0.2.15", "255.255.255.0", "10.0.2.2"))) return check::finish();
  test_echo();
  test_failures();
  const board::lan9118::Counters c = board::lan9118::counters();
  board::write("lan9118: tx_frames=");
  board::write_uint(c.tx_frames);
  board::write(" rx_frames=");
  board::write_uint(c.rx_frames);
  board::write(" rx_discarded=");
  board::write_uint(c.rx_discarded);
  board::write("\n");
  CHECK(c.rx_frames > 0);
  CHECK_EQ(c.tx_failed, 0u);
  return check::finish();
}
