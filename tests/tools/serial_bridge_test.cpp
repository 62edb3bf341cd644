// tools/bridge: the sequence bookkeeping (LinkMonitor), then the real tracelet-bridge program
// between frames written by SerialExporter (with noise, cut frames, lost frames) and the local
// receiver over TLS on 127.0.0.1, started and stopped by each test.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "link_monitor.h"
#include "support/json_lite.h"
#include "support/process.h"
#include "support/receiver_process.h"
#include "tracelet/log_record.h"
#include "tracelet/serial_exporter.h"
#include "tracelet/serial_frame.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

using bridge::LinkMonitor;
using Bytes = std::vector<std::uint8_t>;

// ---- LinkMonitor -----------------------------------------------------------------------------

TEST(LinkMonitor, InOrderFramesLoseNothing) {
  LinkMonitor m;
  EXPECT_EQ(m.on_good(5, 1).verdict, LinkMonitor::Verdict::kFirst);
  EXPECT_EQ(m.on_good(6, 2).verdict, LinkMonitor::Verdict::kInOrder);
  EXPECT_EQ(m.on_good(7, 3).verdict, LinkMonitor::Verdict::kInOrder);
  EXPECT_EQ(m.finish(), 0u);
  EXPECT_EQ(m.lost(), 0u);
}

TEST(LinkMonitor, ADamagedFrameResentWithItsNumberIsRecovered) {
  LinkMonitor m;
  (void)m.on_good(0, 1);
  m.on_bad(1);
  m.on_bad(1);  // failed twice on the link
  LinkMonitor::Result r = m.on_good(1, 2);
  EXPECT_EQ(r.verdict, LinkMonitor::Verdict::kInOrder);
  EXPECT_TRUE(r.recovered);
  (void)m.on_good(2, 3);
  EXPECT_EQ(m.finish(), 0u);
  EXPECT_EQ(m.lost(), 0u);
  EXPECT_EQ(m.recovered(), 1u);
}

TEST(LinkMonitor, SkippedNumbersAreLostOnceDamagedCopiesIncluded) {
  LinkMonitor m;
  (void)m.on_good(10, 1);
  m.on_bad(11);  // seen damaged, never again
  LinkMonitor::Result r = m.on_good(14, 2);
  EXPECT_EQ(r.verdict, LinkMonitor::Verdict::kGap);
  EXPECT_EQ(r.missing, 3u);
  EXPECT_EQ(r.expected, 11u);
  EXPECT_EQ(m.finish(), 0u);
  EXPECT_EQ(m.lost(), 3u);
}

TEST(LinkMonitor, ADamagedLastFrameIsLostAtTheEnd) {
  LinkMonitor m;
  (void)m.on_good(0, 1);
  m.on_bad(1);
  EXPECT_EQ(m.finish(), 1u);
  EXPECT_EQ(m.lost(), 1u);
}

TEST(LinkMonitor, RestartsRepeatsAndWrapAround) {
  LinkMonitor m;
  (void)m.on_good(0xFFFFFFFEu, 1);
  EXPECT_EQ(m.on_good(0xFFFFFFFFu, 2).verdict, LinkMonitor::Verdict::kInOrder);
  EXPECT_EQ(m.on_good(0, 3).verdict, LinkMonitor::Verdict::kInOrder);  // wraps
  EXPECT_EQ(m.on_good(0, 3).verdict, LinkMonitor::Verdict::kDuplicate);
  EXPECT_EQ(m.on_good(1, 4).verdict, LinkMonitor::Verdict::kInOrder);
  m.on_bad(0);  // a damaged copy of something delivered: harmless
  EXPECT_EQ(m.on_good(0, 9).verdict, LinkMonitor::Verdict::kRestart);  // a new run
  EXPECT_EQ(m.on_good(1, 10).verdict, LinkMonitor::Verdict::kInOrder);
  EXPECT_EQ(m.finish(), 0u);
  EXPECT_EQ(m.lost(), 0u);
  EXPECT_EQ(m.restarts(), 1u);
  EXPECT_EQ(m.duplicates(), 1u);
}

// ---- the bridge program ----------------------------------------------------------------------

std::vector<std::string> bridge_command() {
  return test::split_command(TRACELET_BRIDGE_COMMAND);
}

