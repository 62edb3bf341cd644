#pragma once
// Ratio decisions on the trace id, shared by TraceIdRatioSampler and the rules' FixedRates.
#include <cstdint>

#include "tracelet/samplers.h"

namespace tracelet::detail {

/// A ratio turned into what deciding needs: a threshold, or "always".
struct RatioRule {
  std::uint64_t threshold = 0;
  bool always = false;
};

RatioRule prepare_ratio(double ratio, RatioAlgorithm algorithm) noexcept;
bool ratio_decide(const RatioRule& r, RatioAlgorithm algorithm, const TraceId& id) noexcept;

}  // namespace tracelet::detail
