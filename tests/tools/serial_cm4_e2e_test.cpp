// Cortex-M4 end to end, run by the cm4 build's CTest (tests/cortex_m/serial_e2e.cmake): the
// MPS2-AN386 firmware boards/mps2_an386/serial_demo.cpp runs in qemu-system-arm and writes
// serial frames to UART0 (a file); tracelet-bridge follows that file and forwards the frames
// over TLS to tracelet-receiver, which this test starts and stops (by PID). Checks that every
// span the firmware says it recorded arrives exactly once, with its parent links, attributes
// and times, and prints the receiver's trace trees.
// Host program, built in a host build tree; the firmware image and QEMU come from the
// environment: TRACELET_SERIAL_FIRMWARE=<elf>, TRACELET_QEMU=<qemu-system-arm> (optional).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/demo_workload_check.h"
#include "support/process.h"
#include "support/receiver_process.h"

namespace tracelet {
namespace {

TEST(SerialCortexM4, FirmwareSpansReachTheCollectorThroughUartAndBridge) {
  const char* firmware = std::getenv("TRACELET_SERIAL_FIRMWARE");
  ASSERT_NE(firmware, nullptr) << "set TRACELET_SERIAL_FIRMWARE to mps2_an386_serial_demo.elf "
                                  "(tests/cortex_m/serial_e2e.cmake does)";
  const char* qemu = std::getenv("TRACELET_QEMU") != nullptr ? std::getenv("TRACELET_QEMU")
                                                             : "qemu-system-arm";
  test::TempDir dir;
  ASSERT_EQ(test::make_test_ca(dir.file("pki")), "");
  test::ReceiverProcess receiver;
  std::string error;
  ASSERT_TRUE(receiver.start(dir.path(), {"--certs", dir.file("pki")}, error)) << error;

  // The bridge follows the UART file while the firmware writes it, as it would a live port.
  const std::string uart = dir.file("uart0.bin");
  std::ofstream(uart, std::ios::binary).close();
  std::vector<std::string> bridge_argv = test::split_command(TRACELET_BRIDGE_COMMAND);
  bridge_argv.insert(bridge_argv.end(),
                     {"--input", uart, "--follow", "--idle-exit-ms", "4000", "--endpoint",
                      "https://127.0.0.1:" + std::to_string(receiver.port()) + "/v1/traces", "--ca",
                      dir.file("pki") + "/ca.crt"});
  test::ChildProcess bridge;
  ASSERT_TRUE(bridge.start(bridge_argv, dir.file("bridge.out"), dir.file("bridge.err"), error)) << error;

  test::ChildProcess board;
  ASSERT_TRUE(board.start({qemu, "-machine", "mps2-an386", "-cpu", "cortex-m4", "-nographic",
                           "-monitor", "none", "-semihosting-config", "enable=on,target=native",
                           "-icount", "shift=0", "-serial", "file:" + uart, "-kernel", firmware},
                          dir.file("qemu.out"), dir.file("qemu.err"), error))
      << error;
  const int board_rc = board.wait(90000);
  // Semihosting output may reach QEMU's stdout or stderr (depending on -nographic and the
  // console setup): read both.
  const std::string board_out =
      test::read_file(dir.file("qemu.out")) + test::read_file(dir.file("qemu.err"));
  std::cout << "---- firmware (semihosting) ----\n" << board_out;
  ASSERT_EQ(board_rc, 0) << "qemu-system-arm exit status (-2: still running after 90 s)";

  const int bridge_rc = bridge.wait(60000);
  const std::string bridge_log = test::read_file(dir.file("bridge.err"));
  std::cout << "---- tracelet-bridge ----\n" << bridge_log;
  EXPECT_EQ(bridge_rc, 0);
  EXPECT_EQ(receiver.stop(), 0);
  std::cout << "---- tracelet-receiver: trace trees ----\n" << receiver.trees() << std::flush;

  // What the firmware says it did.
  std::map<std::string, std::uint64_t> fw = test::firmware_fields(board_out, "serial-demo: rounds=");
  ASSERT_FALSE(fw.empty()) << "no summary line from the firmware";
  const std::uint64_t rounds = fw["rounds"], ticks = fw["ticks"], recorded = fw["recorded"];
  EXPECT_NE(board_out.find("all recorded spans sent"), std::string::npos);
  EXPECT_EQ(fw["dropped"], 0u);
  EXPECT_EQ(fw["spans_sent"], recorded);
  EXPECT_EQ(recorded, rounds * 4 + ticks * 2);
  EXPECT_GE(rounds, 20u);
  EXPECT_GE(ticks, 5u) << "the timer interrupt recorded too little";
  EXPECT_EQ(fw["write_failures"], 1u) << "the firmware injects exactly one link error";

  // What the bridge saw: the boot banner skipped, the broken frame recovered, nothing lost.
  EXPECT_NE(bridge_log.find("skipped 50 bytes"), std::string::npos);
  EXPECT_EQ(test::count_of(bridge_log, "crc-mismatch"), 1u);
  EXPECT_EQ(test::count_of(bridge_log, "recovered after a damaged copy"), 1u);
  EXPECT_EQ(test::count_of(bridge_log, ": forwarded, HTTP 200"), fw["frames"]);
  EXPECT_NE(bridge_log.find(" 0 frames lost"), std::string::npos);

  // What the collector received.
  test::DemoWorkload got;
  ASSERT_NO_FATAL_FAILURE(test::check_demo_workload(
      receiver.jsonl_lines(),
      {"mps2-serial-demo", {{"device.id", "mps2-an386-qemu"}, {"link", "uart0"}}, rounds, ticks, recorded},
      got));
  const test::DemoSpan* previous = nullptr;
  for (const auto& [tick, span] : got.tick_by_number) {
    if (previous != nullptr) {
      // 5 ms apart (timer period), within the emulator's interrupt latency.
      EXPECT_GE(span->start - previous->start, 4'000'000u) << "tick " << tick;
      EXPECT_LE(span->start - previous->start, 6'000'000u) << "tick " << tick;
    }
    previous = span;
  }
}

}  // namespace
}  // namespace tracelet
