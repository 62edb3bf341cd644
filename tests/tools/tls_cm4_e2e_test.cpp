// Cortex-M4 exporting over TLS by itself, run by the cm4 build's CTest
// (tests/cortex_m/lwip_e2e.cmake): boards/mps2_an386/tls_demo.cpp runs in qemu-system-arm with
// user-mode networking (restrict=on); its only reachable address, 10.0.2.100:4318, is a guestfwd
// rule that runs guestfwd_connector per connection, which reaches tracelet-receiver on
// 127.0.0.1 (started and stopped here, by PID). The port file the connector reads is written
// only once the receiver listens, so "collector not up yet" is real.
// Host program, built in a host build tree; from the environment:
//   TRACELET_TLS_FIRMWARE=<mps2_an386_tls_demo.elf>   TRACELET_PKI_DIR=<its test PKI>
//   TRACELET_GUESTFWD_CONNECTOR=<guestfwd_connector>   TRACELET_QEMU=<qemu-system-arm> (optional)
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/demo_workload_check.h"
#include "support/process.h"
#include "support/receiver_process.h"

namespace tracelet {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

class TlsExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    firmware_ = env("TRACELET_TLS_FIRMWARE");
    pki_ = env("TRACELET_PKI_DIR");
    connector_ = env("TRACELET_GUESTFWD_CONNECTOR");
    qemu_ = env("TRACELET_QEMU").empty() ? "qemu-system-arm" : env("TRACELET_QEMU");
    ASSERT_FALSE(firmware_.empty() || pki_.empty() || connector_.empty())
        << "set TRACELET_TLS_FIRMWARE, TRACELET_PKI_DIR and TRACELET_GUESTFWD_CONNECTOR "
           "(tests/cortex_m/lwip_e2e.cmake does)";
    port_file_ = dir_.file("collector.port");
  }

  // Starts tracelet-receiver with the server key of `pki` (+ extra options) and publishes its
  // port to the connector.
  void start_receiver(const std::string& pki, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"--cert", pki + "/server.crt", "--key", pki + "/server.key"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string error;
    ASSERT_TRUE(receiver_.start(dir_.path(), args, error)) << error;
    const std::string temp = port_file_ + ".tmp";
    std::ofstream(temp) << receiver_.port() << "\n";
    ASSERT_EQ(std::rename(temp.c_str(), port_file_.c_str()), 0);
  }

  void start_board(std::uint32_t record_ms, std::uint32_t drain_ms) {
    // Commas separate QEMU options: the paths must not contain any (TempDir paths do not).
    const std::string nic = "user,model=lan9118,restrict=on,guestfwd=tcp:10.0.2.100:4318-cmd:" +
                            connector_ + " " + port_file_;
    const std::string semihosting = "enable=on,target=native,arg=tls_demo,arg=record-ms=" +
                                    std::to_string(record_ms) + ",arg=drain-ms=" + std::to_string(drain_ms);
    std::string error;
    ASSERT_TRUE(board_.start({"timeout", "90", qemu_, "-machine", "mps2-an386", "-cpu", "cortex-m4",
                              "-nographic", "-monitor", "none", "-serial", "none",
                              "-semihosting-config", semihosting, "-nic", nic, "-kernel", firmware_},
                             dir_.file("qemu.out"), dir_.file("qemu.err"), error))
        << error;
  }

  // Waits for the board and returns its exit code; its semihosting output lands in board_out_.
  int wait_board() {
    const int rc = board_.wait(90000);
    board_out_ = test::read_file(dir_.file("qemu.out")) + test::read_file(dir_.file("qemu.err"));
    std::cout << "---- firmware (semihosting) ----\n" << board_out_;
    return rc;
  }

  void stop_receiver() {
    EXPECT_EQ(receiver_.stop(), 0);
    std::cout << "---- tracelet-receiver log ----\n" << receiver_.log();
    std::cout << "---- tracelet-receiver: trace trees ----\n" << receiver_.trees() << std::flush;
  }

  // Every span the firmware recorded arrived exactly once, with its nesting, attributes and times.
  void expect_all_delivered_once();

  test::TempDir dir_;
  std::string firmware_, pki_, connector_, qemu_, port_file_, board_out_;
  test::ReceiverProcess receiver_;
  test::ChildProcess board_;
};

