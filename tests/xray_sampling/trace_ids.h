#pragma once
// Deterministic trace ids and a burst of sampling decisions, shared by the remote sampler's
// tests: every run decides the same.
#include <cstdint>
#include <string_view>

#include "tracelet/xray_sampling.h"

namespace tracelet::test {

// Trace ids from a fixed-seed splitmix64.
struct TraceIds {
  std::uint64_t state = 0x5eed;
  std::uint64_t next64() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  TraceId next() {
    TraceId id;
    const std::uint64_t a = next64(), b = next64();
    for (int i = 0; i < 8; ++i) {
      id.bytes[i] = static_cast<std::uint8_t>(a >> (8 * i));
      id.bytes[8 + i] = static_cast<std::uint8_t>(b >> (8 * i));
    }
    return id;
  }
};

// `count` root spans named `name`, one per simulated millisecond from `from_ms`; returns how
// many were sampled.
inline int decide_burst(RemoteSampler& sampler, std::uint64_t from_ms, int count, TraceIds& ids,
                        std::string_view name = "GET /api") {
  int sampled = 0;
  for (int i = 0; i < count; ++i) {
    SamplingParams p;
    p.trace_id = ids.next();
    p.name = name;
    p.now_ns = (from_ms + static_cast<std::uint64_t>(i)) * 1000000u;
    if (sampler.should_sample(p) == SamplingDecision::kRecordAndSample) ++sampled;
  }
  return sampled;
}

}  // namespace tracelet::test
