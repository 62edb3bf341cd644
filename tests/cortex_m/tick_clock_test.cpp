// Host tests of port/cortex_m/tick_clock.h: the SysTick-to-nanoseconds arithmetic, checked
// against exact 128-bit math over simulated counters of common MCU clock rates.
#include "tick_clock.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace tracelet::cortex_m {
namespace {

struct Rate {
  std::uint32_t hz;
  std::uint32_t period;  // SysTick reload + 1
};

// Exact nanoseconds for `ticks` at `hz`, rounded down. The tests stay below 1.8e10 ticks, so
// the product fits in 64 bits (no __int128 on 32-bit targets such as armhf).
std::uint64_t exact_ns(std::uint64_t ticks, std::uint32_t hz) {
  return ticks * 1000000000u / hz;
}

class TickClockRates : public ::testing::TestWithParam<Rate> {};

// Walks a simulated down-counter through several seconds of wraps in uneven steps and reads
// the clock as the port does: accounted wraps plus ticks since the last one.
TEST_P(TickClockRates, TracksExactTimeWithoutDriftAndNeverGoesBack) {
  const Rate rate = GetParam();
  TickClock clock;
  ASSERT_TRUE(clock.set_rate(rate.hz));
  std::uint64_t total = 0;       // ticks since start
  std::uint64_t wrapped = 0;     // ticks accounted through advance
  std::uint64_t previous = 0;
  std::uint64_t step = 1;
  const std::uint64_t end = std::uint64_t{rate.hz} * 5 + 12345;  // five seconds and a bit
  std::uint64_t max_error = 0;
  while (total < end) {
    total += step;
    step = (step * 7 + 13) % (rate.period / 3 + 1) + 1;  // uneven, below a third of a period
    while (total - wrapped >= rate.period) {
      clock.advance(rate.period);
      wrapped += rate.period;
    }
    std::uint64_t ns = clock.now_ns(static_cast<std::uint32_t>(total - wrapped));
    ASSERT_GE(ns, previous) << "went backwards at tick " << total;
    previous = ns;
    std::uint64_t want = exact_ns(total, rate.hz);
    std::uint64_t error = ns > want ? ns - want : want - ns;
    if (error > max_error) max_error = error;
  }
  EXPECT_LE(max_error, 16u) << "fixed-point error above the documented bound at " << rate.hz << " Hz";
  EXPECT_GE(previous, 5000000000u);
}

// The SysTick handler runs late after each wrap (interrupts masked elsewhere): readers in
// between see the wrap pending and count the period themselves, as the port does. Time stays
// exact and never steps back when the handler finally accounts the period.
TEST_P(TickClockRates, LateHandlerAfterReadersCountedTheWrapKeepsTimeExact) {
  const Rate rate = GetParam();
  TickClock clock;
  ASSERT_TRUE(clock.set_rate(rate.hz));
  std::uint64_t total = 0;    // ticks since start
  std::uint64_t wrapped = 0;  // ticks accounted through advance
  std::uint64_t previous = 0;
  std::uint64_t step = 5;
  std::uint64_t max_error = 0;
  const std::uint64_t end = std::uint64_t{rate.hz} * 3 + 4321;
  while (total < end) {
    total += step;
    step = (step * 5 + 11) % (rate.period / 7 + 1) + 1;  // below a seventh of a period
    // The handler accounts a wrap only once the counter is a quarter period past it.
    while (total - wrapped >= rate.period + rate.period / 4) {
      clock.advance(rate.period);
      wrapped += rate.period;
    }
    const std::uint64_t ns = clock.now_ns(static_cast<std::uint32_t>(total - wrapped));
    ASSERT_GE(ns, previous) << "went backwards at tick " << total;
    previous = ns;
    const std::uint64_t want = exact_ns(total, rate.hz);
    const std::uint64_t error = ns > want ? ns - want : want - ns;
    if (error > max_error) max_error = error;
  }
  EXPECT_LE(max_error, 16u) << "at " << rate.hz << " Hz";
}

// A wrap the handler has not accounted yet is passed in by the reader as one extra period.
TEST_P(TickClockRates, UnaccountedWrapCountsAsOnePeriod) {
  const Rate rate = GetParam();
  TickClock clock;
  ASSERT_TRUE(clock.set_rate(rate.hz));
  clock.advance(rate.period);
  std::uint64_t late = clock.now_ns(rate.period + 10);  // reader saw the second wrap pending
  clock.advance(rate.period);                            // handler runs afterwards
  std::uint64_t after = clock.now_ns(10);
  EXPECT_GE(after, late);
  EXPECT_LE(after - late, 16u);
  std::uint64_t want = exact_ns(std::uint64_t{rate.period} * 2 + 10, rate.hz);
  EXPECT_LE(after > want ? after - want : want - after, 16u);
}

INSTANTIATE_TEST_SUITE_P(
    CommonClocks, TickClockRates,
    ::testing::Values(Rate{1000000u, 1000u}, Rate{8000000u, 0x1000000u}, Rate{16000000u, 16000u},
                      Rate{25000000u, 0x1000000u}, Rate{48000000u, 48000u},
                      Rate{64000000u, 0x1000000u}, Rate{120000000u, 0x1000000u},
                      Rate{168000000u, 168000u}, Rate{180000000u, 0x1000000u},
                      Rate{216000000u, 0x1000000u}, Rate{480000000u, 480000u}),
    [](const ::testing::TestParamInfo<Rate>& p) {
      return std::to_string(p.param.hz) + "Hz_" + std::to_string(p.param.period);
    });

// The port's SysTick read: ticks since the handler last ran, for each state of the counter.
TEST(SysTickTicks, CountsAPendingWrapExceptOnTheTickAtZero) {
  constexpr std::uint32_t kReload = 24999;  // 25 MHz, 1 ms periods
  EXPECT_EQ(systick_ticks(kReload, kReload, false), 0u);           // just accounted
  EXPECT_EQ(systick_ticks(kReload, 1, false), kReload - 1);        // late in the period
  EXPECT_EQ(systick_ticks(kReload, 0, false), kReload);            // its last tick
  // At 0 the interrupt is already pending, but the counter reloads only on the next tick:
  // still the last tick of the same period, not one period more.
  EXPECT_EQ(systick_ticks(kReload, 0, true), kReload);
  EXPECT_EQ(systick_ticks(kReload, kReload, true), kReload + 1);   // reloaded: one period on
  EXPECT_EQ(systick_ticks(kReload, kReload - 7, true), kReload + 8);
  // Time read across the tick at 0 never steps: the last tick, then the first of the next.
  EXPECT_EQ(systick_ticks(kReload, kReload, true) - systick_ticks(kReload, 0, true), 1u);
}

TEST(TickClock, RejectsRatesBelowOneMegahertz) {
  TickClock clock;
  EXPECT_FALSE(clock.set_rate(999999u));
  EXPECT_FALSE(clock.running());
  EXPECT_TRUE(clock.set_rate(1000000u));
  EXPECT_TRUE(clock.running());
}

// A reader inside the SysTick handler, before it accounts the wrap, sees the counter already
// reloaded and no pending flag: its raw value would be one period early. The guard holds time.
TEST(TickClock, ReadInsideHandlerBeforeAccountingDoesNotGoBack) {
  TickClock clock;
  ASSERT_TRUE(clock.set_rate(25000000u));
  const std::uint32_t period = 25000u;
  std::uint64_t before = clock.now_ns(period - 1);  // just before the wrap
  std::uint64_t inside = clock.now_ns(5);           // wrapped, not accounted yet
  EXPECT_EQ(inside, before);
  clock.advance(period);
  EXPECT_GT(clock.now_ns(6), before);
}

// The latest time handed out before an advance() bounds every read after it, even one that
// passes fewer ticks than the reader before the advance had counted (a read from a handler
// that preempted the SysTick handler after its pending flag cleared).
TEST(TickClock, ReadsAfterAdvanceNeverGoBelowTheLatestTime) {
  TickClock clock;
  ASSERT_TRUE(clock.set_rate(25000000u));
  const std::uint32_t period = 25000u;
  clock.advance(period);
  const std::uint64_t late = clock.now_ns(period + 1000);  // counted the pending wrap
  clock.advance(period);                                   // the handler accounts it
  EXPECT_EQ(clock.now_ns(10), late);                       // held, not 990 ticks back
  EXPECT_EQ(clock.last_ns(), late);
  const std::uint64_t later = clock.now_ns(2000);
  EXPECT_GT(later, late);
  EXPECT_EQ(later, exact_ns(std::uint64_t{period} * 2 + 2000, 25000000u));
}

// The DWT cycle counter: a free-running 32-bit up-counter, read directly and accounted at
// every SysTick interrupt. Walked through several of its 2^32 wraps at common core clocks.
class CycleCounterRates : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(CycleCounterRates, TracksExactTimeAcrossCounterWrapsAndNeverGoesBack) {
  const std::uint32_t hz = GetParam();
  TickClock clock;
  ASSERT_TRUE(clock.set_rate(hz));
  const std::uint64_t start = 0xFFFFFFFFull - 123456u;  // the counter wraps soon after init
  clock.anchor(static_cast<std::uint32_t>(start));
  const std::uint64_t tick_period = std::uint64_t{hz} / 100u;  // a 10 ms SysTick
  const std::uint64_t end = std::uint64_t{hz} * 20 + 777;     // 20 s: past a 32-bit wrap
  std::uint64_t total = 0;       // cycles since anchor
  std::uint64_t next_tick = tick_period;
  std::uint64_t previous = 0;
  std::uint64_t max_error = 0;
  std::uint64_t step = 3;
  while (total < end) {
    total += step;
    step = (step * 7 + 13) % (tick_period / 5 + 1) + 1;
    if (total >= next_tick) {  // the SysTick handler ran (late, if the step overshot)
      clock.advance_to(static_cast<std::uint32_t>(start + total));
      next_tick += tick_period;
    }
    const std::uint64_t ns = clock.now_ns_at(static_cast<std::uint32_t>(start + total));
    ASSERT_GE(ns, previous) << "went backwards at cycle " << total;
    previous = ns;
    const std::uint64_t want = exact_ns(total, hz);
    const std::uint64_t error = ns > want ? ns - want : want - ns;
    if (error > max_error) max_error = error;
  }
  EXPECT_LE(max_error, 16u) << "fixed-point error above the documented bound at " << hz << " Hz";
  EXPECT_GE(previous, 20000000000u);
}

INSTANTIATE_TEST_SUITE_P(CoreClocks, CycleCounterRates,
                         ::testing::Values(16000000u, 64000000u, 168000000u, 216000000u, 480000000u),
                         [](const ::testing::TestParamInfo<std::uint32_t>& p) {
                           return std::to_string(p.param) + "Hz";
                         });

// What the port reads back after enabling the counter decides between it and SysTick.
TEST(CycleCounterProbe, UsedOnlyWhenPresentEnabledCountingAndOnTheCoreClock) {
  constexpr std::uint32_t kEnabled = 1u << 0;
  constexpr std::uint32_t kNoCycCnt = 1u << 25;
  constexpr std::uint32_t kCoreClock = 1u << 2;
  constexpr std::uint32_t kSysTickOn = kCoreClock | 3u;
  constexpr std::uint32_t kFourComparators = 4u << 28;
  EXPECT_TRUE(cycle_counter_usable(kFourComparators | kEnabled, 100u, 108u, kSysTickOn));
  EXPECT_TRUE(cycle_counter_usable(kEnabled, 0xFFFFFFFEu, 3u, kSysTickOn)) << "wrapped between reads";
  // QEMU's mps2-an386: no DWT, everything reads as zero.
  EXPECT_FALSE(cycle_counter_usable(0u, 0u, 0u, kSysTickOn));
  EXPECT_FALSE(cycle_counter_usable(kNoCycCnt, 5u, 9u, kSysTickOn)) << "core built without CYCCNT";
  EXPECT_FALSE(cycle_counter_usable(0u, 5u, 9u, kSysTickOn)) << "enable bit did not stick";
  EXPECT_FALSE(cycle_counter_usable(kEnabled, 42u, 42u, kSysTickOn)) << "counter does not move";
  EXPECT_FALSE(cycle_counter_usable(kEnabled, 100u, 108u, 3u)) << "SysTick on the reference clock";
}

}  // namespace
}  // namespace tracelet::cortex_m
