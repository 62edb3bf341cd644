// The X-Ray remote sampler over a simulated clock: quotas the service assigns are honoured,
// a quota past its TTL turns into a borrowed 1/s, the default rule (1/s + 5 %) decides while
// the service is unreachable (a real refused connection on 127.0.0.1). Each test prints its
// figures: ctest --test-dir build -R RemoteSampler --output-on-failure -V
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "trace_ids.h"
#include "tracelet/net_connector.h"
#include "tracelet/xray_sampling.h"

namespace tracelet {
namespace {

using test::TraceIds;

constexpr std::uint64_t kUnixStart = 1700000000;  // the simulated wall clock at t = 0

// A port on 127.0.0.1 that nothing listens on: bound, then closed.
std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

struct Logged {
  std::vector<std::string> lines;
  static void sink(void* ctx, LogLevel, const char* line) noexcept {
    static_cast<Logged*>(ctx)->lines.emplace_back(line);
  }
};

class RemoteSamplerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = "http://127.0.0.1:" + std::to_string(closed_port());
    connector_.configure(ExporterConfig{});
    config_.endpoint = endpoint_.c_str();
    config_.connector = connector_.connector();
    config_.service_name = "device";
    config_.client_id = "0123456789abcdef01234567";
    config_.timeout_ms = 2000;
    config_.log = &Logged::sink;
    config_.log_ctx = &log_;
  }

  void apply_rules(const std::string& json, std::uint64_t now_ms) {
    char msg[200];
    ASSERT_EQ(sampler_.apply_rules_answer(reinterpret_cast<const std::uint8_t*>(json.data()), json.size(), now_ms,
                                          msg, sizeof msg),
              Status::kOk)
        << msg;
  }
  void apply_targets(const std::string& json, std::uint64_t now_ms) {
    char msg[200];
    ASSERT_EQ(sampler_.apply_targets_answer(reinterpret_cast<const std::uint8_t*>(json.data()), json.size(),
                                            now_ms, kUnixStart + now_ms / 1000, msg, sizeof msg),
              Status::kOk)
        << msg;
  }
  // Decides `per_second` root spans per simulated second from `from_s` to `to_s`; returns the
  // sampled count of each second.
  std::vector<int> run(int from_s, int to_s, int per_second, const char* name = "GET /api") {
    std::vector<int> sampled;
    for (int s = from_s; s < to_s; ++s) {
      int n = 0;
      for (int i = 0; i < per_second; ++i) {
        SamplingParams p;
        p.trace_id = ids_.next();
        p.name = name;
        p.now_ns = (static_cast<std::uint64_t>(s) * 1000 + static_cast<std::uint64_t>(i) * 1000 / static_cast<std::uint64_t>(per_second)) * 1000000u;
        if (sampler_.should_sample(p) == SamplingDecision::kRecordAndSample) ++n;
      }
      sampled.push_back(n);
    }
    return sampled;
  }

  static std::string rules_json() {
    return "{\"SamplingRuleRecords\":["
           "{\"SamplingRule\":{\"RuleName\":\"api\",\"Priority\":100,\"FixedRate\":0.05,\"ReservoirSize\":50,"
           "\"ServiceName\":\"*\",\"ServiceType\":\"*\",\"Host\":\"*\",\"HTTPMethod\":\"*\",\"URLPath\":\"*\","
           "\"ResourceARN\":\"*\",\"Version\":1,\"Attributes\":{}}},"
           "{\"SamplingRule\":{\"RuleName\":\"Default\",\"Priority\":10000,\"FixedRate\":0.05,\"ReservoirSize\":1,"
           "\"ServiceName\":\"*\",\"ServiceType\":\"*\",\"Host\":\"*\",\"HTTPMethod\":\"*\",\"URLPath\":\"*\","
           "\"ResourceARN\":\"*\",\"Version\":1,\"Attributes\":{}}}]}";
  }
  static std::string targets_json(int quota, double rate, std::uint64_t ttl_unix) {
    return "{\"SamplingTargetDocuments\":[{\"RuleName\":\"api\",\"FixedRate\":" + std::to_string(rate) +
           ",\"ReservoirQuota\":" + std::to_string(quota) + ",\"ReservoirQuotaTTL\":" + std::to_string(ttl_unix) +
           ",\"Interval\":10}],\"LastRuleModification\":1600000000,\"UnprocessedStatistics\":[]}";
  }

  std::string endpoint_;
  NetConnector connector_;
  XraySamplingConfig config_;
  Logged log_;
  RemoteSampler sampler_;
  TraceIds ids_;
};

