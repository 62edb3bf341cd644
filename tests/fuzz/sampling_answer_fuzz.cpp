// Fuzz target: the streaming readers of the X-Ray sampling API's answers
// (src/xray_sampling/json_stream.cpp, sampling_answer.cpp). The first byte picks the reader
// (GetSamplingRules or GetSamplingTargets) and the size of the pieces the rest is fed in.
// Checks that any split reads exactly as one piece does (same verdict, same rules or targets),
// that a refusal says where ("byte N: ..."), that no more than TRACELET_XRAY_MAX_RULES are
// kept, that kept strings are NUL-terminated inside their fields, and that accepted numbers
// are in X-Ray's ranges.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "xray_sampling/sampling_answer.h"

namespace {

using namespace tracelet::detail;

void check(bool c) {
  if (!c) std::abort();
}

template <std::size_t N>
void check_field(const char (&f)[N]) {
  check(std::memchr(f, '\0', N) != nullptr);
}

template <class Reader>
bool feed(Reader& reader, const std::uint8_t* data, std::size_t size, std::size_t step) {
  for (std::size_t at = 0; at < size; at += step) {
    const std::size_t n = size - at < step ? size - at : step;
    if (!reader.feed(data + at, n)) return false;
  }
  return reader.finish();
}

RemoteRuleSet g_whole;
RemoteRuleSet g_split;
TargetsAnswer g_targets_whole;
TargetsAnswer g_targets_split;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool rules = (data[0] & 1) == 0;
  const std::size_t step = 1 + (data[0] >> 1);
  ++data;
  --size;
  if (rules) {
    const ServiceIdentity service{"device", "AWS::EC2::Instance", "arn:aws:ec2:x"};
    RulesAnswer info_whole, info_split;
    RulesAnswerReader whole(&g_whole, info_whole, service, tracelet::RatioAlgorithm::kThreshold56);
    RulesAnswerReader split(&g_split, info_split, service, tracelet::RatioAlgorithm::kThreshold56);
    const bool ok_whole = feed(whole, data, size, size == 0 ? 1 : size);
    const bool ok_split = feed(split, data, size, step);
    check(ok_whole == ok_split);
    if (!ok_whole) {
      check(std::strncmp(whole.error(), "byte ", 5) == 0);
      check(std::strcmp(whole.error(), split.error()) == 0);
      return 0;
    }
    check(g_whole.count == g_split.count && g_whole.count <= TRACELET_XRAY_MAX_RULES);
    check(info_whole.dropped_over_cap == info_split.dropped_over_cap);
    check(info_whole.dropped_invalid == info_split.dropped_invalid);
    check(info_whole.dropped_over_cap == 0 || g_whole.count == TRACELET_XRAY_MAX_RULES);
    for (std::size_t i = 0; i < g_whole.count; ++i) {
      const RemoteRule& r = g_whole.rules[i];
      check_field(r.name);
      check_field(r.host);
      check_field(r.http_method);
      check_field(r.url_path);
      check_field(r.attribute_key);
      check_field(r.attribute_value);
      check(r.name[0] != '\0');
      check(r.priority >= 1 && r.priority <= 10000);
      check(r.fixed_rate >= 0.0 && r.fixed_rate <= 1.0);
      check(std::strcmp(r.name, g_split.rules[i].name) == 0);
      check(r.priority == g_split.rules[i].priority && r.applies == g_split.rules[i].applies);
    }
    return 0;
  }
  TargetsAnswerReader whole(g_targets_whole);
  TargetsAnswerReader split(g_targets_split);
  const bool ok_whole = feed(whole, data, size, size == 0 ? 1 : size);
  const bool ok_split = feed(split, data, size, step);
  check(ok_whole == ok_split);
  if (!ok_whole) {
    check(std::strncmp(whole.error(), "byte ", 5) == 0);
    return 0;
  }
  check(g_targets_whole.count == g_targets_split.count && g_targets_whole.count <= TRACELET_XRAY_MAX_RULES);
  for (std::size_t i = 0; i < g_targets_whole.count; ++i) {
    const SamplingTarget& t = g_targets_whole.targets[i];
    check_field(t.name);
    check(std::strcmp(t.name, g_targets_split.targets[i].name) == 0);
    check(!t.has_rate || (t.fixed_rate >= 0.0 && t.fixed_rate <= 1.0));
    check(t.quota == g_targets_split.targets[i].quota);
  }
  return 0;
}
