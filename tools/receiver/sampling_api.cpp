#include "sampling_api.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "xray_sampling/sampling_answer.h"

namespace tracelet::receiver {

bool load_sampling_rules(const std::string& path, SamplingRules& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "--xray-sampling-rules " + path + ": cannot read the file";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  out.answer = text.str();
  auto set = std::make_unique<detail::RemoteRuleSet>();
  detail::RulesAnswer info;
  detail::RulesAnswerReader reader(set.get(), info, detail::ServiceIdentity{}, RatioAlgorithm::kThreshold56);
  if (!reader.feed(reinterpret_cast<const std::uint8_t*>(out.answer.data()), out.answer.size()) ||
      !reader.finish()) {
    error = "--xray-sampling-rules " + path + ": not a GetSamplingRules answer: " + reader.error();
    return false;
  }
  if (info.dropped_invalid != 0) {
    error = "--xray-sampling-rules " + path + ": " + std::to_string(info.dropped_invalid) +
            " rule(s) a device would refuse: " + info.invalid_reason;
    return false;
  }
  if (info.dropped_over_cap != 0 || set->count == 0) {
    error = "--xray-sampling-rules " + path + ": " +
            (set->count == 0 ? std::string("no rule")
                             : "more rules than a device keeps (TRACELET_XRAY_MAX_RULES)");
    return false;
  }
  out.rules.clear();
  for (std::size_t i = 0; i < set->count; ++i) {
    const detail::RemoteRule& r = set->rules[i];
    for (const char* c = r.name; *c != '\0'; ++c) {
      const bool plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                         *c == '-' || *c == '_' || *c == '.';
      if (!plain) {
        error = "--xray-sampling-rules " + path + ": rule name '" + r.name +
                "' has characters other than letters, digits, '-', '_' and '.'";
        return false;
      }
    }
    out.rules.push_back(SamplingRules::Rule{r.name, r.fixed_rate, r.reservoir_size});
  }
  return true;
}

std::string sampling_targets_answer(const SamplingRules& rules, const std::string& request_body, std::time_t now) {
  std::string docs;
  for (const SamplingRules::Rule& rule : rules.rules) {
    // Rule names are letters, digits, '-' and '_' (X-Ray's limits, checked at load): the
    // quoted name in the report is the rule's RuleName.
    if (request_body.find("\"" + rule.name + "\"") == std::string::npos) continue;
    char doc[256];
    std::snprintf(doc, sizeof doc,
                  "%s{\"RuleName\":\"%s\",\"FixedRate\":%.6g,\"ReservoirQuota\":%u,"
                  "\"ReservoirQuotaTTL\":%lld,\"Interval\":10}",
                  docs.empty() ? "" : ",", rule.name.c_str(), rule.fixed_rate, rule.reservoir_size,
                  static_cast<long long>(now) + 60);
    docs += doc;
  }
  return "{\"SamplingTargetDocuments\":[" + docs + "],\"LastRuleModification\":0,\"UnprocessedStatistics\":[]}";
}

}  // namespace tracelet::receiver
