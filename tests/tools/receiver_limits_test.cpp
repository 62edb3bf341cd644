// The receiver under attack, on loopback, bounded in count and time: a head or body trickled
// a byte at a time (slowloris), more connections than it serves, and an oversized head. Each
// attack is checked for its answer and for valid requests still being served. The memory
// attacks are in receiver_memory_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/raw_http.h"

namespace tracelet {
namespace {

using test::Clock;
using test::ms_since;
using test::RawClient;
using test::request;
using test::status_of;
using test::valid_export;
using ReceiverLimitsTest = test::ReceiverAttackTest;

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

}  // namespace
}  // namespace tracelet
