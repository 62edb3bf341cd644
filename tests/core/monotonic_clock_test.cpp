// The POSIX port's monotonic clock (port/posix/clock_posix.cpp): the CPU counter where the CPU
// and kernel say it is steady, else clock_gettime. Checks, on whichever source this machine
// gives, that time never goes backwards (one thread, and across threads), that it stays within
// the documented bound of CLOCK_MONOTONIC over a few hundred ms (many re-anchorings), and that
// the fallback (TRACELET_CLOCK=clock_gettime, or the test hook) is CLOCK_MONOTONIC itself.
#include <gtest/gtest.h>
#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "clock_posix.h"
#include "tracelet/port.h"

namespace tracelet {
namespace {

using posix_clock::Source;

std::uint64_t clock_monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::string kernel_clocksource() {
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string name;
  std::getline(in, name);
  return name;
}

// Reads for `ms` milliseconds (past calibration and many re-anchorings).
void read_for(std::uint64_t ms) {
  const std::uint64_t until = clock_monotonic_ns() + ms * 1000000u;
  while (clock_monotonic_ns() < until) (void)port::monotonic_ns();
}

class MonotonicClock : public ::testing::Test {
 protected:
  void SetUp() override { posix_clock::reset_for_tests(false); }
  void TearDown() override {
    unsetenv("TRACELET_CLOCK");
    posix_clock::reset_for_tests(false);
  }
};

TEST_F(MonotonicClock, UsesTheCounterWhereTheKernelDoes) {
  // Calibration takes 2 ms of reads; on a loaded machine that may need more wall time.
  const std::uint64_t give_up = clock_monotonic_ns() + 2000000000u;
  do {
    read_for(1);
  } while ((posix_clock::source() == Source::kCalibrating ||
            posix_clock::source() == Source::kUndecided) && clock_monotonic_ns() < give_up);
  const std::string kernel = kernel_clocksource();
  // The kernel's clocksource names the counter of its own CPU: under an emulator (qemu-user)
  // the host's "tsc" says nothing about the emulated aarch64 counter, so only a match counts.
  const std::string wanted = posix_clock::counter_clocksource();
  if (!wanted.empty() && kernel == wanted) {
    // x86-64 additionally needs CPUID's invariant-TSC bit, which a kernel on "tsc" implies.
    EXPECT_EQ(posix_clock::source(), Source::kCounter) << "kernel clocksource " << kernel;
  } else {
    EXPECT_EQ(posix_clock::source(), Source::kClockGettime) << "kernel clocksource " << kernel;
  }
}

TEST_F(MonotonicClock, StaysWithinTheBoundOfClockMonotonic) {
  read_for(5);
  std::uint64_t worst_early = 0;  // how far below CLOCK_MONOTONIC read just before
  std::uint64_t worst_late = 0;   // how far above CLOCK_MONOTONIC read just after
  const std::uint64_t until = clock_monotonic_ns() + 300000000u;  // 300 ms
  int samples = 0;
  for (std::uint64_t now = 0; now < until; ++samples) {
    const std::uint64_t before = clock_monotonic_ns();
    const std::uint64_t t = port::monotonic_ns();
    now = clock_monotonic_ns();
    if (t < before && before - t > worst_early) worst_early = before - t;
    if (t > now && t - now > worst_late) worst_late = t - now;
    if ((samples & 1023) == 0) std::this_thread::yield();
  }
  EXPECT_GT(samples, 1000);
  EXPECT_LE(worst_early, posix_clock::kDocumentedBoundNs) << "source " << int(posix_clock::source());
  EXPECT_LE(worst_late, posix_clock::kDocumentedBoundNs) << "source " << int(posix_clock::source());
}

TEST_F(MonotonicClock, NeverGoesBackwardsInOneThreadOrAcrossThreads) {
  // Each thread checks its own reads; and reads taken under one mutex are ordered by it, so a
  // read must not be below the previous one any thread took under the mutex by more than the
  // slack of an unfenced counter read (kCrossThreadSlackNs).
  std::mutex order;
  std::uint64_t last_ordered = 0;
  std::atomic<int> backwards_own{0};
  std::atomic<int> backwards_ordered{0};
  std::uint64_t worst_ordered = 0;  // under the mutex
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      std::uint64_t mine = 0;
      for (int n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        const std::uint64_t t = port::monotonic_ns();
        if (t < mine) backwards_own.fetch_add(1);
        mine = t;
        if ((n & 15) == 0) {
          std::lock_guard<std::mutex> lock(order);
          const std::uint64_t u = port::monotonic_ns();
          if (u + posix_clock::kCrossThreadSlackNs < last_ordered) backwards_ordered.fetch_add(1);
          if (u < last_ordered && last_ordered - u > worst_ordered) worst_ordered = last_ordered - u;
          last_ordered = u;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // from calibration on, ~150 re-anchorings
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(backwards_own.load(), 0);
  EXPECT_EQ(backwards_ordered.load(), 0) << "worst " << worst_ordered << " ns below";
  std::printf("largest step back between threads (ordered by a mutex): %llu ns\n",
              static_cast<unsigned long long>(worst_ordered));
}

TEST_F(MonotonicClock, FallbackIsClockMonotonic) {
  for (int how = 0; how < 2; ++how) {
    if (how == 0) {
      posix_clock::reset_for_tests(true);  // the test hook
    } else {
      setenv("TRACELET_CLOCK", "clock_gettime", 1);  // what an operator would set
      posix_clock::reset_for_tests(false);
    }
    std::uint64_t last = 0;
    for (int i = 0; i < 10000; ++i) {
      const std::uint64_t before = clock_monotonic_ns();
      const std::uint64_t t = port::monotonic_ns();
      const std::uint64_t after = clock_monotonic_ns();
      ASSERT_GE(t, before);
      ASSERT_LE(t, after);
      ASSERT_GE(t, last);
      last = t;
    }
    EXPECT_EQ(posix_clock::source(), Source::kClockGettime) << (how == 0 ? "hook" : "environment");
  }
}

}  // namespace
}  // namespace tracelet
