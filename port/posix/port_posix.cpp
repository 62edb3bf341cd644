// tracelet::port for Linux and other POSIX systems (x86_64, Raspberry Pi aarch64/armhf).
#include <sched.h>
#include <sys/random.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "tracelet/port.h"

namespace tracelet::port {
namespace {
// One process-wide spin lock: the critical sections it guards are a few loads and stores, so
// spinning is cheaper than a futex. A holder preempted by the scheduler is the only long wait,
// hence the yield after a short spin.
// On a cache line of its own: every critical section writes it, and whatever shared its line
// (the clock's state did) would be taken from other cores' caches each time.
struct alignas(64) CriticalFlag {
  std::atomic_flag flag = ATOMIC_FLAG_INIT;
};
CriticalFlag g_critical;
thread_local void* t_current_span = nullptr;

std::int64_t clock_ns(clockid_t clock) noexcept {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
}  // namespace

// monotonic_ns(): clock_posix.cpp (the CPU counter where it is steady, else clock_gettime).

std::int64_t unix_offset_ns() noexcept {
  return clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
}

bool entropy(std::uint8_t* out, std::size_t len) noexcept {
  std::size_t done = 0;
  while (done < len) {
    ssize_t got = getrandom(out + done, len - done, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(got);
  }
  return true;
}

std::uint32_t critical_enter() noexcept {
  unsigned spins = 0;
  while (g_critical.flag.test_and_set(std::memory_order_acquire)) {
    if (++spins >= 64) {
      spins = 0;
      sched_yield();
    }
  }
  return 0;
}

bool critical_try_enter(std::uint32_t& state) noexcept {
  // The sections are a few hundred nanoseconds at most: a holder still inside after this
  // many attempts (about a microsecond) is most likely not running.
  for (unsigned spins = 0; spins < 128; ++spins) {
    if (!g_critical.flag.test_and_set(std::memory_order_acquire)) {
      state = 0;
      return true;
    }
  }
  return false;
}

void critical_exit(std::uint32_t) noexcept { g_critical.flag.clear(std::memory_order_release); }

void** current_span_slot() noexcept { return &t_current_span; }

void panic(const char* file, int line) noexcept {
  std::fprintf(stderr, "tracelet: API contract broken at %s:%d\n", file, line);
  std::abort();
}

}  // namespace tracelet::port
