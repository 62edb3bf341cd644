// The streaming readers of the X-Ray sampling API's answers (src/xray_sampling/): any split of
// the bytes reads the same, rules beyond the cap are dropped and counted, malformed answers
// are refused with a reason.
#include <gtest/gtest.h>

#include <string>

#include "xray_sampling/json_stream.h"
#include "xray_sampling/sampling_answer.h"

namespace tracelet::detail {
namespace {

std::string rule_json(const std::string& name, int priority, double rate, int reservoir,
                      const std::string& extra = "") {
  return "{\"SamplingRule\":{\"RuleName\":\"" + name + "\",\"RuleARN\":\"arn:aws:xray:eu-west-1:1:sampling-rule/" +
         name + "\",\"ResourceARN\":\"*\",\"Priority\":" + std::to_string(priority) +
         ",\"FixedRate\":" + std::to_string(rate) + ",\"ReservoirSize\":" + std::to_string(reservoir) +
         ",\"ServiceName\":\"*\",\"ServiceType\":\"*\",\"Host\":\"*\",\"HTTPMethod\":\"*\",\"URLPath\":\"*\","
         "\"Version\":1,\"Attributes\":{}" + extra + "},\"CreatedAt\":1.7E9,\"ModifiedAt\":1700000000.0}";
}

std::string rules_answer(int count) {
  std::string out = "{\"SamplingRuleRecords\":[";
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ",";
    out += rule_json("rule-" + std::to_string(i), 100 + i, 0.1, 5);
  }
  return out + "],\"NextToken\":null}";
}

struct Read {
  bool ok = false;
  std::string error;
  RemoteRuleSet set;
  RulesAnswer info;
};

// Feeds `json` in pieces of `step` bytes.
Read read_rules(const std::string& json, std::size_t step, ServiceIdentity service = {"device", "", ""}) {
  Read r;
  RulesAnswerReader reader(&r.set, r.info, service, RatioAlgorithm::kThreshold56);
  bool ok = true;
  for (std::size_t at = 0; ok && at < json.size(); at += step) {
    const std::size_t n = std::min(step, json.size() - at);
    ok = reader.feed(reinterpret_cast<const std::uint8_t*>(json.data()) + at, n);
  }
  r.ok = ok && reader.finish();
  r.error = reader.error();
  return r;
}

TEST(SamplingAnswer, AnySplitOfTheBytesReadsTheSameRules) {
  const std::string json = rules_answer(3);
  for (std::size_t step : {1u, 2u, 7u, 64u, 100000u}) {
    Read r = read_rules(json, step);
    ASSERT_TRUE(r.ok) << r.error << " step " << step;
    ASSERT_EQ(r.set.count, 3u);
    EXPECT_STREQ(r.set.rules[1].name, "rule-1");
    EXPECT_EQ(r.set.rules[1].priority, 101u);
    EXPECT_DOUBLE_EQ(r.set.rules[1].fixed_rate, 0.1);
    EXPECT_EQ(r.set.rules[1].reservoir_size, 5u);
    EXPECT_TRUE(r.set.rules[1].applies);
  }
}

TEST(SamplingAnswer, AHundredRulesKeepTheCapAndCountTheRest) {
  const std::string json = rules_answer(100);
  ASSERT_GT(json.size(), 30000u);  // far beyond what the HTTP parser keeps of a body (1024)
  Read r = read_rules(json, 512);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.set.count, static_cast<std::size_t>(TRACELET_XRAY_MAX_RULES));
  EXPECT_EQ(r.info.dropped_over_cap, 100u - TRACELET_XRAY_MAX_RULES);
  EXPECT_EQ(r.info.dropped_invalid, 0u);
  std::printf("bounded rules: a %zu-byte answer with 100 rules -> %zu kept, %zu dropped and counted\n",
              json.size(), r.set.count, r.info.dropped_over_cap);
}

TEST(SamplingAnswer, MalformedJsonIsRefusedWithItsReason) {
  struct Case {
    std::string json;
    const char* reason;
  } cases[] = {
      {rules_answer(2).substr(0, 200), "unexpected end of document"},
      {"{\"SamplingRuleRecords\":[" + rule_json("a", 1, 0.1, 1) + ",]}", "expected a value"},
      {"{\"SamplingRuleRecords\":{}}", "SamplingRuleRecords is not an array"},
      {"[1,2]", "the answer is not a JSON object"},
      {"{\"SamplingRuleRecords\":[]} x", "bytes after the end of the document"},
      {"{\"SamplingRuleRecords\":[\"x\"]}", "entry is not an object"},
      {"{\"NextToken\":\"\xc3\x28\"}", "invalid UTF-8"},
      {"{\"a\":01}", "malformed number"},
      {"{\"a\":tru}", "unknown literal"},
      {"{\"a\" 1}", "expected ':'"},
      {"{\"a\":\"\\ud800\"}", "lone high surrogate"},
  };
  for (const Case& c : cases) {
    Read r = read_rules(c.json, 3);
    EXPECT_FALSE(r.ok) << c.json;
    EXPECT_NE(r.error.find(c.reason), std::string::npos) << c.json << " -> " << r.error;
    EXPECT_EQ(r.error.rfind("byte ", 0), 0u) << r.error;  // says where
  }
}

