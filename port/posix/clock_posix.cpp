// port::monotonic_ns() for POSIX hosts: the CPU counter, scaled to CLOCK_MONOTONIC (see
// clock_posix.h). Reading a counter costs a few ns; clock_gettime through the vDSO about 16.
//
// Time = anchor_ns + (counter - anchor_ticks) * ns_per_tick, one straight line per anchor.
// Every kReanchorNs one reader (whoever notices first, without waiting for anyone) reads
// CLOCK_MONOTONIC and starts a new line at the point where the old one is: time never jumps
// back. The new slope is the rate measured since calibration, corrected by at most 1000 ppm
// to close the gap to CLOCK_MONOTONIC over the next interval (NTP slews CLOCK_MONOTONIC by up
// to 500 ppm; the counter does not follow it by itself).
//
// A sequence counter guards the line: odd while the writer replaces it (about 50 ns, once per
// interval); readers retry then. A reader that used the old line read the counter before the
// writer read its anchor point (the writer marks the sequence odd first), or at most the few
// hundred cycles an unfenced counter read can run late (see read_counter()), over which two
// lines differ by far less than a nanosecond: its time is at most the new line's start, so
// time never goes back in one thread, and across threads by no more than kCrossThreadSlackNs.
#include "clock_posix.h"

#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tracelet/port.h"

#if defined(__x86_64__) && defined(__SIZEOF_INT128__)
#define TRACELET_POSIX_COUNTER_TSC 1
#include <cpuid.h>
#include <x86intrin.h>  // __rdtsc
#elif defined(__aarch64__) && defined(__SIZEOF_INT128__)
#define TRACELET_POSIX_COUNTER_ARM 1
#endif

