#pragma once
#include <cstddef>
#include <string_view>

#include "tracelet/sampler.h"

namespace tracelet::demo {

/// Reads X-Ray-style sampling rules from a JSON file (see include/tracelet/sampling_rules_json.h)
/// and builds a parent-based sampler whose root decisions follow the rules; spans no rule
/// matches are dropped, as in X-Ray without a default rule. The storage is static: call once.
/// Returns false with a one-line reason in `error` if the file cannot be read or parsed.
bool load_rule_sampler(const char* path, std::string_view service_name, Sampler& out, char* error,
                       std::size_t cap);

/// Per-rule counters of the sampler built by load_rule_sampler, printed by the demo.
void print_rule_stats();

}  // namespace tracelet::demo