TEST(SamplingAnswer, InvalidRulesAreDroppedAndCountedNotFatal) {
  const std::string json = "{\"SamplingRuleRecords\":[" + rule_json("good", 1, 0.5, 1) + "," +
                           "{\"SamplingRule\":{\"RuleName\":\"bad\",\"Priority\":1,\"FixedRate\":1.5,\"ReservoirSize\":1}}," +
                           "{\"SamplingRule\":{\"RuleName\":\"v2\",\"Priority\":1,\"FixedRate\":0.5,\"ReservoirSize\":1,\"Version\":2}}," +
                           "{\"SamplingRule\":{\"RuleName\":\"noprio\",\"FixedRate\":0.5,\"ReservoirSize\":1}}" + "]}";
  Read r = read_rules(json, 5);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.set.count, 1u);
  EXPECT_EQ(r.info.dropped_invalid, 3u);
  EXPECT_NE(std::string(r.info.invalid_reason).find("rule 'bad': FixedRate"), std::string::npos) << r.info.invalid_reason;
}

TEST(SamplingAnswer, ServiceMatchersAndAttributesAreRead) {
  const std::string json = std::string("{\"SamplingRuleRecords\":[") +
      "{\"SamplingRule\":{\"RuleName\":\"mine\",\"Priority\":1,\"FixedRate\":0.5,\"ReservoirSize\":1,\"ServiceName\":\"dev*\","
      "\"URLPath\":\"/api/*\",\"HTTPMethod\":\"GET\",\"Attributes\":{\"tenant\":\"a?\"}}}," +
      "{\"SamplingRule\":{\"RuleName\":\"other\",\"Priority\":2,\"FixedRate\":0.5,\"ReservoirSize\":1,\"ServiceName\":\"billing\"}}" +
      "]}";
  Read r = read_rules(json, 1);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.set.count, 2u);
  EXPECT_TRUE(r.set.rules[0].applies);
  EXPECT_STREQ(r.set.rules[0].url_path, "/api/*");
  EXPECT_STREQ(r.set.rules[0].http_method, "GET");
  EXPECT_STREQ(r.set.rules[0].attribute_key, "tenant");
  EXPECT_STREQ(r.set.rules[0].attribute_value, "a?");
  EXPECT_FALSE(r.set.rules[1].applies);  // ServiceName billing is not "device"
}

TEST(SamplingAnswer, TargetsAnswerIsRead) {
  const std::string json =
      "{\"SamplingTargetDocuments\":[{\"RuleName\":\"api\",\"FixedRate\":0.05,\"ReservoirQuota\":10,"
      "\"ReservoirQuotaTTL\":1700000010.5,\"Interval\":10},{\"RuleName\":\"Default\",\"FixedRate\":0.1,"
      "\"ReservoirQuota\":null,\"ReservoirQuotaTTL\":null,\"Interval\":null}],"
      "\"LastRuleModification\":1699999000,\"UnprocessedStatistics\":[{\"RuleName\":\"x\",\"ErrorCode\":\"400\",\"Message\":\"m\"}]}";
  TargetsAnswer answer;
  TargetsAnswerReader reader(answer);
  for (char c : json) ASSERT_TRUE(reader.feed(reinterpret_cast<const std::uint8_t*>(&c), 1)) << reader.error();
  ASSERT_TRUE(reader.finish()) << reader.error();
  ASSERT_EQ(answer.count, 2u);
  EXPECT_TRUE(answer.targets[0].has_quota);
  EXPECT_EQ(answer.targets[0].quota, 10u);
  EXPECT_DOUBLE_EQ(answer.targets[0].quota_ttl_unix_s, 1700000010.5);
  EXPECT_EQ(answer.targets[0].interval_s, 10u);
  EXPECT_FALSE(answer.targets[1].has_quota);
  EXPECT_TRUE(answer.targets[1].has_rate);
  EXPECT_TRUE(answer.has_last_rule_modification);
  EXPECT_EQ(answer.unprocessed, 1u);
}

TEST(JsonStream, EscapesAndSurrogatePairsAreDecoded) {
  std::string got;
  auto on = [](void* ctx, JsonEvent e, std::string_view text, bool, char*, std::size_t) noexcept {
    if (e == JsonEvent::kString) static_cast<std::string*>(ctx)->assign(text);
    return true;
  };
  JsonStream s(JsonHandler{&got, on});
  const std::string json = "{\"k\":\"a\\\"\\n\\u00e9\\ud83d\\ude00\"}";
  ASSERT_TRUE(s.feed(reinterpret_cast<const std::uint8_t*>(json.data()), json.size())) << s.error();
  ASSERT_TRUE(s.finish()) << s.error();
  EXPECT_EQ(got, "a\"\n\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(JsonStream, DepthIsBounded) {
  std::string json(40, '[');
  JsonStream s(JsonHandler{});
  EXPECT_FALSE(s.feed(reinterpret_cast<const std::uint8_t*>(json.data()), json.size()));
  EXPECT_NE(std::string(s.error()).find("nesting deeper than 16"), std::string::npos);
}

}  // namespace
}  // namespace tracelet::detail
