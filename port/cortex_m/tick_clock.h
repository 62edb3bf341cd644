#pragma once
#include <cstdint>

namespace tracelet::cortex_m {

/// SysTick: the ticks since its handler last accounted a wrap, from one read of the
/// down-counter (`reload` .. 0). `wrap_pending`: the wrap interrupt is pending, which a reader
/// with interrupts masked sees before the handler runs; `value` must then be read after that
/// check, so it is certainly from after the wrap and a whole period more has passed. Except at
/// 0: the counter pends the interrupt on reaching 0 and reloads only on the next tick, so 0
/// is still the last tick of the period being counted.
constexpr std::uint32_t systick_ticks(std::uint32_t reload, std::uint32_t value,
                                      bool wrap_pending) noexcept {
  return (wrap_pending && value != 0 ? reload + 1u : 0u) + (reload - value);
}

/// Turns a hardware tick counter (SysTick, or the DWT cycle counter) into nanoseconds since
/// start, with no drift over uptime and never going backwards. Pure arithmetic, no registers,
/// so host tests can drive it; the port calls it with interrupts masked.
/// Constant-initialisable.
///
/// The SysTick handler accounts the ticks counted since its last run (advance()): whole
/// seconds are carried exactly and the time at that point, base_ns_, is computed there with
/// 64-bit fixed point (28 fractional bits, error below 4 ns). A read only adds the ticks since
/// then, scaled by one 32x32->64 multiply and a shift (22 fractional bits: below 8 ns for the
/// 2^25 ticks a read may add). So a read costs no 64-bit multiply or division, and the error
/// stays below 16 ns and does not accumulate.
///
/// Never going back is kept in ticks, not nanoseconds: a read never takes fewer ticks since
/// the last advance() than the read before it (a 32-bit compare), and advance() starts the
/// new period's reads at the first tick that is not earlier than the latest time handed out
/// (which a reader that counted a pending wrap itself, or the rounding, may have put past the
/// new base).
class TickClock {
 public:
  constexpr TickClock() noexcept = default;

  /// Sets the counter rate. Returns false for rates below 1 MHz (too coarse for spans, and
  /// where the read's 32-bit scale would overflow). Resets time to 0.
  bool set_rate(std::uint32_t hz) noexcept {
    if (hz < 1000000u) return false;
    hz_ = hz;
    ns_per_tick_q28_ = (std::uint64_t{1000000000u} << kBaseShift) / hz;
    // (1e9 << 22) / hz exactly (floor of a floor): one 64-bit division, not two.
    read_.ns_per_tick_q22 = static_cast<std::uint32_t>(ns_per_tick_q28_ >> (kBaseShift - kReadShift));
    seconds_ = 0;
    sub_ticks_ = 0;
    base_ns_ = 0;
    read_.held_ticks = 0;
    last_count_ = 0;
    return true;
  }
  bool running() const noexcept { return hz_ != 0; }

  /// Accounts `ticks` more ticks: one SysTick period (reload + 1) per wrap, or what a
  /// free-running counter advanced since the last call. At most 2^26 per call (SysTick
  /// interrupts come at least that often) keeps the carry loop short and the sum in 32 bits.
  void advance(std::uint32_t ticks) noexcept {
    const std::uint64_t latest = last_ns();
    sub_ticks_ += ticks;
    while (hz_ != 0 && sub_ticks_ >= hz_) {
      sub_ticks_ -= hz_;
      ++seconds_;
    }
    base_ns_ = std::uint64_t{seconds_} * 1000000000u + ((std::uint64_t{sub_ticks_} * ns_per_tick_q28_) >> kBaseShift);
    read_.held_ticks = 0;
    const std::uint32_t scale = read_.ns_per_tick_q22;
    if (latest > base_ns_ && scale != 0) {
      // The first tick of the new period at or after `latest`: (ticks * q22) >> 22 >= ahead.
      // Rare (a reader counted the wrap itself, or a few ns of rounding), and here in the
      // handler rather than in every read. Bounded: `ahead` is at most a few periods.
      const std::uint64_t ahead = latest - base_ns_;
      std::uint64_t hold = ((ahead << kReadShift) + scale - 1) / scale;
      read_.held_ticks = hold > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(hold);
    }
  }