TEST_F(RemoteSamplerTest, QuotaFromTheServiceIsHonouredOverSixtySimulatedSeconds) {
  ASSERT_EQ(sampler_.init(config_), Status::kOk);
  apply_rules(rules_json(), 0);
  std::vector<int> per_second;
  for (int s = 0; s < 60; s += 10) {  // a report and new targets every 10 s, each valid 10 s
    char body[4096];
    ASSERT_GT(sampler_.take_statistics_body(kUnixStart + static_cast<std::uint64_t>(s), body, sizeof body), 0u);
    apply_targets(targets_json(10, 0.05, kUnixStart + static_cast<std::uint64_t>(s) + 10), static_cast<std::uint64_t>(s) * 1000);
    std::vector<int> chunk = run(s, s + 10, 1000);
    per_second.insert(per_second.end(), chunk.begin(), chunk.end());
  }
  int total = 0, min_s = 1 << 30, max_s = 0;
  for (int n : per_second) {
    total += n;
    min_s = std::min(min_s, n);
    max_s = std::max(max_s, n);
  }
  const XrayRuleStats api = sampler_.rule_stats(0);
  EXPECT_EQ(api.name, "api");
  EXPECT_EQ(api.matched, 60000u);
  EXPECT_EQ(api.borrowed, 0u);  // a valid quota all along
  EXPECT_EQ(static_cast<int>(api.sampled), total);
  // 10 per second from the reservoir, then 5 % of the other 990 by trace id.
  const double expected = 60 * 10 + 0.05 * (60000 - 600);
  EXPECT_NEAR(total, expected, 5 * 53.1);  // 5 standard deviations of Binomial(59400, 0.05)
  EXPECT_GE(min_s, 10);                    // the quota is always met
  std::printf("quota honoured: 60 simulated s x 1000 spans/s, ReservoirQuota 10/s + FixedRate 5 %%: "
              "sampled %d (%.1f/s; expected %.0f = 10/s + 5 %% of the rest), per second min %d max %d, borrowed %u\n",
              total, total / 60.0, expected, min_s, max_s, api.borrowed);
}

TEST_F(RemoteSamplerTest, QuotaPastItsTtlBorrowsOnePerSecond) {
  ASSERT_EQ(sampler_.init(config_), Status::kOk);
  apply_rules(rules_json(), 0);
  apply_targets(targets_json(10, 0.0, kUnixStart + 5), 0);  // quota for 5 s, fixed rate 0
  std::vector<int> per_second = run(0, 20, 1000);
  for (int s = 0; s < 5; ++s) EXPECT_EQ(per_second[static_cast<std::size_t>(s)], 10) << "second " << s;
  for (int s = 5; s < 20; ++s) EXPECT_EQ(per_second[static_cast<std::size_t>(s)], 1) << "second " << s;
  const XrayRuleStats api = sampler_.rule_stats(0);
  EXPECT_EQ(api.sampled, 5u * 10 + 15u);
  EXPECT_EQ(api.borrowed, 15u);
  // The report carries the borrowed count, and taking it resets the counters.
  char body[4096];
  ASSERT_GT(sampler_.take_statistics_body(kUnixStart + 20, body, sizeof body), 0u);
  EXPECT_NE(std::string(body).find("{\"RuleName\":\"api\",\"ClientID\":\"0123456789abcdef01234567\",\"Timestamp\":1700000020,"
                                   "\"RequestCount\":20000,\"SampledCount\":65,\"BorrowCount\":15}"),
            std::string::npos)
      << body;
  ASSERT_GT(sampler_.take_statistics_body(kUnixStart + 21, body, sizeof body), 0u);
  EXPECT_NE(std::string(body).find("\"RequestCount\":0,\"SampledCount\":0,\"BorrowCount\":0"), std::string::npos) << body;
  std::printf("borrow after TTL: quota 10/s valid 5 s, then 15 s without targets -> seconds 0-4: 10/s, 5-19: 1/s "
              "(borrowed %u)\n", api.borrowed);
}

TEST_F(RemoteSamplerTest, ServiceDownMeansTheDefaultRule) {
  ASSERT_EQ(sampler_.init(config_), Status::kOk);
  EXPECT_EQ(sampler_.poll_at(0), 10000u);  // refused: try again after a targets interval
  XraySamplingStats st = sampler_.stats();
  EXPECT_TRUE(st.using_default_rule);
  EXPECT_EQ(st.call_failures, 1u);
  ASSERT_FALSE(log_.lines.empty());
  EXPECT_NE(log_.lines[0].find("GetSamplingRules: cannot connect"), std::string::npos) << log_.lines[0];
  std::vector<int> per_second = run(0, 60, 1000);
  int total = 0;
  for (int n : per_second) total += n;
  const double expected = 60 * 1 + 0.05 * (60000 - 60);
  EXPECT_NEAR(total, expected, 5 * 53.4);
  st = sampler_.stats();
  EXPECT_EQ(st.default_rule_matched, 60000u);
  EXPECT_EQ(static_cast<int>(st.default_rule_sampled), total);
  std::printf("service down (connection refused on %s): default rule, 60 simulated s x 1000 spans/s -> sampled %d "
              "(%.1f/s; expected %.0f = 1/s + 5 %% of the rest), %u failed call(s)\n",
              endpoint_.c_str(), total, total / 60.0, expected, st.call_failures);
}

