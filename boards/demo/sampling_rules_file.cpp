#include "sampling_rules_file.h"

#include <cstdio>

#include "tracelet/sampling_rules_json.h"

namespace tracelet::demo {
namespace {

constexpr std::size_t kMaxRules = 16;
StaticRulesJsonStorage<kMaxRules> g_storage;
StaticRuleSampler<kMaxRules> g_rules;
ParentBasedSampler g_parent_based;
char g_text[16 * 1024];

}  // namespace

bool load_rule_sampler(const char* path, std::string_view service_name, Sampler& out, char* error,
                       std::size_t cap) {
  std::FILE* file = std::fopen(path, "rb");
  if (file == nullptr) {
    std::snprintf(error, cap, "cannot open %s", path);
    return false;
  }
  std::size_t len = std::fread(g_text, 1, sizeof g_text, file);
  bool too_big = len == sizeof g_text && std::fgetc(file) != EOF;
  std::fclose(file);
  if (too_big) {
    std::snprintf(error, cap, "%s is larger than %zu bytes", path, sizeof g_text);
    return false;
  }
  RulesJsonOutput parsed = g_storage.output();
  char message[200] = {};
  if (parse_sampling_rules_json(std::string_view(g_text, len), parsed, message, sizeof message) !=
      Status::kOk) {
    std::snprintf(error, cap, "%s: %s", path, message);
    return false;
  }
  RuleSamplerOptions options;
  options.service_name = service_name;
  if (g_rules.init(parsed.rules, parsed.rule_count, options, message, sizeof message) != Status::kOk) {
    std::snprintf(error, cap, "%s: %s", path, message);
    return false;
  }
  g_parent_based.root = g_rules.sampler();  // rules decide new traces; children follow them
  out = g_parent_based.sampler();
  return true;
}

void print_rule_stats() {
  for (std::size_t i = 0; i < g_rules.rule_count(); ++i) {
    const RuleStats stats = g_rules.stats(i);
    std::printf("tracelet: sampling rule %.*s: matched=%u kept by reservoir=%u kept by rate=%u\n",
                static_cast<int>(stats.name.size()), stats.name.data(), stats.matched,
                stats.reservoir_sampled, stats.rate_sampled);
  }
}

}  // namespace tracelet::demo