  /// Nanoseconds now, given the ticks counted since the last advance() (for SysTick including
  /// a whole period for a wrap that happened but was not accounted yet; below 2^26 there).
  /// Never returns less than a previous call did.
  std::uint64_t now_ns(std::uint32_t ticks_since_advance) noexcept {
    // A reader that sees a wrap late (or from inside the SysTick handler, before it accounts
    // it) would step back: it gets the latest time instead (see the class comment).
    const Read read = read_;  // both words in one double-word load on a small core
    if (ticks_since_advance < read.held_ticks) ticks_since_advance = read.held_ticks;
    read_.held_ticks = ticks_since_advance;
    return base_ns_ + ((std::uint64_t{ticks_since_advance} * read.ns_per_tick_q22) >> kReadShift);
  }

  /// For a free-running 32-bit up-counter (the DWT cycle counter): accounts the ticks since
  /// the count given last time (the counter may wrap once in between).
  void advance_to(std::uint32_t count) noexcept {
    const std::uint32_t ticks = count - last_count_;
    last_count_ = count;
    advance(ticks);
  }
  /// Nanoseconds at counter value `count`; the counter must not have gone a whole 2^32 past
  /// the last advance_to() (at 480 MHz, 8.9 s: the SysTick interrupt comes far more often).
  std::uint64_t now_ns_at(std::uint32_t count) noexcept { return now_ns(ticks_to(count)); }
  /// Ticks from the last advance_to() to counter value `count` (what now_ns() takes).
  std::uint32_t ticks_to(std::uint32_t count) const noexcept { return count - last_count_; }
  /// Starts counting a free-running counter from `count` (time is not reset).
  void anchor(std::uint32_t count) noexcept { last_count_ = count; }

  /// The latest value now_ns() returned (or, before any read since the last advance(), that
  /// advance's base when it is later).
  std::uint64_t last_ns() const noexcept { return ns_at(read_.held_ticks); }

 private:
  static constexpr unsigned kBaseShift = 28;
  static constexpr unsigned kReadShift = 22;
  std::uint64_t ns_at(std::uint32_t ticks_since_advance) const noexcept {
    return base_ns_ + ((std::uint64_t{ticks_since_advance} * read_.ns_per_tick_q22) >> kReadShift);
  }
  std::uint32_t hz_ = 0;
  // What every read loads, side by side.
  struct Read {
    std::uint32_t held_ticks = 0;       // the most ticks a read took since the last advance()
    std::uint32_t ns_per_tick_q22 = 0;  // (1e9 << 22) / hz, below 2^32 for hz >= 1 MHz
  };
  Read read_;
  std::uint64_t ns_per_tick_q28_ = 0;  // (1e9 << 28) / hz, below 2^38 for hz >= 1 MHz
  std::uint64_t base_ns_ = 0;          // time at the last advance()
  std::uint32_t sub_ticks_ = 0;        // ticks into the current second (below hz after advance)
  std::uint32_t seconds_ = 0;          // 136 years before it wraps
  std::uint32_t last_count_ = 0;       // free-running counter at the last advance_to()
};

/// Whether the DWT cycle counter can time spans, from what the port read back after enabling
/// it: the counter exists (DWT_CTRL.NOCYCCNT clear), its enable bit stuck (CYCCNTENA; an
/// emulator without a DWT reads it as 0), it moved between two reads, and the rate the
/// port was given is the core clock's (SysTick's CLKSOURCE set: with the external reference
/// clock the port does not know the cycle rate). Otherwise the port keeps SysTick.
constexpr bool cycle_counter_usable(std::uint32_t dwt_ctrl, std::uint32_t first_count,
                                    std::uint32_t second_count, std::uint32_t systick_ctrl) noexcept {
  constexpr std::uint32_t kNoCycCnt = 1u << 25;
  constexpr std::uint32_t kCycCntEna = 1u << 0;
  constexpr std::uint32_t kSysTickCoreClock = 1u << 2;
  return (dwt_ctrl & kNoCycCnt) == 0 && (dwt_ctrl & kCycCntEna) != 0 && first_count != second_count &&
         (systick_ctrl & kSysTickCoreClock) != 0;
}

}  // namespace tracelet::cortex_m
