#pragma once
#include <cstddef>
#include <cstdint>

/// The whole platform contract of the tracelet core. Each function is implemented exactly
/// once per platform in port/<name>/ and chosen at link time. See docs/porting.md.
namespace tracelet::port {

/// Nanoseconds from an arbitrary start; never decreases. Called twice per span: keep it cheap.
std::uint64_t monotonic_ns() noexcept;

/// Offset that turns monotonic_ns() into Unix nanoseconds (monotonic + offset = Unix ns).
/// Read once at init, so span times never go backwards when the wall clock is stepped.
/// A device without a wall clock returns 0 (times then count from boot).
std::int64_t unix_offset_ns() noexcept;

/// Fills `out` with `len` unpredictable bytes. Returns false if no entropy is available
/// (the caller then falls back to a clock-derived seed and says so). Used only at init.
bool entropy(std::uint8_t* out, std::size_t len) noexcept;

/// Enters a short critical section that excludes other threads and interrupt handlers.
/// Returns the state to give back to critical_exit(). Never nests across different states.
/// Held only for a few loads and stores; never across I/O.
std::uint32_t critical_enter() noexcept;
void critical_exit(std::uint32_t state) noexcept;

/// Address of a pointer-sized slot private to the calling thread (or execution context on
/// bare metal). The core keeps the current span there. Starts as nullptr.
void** current_span_slot() noexcept;

/// Called only for broken API contracts (TRACELET_ASSERT), never for runtime conditions.
[[noreturn]] void panic(const char* file, int line) noexcept;

}  // namespace tracelet::port
