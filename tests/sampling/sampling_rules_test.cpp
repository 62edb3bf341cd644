// X-Ray style sampling rules from JSON: a valid GetSamplingRules document, the single-rule
// shape, each kind of malformed input with its message, storage limits, and mutated documents
// (every outcome must be a rule set or a located error, never a crash).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "tracelet/sampling_rules_json.h"

namespace tracelet {
namespace {

constexpr const char* kRecords = R"({
  "SamplingRuleRecords": [
    {
      "SamplingRule": {
        "RuleName": "Default",
        "RuleARN": "arn:aws:xray:us-east-1:123456789012:sampling-rule/Default",
        "ResourceARN": "*",
        "Priority": 10000,
        "FixedRate": 0.05,
        "ReservoirSize": 1,
        "ServiceName": "*",
        "ServiceType": "*",
        "Host": "*",
        "HTTPMethod": "*",
        "URLPath": "*",
        "Version": 1,
        "Attributes": {}
      },
      "CreatedAt": 0.0,
      "ModifiedAt": 1530558121.0
    },
    {
      "SamplingRule": {
        "RuleName": "checkout",
        "Priority": 5,
        "FixedRate": 1,
        "ReservoirSize": 10,
        "ServiceName": "thermo*",
        "ServiceType": "*",
        "Host": "*.example.com",
        "HTTPMethod": "POST",
        "URLPath": "/api/checkout*",
        "ResourceARN": "*",
        "Version": 1,
        "Attributes": {"tenant.tier": "gold"}
      },
      "CreatedAt": 1530558121.0,
      "ModifiedAt": 1530558121.0
    },
    {"SamplingRule": {"RuleName": "caf\u00e9 \"q\"", "Priority": 7, "FixedRate": 5e-1,
                      "ReservoirSize": 0, "SpanName": "mqtt publish *", "URLPath": "/\u00fc/\ud83d\ude00*"}}
  ],
  "NextToken": null
})";

struct Parsed {
  Status status = Status::kOk;
  std::string message;
  std::size_t count = 0;
};

Parsed parse(const std::string& json, std::size_t rules_cap = 8, std::size_t strings_cap = 1024) {
  static SamplingRule rules[16];
  static char strings[4096];
  RulesJsonOutput out;
  out.rules = rules;
  out.rules_cap = rules_cap;
  out.strings = strings;
  out.strings_cap = strings_cap;
  char msg[256];
  std::memset(msg, 'X', sizeof(msg));
  Parsed p;
  p.status = parse_sampling_rules_json(json, out, msg, sizeof(msg));
  p.message = msg;
  p.count = out.rule_count;
  return p;
}