void TlsExportTest::expect_all_delivered_once() {
  std::map<std::string, std::uint64_t> fw = test::firmware_fields(board_out_, "tls-demo: rounds=");
  ASSERT_FALSE(fw.empty()) << "no summary line from the firmware";
  const std::uint64_t rounds = fw["rounds"], ticks = fw["ticks"], recorded = fw["recorded"];
  EXPECT_NE(board_out_.find("tls-demo: all recorded spans delivered"), std::string::npos);
  EXPECT_EQ(fw["dropped"], 0u);
  EXPECT_EQ(fw["exported"], recorded);
  EXPECT_EQ(fw["pending"], 0u);
  EXPECT_EQ(recorded, rounds * 4 + ticks * 2);
  EXPECT_GE(rounds, 3u);
  EXPECT_GE(ticks, 3u) << "the timer interrupt recorded too little";

  test::DemoWorkload got;
  ASSERT_NO_FATAL_FAILURE(test::check_demo_workload(
      receiver_.jsonl_lines(),
      {"mps2-tls-demo", {{"device.id", "mps2-an386-qemu"}, {"link", "lan9118"}}, rounds, ticks, recorded},
      got));
  std::cout << "timer ticks (number: start ns):";
  for (const auto& [tick, span] : got.tick_by_number) std::cout << " " << tick << ":" << span->start;
  std::cout << "\n";
  // The timer fires every 20 ms; single ticks may be late under a loaded host, the mean is not.
  if (got.tick_by_number.size() >= 3) {
    const test::DemoSpan* first = got.tick_by_number.begin()->second;
    const test::DemoSpan* last = got.tick_by_number.rbegin()->second;
    const double mean_ms = static_cast<double>(last->start - first->start) / 1e6 /
                           static_cast<double>(got.tick_by_number.size() - 1);
    EXPECT_GT(mean_ms, 15.0);
    EXPECT_LT(mean_ms, 25.0);
  }
}

TEST_F(TlsExportTest, EverySpanArrivesOnceWithNestingAttributesAndTimes) {
  start_receiver(pki_, {});
  start_board(300, 20000);
  ASSERT_EQ(wait_board(), 0) << "qemu-system-arm exit status (-2: still running after 90 s)";
  stop_receiver();
  expect_all_delivered_once();
  std::map<std::string, std::uint64_t> fw = test::firmware_fields(board_out_, "tls-demo: rounds=");
  EXPECT_EQ(fw["connects"], 1u) << "one TLS connection, kept alive for every batch";
  EXPECT_EQ(fw["failures"], 0u);
  EXPECT_EQ(test::count_of(receiver_.log(), "TLS handshake ok (full"), 1u);
  std::map<std::string, std::uint64_t> fig = test::firmware_fields(board_out_, "tls-demo: figures");
  EXPECT_GT(fig["tls_heap_peak"], 0u);
  EXPECT_LE(fig["tls_heap_peak"], fig["tls_arena"]);
  EXPECT_GT(fig["handshake_busy_ns"], 0u);
  EXPECT_LT(fig["stack_peak"], fig["stack_size"]);
}

TEST_F(TlsExportTest, ReceiverStartedSecondsAfterBootLosesNothing) {
  start_board(300, 30000);
  // No port file yet: every connection the firmware opens is closed at once.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ASSERT_TRUE(board_.running());
  start_receiver(pki_, {});
  ASSERT_EQ(wait_board(), 0) << "qemu-system-arm exit status (-2: still running after 90 s)";
  stop_receiver();
  expect_all_delivered_once();
  std::map<std::string, std::uint64_t> fw = test::firmware_fields(board_out_, "tls-demo: rounds=");
  EXPECT_GE(fw["connect_failures"], 1u) << "the collector was down at first";
  EXPECT_NE(board_out_.find("exporter: cannot reach 10.0.2.100:4318"), std::string::npos);
}

TEST_F(TlsExportTest, TwoAnswers503AreRetriedAndDelivered) {
  start_receiver(pki_, {"--fail-status", "503", "--fail-count", "2"});
  start_board(300, 20000);
  ASSERT_EQ(wait_board(), 0) << "qemu-system-arm exit status (-2: still running after 90 s)";
  stop_receiver();
  expect_all_delivered_once();
  std::map<std::string, std::uint64_t> fw = test::firmware_fields(board_out_, "tls-demo: rounds=");
  EXPECT_EQ(fw["failures"], 2u);
  EXPECT_GE(fw["retries"], 2u);
  EXPECT_EQ(test::count_of(board_out_, "collector answered 503"), 2u);
  EXPECT_EQ(test::count_of(receiver_.log(), "-> 503"), 2u);
}

TEST_F(TlsExportTest, ServerCertificateFromAnotherCaIsRefusedAndNothingIsSent) {
  start_receiver(pki_ + "/foreign", {});
  start_board(100, 3000);
  EXPECT_EQ(wait_board(), 1) << "the firmware must report that it delivered nothing";
  stop_receiver();
  std::map<std::string, std::uint64_t> fw = test::firmware_fields(board_out_, "tls-demo: rounds=");
  ASSERT_FALSE(fw.empty()) << "no summary line from the firmware";
  EXPECT_GE(fw["connect_failures"], 1u);
  EXPECT_EQ(fw["connects"], 0u);
  EXPECT_EQ(fw["exported"], 0u);
  EXPECT_EQ(fw["attempts"], fw["connect_failures"]) << "every attempt ended at the handshake";
  EXPECT_EQ(fw["succeeded"], 0u);
  EXPECT_EQ(fw["pending"], fw["recorded"]) << "refused spans stay buffered";
  EXPECT_NE(board_out_.find("not correctly signed by the trusted CA"), std::string::npos)
      << "a clear reason on the console";
  EXPECT_TRUE(receiver_.jsonl_lines().empty());
  EXPECT_EQ(test::count_of(receiver_.log(), "POST"), 0u) << "no request reached the collector";
}

}  // namespace
}  // namespace tracelet
