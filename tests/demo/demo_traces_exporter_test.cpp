// sensor_node honours OTEL_TRACES_EXPORTER: "none" exports nothing, "console" prints each span,
// "otlp,console" sends each span to the collector and prints it too. The otlp case uses a
// plain-HTTP tracelet-receiver on 127.0.0.1, started and stopped by PID.
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/receiver_process.h"

namespace tracelet::test {
namespace {

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Runs the demo for about a second with `env` added to this process's environment (the child
// inherits it); returns its exit code and fills stdout/stderr.
int run_demo(const std::vector<std::pair<std::string, std::string>>& env, std::string& out,
             std::string& err) {
  for (const auto& kv : env) ::setenv(kv.first.c_str(), kv.second.c_str(), 1);
  TempDir dir;
  ChildProcess demo;
  std::string error;
  const bool started = demo.start({TRACELET_DEMO_SENSOR_NODE, "--seconds", "1", "--cycle-ms", "100"},
                                  dir.file("out"), dir.file("err"), error);
  const int rc = started ? demo.wait(60000) : -1;
  out = read_file(dir.file("out"));
  err = read_file(dir.file("err")) + error;
  for (const auto& kv : env) ::unsetenv(kv.first.c_str());
  return rc;
}

std::uint64_t counter(const std::string& out, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(name + "=([0-9]+)"))) return ~0ull;
  return std::stoull(m[1]);
}

TEST(DemoTracesExporter, NoneRecordsButExportsNothing) {
  std::string out, err;
  ASSERT_EQ(run_demo({{"OTEL_TRACES_EXPORTER", "none"}}, out, err), 0) << out << err;
  EXPECT_NE(out.find("spans are recorded but not exported"), std::string::npos) << out;
  EXPECT_EQ(out.find("shipping spans"), std::string::npos) << out;
  EXPECT_EQ(count_of(out, "trace="), 0u) << out;
  EXPECT_GT(counter(out, "spans recorded"), 0u) << out;
  EXPECT_EQ(counter(out, "export attempts"), 0u) << out;
  EXPECT_EQ(counter(out, "dropped\\(ring full\\)"), 0u) << out;
}

TEST(DemoTracesExporter, ConsolePrintsEverySpan) {
  std::string out, err;
  ASSERT_EQ(run_demo({{"OTEL_TRACES_EXPORTER", "console"}}, out, err), 0) << out << err;
  EXPECT_EQ(out.find("shipping spans"), std::string::npos) << out;
  EXPECT_GT(count_of(out, "trace="), 0u) << out;
  EXPECT_EQ(count_of(out, "trace="), counter(out, "spans recorded")) << out;
}

TEST(DemoTracesExporter, OtlpAndConsoleDoBoth) {
  TempDir dir;
  ReceiverProcess receiver;
  std::string error;
  ASSERT_TRUE(receiver.start(dir.path(), {"--plain"}, error)) << error;
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/v1/traces";
  std::string out, err;
  const int rc = run_demo({{"OTEL_TRACES_EXPORTER", "otlp,console"},
                           {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint},
                           {"TRACELET_ALLOW_PLAIN_HTTP", "true"},
                           {"OTEL_BSP_SCHEDULE_DELAY", "100"}},
                          out, err);
  EXPECT_EQ(rc, 0) << out << err;
  const std::uint64_t recorded = counter(out, "spans recorded");
  EXPECT_GT(recorded, 0u) << out;
  EXPECT_EQ(counter(out, " exported"), recorded) << out;
  EXPECT_EQ(count_of(out, "trace="), recorded) << "each exported span printed once\n" << out;
  EXPECT_EQ(receiver.stop(), 0);
  EXPECT_EQ(receiver.jsonl_lines().size(), recorded) << receiver.log();
}

}  // namespace
}  // namespace tracelet::test