namespace tracelet::posix_clock {
namespace {

std::int64_t clock_gettime_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// ---- the counter, per architecture -----------------------------------------------------

#if TRACELET_POSIX_COUNTER_TSC
__extension__ typedef unsigned __int128 Wide;
__extension__ typedef __int128 WideSigned;
inline std::uint64_t read_counter() noexcept {
  // A bare rdtsc, no lfence (the kernel's vDSO fences it; measured on a 2-vCPU KVM EPYC: bare
  // 10 ns, lfence + rdtsc 19 ns, rdtscp 19 ns, clock_gettime 24 ns, and a span reads the clock
  // twice). Successive reads on one CPU still come out in order, so time stays monotonic per
  // thread. What the fence would add is order against earlier loads and locked instructions:
  // without it a read that another thread's read precedes only through a lock may come out
  // lower (kCrossThreadSlackNs); span timestamps need no such order. A read that moves past
  // the sequence re-check is harmless: over a few hundred cycles two lines differ by far less
  // than a nanosecond (their slopes differ by at most 2000 ppm), and time is clamped to a line.
  return __rdtsc();
}
bool cpu_counter_is_steady() noexcept {
  unsigned a = 0, b = 0, c = 0, d = 0;
  // CPUID 0x80000007 EDX bit 8: invariant TSC (constant rate, runs in every C/P state).
  if (__get_cpuid(0x80000000u, &a, &b, &c, &d) == 0 || a < 0x80000007u) return false;
  if (__get_cpuid(0x80000007u, &a, &b, &c, &d) == 0) return false;
  return (d & (1u << 8)) != 0;
}
constexpr const char* kKernelClocksource = "tsc";
std::uint64_t counter_hz() noexcept { return 0; }  // measured against CLOCK_MONOTONIC
#elif TRACELET_POSIX_COUNTER_ARM
__extension__ typedef unsigned __int128 Wide;
__extension__ typedef __int128 WideSigned;
inline std::uint64_t read_counter() noexcept {
  std::uint64_t ticks;
  // isb: as the vDSO does (not measured without it on the Pi).
  __asm__ volatile("isb\n mrs %0, cntvct_el0" : "=r"(ticks) : : "memory");
  return ticks;
}
std::uint64_t counter_hz() noexcept {
  std::uint64_t hz;
  __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(hz));
  return hz;
}
bool cpu_counter_is_steady() noexcept { return counter_hz() != 0; }  // the generic timer is
constexpr const char* kKernelClocksource = "arch_sys_counter";
#else  // no counter here (e.g. 32-bit ARM): clock_gettime only; the arithmetic below is unused
typedef std::uint64_t Wide;
typedef std::int64_t WideSigned;
inline std::uint64_t read_counter() noexcept { return 0; }
bool cpu_counter_is_steady() noexcept { return false; }
constexpr const char* kKernelClocksource = "";
std::uint64_t counter_hz() noexcept { return 0; }
#endif

// The kernel keeps CLOCK_MONOTONIC on the counter only if it found it steady and in step
// across CPUs; a kernel that switched away (e.g. TSC found unstable) is trusted over CPUID.
bool kernel_uses_counter() noexcept {
  if (kKernelClocksource[0] == '\0') return false;
  std::FILE* f = std::fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
  if (f == nullptr) return false;
  char name[64] = {};
  const bool read = std::fgets(name, sizeof name, f) != nullptr;
  std::fclose(f);
  if (!read) return false;
  name[std::strcspn(name, "\n")] = '\0';
  return std::strcmp(name, kKernelClocksource) == 0;
}

// ---- state --------------------------------------------------------------------------------

constexpr int kUndecided = 0, kCalibrating = 1, kCounter = 2, kClockGettime = 3, kSwitching = 4;
constexpr std::uint64_t kCalibrationNs = 2000000;  // rate measured over at least 2 ms

// Read by every monotonic_ns() call and written about once per re-anchoring interval: on a
// cache line of their own, so that a lock or counter written by another thread (the port's
// critical section was next to them) does not take the line away from every reader.
struct alignas(64) ReadMostly {
  std::atomic<int> mode{kUndecided};
  // The current line, guarded by seq (odd while being replaced). ns_per_tick in 32.32 fixed
  // point; base_q32 is the measured rate the slope is steered around.
  std::atomic<std::uint32_t> seq{0};
  std::atomic<std::uint64_t> anchor_ticks{0};
  std::atomic<std::uint64_t> anchor_ns{0};
  std::atomic<std::uint64_t> slope_q32{0};
  std::atomic<std::uint64_t> base_q32{0};
  std::atomic<std::uint64_t> reanchor_ticks{0};  // counter ticks in kReanchorNs
};
ReadMostly g_read_mostly;
std::atomic<int>& g_mode = g_read_mostly.mode;
std::atomic<bool> g_force_fallback{false};
std::atomic_flag g_writer = ATOMIC_FLAG_INIT;  // one re-anchoring reader at a time

// Calibration start, and the largest clock_gettime value handed out while calibrating (the
// first line starts no lower).
std::atomic<std::uint64_t> g_cal_ticks{0};
std::atomic<std::uint64_t> g_cal_ns{0};
std::atomic<std::uint64_t> g_handed_out{0};

std::atomic<std::uint32_t>& g_seq = g_read_mostly.seq;
std::atomic<std::uint64_t>& g_anchor_ticks = g_read_mostly.anchor_ticks;
std::atomic<std::uint64_t>& g_anchor_ns = g_read_mostly.anchor_ns;
std::atomic<std::uint64_t>& g_slope_q32 = g_read_mostly.slope_q32;
std::atomic<std::uint64_t>& g_base_q32 = g_read_mostly.base_q32;
std::atomic<std::uint64_t>& g_reanchor_ticks = g_read_mostly.reanchor_ticks;

std::uint64_t scale(std::uint64_t ticks, std::uint64_t q32) noexcept {
  return static_cast<std::uint64_t>((static_cast<Wide>(ticks) * q32) >> 32);
}
// ns * 2^32 / ticks: the 32.32 nanoseconds per tick of a measured interval.
std::uint64_t rate_q32(std::uint64_t ns, std::uint64_t ticks) noexcept {
  return ticks == 0 ? 0 : static_cast<std::uint64_t>((static_cast<Wide>(ns) << 32) / ticks);
}

// Starts a line at (ticks, ns) with `slope`; the caller owns g_writer.
void publish(std::uint64_t ticks, std::uint64_t ns, std::uint64_t slope, std::uint64_t base) noexcept {
  const std::uint32_t seq = g_seq.load(std::memory_order_relaxed);
  (void)g_seq.exchange(seq + 1, std::memory_order_seq_cst);  // odd before any line word changes
  g_anchor_ticks.store(ticks, std::memory_order_release);
  g_anchor_ns.store(ns, std::memory_order_release);
  g_slope_q32.store(slope, std::memory_order_release);
  g_base_q32.store(base, std::memory_order_release);
  g_seq.store(seq + 2, std::memory_order_release);
}

[[gnu::cold, gnu::noinline]] void decide() noexcept {
  int expected = kUndecided;
  const char* wanted = std::getenv("TRACELET_CLOCK");
  const bool forced = g_force_fallback.load(std::memory_order_relaxed) ||
                      (wanted != nullptr && std::strcmp(wanted, "clock_gettime") == 0);
  if (forced || !cpu_counter_is_steady() || !kernel_uses_counter()) {
    g_mode.compare_exchange_strong(expected, kClockGettime, std::memory_order_acq_rel);
    return;
  }
  if (g_writer.test_and_set(std::memory_order_acquire)) return;  // another thread decides
  if (g_mode.load(std::memory_order_relaxed) == kUndecided) {
    const std::uint64_t ns = static_cast<std::uint64_t>(clock_gettime_ns());
    const std::uint64_t ticks = read_counter();
    g_cal_ticks.store(ticks, std::memory_order_relaxed);
    g_cal_ns.store(ns, std::memory_order_relaxed);
    const std::uint64_t hz = counter_hz();
    if (hz != 0) {  // the counter states its rate: no need to measure it first
      const std::uint64_t rate = rate_q32(1000000000u, hz);
      g_reanchor_ticks.store(hz / (1000000000u / kReanchorNs), std::memory_order_relaxed);
      publish(ticks, ns, rate, rate);
      g_mode.store(kCounter, std::memory_order_release);
    } else {
      g_mode.store(kCalibrating, std::memory_order_release);
    }
  }
  g_writer.clear(std::memory_order_release);
}

// While calibrating: CLOCK_MONOTONIC, remembered, and after kCalibrationNs the first line.
// The switch must not start the line below a value some thread is about to return: readers
// record their value (seq_cst) before checking the mode, and the switching thread marks the
// mode kSwitching before reading what was recorded. A reader that finds the mode changed
// returns the line's time instead (its own value may not have been seen).
[[gnu::cold, gnu::noinline]] std::uint64_t calibrating_read() noexcept {
  const std::uint64_t ns = static_cast<std::uint64_t>(clock_gettime_ns());
  std::uint64_t seen = g_handed_out.load(std::memory_order_seq_cst);
  while (seen < ns && !g_handed_out.compare_exchange_weak(seen, ns, std::memory_order_seq_cst)) {
  }
  const std::uint64_t cal_ns = g_cal_ns.load(std::memory_order_relaxed);
  if (ns - cal_ns >= kCalibrationNs && !g_writer.test_and_set(std::memory_order_acquire)) {
    int expected = kCalibrating;
    if (g_mode.compare_exchange_strong(expected, kSwitching, std::memory_order_seq_cst)) {
      const std::uint64_t m = static_cast<std::uint64_t>(clock_gettime_ns());
      const std::uint64_t ticks = read_counter();
      const std::uint64_t elapsed_ticks = ticks - g_cal_ticks.load(std::memory_order_relaxed);
      const std::uint64_t rate = rate_q32(m - cal_ns, elapsed_ticks);
      if (rate == 0) {
        g_mode.store(kClockGettime, std::memory_order_seq_cst);  // a counter that did not move
      } else {
        const std::uint64_t handed = g_handed_out.load(std::memory_order_seq_cst);
        g_reanchor_ticks.store(elapsed_ticks * kReanchorNs / (m - cal_ns), std::memory_order_relaxed);
        publish(ticks, m > handed ? m : handed, rate, rate);
        g_mode.store(kCounter, std::memory_order_seq_cst);
      }
    }
    g_writer.clear(std::memory_order_release);
  }
  if (g_mode.load(std::memory_order_seq_cst) == kCalibrating) return ns;
  return port::monotonic_ns();  // switched (or switching: waits the ~100 ns it takes)
}

// A new line from the point `ticks` -> `now` of the current one, steered towards
// CLOCK_MONOTONIC. The caller owns g_writer. Out of line and cold: once per interval, and the
// readers' path then needs no registers saved.
[[gnu::cold, gnu::noinline]] void reanchor(std::uint64_t old_ticks, std::uint64_t old_ns,
                                           std::uint64_t old_slope) noexcept {
  // Mark the line as being replaced before reading the anchor point (see the top comment). The
  // exchange is a full barrier; no fences, which ThreadSanitizer does not model.
  const std::uint32_t seq = g_seq.load(std::memory_order_relaxed);
  (void)g_seq.exchange(seq + 1, std::memory_order_seq_cst);
  const std::uint64_t m = static_cast<std::uint64_t>(clock_gettime_ns());
  const std::uint64_t ticks = read_counter();
  std::uint64_t at = old_ns + scale(ticks - old_ticks, old_slope);  // where the line is now
  // The measured rate over everything since calibration: better with every interval.
  const std::uint64_t cal_ticks = g_cal_ticks.load(std::memory_order_relaxed);
  const std::uint64_t cal_ns = g_cal_ns.load(std::memory_order_relaxed);
  std::uint64_t base = g_base_q32.load(std::memory_order_relaxed);
  if (m > cal_ns && ticks > cal_ticks) base = rate_q32(m - cal_ns, ticks - cal_ticks);
  const std::int64_t behind = static_cast<std::int64_t>(m - at);  // > 0: the line is late
  std::uint64_t slope = base;
  const std::uint64_t max_correction = base / 1000;  // 1000 ppm
  if (behind > static_cast<std::int64_t>(kReanchorNs)) {
    at = m;  // far behind (e.g. a long stop of this process's view): step forward
  } else {
    // Close the gap over the next interval: slope * (1 + behind / interval), bounded.
    const std::int64_t correction = static_cast<std::int64_t>(
        static_cast<WideSigned>(base) * behind / static_cast<std::int64_t>(kReanchorNs));
    if (correction > static_cast<std::int64_t>(max_correction)) {
      slope = base + max_correction;
    } else if (correction < -static_cast<std::int64_t>(max_correction)) {
      slope = base - max_correction;
    } else {
      slope = static_cast<std::uint64_t>(static_cast<std::int64_t>(base) + correction);
    }
  }
  g_anchor_ticks.store(ticks, std::memory_order_release);
  g_anchor_ns.store(at, std::memory_order_release);
  g_slope_q32.store(slope, std::memory_order_release);
  g_base_q32.store(base, std::memory_order_release);
  g_seq.store(seq + 2, std::memory_order_release);
}

std::uint64_t counter_read() noexcept {
  std::uint64_t anchor_ticks, anchor_ns, slope, ticks;
  for (;;) {
    const std::uint32_t seq = g_seq.load(std::memory_order_acquire);
    if ((seq & 1u) != 0) continue;  // being replaced: a few dozen ns
    // Acquire loads keep the re-check below after them (plain loads on x86 and a few ldar on
    // aarch64; no fences, which ThreadSanitizer does not model).
    anchor_ticks = g_anchor_ticks.load(std::memory_order_acquire);
    anchor_ns = g_anchor_ns.load(std::memory_order_acquire);
    slope = g_slope_q32.load(std::memory_order_acquire);
    ticks = read_counter();
    if (g_seq.load(std::memory_order_acquire) == seq) break;
  }
  const std::uint64_t elapsed = ticks > anchor_ticks ? ticks - anchor_ticks : 0;
  const std::uint64_t ns = anchor_ns + scale(elapsed, slope);
  if (elapsed > g_reanchor_ticks.load(std::memory_order_relaxed) &&
      !g_writer.test_and_set(std::memory_order_acquire)) {
    // Still the line this read used? (Another reader may have replaced it meanwhile.)
    if (g_anchor_ticks.load(std::memory_order_relaxed) == anchor_ticks) {
      reanchor(anchor_ticks, anchor_ns, slope);
    }
    g_writer.clear(std::memory_order_release);
  }
  return ns;
}

}  // namespace

