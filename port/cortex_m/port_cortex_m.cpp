// tracelet::port for ARMv7-M (Cortex-M3/M4/M7) without an OS. See tracelet_cortex_m.h for the
// board-facing part and docs/porting.md for the reasoning.
#include "tracelet_cortex_m.h"

#include "critical_inline.h"
#include "tick_clock.h"

#include "tracelet/config.h"
#include "tracelet/port.h"

#ifndef TRACELET_CORTEX_M_PRIORITY_BITS
#define TRACELET_CORTEX_M_PRIORITY_BITS 4  // group-priority bits in use; 2^bits + 3 slots of 4 bytes
#endif
#ifndef TRACELET_CORTEX_M_WEAK_ENTROPY
#define TRACELET_CORTEX_M_WEAK_ENTROPY 0  // 1 = SysTick-jitter bytes when the board has no TRNG (NOT secure)
#endif
#ifndef TRACELET_CORTEX_M_SYSTICK_HANDLER
#define TRACELET_CORTEX_M_SYSTICK_HANDLER 1  // 0 = an RTOS owns SysTick_Handler and calls on_systick()
#endif
static_assert(TRACELET_CORTEX_M_PRIORITY_BITS >= 1 && TRACELET_CORTEX_M_PRIORITY_BITS <= 8,
              "TRACELET_CORTEX_M_PRIORITY_BITS must be 1..8 (ARMv7-M has at most 8 priority bits).");

// A board's own thread slots, if it defines them (an undefined weak reference is null); the
// port's one slot for the bare-metal main loop otherwise.
extern "C" __attribute__((weak)) void** tracelet_board_thread_slot(void);

