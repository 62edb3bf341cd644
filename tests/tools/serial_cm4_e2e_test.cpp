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

#include "support/json_lite.h"
#include "support/process.h"
#include "support/receiver_process.h"

namespace tracelet {
namespace {

// "key=value" fields of the firmware's summary line.
std::map<std::string, std::uint64_t> summary_fields(const std::string& output) {
  std::map<std::string, std::uint64_t> fields;
  const std::size_t at = output.find("serial-demo: rounds=");
  if (at == std::string::npos) return fields;
  std::istringstream line(output.substr(at + 13, output.find('\n', at) - at - 13));
  std::string word;
  while (line >> word) {
    const std::size_t eq = word.find('=');
    if (eq != std::string::npos) fields[word.substr(0, eq)] = std::stoull(word.substr(eq + 1));
  }
  return fields;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

struct SpanView {
  std::string name, trace_id, span_id, parent;
  std::uint64_t start = 0, end = 0;
  test::Json attributes;
  std::int64_t int_attr(const char* key) const {
    const test::Json& v = test::attribute(attributes, key)["intValue"];
    EXPECT_EQ(v.type, test::Json::Type::kString) << name << " has no int attribute " << key;
    return v.type == test::Json::Type::kString ? std::stoll(v.text) : -1;
  }
};

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
  std::map<std::string, std::uint64_t> fw = summary_fields(board_out);
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
  EXPECT_EQ(count_of(bridge_log, "crc-mismatch"), 1u);
  EXPECT_EQ(count_of(bridge_log, "recovered after a damaged copy"), 1u);
  EXPECT_EQ(count_of(bridge_log, ": forwarded, HTTP 200"), fw["frames"]);
  EXPECT_NE(bridge_log.find(" 0 frames lost"), std::string::npos);

  // What the collector received.
  std::map<std::string, SpanView> by_id;
  std::multiset<std::string> names;
  std::size_t lines = 0;
  for (const std::string& line : receiver.jsonl_lines()) {
    ++lines;
    test::Json j;
    ASSERT_TRUE(test::Json::parse(line, j)) << line;
    SpanView s;
    s.name = j["name"].text;
    s.trace_id = j["trace_id"].text;
    s.span_id = j["span_id"].text;
    s.parent = j["parent_span_id"].text;
    s.start = std::stoull(j["start_time_unix_nano"].text);
    s.end = std::stoull(j["end_time_unix_nano"].text);
    s.attributes = j["attributes"];
    EXPECT_EQ(test::attribute(j["resource"]["attributes"], "service.name")["stringValue"].text,
              "mps2-serial-demo");
    EXPECT_EQ(test::attribute(j["resource"]["attributes"], "device.id")["stringValue"].text,
              "mps2-an386-qemu");
    EXPECT_LE(s.start, s.end) << s.name << " " << s.span_id;
    EXPECT_TRUE(by_id.emplace(s.span_id, s).second) << "span " << s.span_id << " arrived twice";
    names.insert(s.name);
  }
  EXPECT_EQ(lines, recorded) << "every span the firmware recorded arrives exactly once";
  EXPECT_EQ(by_id.size(), recorded);
  for (const char* n : {"control-loop", "read-sensor", "actuate", "set-pwm"}) {
    EXPECT_EQ(names.count(n), rounds) << n;
  }
  EXPECT_EQ(names.count("timer-tick"), ticks);
  EXPECT_EQ(names.count("sample-adc"), ticks);

  std::map<std::int64_t, const SpanView*> loop_by_round, tick_by_number;
  std::set<std::string> loop_traces;
  for (const auto& [id, s] : by_id) {
    const SpanView* parent = nullptr;
    if (!s.parent.empty()) {
      auto it = by_id.find(s.parent);
      ASSERT_NE(it, by_id.end()) << s.name << " " << id << ": parent " << s.parent << " missing";
      parent = &it->second;
      EXPECT_EQ(parent->trace_id, s.trace_id) << s.name;
      EXPECT_LE(parent->start, s.start) << s.name << " starts before its parent";
      EXPECT_LE(s.end, parent->end) << s.name << " ends after its parent";
    }
    if (s.name == "control-loop") {
      EXPECT_EQ(parent, nullptr);
      EXPECT_TRUE(loop_by_round.emplace(s.int_attr("round"), &s).second);
      loop_traces.insert(s.trace_id);
    } else if (s.name == "read-sensor") {
      ASSERT_NE(parent, nullptr);
      EXPECT_EQ(parent->name, "control-loop");
      EXPECT_EQ(test::attribute(s.attributes, "sensor")["stringValue"].text, "temperature");
      const double celsius = test::attribute(s.attributes, "celsius")["doubleValue"].number();
      EXPECT_GE(celsius, 21.5);
      EXPECT_LE(celsius, 23.25);
    } else if (s.name == "actuate") {
      ASSERT_NE(parent, nullptr);
      EXPECT_EQ(parent->name, "control-loop");
      EXPECT_EQ(s.int_attr("duty"), 40 + parent->int_attr("round") % 20);
    } else if (s.name == "set-pwm") {
      ASSERT_NE(parent, nullptr);
      EXPECT_EQ(parent->name, "actuate");
      EXPECT_EQ(test::attribute(s.attributes, "ok")["boolValue"].type, test::Json::Type::kBool);
      EXPECT_TRUE(test::attribute(s.attributes, "ok")["boolValue"].boolean);
    } else if (s.name == "timer-tick") {
      EXPECT_EQ(parent, nullptr) << "an interrupt span must not nest under the interrupted code";
      EXPECT_EQ(s.int_attr("irq"), 8);
      EXPECT_TRUE(tick_by_number.emplace(s.int_attr("tick"), &s).second);
    } else if (s.name == "sample-adc") {
      ASSERT_NE(parent, nullptr);
      EXPECT_EQ(parent->name, "timer-tick");
      EXPECT_EQ(s.int_attr("channel"), parent->int_attr("tick") % 4);
      EXPECT_EQ(s.int_attr("millivolts"), 1200 + 37 * (parent->int_attr("tick") % 11));
    } else {
      ADD_FAILURE() << "unexpected span " << s.name;
    }
  }
  // Rounds and ticks are all there, once, and in time order.
  ASSERT_EQ(loop_by_round.size(), rounds);
  ASSERT_EQ(tick_by_number.size(), ticks);
  std::int64_t expect = 0;
  const SpanView* previous = nullptr;
  for (const auto& [round, span] : loop_by_round) {
    EXPECT_EQ(round, expect++);
    if (previous != nullptr) {
      EXPECT_LE(previous->end, span->start) << "round " << round;
    }
    previous = span;
  }
  expect = 0;
  previous = nullptr;
  for (const auto& [tick, span] : tick_by_number) {
    EXPECT_EQ(tick, expect++);
    EXPECT_EQ(loop_traces.count(span->trace_id), 0u) << "tick " << tick << " joined a main-loop trace";
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
