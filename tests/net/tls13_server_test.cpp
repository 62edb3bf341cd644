// A collector that speaks only TLS 1.3 (openssl s_server -tls1_3 on 127.0.0.1, started and
// stopped by the test): tracelet's client (Mbed TLS 2.28, TLS 1.2) must fail the handshake with
// a reason that says so, not just "fatal alert ... -0x7780".
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "support/process.h"
#include "support/receiver_process.h"
#include "tracelet/net_port.h"
#include "tracelet/tls.h"

namespace tracelet {
namespace {

TEST(Tls13OnlyServer, HandshakeFailsWithAReasonNamingTls13) {
  test::TempDir dir;
  ASSERT_EQ(test::make_test_ca(dir.file("ca")), "");
  const std::string out = dir.file("s_server.out");
  test::ChildProcess server;
  std::string error;
  ASSERT_TRUE(server.start({"openssl", "s_server", "-tls1_3", "-accept", "127.0.0.1:0", "-cert",
                            dir.file("ca/server.crt"), "-key", dir.file("ca/server.key")},
                           out, dir.file("s_server.err"), error))
      << error;
  // s_server prints "ACCEPT 127.0.0.1:<port>" once it listens.
  std::uint16_t port = 0;
  for (int i = 0; i < 100 && port == 0; ++i) {
    const std::string text = test::read_file(out);
    const std::size_t at = text.find("ACCEPT 127.0.0.1:");
    if (at != std::string::npos) port = static_cast<std::uint16_t>(std::atoi(text.c_str() + at + 17));
    if (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(port, 0) << test::read_file(out) << test::read_file(dir.file("s_server.err"));

  const std::string ca = dir.file("ca/ca.crt");
  TlsOptions options;
  options.server_name = "localhost";
  options.ca_file = ca.c_str();
  options.handshake_timeout_ms = 5000;
  TlsClient client;
  ASSERT_EQ(client.init(options), Status::kOk);
  port::TcpConnection tcp;
  ASSERT_EQ(port::tcp_connect(&tcp, "127.0.0.1", port, 5000), Status::kOk);
  EXPECT_NE(client.handshake(port::tcp_transport(&tcp)), Status::kOk);
  char reason[256];
  const std::string text = client.describe_error(reason, sizeof reason);
  // The server's protocol_version alert names the cause; when a reset discards the alert the
  // reason still says what a hang-up at ClientHello most likely means.
  EXPECT_NE(text.find("require"), std::string::npos) << text;
  EXPECT_NE(text.find("TLS 1.3"), std::string::npos) << text;
  EXPECT_NE(text.find("TLS 1.2 only"), std::string::npos) << text;
  std::printf("reason: %s\n", text.c_str());
  port::tcp_close(&tcp);
  client.deinit();
  server.stop();
}

}  // namespace
}  // namespace tracelet