TEST(RulesJson, GetSamplingRulesDocument) {
  StaticRulesJsonStorage<4, 256> storage;
  RulesJsonOutput out = storage.output();
  char msg[128];
  ASSERT_EQ(parse_sampling_rules_json(kRecords, out, msg, sizeof(msg)), Status::kOk) << msg;
  EXPECT_STREQ(msg, "");
  ASSERT_EQ(out.rule_count, 3u);

  const SamplingRule& d = out.rules[0];
  EXPECT_EQ(d.name, "Default");
  EXPECT_EQ(d.priority, 10000u);
  EXPECT_EQ(d.fixed_rate, 0.05);
  EXPECT_EQ(d.reservoir_per_second, 1u);
  EXPECT_EQ(d.url_path, "*");
  EXPECT_TRUE(d.attribute_key.empty());

  const SamplingRule& c = out.rules[1];
  EXPECT_EQ(c.name, "checkout");
  EXPECT_EQ(c.priority, 5u);
  EXPECT_EQ(c.fixed_rate, 1.0);
  EXPECT_EQ(c.reservoir_per_second, 10u);
  EXPECT_EQ(c.service_name, "thermo*");
  EXPECT_EQ(c.host, "*.example.com");
  EXPECT_EQ(c.http_method, "POST");
  EXPECT_EQ(c.url_path, "/api/checkout*");
  EXPECT_EQ(c.attribute_key, "tenant.tier");
  EXPECT_EQ(c.attribute_value, "gold");

  const SamplingRule& u = out.rules[2];
  EXPECT_EQ(u.name, "caf\xc3\xa9 \"q\"");            // \u00e9 as UTF-8, escaped quotes
  EXPECT_EQ(u.url_path, "/\xc3\xbc/\xf0\x9f\x98\x80*");  // a surrogate pair becomes 4 bytes
  EXPECT_EQ(u.span_name, "mqtt publish *");
  EXPECT_EQ(u.fixed_rate, 0.5);
  EXPECT_EQ(u.service_name, "*");

  // "*" values take no room; the rest is the decoded text only (RuleARN is not kept).
  EXPECT_EQ(out.strings_used, std::strlen("Default") + std::strlen("checkout") +
                                  std::strlen("thermo*") + std::strlen("*.example.com") +
                                  std::strlen("POST") + std::strlen("/api/checkout*") +
                                  std::strlen("tenant.tier") + std::strlen("gold") +
                                  u.name.size() + u.span_name.size() + u.url_path.size());

  // The parsed rules drive a RuleSampler.
  StaticRuleSampler<4> rs;
  RuleSamplerOptions opts;
  opts.service_name = "thermostat";
  ASSERT_EQ(rs.init(out.rules, out.rule_count, opts, msg, sizeof(msg)), Status::kOk) << msg;
  EXPECT_EQ(rs.stats(0).name, "checkout");
  EXPECT_EQ(rs.stats(2).name, "Default");
  const Attribute attrs[] = {{"http.request.method", "POST"},
                             {"url.path", "/api/checkout/confirm"},
                             {"server.address", "shop.example.com"},
                             {"tenant.tier", "gold"}};
  SamplingParams p;
  p.trace_id.bytes[15] = 1;
  p.name = "POST /api/checkout";
  p.attributes = attrs;
  p.attribute_count = 4;
  EXPECT_EQ(rs.should_sample(p), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(rs.stats(0).matched, 1u);
}

TEST(RulesJson, SingleRuleDocument) {
  const Parsed p = parse(
      R"({"SamplingRule": {"RuleName": "r", "Priority": 1, "FixedRate": 0, "ReservoirSize": 0}})");
  EXPECT_EQ(p.status, Status::kOk) << p.message;
  EXPECT_EQ(p.count, 1u);
  // JSON whitespace of all four kinds, -0 as a rate, a big but valid reservoir.
  EXPECT_EQ(parse("\r\n\t {\"SamplingRule\":{\"RuleName\":\"r\",\"Priority\":9999,"
                  "\"FixedRate\":-0.0,\"ReservoirSize\":16383}} \n")
                .status,
            Status::kOk);
}

struct BadCase {
  const char* json;
  const char* message;  // the whole expected message
};

// One rule with a field replaced: {"SamplingRule": {<fields>}}.
std::string rule_with(const std::string& fields) {
  return "{\"SamplingRule\": {" + fields + "}}";
}
const std::string kGood = R"("RuleName": "r", "Priority": 1, "FixedRate": 0.5, "ReservoirSize": 1)";

TEST(RulesJson, MalformedJson) {
  const BadCase cases[] = {
      {"", "line 1, column 1: document is empty"},
      {"  \n ", "line 2, column 2: document is empty"},
      {"[]", "line 1, column 1: document must be a JSON object"},
      {"{", "line 1, column 2: unexpected end of document, expected a field name in quotes"},
      {"{SamplingRule: {}}", "line 1, column 2: expected a field name in quotes"},
      {"{\"SamplingRule\" {}}", "line 1, column 17: expected ':' after field name"},
      {"{\"SamplingRule\": {\"RuleName\": \"a\" \"Priority\": 1}}",
       "line 1, column 35: expected ',' or '}' in object"},
      {"{\"SamplingRule\": {\"RuleName\": \"a\",}}", "line 1, column 35: trailing ',' before '}'"},
      {"{\"NextToken\": nul}", "line 1, column 15: invalid literal"},
      {"{\"NextToken\": [1 2]}", "line 1, column 18: expected ',' or ']' in array"},
      {"{\"NextToken\": }", "line 1, column 15: expected a value"},
      {"{\"SamplingRule\": {\"RuleName\": \"abc",
       "line 1, column 35: unexpected end of document, string is not terminated"},
      {"{\"SamplingRule\": {\"RuleName\": \"a\nb\"}}",
       "line 1, column 33: control character in string (escape it)"},
      {"{\"SamplingRule\": {\"RuleName\": \"a\\xb\"}}",
       "line 1, column 33: invalid escape sequence in string"},
      {"{\"SamplingRule\": {\"RuleName\": \"\\u12G4\"}}",
       "line 1, column 36: expected 4 hex digits after \\u"},
      {"{\"SamplingRule\": {\"RuleName\": \"\\udc00\"}}",
       "line 1, column 32: \\u escape is a lone low surrogate"},
      {"{\"SamplingRule\": {\"RuleName\": \"\\ud800x\"}}",
       "line 1, column 32: \\u escape is a high surrogate without its low half"},
      {"{\"SamplingRule\": {\"RuleName\": \"\\ud800\\u0041\"}}",
       "line 1, column 32: \\u escape is a high surrogate without its low half"},
      {"{\"SamplingRule\": {\"RuleName\": \"\\u0000\"}}",
       "line 1, column 32: \\u0000 is not allowed in rule strings"},
      {"{\"SamplingRule\": {\"RuleName\": \"caf\xc3\"}}", "line 1, column 35: invalid UTF-8 in string"},
      {"{\"SamplingRule\": {\"RuleName\": \"\xc0\xaf\"}}", "line 1, column 32: invalid UTF-8 in string"},
      {"{\"SamplingRule\": {\"RuleName\": \"\xed\xa0\x80\"}}", "line 1, column 32: invalid UTF-8 in string"},
      {"{\"SamplingRule\": {\"RuleName\": \"\xf4\x90\x80\x80\"}}",
       "line 1, column 32: invalid UTF-8 in string"},
      {"{\"SamplingRule\": {\"Priority\": 01}}", "line 1, column 31: numbers must not have leading zeros"},
      {"{\"SamplingRule\": {\"FixedRate\": 1.}}", "line 1, column 34: expected a digit after '.'"},
      {"{\"SamplingRule\": {\"FixedRate\": -}}", "line 1, column 33: expected a number"},
      {"{\"SamplingRule\": {\"FixedRate\": 1e}}", "line 1, column 34: expected a digit in the exponent"},
      {"{\"SamplingRule\": {\"FixedRate\": .5}}", "line 1, column 32: FixedRate must be a number"},
      {"{\"NextToken\": 1.00000000000000000000000000000000000000000000000000000000000000000000}",
       "line 1, column 15: number is too long"},
  };
  for (const BadCase& c : cases) {
    const Parsed p = parse(c.json);
    EXPECT_EQ(p.status, Status::kInvalidArgument) << c.json;
    EXPECT_EQ(p.message, c.message) << c.json;
    EXPECT_EQ(p.count, 0u);
  }
}

TEST(RulesJson, TrailingData) {
  const Parsed p = parse(rule_with(kGood) + " x");
  EXPECT_EQ(p.status, Status::kInvalidArgument);
  EXPECT_EQ(p.message, "line 1, column 90: unexpected data after the document");
  EXPECT_EQ(parse(rule_with(kGood) + "{}").status, Status::kInvalidArgument);
  EXPECT_EQ(parse(rule_with(kGood) + std::string(1, '\0')).status, Status::kInvalidArgument);
}

TEST(RulesJson, TooDeep) {
  const std::string deep = "{\"NextToken\": " + std::string(20, '[') + std::string(20, ']') + "}";
  const Parsed p = parse(deep);
  EXPECT_EQ(p.status, Status::kInvalidArgument);
  EXPECT_EQ(p.message, "line 1, column 30: nesting is deeper than 16 levels");
  // The 16th '[' is one level too deep (the object is level 1); 14 levels are within the limit (the document has no rules, though).
  const std::string ok = "{\"NextToken\": " + std::string(14, '[') + std::string(14, ']') + "}";
  EXPECT_EQ(parse(ok).message, "line 1, column 1: document has no SamplingRuleRecords or SamplingRule");
}

TEST(RulesJson, DocumentStructure) {
  const BadCase cases[] = {
      {"{}", "line 1, column 1: document has no SamplingRuleRecords or SamplingRule"},
      {"{\"SamplingRuleRecords\": []}", "line 1, column 1: SamplingRuleRecords holds no rules"},
      {"{\"SamplingRuleRecords\": {}}", "line 1, column 25: SamplingRuleRecords must be an array"},
      {"{\"SamplingRuleRecords\": [1]}",
       "line 1, column 26: each SamplingRuleRecords entry must be an object"},
      {"{\"SamplingRuleRecords\": [{\"CreatedAt\": 1}]}", "line 1, column 26: record has no SamplingRule"},
      {"{\"SamplingRuleRecords\": [{\"Rule\": {}}]}",
       "line 1, column 27: unknown field \"Rule\" in a record (expected SamplingRule, CreatedAt or "
       "ModifiedAt)"},
      {"{\"Rules\": []}",
       "line 1, column 2: unknown field \"Rules\" (expected SamplingRuleRecords, SamplingRule or "
       "NextToken)"},
      {"{\"SamplingRule\": []}", "line 1, column 18: SamplingRule must be an object"},
      {"{\"NextToken\": null, \"NextToken\": null}", "line 1, column 21: field \"NextToken\" appears twice"},
  };
  for (const BadCase& c : cases) {
    const Parsed p = parse(c.json);
    EXPECT_EQ(p.status, Status::kInvalidArgument) << c.json;
    EXPECT_EQ(p.message, c.message) << c.json;
  }
  const std::string rule = "{\"SamplingRule\": {" + kGood + "}}";
  const std::string other = R"("RuleName": "other", "Priority": 2, "FixedRate": 0, "ReservoirSize": 0)";
  const std::string both = "{\"SamplingRuleRecords\": [" + rule + "], \"SamplingRule\": {" + other + "}}";
  EXPECT_EQ(parse(both).message,
            "line 1, column 1: document has both SamplingRuleRecords and SamplingRule; use one");
  const std::string trailing = "{\"SamplingRuleRecords\": [" + rule + ",]}";
  EXPECT_EQ(parse(trailing).message, "line 1, column 115: trailing ',' before ']'");
}

TEST(RulesJson, RuleFields) {
  struct FieldCase {
    std::string fields;
    const char* message;
  } cases[] = {
      {kGood + R"(, "Priority": 2)", "line 1, column 89: field \"Priority\" appears twice"},
      {kGood + R"(, "FixedRat": 2)", "line 1, column 89: unknown field \"FixedRat\" in SamplingRule"},
      {R"("RuleName": 5, "Priority": 1)", "line 1, column 31: RuleName must be a string"},
      {R"("RuleName": "", "Priority": 1)", "line 1, column 31: RuleName must not be empty"},
      {R"("RuleName": "abcdefghijabcdefghijabcdefghijabc")", "line 1, column 31: RuleName is longer than 32 bytes"},
      {R"("RuleName": "r", "Priority": "1")", "line 1, column 48: Priority must be an integer"},
      {R"("RuleName": "r", "Priority": 1.5)", "line 1, column 48: Priority must be an integer"},
      {R"("RuleName": "r", "Priority": 1e2)", "line 1, column 48: Priority must be an integer"},
      {R"("RuleName": "r", "Priority": 0)", "line 1, column 48: Priority must be 1 to 10000"},
      {R"("RuleName": "r", "Priority": 10001)", "line 1, column 48: Priority must be 1 to 10000"},
      {R"("RuleName": "r", "Priority": -1)", "line 1, column 48: Priority must be 1 to 10000"},
      {R"("RuleName": "r", "Priority": 99999999999999999999999)", "line 1, column 48: Priority must be 1 to 10000"},
      {R"("RuleName": "r", "FixedRate": "0.5")", "line 1, column 49: FixedRate must be a number"},
      {R"("RuleName": "r", "FixedRate": 1.5)", "line 1, column 49: FixedRate must be 0 to 1"},
      {R"("RuleName": "r", "FixedRate": -0.1)", "line 1, column 49: FixedRate must be 0 to 1"},
      {R"("RuleName": "r", "FixedRate": 1e400)", "line 1, column 49: FixedRate must be 0 to 1"},
      {R"("RuleName": "r", "ReservoirSize": -1)", "line 1, column 53: ReservoirSize must be 0 to 16383"},
      {R"("RuleName": "r", "ReservoirSize": 16384)", "line 1, column 53: ReservoirSize must be 0 to 16383"},
      {R"("RuleName": "r", "Version": 2)", "line 1, column 47: Version must be 1"},
      {R"("RuleName": "r", "HTTPMethod": "PROPFINDXYZ")", "line 1, column 50: HTTPMethod is longer than 10 bytes"},
      {R"("RuleName": "r", "Host": true)", "line 1, column 44: Host must be a string"},
      {R"("RuleName": "r", "Attributes": [])", "line 1, column 50: Attributes must be an object"},
      {R"("RuleName": "r", "Attributes": {"a": "1", "b": "2"})",
       "line 1, column 61: Attributes has more than one entry; tracelet matches one attribute per rule"},
      {R"("RuleName": "r", "Attributes": {"a": ""})", "line 1, column 56: attribute value must not be empty"},
      {R"("RuleName": "r", "Attributes": {"a": 1})", "line 1, column 56: attribute value must be a string"},
      {R"("RuleName": "r", "Attributes": {"": "1"})", "line 1, column 51: attribute name must be 1 to 32 bytes"},
      {R"("RuleName": "r", "Attributes": {"abcdefghijabcdefghijabcdefghijabc": "1"})",
       "line 1, column 51: attribute name must be 1 to 32 bytes"},
      {R"("RuleName": "r", "Priority": 1, "FixedRate": 0.5)", "line 1, column 18: SamplingRule has no ReservoirSize"},
      {R"("Priority": 1, "FixedRate": 0.5, "ReservoirSize": 1)", "line 1, column 18: SamplingRule has no RuleName"},
      {R"("RuleName": "r", "FixedRate": 0.5, "ReservoirSize": 1)", "line 1, column 18: SamplingRule has no Priority"},
      {R"("RuleName": "r", "Priority": 1, "ReservoirSize": 1)", "line 1, column 18: SamplingRule has no FixedRate"},
  };
  for (const FieldCase& c : cases) {
    const Parsed p = parse(rule_with(c.fields));
    EXPECT_EQ(p.status, Status::kInvalidArgument) << c.fields;
    EXPECT_EQ(p.message, c.message) << c.fields;
  }
}

TEST(RulesJson, DuplicateRuleNames) {
  const std::string r = "{\"SamplingRule\": {" + kGood + "}}";
  const Parsed p = parse("{\"SamplingRuleRecords\": [" + r + ",\n " + r + "]}");
  EXPECT_EQ(p.status, Status::kInvalidArgument);
  EXPECT_EQ(p.message, "line 2, column 19: RuleName \"r\" is used by two rules");
}

TEST(RulesJson, StorageLimits) {
  const std::string r1 = R"({"SamplingRule": {"RuleName": "first", "Priority": 1, "FixedRate": 0, "ReservoirSize": 0}})";
  const std::string r2 = R"({"SamplingRule": {"RuleName": "second", "Priority": 2, "FixedRate": 0, "ReservoirSize": 0}})";
  const std::string doc = "{\"SamplingRuleRecords\": [" + r1 + ", " + r2 + "]}";
  Parsed p = parse(doc, 1);
  EXPECT_EQ(p.status, Status::kResourceExhausted);
  EXPECT_EQ(p.message, "line 1, column 135: more than 1 rules; give parse_sampling_rules_json more room");
  EXPECT_EQ(p.count, 0u);
  p = parse(doc, 8, 8);  // "first" fits, "second" does not
  EXPECT_EQ(p.status, Status::kResourceExhausted);
  EXPECT_EQ(p.message,
            "line 1, column 148: string storage is full: give parse_sampling_rules_json more bytes");
  p = parse(doc, 8, 11);  // exactly enough
  EXPECT_EQ(p.status, Status::kOk) << p.message;
  EXPECT_EQ(p.count, 2u);
  // "*" needs no storage at all, and RuleARN is checked but not stored.
  EXPECT_EQ(parse(rule_with(kGood + R"(, "URLPath": "*")"), 8, 1).status, Status::kOk);
  const std::string arn = "arn:aws:xray:us-east-1:123456789012:sampling-rule/r";
  const Parsed with_arn = parse(rule_with(kGood + ", \"RuleARN\": \"" + arn + "\""), 8, 1);
  EXPECT_EQ(with_arn.status, Status::kOk) << with_arn.message;
  const Parsed long_arn = parse(rule_with(kGood + ", \"RuleARN\": \"" + std::string(501, 'a') + "\""));
  EXPECT_EQ(long_arn.message, "line 1, column 100: RuleARN is longer than 500 bytes");
}

TEST(RulesJson, MessageBufferIsBounded) {
  SamplingRule rules[1];
  RulesJsonOutput out;
  out.rules = rules;
  out.rules_cap = 1;
  char small[12];
  EXPECT_EQ(parse_sampling_rules_json("[", out, small, sizeof(small)), Status::kInvalidArgument);
  EXPECT_STREQ(small, "line 1, col");
  EXPECT_EQ(parse_sampling_rules_json("[", out, nullptr, 0), Status::kInvalidArgument);
}

// Mutated documents: every outcome is either rules or a message that locates the problem.
TEST(RulesJson, MutatedDocumentsNeverCrash) {
  const std::string base = kRecords;
  std::uint64_t state = 12345;
  auto rnd = [&]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33);
  };
  int ok = 0;
  int errors = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string doc = base;
    const int edits = 1 + static_cast<int>(rnd() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rnd() % doc.size();
      switch (rnd() % 4) {
        case 0: doc[at] = static_cast<char>(rnd() & 0xff); break;
        case 1: doc.erase(at, 1 + rnd() % 8); break;
        case 2: doc.insert(at, 1, "{}[]\",:\\-0.e"[rnd() % 12]); break;
        case 3: doc.resize(at); break;
      }
      if (doc.empty()) doc = "{";
    }
    const Parsed p = parse(doc);
    if (p.status == Status::kOk) {
      ++ok;
      EXPECT_GT(p.count, 0u);
    } else {
      ++errors;
      ASSERT_EQ(p.message.rfind("line ", 0), 0u) << p.message;
      EXPECT_EQ(p.count, 0u);
    }
  }
  std::printf("[ measured ] 20000 mutated documents: %d parsed, %d rejected with a message\n", ok,
              errors);
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace tracelet
