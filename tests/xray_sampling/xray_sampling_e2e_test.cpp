// End to end against a local server that plays the X-Ray sampling API
// (tests/xray_sampling/sampling_service.js, plain Node.js, started and stopped by PID, on
// 127.0.0.1): the real NetConnector, HTTP writer and response parser, a rules answer of about
// 13 KB read as a stream (40 rules: 32 kept), statistics reported and a quota received; then
// the service goes away and the calls fail while the rules stay in use.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "support/json_lite.h"
#include "support/process.h"
#include "trace_ids.h"
#include "tracelet/net_connector.h"
#include "tracelet/tracer.h"
#include "tracelet/xray_sampling.h"

namespace tracelet {
namespace {

// The local sampling API (sampling_service.js with `args`), started here and stopped by the
// test by PID; `url` is its base URL once start() succeeded.
struct SamplingService {
  test::TempDir dir;
  test::ChildProcess process;
  std::string url;

  void start(std::vector<std::string> args) {
    std::string error;
    args.insert(args.begin(), {TRACELET_XS_NODE, TRACELET_XS_SERVICE_JS, "--port-file", dir.file("port"),
                               "--log", dir.file("log")});
    ASSERT_TRUE(process.start(args, dir.file("out"), dir.file("err"), error)) << error;
    ASSERT_TRUE(test::wait_for_file(dir.file("port"), 15000)) << test::read_file(dir.file("err"));
    url = "http://127.0.0.1:" + test::read_file(dir.file("port"));
  }
  int stop() { return process.stop(); }
  std::string log() const { return test::read_file(dir.file("log")); }
  std::string errors() const { return test::read_file(dir.file("err")); }
};

// A sampler of the service "device" that calls `service` through `connector`.
XraySamplingConfig device_sampling(const SamplingService& service, NetConnector& connector) {
  connector.configure(ExporterConfig{});
  XraySamplingConfig config;
  config.endpoint = service.url.c_str();
  config.connector = connector.connector();
  config.service_name = "device";
  return config;
}

TEST(XraySamplingE2e, RulesAndTargetsFromALocalSamplingApi) {
  SamplingService service;
  ASSERT_NO_FATAL_FAILURE(service.start({}));
  NetConnector connector;
  XraySamplingConfig config = device_sampling(service, connector);
  config.timeout_ms = 5000;
  RemoteSampler sampler;
  ASSERT_EQ(sampler.init(config), Status::kOk);

  EXPECT_EQ(sampler.poll_at(0), 10000u);  // rules fetched; targets due after the default 10 s
  XraySamplingStats st = sampler.stats();
  EXPECT_FALSE(st.using_default_rule);
  EXPECT_EQ(st.rules_fetches, 1u);
  EXPECT_EQ(st.rule_count, static_cast<std::uint32_t>(TRACELET_XRAY_MAX_RULES));
  EXPECT_EQ(st.rules_dropped, 40u - TRACELET_XRAY_MAX_RULES);
  EXPECT_EQ(sampler.rule_stats(0).name, "api");

  test::TraceIds ids;
  EXPECT_EQ(test::decide_burst(sampler, 0, 1000, ids), 1);  // no quota yet: 1 borrowed, FixedRate 0

  EXPECT_EQ(sampler.poll_at(10000), 3000u);  // statistics sent; the service set Interval 3 s
  st = sampler.stats();
  EXPECT_EQ(st.targets_fetches, 1u);
  EXPECT_EQ(st.call_failures, 0u);
  const XrayRuleStats api = sampler.rule_stats(0);
  EXPECT_TRUE(api.has_quota);
  EXPECT_EQ(api.quota, 7u);
  EXPECT_EQ(test::decide_burst(sampler, 10000, 1000, ids), 7);  // the service's quota

  // What the service saw: the rules call, then one statistics document per rule.
  const std::string log = service.log();
  std::size_t line_end = log.find('\n');
  ASSERT_NE(line_end, std::string::npos) << log;
  test::Json first, second;
  ASSERT_TRUE(test::Json::parse(log.substr(0, line_end), first)) << log;
  EXPECT_EQ(first["path"].text, "/GetSamplingRules");
  EXPECT_GT(first["answer_bytes"].number(), 10000.0);
  ASSERT_TRUE(test::Json::parse(log.substr(line_end + 1, log.find('\n', line_end + 1) - line_end - 1), second)) << log;
  EXPECT_EQ(second["path"].text, "/SamplingTargets");
  EXPECT_EQ(second["status"].number(), 200.0);
  const test::Json& docs = second["body"]["SamplingStatisticsDocuments"];
  ASSERT_EQ(docs.type, test::Json::Type::kArray) << log;
  ASSERT_EQ(docs.items.size(), static_cast<std::size_t>(TRACELET_XRAY_MAX_RULES));
  EXPECT_EQ(docs.items[0]["RuleName"].text, "api");
  EXPECT_EQ(docs.items[0]["RequestCount"].number(), 1000.0);
  EXPECT_EQ(docs.items[0]["SampledCount"].number(), 1.0);
  EXPECT_EQ(docs.items[0]["BorrowCount"].number(), 1.0);
  std::printf("local sampling API: rules answer %.0f bytes (40 rules, %u kept), statistics {api: 1000 requests, "
              "1 sampled, 1 borrowed} -> quota 7/s, then %d of 1000 sampled in a second\n",
              first["answer_bytes"].number(), st.rule_count, 7);

  EXPECT_EQ(service.stop(), 0) << service.errors();
  (void)sampler.poll_at(13000);  // service gone: the call fails, the rules stay
  st = sampler.stats();
  EXPECT_EQ(st.call_failures, 1u);
  EXPECT_FALSE(st.using_default_rule);
}

// GetSamplingRules answers in pages: NextToken is sent back (JSON-escaped) until the last page.
TEST(XraySamplingE2e, RulesAnswersInPagesAreFollowed) {
  SamplingService service;
  ASSERT_NO_FATAL_FAILURE(service.start({"--rules", "40", "--page-size", "15"}));
  NetConnector connector;
  const XraySamplingConfig config = device_sampling(service, connector);
  RemoteSampler sampler;
  ASSERT_EQ(sampler.init(config), Status::kOk);
  EXPECT_EQ(sampler.poll_at(0), 10000u);
  const XraySamplingStats st = sampler.stats();
  EXPECT_EQ(st.rules_fetches, 1u);
  EXPECT_EQ(st.call_failures, 0u);
  EXPECT_EQ(st.rule_count, static_cast<std::uint32_t>(TRACELET_XRAY_MAX_RULES));  // 15 + 15 + 2 of the third page
  EXPECT_EQ(st.rules_dropped, 40u - TRACELET_XRAY_MAX_RULES);
  EXPECT_EQ(sampler.rule_stats(0).name, "api");
  EXPECT_EQ(service.stop(), 0) << service.errors();
  const std::string log = service.log();
  std::size_t pages = 0;
  for (std::size_t at = log.find("/GetSamplingRules"); at != std::string::npos; at = log.find("/GetSamplingRules", at + 1)) {
    ++pages;
  }
  EXPECT_EQ(pages, 3u) << log;
  EXPECT_NE(log.find("\"body\":{\"NextToken\":\"{\\\"from\\\":30}\"}"), std::string::npos) << log;
}

// The exporter's thread keeps the rules fresh: the sampler's poll() as its PollTask.
TEST(XraySamplingE2e, TheExportersPollRunsTheSamplingCalls) {
  SamplingService service;
  ASSERT_NO_FATAL_FAILURE(service.start({"--rules", "3"}));
  const std::string traces = service.url + "/v1/traces";

  NetConnector sampling_net;
  const XraySamplingConfig xs = device_sampling(service, sampling_net);
  RemoteSampler sampler;
  ASSERT_EQ(sampler.init(xs), Status::kOk);

  alignas(8) static std::uint8_t ring[16 * 1024];
  Tracer tracer;
  Options options;
  options.service_name = "device";
  options.ring_memory = ByteSpan{ring, sizeof ring};
  options.sampler = sampler.sampler();
  ASSERT_EQ(tracer.init(options), Status::kOk);
  ExporterConfig ec;
  ec.endpoint = traces.c_str();
  ec.allow_plain_http = true;
  ec.poll_task = sampler.poll_task();
  NetConnector export_net;
  export_net.configure(ec);
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer, ec, export_net.connector()), Status::kOk);
  EXPECT_TRUE(sampler.stats().using_default_rule);
  const std::uint32_t wait = exporter.poll();
  EXPECT_GT(wait, 0u);
  EXPECT_LE(wait, 10000u);  // the targets call is due within the default interval
  EXPECT_FALSE(sampler.stats().using_default_rule);
  EXPECT_EQ(sampler.stats().rules_fetches, 1u);
  EXPECT_EQ(sampler.stats().rule_count, 3u);
  (void)exporter.shutdown(1);
  tracer.shutdown();
  EXPECT_EQ(service.stop(), 0) << service.errors();
}

}  // namespace
}  // namespace tracelet
