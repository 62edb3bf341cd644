#pragma once
// Not part of the API: the per-rule state a RuleSampler keeps in caller memory. It is in a
// header only because StaticRuleSampler holds an array of it; its layout may change.
#include <atomic>
#include <cstdint>

namespace tracelet {

struct SamplingRule;

namespace detail {

/// Per-rule state the RuleSampler keeps in caller memory: one per rule.
struct RuleState {
  const SamplingRule* rule = nullptr;
  std::uint64_t threshold = 0;   // fixed_rate as a decision threshold (see RatioAlgorithm)
  bool rate_always = false;      // kLegacyLow64 with rate 1
  bool applies = false;          // service name/type/ARN matched at init
  std::atomic<std::uint32_t> reservoir{0};  // (second & 0x3ffff) << 14 | taken this second
  std::atomic<std::uint32_t> matched{0};
  std::atomic<std::uint32_t> reservoir_sampled{0};
  std::atomic<std::uint32_t> rate_sampled{0};
};

}  // namespace detail
}  // namespace tracelet