TEST_F(RemoteSamplerTest, RulesNotRefreshedForTheCacheTimeGiveWayToTheDefaultRule) {
  config_.rules_cache_ms = 60000;
  ASSERT_EQ(sampler_.init(config_), Status::kOk);
  apply_rules(rules_json(), 0);
  EXPECT_FALSE(sampler_.stats().using_default_rule);
  (void)sampler_.poll_at(30000);  // service down: rules kept (30 s old)
  EXPECT_FALSE(sampler_.stats().using_default_rule);
  (void)sampler_.poll_at(61000);
  EXPECT_TRUE(sampler_.stats().using_default_rule);
  bool logged = false;
  for (const std::string& l : log_.lines) logged = logged || l.find("back to the default rule") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST_F(RemoteSamplerTest, AnswersBeyondTheCapAndMalformedOnesAreHandled) {
  ASSERT_EQ(sampler_.init(config_), Status::kOk);
  std::string many = "{\"SamplingRuleRecords\":[";
  for (int i = 0; i < 100; ++i) {
    if (i > 0) many += ",";
    many += "{\"SamplingRule\":{\"RuleName\":\"r" + std::to_string(i) + "\",\"Priority\":" + std::to_string(i + 1) +
            ",\"FixedRate\":0.1,\"ReservoirSize\":1,\"Version\":1}}";
  }
  many += "]}";
  apply_rules(many, 0);
  XraySamplingStats st = sampler_.stats();
  EXPECT_EQ(st.rule_count, static_cast<std::uint32_t>(TRACELET_XRAY_MAX_RULES));
  EXPECT_EQ(st.rules_dropped, 100u - TRACELET_XRAY_MAX_RULES);
  bool logged = false;
  for (const std::string& l : log_.lines) logged = logged || l.find("rules over the limit of") != std::string::npos;
  EXPECT_TRUE(logged);
  char msg[200];
  const std::string broken = "{\"SamplingRuleRecords\":[{\"SamplingRule\":";
  EXPECT_EQ(sampler_.apply_rules_answer(reinterpret_cast<const std::uint8_t*>(broken.data()), broken.size(), 1, msg,
                                        sizeof msg),
            Status::kInvalidArgument);
  EXPECT_NE(std::string(msg).find("unexpected end of document"), std::string::npos) << msg;
  EXPECT_EQ(sampler_.stats().rule_count, static_cast<std::uint32_t>(TRACELET_XRAY_MAX_RULES));  // unchanged
}

TEST_F(RemoteSamplerTest, InitRefusesPlainHttpBeyondLoopback) {
  config_.endpoint = "http://xray.eu-west-1.amazonaws.com";
  EXPECT_EQ(sampler_.init(config_), Status::kInvalidArgument);
  config_.endpoint = endpoint_.c_str();
  config_.client_id = "xyz";
  EXPECT_EQ(sampler_.init(config_), Status::kInvalidArgument);
}

TEST(XraySamplingEnv, EndpointSettings) {
  static const char* values[4] = {};
  auto env = [](const char* name) -> const char* {
    if (std::string(name) == "TRACELET_XRAY_SAMPLING_ENDPOINT") return values[0];
    if (std::string(name) == "AWS_REGION") return values[1];
    if (std::string(name) == "TRACELET_XRAY_SAMPLING_RULES_INTERVAL") return values[2];
    return nullptr;
  };
  XraySamplingConfig c;
  char text[128];
  char msg[128];
  bool signed_api = true;
  EXPECT_EQ(load_xray_sampling_env(c, &signed_api, text, sizeof text, env, msg, sizeof msg), Status::kUnavailable);
  values[0] = "http://127.0.0.1:2000";
  values[2] = "60";
  ASSERT_EQ(load_xray_sampling_env(c, &signed_api, text, sizeof text, env, msg, sizeof msg), Status::kOk) << msg;
  EXPECT_STREQ(c.endpoint, "http://127.0.0.1:2000");
  EXPECT_FALSE(signed_api);
  EXPECT_EQ(c.rules_interval_ms, 60000u);
  values[0] = "aws";
  EXPECT_EQ(load_xray_sampling_env(c, &signed_api, text, sizeof text, env, msg, sizeof msg), Status::kInvalidArgument);
  EXPECT_NE(std::string(msg).find("AWS_REGION"), std::string::npos);
  values[1] = "eu-west-1";
  ASSERT_EQ(load_xray_sampling_env(c, &signed_api, text, sizeof text, env, msg, sizeof msg), Status::kOk) << msg;
  EXPECT_STREQ(c.endpoint, "https://xray.eu-west-1.amazonaws.com");
  EXPECT_TRUE(signed_api);
  values[2] = "soon";
  EXPECT_EQ(load_xray_sampling_env(c, &signed_api, text, sizeof text, env, msg, sizeof msg), Status::kInvalidArgument);
}

}  // namespace
}  // namespace tracelet
