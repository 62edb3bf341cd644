#pragma once
#include <cstdint>

namespace tracelet::cortex_m {

/// Turns a wrapping hardware tick counter (SysTick) into nanoseconds since start, with no
/// drift over uptime and never going backwards. Pure arithmetic, no registers, so host tests
/// can drive it; the port calls it with interrupts masked. Constant-initialisable.
///
/// Time = seconds_ * 1e9 + (sub_ticks_ + ticks since the last accounted wrap) * 1e9 / hz.
/// Whole seconds are carried exactly, so the fixed-point scaling (28 fractional bits) only
/// rounds inside one second: the error stays below 16 ns and does not accumulate.
class TickClock {
 public:
  constexpr TickClock() noexcept = default;

  /// Sets the counter rate. Returns false for rates below 1 MHz (too coarse for spans, and
  /// where the fixed-point product could overflow). Resets time to 0.
  bool set_rate(std::uint32_t hz) noexcept {
    if (hz < 1000000u) return false;
    hz_ = hz;
    ns_per_tick_q28_ = (std::uint64_t{1000000000u} << kShift) / hz;
    seconds_ = 0;
    sub_ticks_ = 0;
    last_ns_ = 0;
    return true;
  }
  bool running() const noexcept { return hz_ != 0; }

  /// Accounts one counter wrap of `period_ticks` (reload + 1; at most 2^24 for SysTick).
  void on_wrap(std::uint32_t period_ticks) noexcept {
    sub_ticks_ += period_ticks;
    while (hz_ != 0 && sub_ticks_ >= hz_) {
      sub_ticks_ -= hz_;
      ++seconds_;
    }
  }

  /// Nanoseconds now, given the ticks counted since the last on_wrap() (including a whole
  /// period for a wrap that happened but was not accounted yet). `ticks_since_wrap` must be
  /// below 2^26. Never returns less than a previous call did.
  std::uint64_t now_ns(std::uint32_t ticks_since_wrap) noexcept {
    std::uint64_t ticks = std::uint64_t{sub_ticks_} + ticks_since_wrap;
    std::uint64_t ns = std::uint64_t{seconds_} * 1000000000u + ((ticks * ns_per_tick_q28_) >> kShift);
    // Rounding at a second boundary, or a reader that sees a wrap late, may step back a
    // little: hand out the previous value instead.
    if (ns < last_ns_) ns = last_ns_;
    last_ns_ = ns;
    return ns;
  }

  /// The latest value now_ns() returned.
  std::uint64_t last_ns() const noexcept { return last_ns_; }

 private:
  static constexpr unsigned kShift = 28;
  std::uint32_t hz_ = 0;
  std::uint64_t ns_per_tick_q28_ = 0;  // (1e9 << 28) / hz, below 2^38 for hz >= 1 MHz
  std::uint32_t seconds_ = 0;          // 136 years before it wraps
  std::uint32_t sub_ticks_ = 0;        // ticks into the current second at the last wrap
  std::uint64_t last_ns_ = 0;
};

}  // namespace tracelet::cortex_m
