// The demo device with TRACELET_XRAY_SAMPLING_ENDPOINT: sensor_node takes its sampling rules
// from a local server playing the X-Ray sampling API (tests/xray_sampling/sampling_service.js),
// both started and stopped by the test by PID, on 127.0.0.1.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "support/process.h"

namespace tracelet {
namespace {

TEST(DemoRemoteSampling, SensorNodeTakesItsRulesFromTheSamplingApi) {
  test::TempDir dir;
  test::ChildProcess service;
  std::string error;
  ASSERT_TRUE(service.start({TRACELET_XS_NODE, TRACELET_XS_SERVICE_JS, "--port-file", dir.file("port"), "--log",
                             dir.file("log"), "--rules", "3"},
                            dir.file("service.out"), dir.file("service.err"), error))
      << error;
  ASSERT_TRUE(test::wait_for_file(dir.file("port"), 15000)) << test::read_file(dir.file("service.err"));
  const std::string endpoint = "http://127.0.0.1:" + test::read_file(dir.file("port"));
  setenv("TRACELET_XRAY_SAMPLING_ENDPOINT", endpoint.c_str(), 1);
  setenv("OTEL_TRACES_EXPORTER", "none", 1);
  test::ChildProcess demo;
  ASSERT_TRUE(demo.start({TRACELET_DEMO_SENSOR_NODE, "--seconds", "2"}, dir.file("demo.out"), dir.file("demo.err"),
                         error))
      << error;
  EXPECT_EQ(demo.wait(30000), 0) << test::read_file(dir.file("demo.err"));
  unsetenv("TRACELET_XRAY_SAMPLING_ENDPOINT");
  unsetenv("OTEL_TRACES_EXPORTER");
  EXPECT_EQ(service.stop(), 0) << test::read_file(dir.file("service.err"));
  const std::string out = test::read_file(dir.file("demo.out"));
  std::printf("%s", out.c_str());
  EXPECT_NE(out.find("sampling rules from " + endpoint), std::string::npos) << out;
  EXPECT_NE(out.find("X-Ray sampling: remote rules, 3 rules, 1 rules"), std::string::npos) << out;
  EXPECT_NE(out.find("rule api: "), std::string::npos) << out;
  EXPECT_NE(test::read_file(dir.file("log")).find("\"path\":\"/GetSamplingRules\""), std::string::npos);
}

TEST(DemoRemoteSampling, AwsWithoutCredentialsIsAClearError) {
  test::TempDir dir;
  setenv("TRACELET_XRAY_SAMPLING_ENDPOINT", "aws", 1);
  setenv("AWS_REGION", "eu-west-1", 1);
  unsetenv("TRACELET_AWS_SIGV4");
  test::ChildProcess demo;
  std::string error;
  ASSERT_TRUE(demo.start({TRACELET_DEMO_SENSOR_NODE, "--seconds", "1"}, dir.file("demo.out"), dir.file("demo.err"),
                         error))
      << error;
  EXPECT_EQ(demo.wait(30000), 2);
  unsetenv("TRACELET_XRAY_SAMPLING_ENDPOINT");
  unsetenv("AWS_REGION");
  EXPECT_NE(test::read_file(dir.file("demo.err")).find("needs TRACELET_AWS_SIGV4=xray"), std::string::npos)
      << test::read_file(dir.file("demo.err"));
}

}  // namespace
}  // namespace tracelet
