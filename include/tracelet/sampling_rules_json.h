#pragma once
// Sampling rules from a small JSON document in AWS X-Ray's SamplingRule shape, parsed once at
// init into caller memory by a strict, bounded parser (no heap, no recursion beyond a fixed
// depth). Accepted documents:
//
//   {"SamplingRule": {...}}                              one rule (create-sampling-rule input)
//   {"SamplingRuleRecords": [{"SamplingRule": {...}, "CreatedAt": ..., "ModifiedAt": ...}, ...],
//    "NextToken": ...}                                   GetSamplingRules output
//
// SamplingRule fields: RuleName (string, required), Priority (integer 1..10000, required),
// FixedRate (number 0..1, required), ReservoirSize (integer 0..16383, required), ServiceName,
// ServiceType, Host, HTTPMethod, URLPath, ResourceARN (glob strings, default "*"), Version
// (must be 1), RuleARN (ignored), Attributes (an object with at most one "key": "glob" pair),
// and tracelet's SpanName (glob, default "*"). Unknown or repeated fields, wrong types, values
// out of range, malformed JSON, invalid UTF-8 and trailing bytes are all errors.
#include <cstddef>
#include <string_view>

#include "tracelet/rule_sampler.h"
#include "tracelet/status.h"

namespace tracelet {

/// Where parsed rules go; all caller-owned. The rules' string views point into `strings`,
/// so both must outlive any RuleSampler built from the rules.
struct RulesJsonOutput {
  SamplingRule* rules = nullptr;
  std::size_t rules_cap = 0;
  char* strings = nullptr;  // decoded string values ("*" values take no room)
  std::size_t strings_cap = 0;
  std::size_t rule_count = 0;    // out: rules written
  std::size_t strings_used = 0;  // out: bytes of `strings` used
};

/// Parses `json` into `out`. On failure `rule_count` is 0 and `message` (NUL-terminated,
/// truncated to `message_cap`; may be nullptr) reads "line L, column C: what is wrong".
/// For init time: ISR-safe: not meant for it (reentrant, but time is linear in the
/// document). Blocks: never. Allocates: never (writes only into `out`).
/// Return values:
///   kOk                – `rule_count` rules written (at least one)
///   kInvalidArgument   – malformed JSON, or a document or rule that breaks the rules above
///   kResourceExhausted – more rules than `rules_cap`, or strings longer than `strings_cap`
Status parse_sampling_rules_json(std::string_view json, RulesJsonOutput& out,
                                 char* message = nullptr, std::size_t message_cap = 0) noexcept;

/// Static storage for parse_sampling_rules_json(): `kRules` rules and `kStringBytes` of text.
template <std::size_t kRules, std::size_t kStringBytes = 64 * kRules>
struct StaticRulesJsonStorage {
  SamplingRule rules[kRules];
  char strings[kStringBytes];
  /// An output description pointing at this storage.
  RulesJsonOutput output() noexcept {
    RulesJsonOutput o;
    o.rules = rules;
    o.rules_cap = kRules;
    o.strings = strings;
    o.strings_cap = kStringBytes;
    return o;
  }
};

}  // namespace tracelet