namespace tracelet {
namespace {

// ---- system control space registers (ARMv7-M ARM, B3.2 and B3.3) -------------------------
struct SysTickRegs {
  std::uint32_t ctrl;   // bit 0 ENABLE, bit 1 TICKINT, bit 2 CLKSOURCE (1 = core clock)
  std::uint32_t load;   // reload value, 24 bits
  std::uint32_t val;    // current value, counts down
  std::uint32_t calib;
};
volatile SysTickRegs* const kSysTick = reinterpret_cast<volatile SysTickRegs*>(0xE000E010u);
volatile std::uint32_t* const kIcsr = reinterpret_cast<volatile std::uint32_t*>(0xE000ED04u);
volatile std::uint32_t* const kAircr = reinterpret_cast<volatile std::uint32_t*>(0xE000ED0Cu);
// Priority bytes: system handlers 4..15 at SHPR (0xE000ED18 + n - 4), IRQs at NVIC_IPR.
volatile std::uint8_t* const kShpr = reinterpret_cast<volatile std::uint8_t*>(0xE000ED14u);  // index by exception number
volatile std::uint8_t* const kNvicIpr = reinterpret_cast<volatile std::uint8_t*>(0xE000E400u);
constexpr std::uint32_t kIcsrPendStSet = 1u << 26;
constexpr std::uint32_t kSysTickEnable = 1u << 0;
constexpr std::uint32_t kSysTickInt = 1u << 1;
constexpr std::uint32_t kSysTickCoreClock = 1u << 2;
constexpr std::uint32_t kSysTickMaxReload = 0x00FFFFFFu;
// Debug and trace (ARMv7-M ARM, C1.6 and C1.8): DEMCR.TRCENA powers the DWT, whose cycle
// counter (CYCCNT) is optional (DWT_CTRL.NOCYCCNT) and off until CYCCNTENA is set. The lock
// access register only matters on cores that implement the software lock (Cortex-M7).
volatile std::uint32_t* const kDemcr = reinterpret_cast<volatile std::uint32_t*>(0xE000EDFCu);
volatile std::uint32_t* const kDwtCtrl = reinterpret_cast<volatile std::uint32_t*>(0xE0001000u);
volatile std::uint32_t* const kDwtCyccnt = reinterpret_cast<volatile std::uint32_t*>(0xE0001004u);
volatile std::uint32_t* const kDwtLar = reinterpret_cast<volatile std::uint32_t*>(0xE0001FB0u);
constexpr std::uint32_t kDemcrTrcEna = 1u << 24;
constexpr std::uint32_t kDwtNoCycCnt = 1u << 25;
constexpr std::uint32_t kDwtCycCntEna = 1u << 0;
constexpr std::uint32_t kDwtUnlock = 0xC5ACCE55u;

// The critical section (critical_inline.h, which the core inlines on its hot paths).
inline std::uint32_t read_primask_and_disable() noexcept { return port_inline::critical_enter(); }
inline void write_primask(std::uint32_t primask) noexcept { port_inline::critical_exit(primask); }
// The active exception's number, 0 in thread mode. (IPSR's bits above it read as zero: no
// mask needed.)
inline std::uint32_t read_ipsr() noexcept {
  std::uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  return ipsr;
}

// ---- clock: changed only with interrupts masked ---------------------------------------------
// What times spans: nothing before init(); the DWT cycle counter (SysTick's interrupt only
// keeps its count within 32 bits); or SysTick itself (no DWT, as on QEMU, or SysTick not on
// the core clock). Kept beside the clock so a read finds both from one address.
enum class ClockSource : std::uint8_t { kNone, kSysTickCounter, kCycleCounter };
struct Clock {
  cortex_m::TickClock ticks;
  ClockSource source = ClockSource::kNone;
};
Clock g_clock;

// Turns the cycle counter on and says whether it is there and counts at the core clock.
// Interrupts are masked. Leaves DEMCR as it was if the counter is not used.
bool start_cycle_counter() noexcept {
  const std::uint32_t demcr = *kDemcr;
  *kDemcr = demcr | kDemcrTrcEna;
  *kDwtLar = kDwtUnlock;
  if ((*kDwtCtrl & kDwtNoCycCnt) == 0) *kDwtCtrl = *kDwtCtrl | kDwtCycCntEna;
  const std::uint32_t first = *kDwtCyccnt;
  __asm__ volatile("nop\n nop\n nop\n nop" ::: "memory");
  const std::uint32_t second = *kDwtCyccnt;
  if (cortex_m::cycle_counter_usable(*kDwtCtrl, first, second, kSysTick->ctrl)) return true;
  *kDemcr = demcr;
  return false;
}

// ---- current-span slots --------------------------------------------------------------------
// Handlers nest only by strictly higher group priority, so at most one handler per group
// priority level is active at a time: one slot per level is enough, plus NMI, HardFault
// (fixed negative priorities) and the thread-mode default.
constexpr unsigned kPriorityLevels = 1u << TRACELET_CORTEX_M_PRIORITY_BITS;
constexpr unsigned kPriorityShift = 8u - TRACELET_CORTEX_M_PRIORITY_BITS;
void* g_handler_slots[kPriorityLevels + 2] = {};  // [0] NMI, [1] HardFault, [2+level]
void* g_thread_slot = nullptr;

}  // namespace

// ---- port-specific API ---------------------------------------------------------------------
namespace cortex_m {

Status init(std::uint32_t systick_hz) noexcept {
  if (systick_hz < 1000000u) return Status::kInvalidArgument;
  // Preemption bits = implemented priority bits above the PRIGROUP split. Unimplemented low
  // bits of a priority byte read as zero: probe with PendSV's byte (restored right away).
  std::uint32_t saved = read_primask_and_disable();
  std::uint8_t pendsv_priority = kShpr[14];
  kShpr[14] = 0xFF;
  std::uint8_t implemented = kShpr[14];
  kShpr[14] = pendsv_priority;
  write_primask(saved);
  unsigned bits = 0;
  while ((implemented & 0x80u) != 0) {
    ++bits;
    implemented = static_cast<std::uint8_t>(implemented << 1);
  }
  unsigned prigroup = (*kAircr >> 8) & 7u;
  unsigned group_bits = 7u - prigroup;
  if (group_bits > bits) group_bits = bits;
  if (group_bits > TRACELET_CORTEX_M_PRIORITY_BITS) return Status::kFailedPrecondition;

  saved = read_primask_and_disable();
  if (g_clock.ticks.running()) {  // a second call keeps the running clock: time must not restart
    write_primask(saved);
    return Status::kOk;
  }
  (void)g_clock.ticks.set_rate(systick_hz);  // >= 1 MHz checked above
  if ((kSysTick->ctrl & kSysTickEnable) == 0) {
    kSysTick->load = kSysTickMaxReload;
    kSysTick->val = 0;
    kSysTick->ctrl = kSysTickCoreClock | kSysTickInt | kSysTickEnable;
    // The counter holds 0 until it loads RELOAD (one tick on silicon; on QEMU until its timer
    // event runs, which can take a while). A reader in that window would take 0 for "a whole
    // period elapsed" and the clock, which never steps back, would then stand still for a
    // period: wait for the load (bounded, in case the counter never starts).
    for (std::uint32_t polls = 0; kSysTick->val == 0 && polls < 10000000u; ++polls) {
    }
  } else {
    kSysTick->ctrl = kSysTick->ctrl | kSysTickInt;
  }
  if (start_cycle_counter()) {
    g_clock.ticks.anchor(*kDwtCyccnt);
    g_clock.source = ClockSource::kCycleCounter;
  } else {
    g_clock.source = ClockSource::kSysTickCounter;
  }
  write_primask(saved);
  return Status::kOk;
}

bool uses_cycle_counter() noexcept { return g_clock.source == ClockSource::kCycleCounter; }

void on_systick() noexcept {
  std::uint32_t saved = read_primask_and_disable();
  if (g_clock.source == ClockSource::kCycleCounter) {
    g_clock.ticks.advance_to(*kDwtCyccnt);
  } else {
    g_clock.ticks.advance(kSysTick->load + 1u);
  }
  write_primask(saved);
}

void weak_jitter_entropy(std::uint8_t* out, std::size_t len) noexcept {
  // Samples the SysTick counter around loops whose length depends on earlier samples, and
  // folds each sample into a 64-bit state with a multiply-xorshift mixer. What varies is
  // interrupt and bus timing; on an emulator, host scheduling. Predictable enough on quiet
  // hardware that it must never key anything secret.
  std::uint64_t state = 0x6a09e667f3bcc908ULL ^ g_clock.ticks.last_ns();
  for (std::size_t i = 0; i < len; ++i) {
    for (int round = 0; round < 16; ++round) {
      std::uint32_t spins = static_cast<std::uint32_t>(state & 0x3Fu) + 8u;
      for (volatile std::uint32_t n = 0; n < spins; n = n + 1u) {
      }
      state ^= kSysTick->val;
      state *= 0x9e3779b97f4a7c15ULL;
      state ^= state >> 29;
    }
    out[i] = static_cast<std::uint8_t>(state >> 56);
  }
}

// The current-span slot of a handler (`exception` = IPSR's exception number, not 0).
// Out of line: see port::current_span_slot().
namespace {
[[gnu::noinline]] void** handler_slot(std::uint32_t exception) noexcept {
  if (exception == 2) return &g_handler_slots[0];  // NMI
  if (exception == 3) return &g_handler_slots[1];  // HardFault
  std::uint8_t priority = exception >= 16 ? kNvicIpr[exception - 16] : kShpr[exception];
  return &g_handler_slots[2 + (priority >> kPriorityShift)];
}
// The board's hook, called from here: GCC does not tail-call a weak function.
[[gnu::noinline]] void** board_thread_slot() noexcept { return tracelet_board_thread_slot(); }
}  // namespace

}  // namespace cortex_m

// ---- tracelet::port ------------------------------------------------------------------------
namespace port {

std::uint64_t monotonic_ns() noexcept {
  std::uint32_t saved = read_primask_and_disable();
  const ClockSource source = g_clock.source;
  std::uint32_t ticks;  // since the SysTick handler last accounted
  if (source == ClockSource::kSysTickCounter) {
    const std::uint32_t reload = kSysTick->load;
    std::uint32_t value = kSysTick->val;
    // Wrapped, and the handler has not run yet (it cannot while we mask interrupts): the
    // counter is read again, after the check (see systick_ticks()).
    const bool wrap_pending = (*kIcsr & kIcsrPendStSet) != 0;
    if (wrap_pending) value = kSysTick->val;
    ticks = cortex_m::systick_ticks(reload, value, wrap_pending);
  } else if (source == ClockSource::kCycleCounter) {
    ticks = g_clock.ticks.ticks_to(*kDwtCyccnt);  // a late SysTick handler changes nothing here
  } else {
    write_primask(saved);
    panic(__FILE__, __LINE__);  // tracelet::cortex_m::init() was not called
  }
  // One conversion for both sources.
  const std::uint64_t ns = g_clock.ticks.now_ns(ticks);
  write_primask(saved);
  return ns;
}

std::int64_t unix_offset_ns() noexcept { return tracelet_board_unix_offset_ns(); }

bool entropy(std::uint8_t* out, std::size_t len) noexcept {
  if (tracelet_board_entropy(out, len)) return true;
#if TRACELET_CORTEX_M_WEAK_ENTROPY
  cortex_m::weak_jitter_entropy(out, len);
  return true;
#else
  return false;
#endif
}

// PRIMASK masks every interrupt except NMI and HardFault. Saving and restoring it (rather
// than cpsid/cpsie) makes sections nest and work from handlers that run with it already set.
std::uint32_t critical_enter() noexcept { return read_primask_and_disable(); }
bool critical_try_enter(std::uint32_t& state) noexcept {
  state = read_primask_and_disable();  // masking cannot be refused: nothing to wait for
  return true;
}
void critical_exit(std::uint32_t state) noexcept { write_primask(state); }

void** current_span_slot() noexcept {
  const std::uint32_t exception = read_ipsr();
  if (exception != 0) return cortex_m::handler_slot(exception);  // a tail call
  // Thread mode (most span starts and ends): no call and no stack frame unless the board
  // has its own slots.
  if (tracelet_board_thread_slot != nullptr) return cortex_m::board_thread_slot();  // a tail call
  return &g_thread_slot;
}

void panic(const char* file, int line) noexcept { tracelet_board_panic(file, line); }

}  // namespace port
}  // namespace tracelet

// ---- weak board hooks ----------------------------------------------------------------------
extern "C" {

__attribute__((weak)) bool tracelet_board_entropy(std::uint8_t*, std::size_t) { return false; }

__attribute__((weak)) std::int64_t tracelet_board_unix_offset_ns(void) { return 0; }


__attribute__((weak, noreturn)) void tracelet_board_panic(const char*, int) {
  __asm__ volatile("cpsid i" ::: "memory");
  for (;;) __asm__ volatile("wfi");
}

#if TRACELET_CORTEX_M_SYSTICK_HANDLER
void SysTick_Handler(void) { tracelet::cortex_m::on_systick(); }
#endif

}  // extern "C"
