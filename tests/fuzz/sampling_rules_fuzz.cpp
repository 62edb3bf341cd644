// Fuzz target: the sampling-rules JSON reader (src/sampling/sampling_rules_json.cpp), then a
// RuleSampler built from what it accepted, deciding a few spans. Checks that a refusal leaves
// no rules and says where ("line L, column C: ..."), that accepted rules are in the documented
// ranges and their strings lie in the caller's storage, that more room never changes an
// accepted document's rules, that the sampler accepts every rule set the reader accepts (bar
// duplicate names, which only it checks), and that glob matching on hostile patterns stays
// fast (libFuzzer's -timeout catches a pattern that backtracks exponentially).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tracelet/attribute.h"
#include "tracelet/rule_sampler.h"
#include "tracelet/sampling_rules_json.h"

namespace {

using namespace tracelet;

bool inside(std::string_view s, const char* begin, std::size_t len) {
  return s.empty() || s == "*" || (s.data() >= begin && s.data() + s.size() <= begin + len);
}

bool same_rule(const SamplingRule& a, const SamplingRule& b) {
  return a.name == b.name && a.priority == b.priority &&
         (a.fixed_rate == b.fixed_rate || (std::isnan(a.fixed_rate) && std::isnan(b.fixed_rate))) &&
         a.reservoir_per_second == b.reservoir_per_second && a.service_name == b.service_name &&
         a.service_type == b.service_type && a.resource_arn == b.resource_arn && a.host == b.host &&
         a.http_method == b.http_method && a.url_path == b.url_path && a.span_name == b.span_name &&
         a.attribute_key == b.attribute_key && a.attribute_value == b.attribute_value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  static StaticRulesJsonStorage<4, 256> small;
  RulesJsonOutput out = small.output();
  char message[96];
  std::memset(message, 'x', sizeof message);
  const Status status = parse_sampling_rules_json(json, out, message, sizeof message);
  if (std::memchr(message, '\0', sizeof message) == nullptr) std::abort();
  if (status != Status::kOk) {
    if (status != Status::kInvalidArgument && status != Status::kResourceExhausted) std::abort();
    if (out.rule_count != 0 || std::strncmp(message, "line ", 5) != 0) std::abort();
    return 0;
  }
  if (out.rule_count == 0 || out.rule_count > out.rules_cap || out.strings_used > out.strings_cap) {
    std::abort();
  }
  for (std::size_t i = 0; i < out.rule_count; ++i) {
    const SamplingRule& r = out.rules[i];
    if (r.name.empty() || r.priority < 1 || r.priority > kMaxRulePriority ||
        !(r.fixed_rate >= 0.0 && r.fixed_rate <= 1.0) || r.reservoir_per_second > kMaxReservoirPerSecond) {
      std::abort();
    }
    for (std::string_view s : {r.name, r.service_name, r.service_type, r.resource_arn, r.host,
                               r.http_method, r.url_path, r.span_name, r.attribute_key, r.attribute_value}) {
      if (!inside(s, out.strings, out.strings_used)) std::abort();
    }
  }

  // More room: the same rules.
  static StaticRulesJsonStorage<16, 4096> big;
  RulesJsonOutput roomy = big.output();
  if (parse_sampling_rules_json(json, roomy) != Status::kOk || roomy.rule_count != out.rule_count) {
    std::abort();
  }
  for (std::size_t i = 0; i < out.rule_count; ++i) {
    if (!same_rule(out.rules[i], roomy.rules[i])) std::abort();
  }

  RuleSampler sampler;
  RuleState state[4];
  RuleSamplerOptions options;
  options.service_name = "checkout-service-with-a-rather-long-name-aaaaaaaaaaaaaaaaaaaaaaaa";
  options.service_type = "AWS::EC2::Instance";
  char why[96];
  const Status init = sampler.init(out.rules, out.rule_count, state, 4, options, why, sizeof why);
  if (init != Status::kOk) {
    bool duplicate = false;
    for (std::size_t i = 0; i < out.rule_count; ++i) {
      for (std::size_t j = i + 1; j < out.rule_count; ++j) {
        if (out.rules[i].name == out.rules[j].name) duplicate = true;
      }
    }
    if (init != Status::kInvalidArgument || !duplicate) std::abort();
    return 0;
  }
  const Attribute attributes[] = {
      {"http.request.method", AttributeValue("GETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGET")},
      {"url.path", AttributeValue("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab")},
      {"server.address", AttributeValue("a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a")},
      {"team", AttributeValue(std::int64_t{-1234567})}};
  SamplingParams params;
  params.name = "??????????????????????????????????????????????????????????????????";
  params.attributes = attributes;
  params.attribute_count = sizeof attributes / sizeof attributes[0];
  for (std::uint64_t t = 0; t < 3; ++t) {
    params.trace_id.bytes[15] = static_cast<std::uint8_t>(t * 85);
    params.now_ns = t * 400'000'000u;
    (void)sampler.should_sample(params);
  }
  return 0;
}
