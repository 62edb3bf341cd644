#pragma once
// The rule sampler's matching and per-second reservoir, shared with the remote (X-Ray
// service) sampler so both read a rule and count a reservoir the same way.
#include <atomic>
#include <cstdint>

#include "tracelet/rule_sampler.h"

namespace tracelet::detail {

/// True when span name, HTTPMethod, URLPath, Host and the attribute condition of `rule` match
/// `params` (the service matchers are checked once, elsewhere). ISR-safe, never blocks.
bool rule_matches(const SamplingRule& rule, const SamplingParams& params) noexcept;

/// Takes one trace from a reservoir word ((second & 0x3ffff) << 14 | taken) for the second of
/// `now_ns`, if fewer than `per_second` (at most kMaxReservoirPerSecond) were taken in it.
/// Lock-free (one compare-and-swap loop), ISR-safe.
bool take_reservoir(std::atomic<std::uint32_t>& word, std::uint32_t per_second, std::uint64_t now_ns) noexcept;

}  // namespace tracelet::detail
