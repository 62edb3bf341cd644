#pragma once
#include <cstdint>

/// Controls of port/fake, the port host tests link instead of port/posix: a clock that moves
/// only when told and a seeded, repeatable entropy stream. Test-only. Every function:
/// thread-safe (atomics), Blocks: never, Allocates: never.
namespace tracelet::fake_port {

void set_monotonic_ns(std::uint64_t now) noexcept;
void advance_ns(std::uint64_t delta) noexcept;
void set_unix_offset_ns(std::int64_t offset) noexcept;
/// Restarts the entropy stream from `seed`; set_entropy_available(false) makes entropy() fail.
void seed_entropy(std::uint64_t seed) noexcept;
void set_entropy_available(bool available) noexcept;

}  // namespace tracelet::fake_port
