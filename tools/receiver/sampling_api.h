#pragma once
// The receiver playing the X-Ray sampling API offline (--xray-sampling-rules FILE), next to
// the traces and logs endpoints it plays with --aws-sigv4: POST /GetSamplingRules answers the
// rules of FILE (a GetSamplingRules answer: {"SamplingRuleRecords":[{"SamplingRule":{...}}]}),
// POST /SamplingTargets gives each rule a statistics report names its whole ReservoirSize as
// ReservoirQuota (as the service does for a fleet of one) and its FixedRate, valid for 60 s,
// next report in 10 s. The rules are read once, with tracelet's own sampling-answer reader, so
// a file the devices would refuse is refused at start-up.
#include <ctime>
#include <string>
#include <vector>

namespace tracelet::receiver {

struct SamplingRules {
  std::string answer;  // the file, served as GetSamplingRules' answer
  struct Rule {
    std::string name;
    double fixed_rate = 0;
    unsigned reservoir_size = 0;
  };
  std::vector<Rule> rules;
};

/// Reads and checks FILE; false with `error`.
bool load_sampling_rules(const std::string& path, SamplingRules& out, std::string& error);

/// The GetSamplingTargets answer to `request_body` (a SamplingStatisticsDocuments report):
/// a target for every rule the report names.
std::string sampling_targets_answer(const SamplingRules& rules, const std::string& request_body, std::time_t now);

}  // namespace tracelet::receiver