Source source() noexcept {
  switch (g_mode.load(std::memory_order_acquire)) {
    case kCalibrating:
    case kSwitching: return Source::kCalibrating;
    case kCounter: return Source::kCounter;
    case kClockGettime: return Source::kClockGettime;
    default: return Source::kUndecided;
  }
}

void reset_for_tests(bool force_clock_gettime) noexcept {
  g_force_fallback.store(force_clock_gettime, std::memory_order_relaxed);
  g_handed_out.store(0, std::memory_order_relaxed);
  g_mode.store(kUndecided, std::memory_order_release);
}

const char* counter_clocksource() noexcept { return kKernelClocksource; }

}  // namespace tracelet::posix_clock

namespace tracelet::port {

std::uint64_t monotonic_ns() noexcept {
  using namespace posix_clock;
  for (;;) {
    const int mode = g_mode.load(std::memory_order_acquire);
    if (__builtin_expect(mode == kCounter, 1)) return counter_read();  // one test on the way
    switch (mode) {
      case kClockGettime: return static_cast<std::uint64_t>(clock_gettime_ns());
      case kCalibrating: return calibrating_read();
      case kSwitching: break;  // the first line is being set up: ~100 ns, once per process
      default: decide(); break;  // then read in the mode it chose
    }
  }
}

}  // namespace tracelet::port
