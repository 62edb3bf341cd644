// The receiver's memory under attack: a small body that decodes to a huge span tree, and no
// memory for another connection thread. Not built with sanitizers: their shadow memory and
// address-space reservations are what these tests measure and limit.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "support/raw_http.h"

namespace tracelet {
namespace {

using test::empty_spans_request;
using test::peak_rss_kib;
using test::RawClient;
using test::request;
using test::status_of;
using test::valid_export;
using ReceiverLimitsTest = test::ReceiverAttackTest;

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