// A link into memory that can fail once after a given number of bytes.
struct MemoryLink {
  Bytes bytes;
  std::size_t fail_at = SIZE_MAX;
  static std::int32_t send(void* ctx, const std::uint8_t* data, std::size_t len) {
    auto* self = static_cast<MemoryLink*>(ctx);
    if (self->fail_at != SIZE_MAX) {
      if (self->bytes.size() >= self->fail_at) {
        self->fail_at = SIZE_MAX;
        return static_cast<std::int32_t>(Status::kDataLoss);
      }
      len = std::min(len, self->fail_at - self->bytes.size());
    }
    self->bytes.insert(self->bytes.end(), data, data + len);
    return static_cast<std::int32_t>(len);
  }
};

struct Device {
  alignas(8) std::uint8_t memory[65536];
  Tracer tracer;
  MemoryLink link;
  SerialExporter exporter;
  std::vector<std::size_t> frame_ends;  // offset after each completed frame
  std::set<std::string> span_ids;

  Device() {
    Options options;
    options.service_name = "bridge-test-device";
    options.ring_memory = ByteSpan{memory, sizeof memory};
    EXPECT_EQ(tracer.init(options), Status::kOk);
    Transport t;
    t.ctx = &link;
    t.send = &MemoryLink::send;
    SerialExporterConfig config;
    config.max_batch_spans = 5;
    config.retry_delay_ms = 1;
    EXPECT_EQ(exporter.init(tracer, t, config), Status::kOk);
  }
  void record(int n) {
    for (int i = 0; i < n; ++i) {
      auto span = tracer.start_span("work");
      span.set_attribute("i", i);
      static const char kDigits[] = "0123456789abcdef";
      std::string id;
      for (std::uint8_t b : span.context().span_id.bytes) {
        id += kDigits[b >> 4];
        id += kDigits[b & 15];
      }
      span_ids.insert(id);
    }
  }
  // Sends one frame (retrying after a failure, as the main loop would).
  void send_frame() {
    while (exporter.poll() == 0) {
      ASSERT_NE(exporter.pending_spans(), 0u);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    frame_ends.push_back(link.bytes.size());
  }
  void noise(const std::string& text) { link.bytes.insert(link.bytes.end(), text.begin(), text.end()); }
};

void write_file(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

class BridgeProgram : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(test::make_test_ca(dir_.file("pki")), "");
  }
  void start_receiver(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--certs", dir_.file("pki"), "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string error;
    ASSERT_TRUE(receiver_.start(dir_.path(), args, error)) << error;
  }
  std::vector<std::string> bridge_args(const std::string& input, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = bridge_command();
    argv.insert(argv.end(), {"--input", input, "--endpoint",
                             "https://127.0.0.1:" + std::to_string(receiver_.port()) + "/v1/traces",
                             "--ca", dir_.file("pki") + "/ca.crt", "--initial-backoff-ms", "20"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  // Runs the bridge to completion; returns its exit code, its log in `log`.
  int run_bridge(const std::vector<std::string>& argv, std::string& log) {
    test::ChildProcess bridge;
    std::string error;
    EXPECT_TRUE(bridge.start(argv, dir_.file("bridge.out"), dir_.file("bridge.err"), error)) << error;
    const int rc = bridge.wait(60000);
    log = test::read_file(dir_.file("bridge.err"));
    return rc;
  }
  // Span ids the receiver wrote to --jsonl, with how often each came.
  std::map<std::string, int> received() {
    std::map<std::string, int> ids;
    for (const std::string& line : receiver_.jsonl_lines()) {
      test::Json span;
      EXPECT_TRUE(test::Json::parse(line, span)) << line;
      EXPECT_EQ(span["name"].text, "work");
      EXPECT_EQ(test::attribute(span["resource"]["attributes"], "service.name")["stringValue"].text,
                "bridge-test-device");
      ++ids[span["span_id"].text];
    }
    return ids;
  }
  static void expect_exactly_once(const std::map<std::string, int>& got, const std::set<std::string>& want) {
    EXPECT_EQ(got.size(), want.size());
    for (const std::string& id : want) {
      auto it = got.find(id);
      ASSERT_NE(it, got.end()) << "span " << id << " never arrived";
      EXPECT_EQ(it->second, 1) << "span " << id;
    }
  }

  test::TempDir dir_;
  test::ReceiverProcess receiver_;
};

TEST_F(BridgeProgram, NoiseAndACutFrameCostNothing) {
  Device device;
  device.noise("boot: tracelet serial demo\r\n");
  for (int frame = 0; frame < 6; ++frame) {
    device.record(5);
    if (frame == 3) device.link.fail_at = device.link.bytes.size() + 57;  // cut mid-payload
    device.send_frame();
    if (frame == 1) device.noise("log: sensor ok\r\n");
  }
  write_file(dir_.file("link.bin"), device.link.bytes);
  start_receiver();
  std::string log;
  EXPECT_EQ(run_bridge(bridge_args(dir_.file("link.bin")), log), 0) << log;
  EXPECT_NE(log.find("frame seq=3 ("), std::string::npos) << log;
  EXPECT_NE(log.find("crc-mismatch"), std::string::npos) << log;
  EXPECT_NE(log.find("recovered after a damaged copy"), std::string::npos) << log;
  EXPECT_NE(log.find("skipped 28 bytes"), std::string::npos) << log;
  EXPECT_NE(log.find("6 intact frames (6 forwarded"), std::string::npos) << log;
  EXPECT_NE(log.find("0 frames lost"), std::string::npos) << log;
  for (int seq = 0; seq < 6; ++seq) {
    EXPECT_NE(log.find("frame seq=" + std::to_string(seq) + " bytes="), std::string::npos) << seq;
  }
  expect_exactly_once(received(), device.span_ids);
  EXPECT_EQ(receiver_.stop(), 0);
}

TEST_F(BridgeProgram, LogRecordsCrossTheLinkAndArePrintedUnderTheirSpan) {
  Device device;
  std::string span_id;
  {
    auto span = device.tracer.start_span("work");
    span.set_attribute("i", 0);
    for (std::uint8_t b : span.context().span_id.bytes) {
      static const char kDigits[] = "0123456789abcdef";
      span_id += kDigits[b >> 4];
      span_id += kDigits[b & 15];
    }
    log(device.tracer, Severity::kWarn, "sent over the serial link", {});
    logf(device.tracer, Severity::kInfo, "reading %d", 42);
  }
  device.send_frame();  // one batch: a traces frame, then a logs frame
  EXPECT_EQ(device.exporter.counters().frames_sent, 2u);
  EXPECT_EQ(device.exporter.counters().logs_sent, 2u);
  write_file(dir_.file("link.bin"), device.link.bytes);
  std::string error;
  ASSERT_TRUE(receiver_.start(dir_.path(), {"--certs", dir_.file("pki")}, error)) << error;
  std::string log_text;
  EXPECT_EQ(run_bridge(bridge_args(dir_.file("link.bin")), log_text), 0) << log_text;
  EXPECT_NE(log_text.find("frame seq=1 bytes="), std::string::npos) << log_text;
  EXPECT_NE(log_text.find(": log records forwarded, HTTP 200"), std::string::npos) << log_text;
  ASSERT_TRUE(receiver_.wait_for_log("POST /v1/logs")) << receiver_.log();
  const std::string printed = receiver_.trees();
  const std::size_t at = printed.find("    span " + span_id + " \"work\"\n");
  ASSERT_NE(at, std::string::npos) << printed;
  EXPECT_NE(printed.find(" WARN(13) \"sent over the serial link\"\n", at), std::string::npos) << printed;
  EXPECT_NE(printed.find(" INFO(9) \"reading 42\"\n", at), std::string::npos) << printed;
  int logs = 0;
  for (const std::string& line : receiver_.jsonl_lines()) logs += line.find("\"signal\":\"log\"") != std::string::npos;
  EXPECT_EQ(logs, 2);
  EXPECT_EQ(receiver_.stop(), 0);
}

// TRACELET_AWS_SIGV4 and the AWS_* variables: the bridge signs what it forwards, spans for
// X-Ray and log records for CloudWatch Logs (with the group and stream --logs-header gives),
// and the receiver playing AWS (--aws-sigv4) checks every signature.
TEST_F(BridgeProgram, SignsSpansAndLogRecordsForAws) {
  constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  Device device;
  {
    auto span = device.tracer.start_span("work");
    span.set_attribute("i", 0);
    log(device.tracer, Severity::kWarn, "signed on the bridge", {});
  }
  device.send_frame();
  write_file(dir_.file("link.bin"), device.link.bytes);
  std::ofstream(dir_.file("aws.key")) << "xray us-east-1 AKIDEXAMPLE " << kSecret << "\n";
  std::string error;
  ASSERT_TRUE(receiver_.start(dir_.path(), {"--certs", dir_.file("pki"), "--aws-sigv4", dir_.file("aws.key")},
                              error))
      << error;
  setenv("TRACELET_AWS_SIGV4", "xray", 1);
  setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  setenv("AWS_SECRET_ACCESS_KEY", kSecret, 1);
  setenv("AWS_REGION", "us-east-1", 1);
  std::string log_text;
  const int rc = run_bridge(bridge_args(dir_.file("link.bin"), {"--logs-header", "x-aws-log-group: fleet",
                                                                 "--logs-header", "x-aws-log-stream: pump-7"}),
                            log_text);
  for (const char* name : {"TRACELET_AWS_SIGV4", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"}) {
    unsetenv(name);
  }
  EXPECT_EQ(rc, 0) << log_text;
  EXPECT_NE(log_text.find(": log records forwarded, HTTP 200"), std::string::npos) << log_text;
  EXPECT_EQ(log_text.find(kSecret), std::string::npos) << "the secret is never logged";
  ASSERT_TRUE(receiver_.wait_for_log("POST /v1/logs")) << receiver_.log();
  EXPECT_EQ(receiver_.log().find("403"), std::string::npos) << receiver_.log();
  int spans = 0, logs = 0;
  for (const std::string& line : receiver_.jsonl_lines()) {
    ++(line.find("\"signal\":\"log\"") != std::string::npos ? logs : spans);
  }
  EXPECT_EQ(spans, 1);
  EXPECT_EQ(logs, 1);
  EXPECT_EQ(receiver_.stop(), 0);
}

TEST_F(BridgeProgram, AMissingFrameIsReportedAndFailsTheRun) {
  Device device;
  for (int frame = 0; frame < 4; ++frame) {
    device.record(5);
    device.send_frame();
  }
  Bytes stream(device.link.bytes.begin(), device.link.bytes.begin() + static_cast<long>(device.frame_ends[1]));
  stream.insert(stream.end(), device.link.bytes.begin() + static_cast<long>(device.frame_ends[2]),
                device.link.bytes.end());  // frame 2 never made it
  write_file(dir_.file("link.bin"), stream);
  start_receiver();
  std::string log;
  EXPECT_EQ(run_bridge(bridge_args(dir_.file("link.bin")), log), 1) << log;
  EXPECT_NE(log.find("frame seq=3: sequence gap: 1 frame(s) LOST on the link (expected seq=2)"),
            std::string::npos) << log;
  EXPECT_NE(log.find("1 frames lost (link 1"), std::string::npos) << log;
  EXPECT_EQ(received().size(), 15u);
}

TEST_F(BridgeProgram, RetriesOn503AndDeliversEverything) {
  Device device;
  for (int frame = 0; frame < 3; ++frame) {
    device.record(5);
    device.send_frame();
  }
  write_file(dir_.file("link.bin"), device.link.bytes);
  start_receiver({"--fail-status", "503", "--fail-count", "2"});
  std::string log;
  EXPECT_EQ(run_bridge(bridge_args(dir_.file("link.bin")), log), 0) << log;
  EXPECT_NE(log.find("frame seq=0 bytes="), std::string::npos);
  EXPECT_NE(log.find("attempt 1 failed (HTTP 503"), std::string::npos) << log;
  EXPECT_NE(log.find("forwarded, HTTP 200 (attempt 3)"), std::string::npos) << log;
  expect_exactly_once(received(), device.span_ids);
}

TEST_F(BridgeProgram, ARefusedFrameIsLost) {
  Device device;
  for (int frame = 0; frame < 2; ++frame) {
    device.record(5);
    device.send_frame();
  }
  write_file(dir_.file("link.bin"), device.link.bytes);
  start_receiver({"--fail-status", "400", "--fail-count", "1"});
  std::string log;
  EXPECT_EQ(run_bridge(bridge_args(dir_.file("link.bin")), log), 1) << log;
  EXPECT_NE(log.find("frame seq=0 bytes="), std::string::npos);
  EXPECT_NE(log.find("LOST: the collector refused it (HTTP 400"), std::string::npos) << log;
  EXPECT_EQ(received().size(), 5u);
}

TEST_F(BridgeProgram, AnUnreachableCollectorIsRetriedThenGivenUp) {
  Device device;
  device.record(3);
  device.send_frame();
  write_file(dir_.file("link.bin"), device.link.bytes);
  start_receiver();
  const std::uint16_t port = receiver_.port();
  EXPECT_EQ(receiver_.stop(), 0);  // nothing listens there any more
  std::vector<std::string> argv = bridge_command();
  argv.insert(argv.end(), {"--input", dir_.file("link.bin"), "--endpoint",
                           "https://127.0.0.1:" + std::to_string(port) + "/v1/traces", "--ca",
                           dir_.file("pki") + "/ca.crt", "--max-attempts", "3",
                           "--initial-backoff-ms", "10"});
  std::string log;
  EXPECT_EQ(run_bridge(argv, log), 1) << log;
  EXPECT_NE(log.find("attempt 2 failed (cannot reach 127.0.0.1"), std::string::npos) << log;
  EXPECT_NE(log.find("LOST: gave up after 3 attempt(s)"), std::string::npos) << log;
}

TEST_F(BridgeProgram, FollowsAGrowingFileUntilIdleAndReadsAFifo) {
  Device device;
  for (int frame = 0; frame < 4; ++frame) {
    device.record(4);
    device.send_frame();
  }
  const Bytes& all = device.link.bytes;
  start_receiver();
  {
    // A growing file: half a frame first, the rest 300 ms later (a stall shorter than
    // --stall-ms), then nothing until --idle-exit-ms ends the run.
    const std::string path = dir_.file("growing.bin");
    write_file(path, Bytes(all.begin(), all.begin() + static_cast<long>(device.frame_ends[0] + 30)));
    test::ChildProcess bridge;
    std::string error;
    ASSERT_TRUE(bridge.start(bridge_args(path, {"--follow", "--idle-exit-ms", "1500"}),
                             dir_.file("follow.out"), dir_.file("follow.err"), error)) << error;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    {
      std::ofstream out(path, std::ios::binary | std::ios::app);
      out.write(reinterpret_cast<const char*>(all.data() + device.frame_ends[0] + 30),
                static_cast<std::streamsize>(device.frame_ends[1] - device.frame_ends[0] - 30));
    }
    EXPECT_EQ(bridge.wait(20000), 0) << test::read_file(dir_.file("follow.err"));
    const std::string log = test::read_file(dir_.file("follow.err"));
    EXPECT_NE(log.find("regular file, followed"), std::string::npos) << log;
    EXPECT_NE(log.find("(--idle-exit-ms)"), std::string::npos) << log;
    EXPECT_NE(log.find("2 intact frames (2 forwarded"), std::string::npos) << log;
  }
  {
    // A FIFO: the rest of the frames, then the writer closes it (end of input).
    const std::string fifo = dir_.file("link.fifo");
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    test::ChildProcess bridge;
    std::string error;
    ASSERT_TRUE(bridge.start(bridge_args(fifo), dir_.file("fifo.out"), dir_.file("fifo.err"), error))
        << error;
    const int fd = ::open(fifo.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    const std::uint8_t* p = all.data() + device.frame_ends[1];
    std::size_t left = all.size() - device.frame_ends[1];
    while (left != 0) {  // in small pieces, as a UART delivers them
      const std::size_t n = std::min<std::size_t>(left, 17);
      ASSERT_EQ(::write(fd, p, n), static_cast<ssize_t>(n));
      p += n;
      left -= n;
    }
    ::close(fd);
    EXPECT_EQ(bridge.wait(20000), 0) << test::read_file(dir_.file("fifo.err"));
    const std::string log = test::read_file(dir_.file("fifo.err"));
    EXPECT_NE(log.find("(FIFO)"), std::string::npos) << log;
    EXPECT_EQ(log.find("sequence went back"), std::string::npos) << log;
    EXPECT_NE(log.find("2 intact frames (2 forwarded"), std::string::npos) << log;
  }
  expect_exactly_once(received(), device.span_ids);
}

// A pseudo-terminal stands in for a USB serial adapter: the bridge must switch it to raw mode,
// or the line discipline would turn CR into LF, echo, and eat control characters that occur
// in the binary frames (every frame would then fail its CRC).
TEST_F(BridgeProgram, ReadsASerialDeviceInRawMode) {
  Device device;
  for (int frame = 0; frame < 3; ++frame) {
    device.record(5);
    device.send_frame();
  }
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  const std::string device_path = ptsname(master);
  start_receiver();
  test::ChildProcess bridge;
  std::string error;
  ASSERT_TRUE(bridge.start(bridge_args(device_path, {"--baud", "115200", "--idle-exit-ms", "1500"}),
                           dir_.file("tty.out"), dir_.file("tty.err"), error)) << error;
  // Write only once the bridge has configured the line (it logs after opening the input).
  for (int waited = 0; test::read_file(dir_.file("tty.err")).find("reading") == std::string::npos; waited += 10) {
    ASSERT_LT(waited, 10000) << "the bridge did not open " << device_path;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const Bytes& all = device.link.bytes;
  for (std::size_t at = 0; at < all.size();) {
    const std::size_t n = std::min<std::size_t>(all.size() - at, 64);
    const ssize_t wrote = ::write(master, all.data() + at, n);
    ASSERT_GT(wrote, 0);
    at += static_cast<std::size_t>(wrote);
  }
  EXPECT_EQ(bridge.wait(20000), 0) << test::read_file(dir_.file("tty.err"));
  ::close(master);
  const std::string log = test::read_file(dir_.file("tty.err"));
  EXPECT_NE(log.find("(serial device)"), std::string::npos) << log;
  EXPECT_NE(log.find("3 intact frames (3 forwarded"), std::string::npos) << log;
  EXPECT_NE(log.find(" 0 bytes skipped"), std::string::npos) << log;
  expect_exactly_once(received(), device.span_ids);
}

TEST_F(BridgeProgram, SigtermDeliversWhatWasReadAndExitsCleanly) {
  Device device;
  device.record(5);
  device.send_frame();
  const std::string path = dir_.file("link.bin");
  write_file(path, device.link.bytes);
  start_receiver();
  test::ChildProcess bridge;
  std::string error;
  ASSERT_TRUE(bridge.start(bridge_args(path, {"--follow"}), dir_.file("b.out"), dir_.file("b.err"), error))
      << error;
  ASSERT_TRUE(receiver_.wait_for_log("200", 10000)) << receiver_.log();
  EXPECT_EQ(bridge.stop(15, 10000), 0) << test::read_file(dir_.file("b.err"));
  const std::string log = test::read_file(dir_.file("b.err"));
  EXPECT_NE(log.find("stopped by signal"), std::string::npos) << log;
  expect_exactly_once(received(), device.span_ids);
}

TEST_F(BridgeProgram, BadCommandLinesAndSetupErrorsHaveTheirOwnExitCodes) {
  std::string err;
  std::vector<std::string> argv = bridge_command();
  argv.push_back("--input");
  EXPECT_EQ(test::run_to_completion(argv, 10000, err), 2);
  EXPECT_NE(err.find("needs a value"), std::string::npos) << err;
  argv = bridge_command();
  argv.insert(argv.end(), {"--input", "/nonexistent/x", "--endpoint", "https://127.0.0.1:1/v1/traces"});
  EXPECT_EQ(test::run_to_completion(argv, 10000, err), 3);
  EXPECT_NE(err.find("cannot open /nonexistent/x"), std::string::npos) << err;
  argv = bridge_command();
  argv.insert(argv.end(), {"--input", "-", "--endpoint", "http://127.0.0.1:1/v1/traces"});
  EXPECT_EQ(test::run_to_completion(argv, 10000, err), 3);
  EXPECT_NE(err.find("plain http"), std::string::npos) << err;
}

}  // namespace
}  // namespace tracelet
