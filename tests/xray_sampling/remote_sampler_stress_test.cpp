// The remote sampler's two rule sets under concurrent use: recording threads decide while the
// polling side replaces rules and quotas. Labelled concurrency, so the CI's TSan stage runs it.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include "trace_ids.h"
#include "tracelet/net_connector.h"
#include "tracelet/xray_sampling.h"

namespace tracelet {
namespace {

using test::TraceIds;

constexpr std::uint64_t kUnixStart = 1700000000;

// Recording threads decide while the poller replaces the rules and quotas again and again:
// every decision sees a whole rule set (a torn one could have no rule and fall to the default
// rule), and no update is lost for good (a set still being read only defers it). Run under
// TSan by the CI's tsan stage.
TEST(RemoteSamplerStress, DecisionsNeverSeeAHalfWrittenRuleSet) {
  NetConnector connector;
  connector.configure(ExporterConfig{});
  XraySamplingConfig config;
  config.endpoint = "http://127.0.0.1:2000";  // never called here
  config.connector = connector.connector();
  RemoteSampler sampler_;
  ASSERT_EQ(sampler_.init(config), Status::kOk);
  const std::string a = "{\"SamplingRuleRecords\":[{\"SamplingRule\":{\"RuleName\":\"a\",\"Priority\":1,"
                        "\"FixedRate\":1,\"ReservoirSize\":1}}]}";
  const std::string b = "{\"SamplingRuleRecords\":[{\"SamplingRule\":{\"RuleName\":\"b\",\"Priority\":2,"
                        "\"FixedRate\":0.5,\"ReservoirSize\":1}},{\"SamplingRule\":{\"RuleName\":\"c\","
                        "\"Priority\":3,\"FixedRate\":0,\"ReservoirSize\":1}}]}";
  ASSERT_EQ(sampler_.apply_rules_answer(reinterpret_cast<const std::uint8_t*>(a.data()), a.size(), 0, nullptr, 0),
            Status::kOk);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> decided{0};
  auto decide = [&](std::uint64_t seed) {
    TraceIds ids;
    ids.state = seed;
    std::uint64_t n = 0;
    while (!stop.load()) {
      SamplingParams p;
      p.trace_id = ids.next();
      p.name = "work";
      p.now_ns = n * 1000u;
      (void)sampler_.should_sample(p);
      ++n;
    }
    decided += n;
  };
  std::thread t1(decide, 1), t2(decide, 2);
  int applied = 0, deferred = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string& json = (i % 2) ? a : b;
    const Status s = sampler_.apply_rules_answer(reinterpret_cast<const std::uint8_t*>(json.data()), json.size(),
                                                 static_cast<std::uint64_t>(i), nullptr, 0);
    ASSERT_TRUE(s == Status::kOk || s == Status::kUnavailable);
    (s == Status::kOk ? applied : deferred) += 1;
    const std::string targets = "{\"SamplingTargetDocuments\":[{\"RuleName\":\"a\",\"ReservoirQuota\":5,"
                                "\"ReservoirQuotaTTL\":1700000100,\"FixedRate\":0.25}]}";
    const Status t = sampler_.apply_targets_answer(reinterpret_cast<const std::uint8_t*>(targets.data()),
                                                   targets.size(), static_cast<std::uint64_t>(i), kUnixStart);
    ASSERT_TRUE(t == Status::kOk || t == Status::kUnavailable);
  }
  stop = true;
  t1.join();
  t2.join();
  // Once nobody decides, nothing is held: the next update goes through.
  EXPECT_EQ(sampler_.apply_rules_answer(reinterpret_cast<const std::uint8_t*>(a.data()), a.size(), 3000, nullptr, 0),
            Status::kOk);
  const XraySamplingStats st = sampler_.stats();
  EXPECT_EQ(st.unmatched, 0u);
  EXPECT_EQ(st.default_rule_matched, 0u);
  EXPECT_GT(applied, 0);
  std::printf("concurrent: %llu decisions on 2 threads during %d rule-set replacements (%d deferred while read)\n",
              static_cast<unsigned long long>(decided.load()), applied, deferred);
}

}  // namespace
}  // namespace tracelet
