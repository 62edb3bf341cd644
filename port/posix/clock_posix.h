#pragma once
// The POSIX port's monotonic clock (clock_posix.cpp): the CPU's own counter where the CPU and
// the kernel both say it is a steady, synchronised time base (x86-64 invariant TSC with the
// kernel's clocksource "tsc"; aarch64 CNTVCT_EL0 with "arch_sys_counter"), scaled to
// CLOCK_MONOTONIC nanoseconds; clock_gettime(CLOCK_MONOTONIC) everywhere else.
//
// Not installed: port::monotonic_ns() is the interface. This header exists for the port's tests.
#include <cstdint>

namespace tracelet::posix_clock {

enum class Source : std::uint8_t {
  kUndecided,     // nothing read yet
  kCalibrating,   // counter usable, rate being measured: clock_gettime meanwhile (about 2 ms)
  kCounter,       // the CPU counter, anchored to CLOCK_MONOTONIC
  kClockGettime,  // no usable counter, or TRACELET_CLOCK=clock_gettime in the environment
};

/// What port::monotonic_ns() reads now. ISR-safe: n/a. Blocks: never. Allocates: never.
Source source() noexcept;

/// The kernel clocksource (as in /sys/devices/system/clocksource/clocksource0/
/// current_clocksource) under which this build reads the CPU counter: "tsc" on x86-64,
/// "arch_sys_counter" on aarch64, "" where it never does. ISR-safe: yes. Blocks: never.
/// Allocates: never.
const char* counter_clocksource() noexcept;

/// The largest difference from CLOCK_MONOTONIC the counter clock is steered to stay within:
/// it re-anchors every kReanchorNs, correcting at most 1000 ppm of rate, so the error is the
/// rate error over one interval plus the read jitter of one clock_gettime.
inline constexpr std::uint64_t kReanchorNs = 2000000;     // 2 ms
inline constexpr std::uint64_t kDocumentedBoundNs = 20000;  // 20 µs, checked by the tests

/// Reads never go back within a thread. A read that follows another thread's read only through
/// a lock or an atomic may come out lower by up to this much: the counter is read unfenced, and
/// the CPU may take it while the locked instruction before it still waits for its cache line
/// (seen up to about 1 µs behind a contended mutex on a loaded 2-vCPU VM; a fence costs as much
/// as the read itself, and span timestamps need no sub-microsecond order between threads).
inline constexpr std::uint64_t kCrossThreadSlackNs = 10000;  // 10 µs, checked by the tests

/// Tests only: forgets the source so the next read decides again; `force_clock_gettime`
/// makes it take the fallback as TRACELET_CLOCK=clock_gettime does. Not thread-safe: call
/// with no other thread reading the clock. Time read afterwards may be lower than before.
void reset_for_tests(bool force_clock_gettime) noexcept;

}  // namespace tracelet::posix_clock
