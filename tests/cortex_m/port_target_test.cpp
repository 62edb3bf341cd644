// On-target tests of port/cortex_m on QEMU's MPS2-AN386: critical sections (PRIMASK), the
// SysTick clock against an independent hardware counter, per-context span slots under real
// interrupt nesting, entropy and init checks.
#include <cstdint>

#include "board.h"
#include "check.h"
#include "tracelet/port.h"
#include "tracelet_cortex_m.h"

namespace {

using tracelet::Status;
namespace port = tracelet::port;

volatile std::uint32_t* const kAircr = reinterpret_cast<volatile std::uint32_t*>(0xE000ED0Cu);
volatile std::uint32_t* const kIcsr = reinterpret_cast<volatile std::uint32_t*>(0xE000ED04u);
volatile std::uint32_t* const kSysTick = reinterpret_cast<volatile std::uint32_t*>(0xE000E010u);

constexpr unsigned kIrqLow = 28;      // priority 0x80 (group 4)
constexpr unsigned kIrqHigh = 29;     // priority 0x40 (group 2): preempts kIrqLow
constexpr unsigned kIrqSameGroup = 30;  // priority 0x90: group 4 like kIrqLow, cannot preempt it
constexpr std::uint32_t kNsPerTick = 40;  // 25 MHz reference counter

std::uint32_t primask() {
  std::uint32_t value;
  __asm__ volatile("mrs %0, primask" : "=r"(value));
  return value & 1u;
}

void set_prigroup(std::uint32_t group) {
  *kAircr = 0x05FA0000u | ((group & 7u) << 8);
}

// ---- init ---------------------------------------------------------------------------------
void test_init() {
  check::section("init");
  // Rejections come before the clock is touched.
  CHECK(tracelet::cortex_m::init(999999u) == Status::kInvalidArgument);
  set_prigroup(0);  // 7 preemption bits of 8 implemented: more than the 3 slots levels configured
  CHECK(tracelet::cortex_m::init(board::kCoreClockHz) == Status::kFailedPrecondition);
  set_prigroup(4);
  // A 1 ms SysTick period, as an RTOS would set it: wraps happen quickly in these tests and the
  // port must keep the reload it finds.
  kSysTick[1] = board::kCoreClockHz / 1000u - 1u;
  kSysTick[2] = 0;
  kSysTick[0] = 5u;  // core clock, enabled, no interrupt yet
  CHECK(tracelet::cortex_m::init(board::kCoreClockHz) == Status::kOk);
  CHECK_EQ(kSysTick[1], board::kCoreClockHz / 1000u - 1u);
  CHECK_EQ(kSysTick[0] & 7u, 7u);  // the port enabled the SysTick interrupt
  // The DWT cycle counter is used only if it really counts (QEMU's model has no DWT: SysTick).
  const bool cycles = tracelet::cortex_m::uses_cycle_counter();
  board::write(cycles ? "  clock: DWT cycle counter\n" : "  clock: SysTick (no usable DWT cycle counter)\n");
  if (cycles) {
    volatile std::uint32_t* const cyccnt = reinterpret_cast<volatile std::uint32_t*>(0xE0001004u);
    const std::uint32_t first = *cyccnt;
    for (volatile int spin = 0; spin < 100; spin = spin + 1) {
    }
    CHECK(*cyccnt != first);
  }
  std::uint64_t before = port::monotonic_ns();
  CHECK(tracelet::cortex_m::init(board::kCoreClockHz / 2) == Status::kOk);  // no restart
  CHECK(port::monotonic_ns() >= before);
}

// ---- critical sections -----------------------------------------------------------------------
volatile std::uint32_t g_irq_runs = 0;
volatile std::uint32_t g_isr_enter_state = 99;
volatile std::uint32_t g_isr_primask_inside = 99;
volatile std::uint32_t g_isr_primask_after = 99;

void critical_from_isr() {
  std::uint32_t state = port::critical_enter();
  g_isr_enter_state = state;
  g_isr_primask_inside = primask();
  port::critical_exit(state);
  g_isr_primask_after = primask();
  g_irq_runs = g_irq_runs + 1;
}

void test_critical_sections() {
  check::section("critical sections");
  CHECK_EQ(primask(), 0u);
  std::uint32_t outer = port::critical_enter();
  CHECK_EQ(outer, 0u);
  CHECK_EQ(primask(), 1u);
  std::uint32_t inner = port::critical_enter();
  CHECK_EQ(inner, 1u);
  port::critical_exit(inner);
  CHECK_EQ(primask(), 1u);  // the inner exit must not unmask
  port::critical_exit(outer);
  CHECK_EQ(primask(), 0u);

  board::set_irq_handler(kIrqLow, critical_from_isr, 0x80);
  g_irq_runs = 0;
  std::uint32_t state = port::critical_enter();
  board::pend_irq(kIrqLow);
  for (volatile int i = 0; i < 1000; i = i + 1) {
  }
  CHECK_EQ(g_irq_runs, 0u);  // masked: the interrupt waits
  port::critical_exit(state);
  CHECK_EQ(g_irq_runs, 1u);  // ...and runs as soon as the section ends
  CHECK_EQ(g_isr_enter_state, 0u);
  CHECK_EQ(g_isr_primask_inside, 1u);
  CHECK_EQ(g_isr_primask_after, 0u);
  board::set_irq_handler(kIrqLow, nullptr, 0);
}

// ---- clock --------------------------------------------------------------------------------
void test_clock_against_reference() {
  check::section("clock vs. CMSDK timer");
  // inner interval (b..c) <= clock delta <= outer interval (a..d), whatever the host does.
  std::uint32_t a = board::reference_ticks();
  std::uint64_t n0 = port::monotonic_ns();
  std::uint32_t b = board::reference_ticks();
  std::uint64_t previous = n0;
  bool monotonic = true;
  std::uint32_t start_wraps_seen = 0;
  std::uint32_t last_val = kSysTick[2];
  while (board::reference_ticks() - b < board::kCoreClockHz / 50u) {  // 20 ms, 20 SysTick wraps
    std::uint64_t now = port::monotonic_ns();
    if (now < previous) monotonic = false;
    previous = now;
    std::uint32_t val = kSysTick[2];
    if (val > last_val) ++start_wraps_seen;
    last_val = val;
  }
  std::uint32_t c = board::reference_ticks();
  std::uint64_t n1 = port::monotonic_ns();
  std::uint32_t d = board::reference_ticks();
  CHECK(monotonic);
  CHECK(start_wraps_seen >= 10u);
  std::uint64_t delta = n1 - n0;
  board::write("  clock delta ns ");
  board::write_uint(delta);
  board::write(", reference ticks inner ");
  board::write_uint(c - b);
  board::write(" outer ");
  board::write_uint(d - a);
  board::write("\n");
  CHECK(delta + 100u >= std::uint64_t{c - b} * kNsPerTick);
  CHECK(delta <= std::uint64_t{d - a} * kNsPerTick + 100u);
}

void test_clock_with_pending_wrap() {
  check::section("clock with a wrap pending while masked");
  std::uint32_t state = port::critical_enter();
  std::uint32_t a = board::reference_ticks();
  std::uint64_t n0 = port::monotonic_ns();
  std::uint32_t b = board::reference_ticks();
  // Wait with interrupts masked until SysTick has wrapped (pending, not yet handled), then a bit.
  while ((*kIcsr & (1u << 26)) == 0) {
  }
  std::uint32_t spin_from = board::reference_ticks();
  while (board::reference_ticks() - spin_from < board::kCoreClockHz / 2000u) {  // 0.5 ms
  }
  std::uint64_t n_pending = port::monotonic_ns();
  CHECK((*kIcsr & (1u << 26)) != 0);  // still unhandled when read
  std::uint32_t c = board::reference_ticks();
  port::critical_exit(state);          // SysTick_Handler accounts the wrap now
  std::uint64_t n_after = port::monotonic_ns();
  std::uint32_t d = board::reference_ticks();
  CHECK(n_pending >= n0);
  CHECK(n_after >= n_pending);
  CHECK(n_pending - n0 + 100u >= std::uint64_t{c - b} * kNsPerTick);
  CHECK(n_pending - n0 <= std::uint64_t{c - a} * kNsPerTick + 100u);
  CHECK(n_after - n0 <= std::uint64_t{d - a} * kNsPerTick + 100u);
}

// ---- current span slots ----------------------------------------------------------------------
void** volatile g_slot_low = nullptr;
void** volatile g_slot_high = nullptr;
void** volatile g_slot_same_group = nullptr;
void** volatile g_slot_low_after_nesting = nullptr;
volatile std::uint32_t g_order = 0;
volatile std::uint32_t g_high_ran_at = 0;
volatile std::uint32_t g_same_group_ran_at = 0;
volatile std::uint32_t g_low_finished_at = 0;

void high_handler() {
  g_slot_high = port::current_span_slot();
  g_order = g_order + 1;
  g_high_ran_at = g_order;
}

void same_group_handler() {
  g_slot_same_group = port::current_span_slot();
  g_order = g_order + 1;
  g_same_group_ran_at = g_order;
}

void low_handler() {
  g_slot_low = port::current_span_slot();
  board::pend_irq(kIrqSameGroup);  // same group priority: must wait until we return
  board::pend_irq(kIrqHigh);       // higher group priority: preempts right here
  g_slot_low_after_nesting = port::current_span_slot();
  g_order = g_order + 1;
  g_low_finished_at = g_order;
}

void test_span_slots() {
  check::section("current span slots");
  void** thread_slot = port::current_span_slot();
  CHECK(thread_slot != nullptr);
  CHECK(thread_slot == port::current_span_slot());
  CHECK(*thread_slot == nullptr);
  board::set_irq_handler(kIrqLow, low_handler, 0x80);
  board::set_irq_handler(kIrqHigh, high_handler, 0x40);
  board::set_irq_handler(kIrqSameGroup, same_group_handler, 0x90);
  g_order = 0;
  board::pend_irq(kIrqLow);
  CHECK_EQ(g_order, 3u);
  CHECK_EQ(g_high_ran_at, 1u);        // nested inside the low handler
  CHECK_EQ(g_low_finished_at, 2u);
  CHECK_EQ(g_same_group_ran_at, 3u);  // only after the low handler returned
  CHECK(g_slot_low != nullptr && g_slot_high != nullptr);
  CHECK(g_slot_low != thread_slot);
  CHECK(g_slot_high != thread_slot);
  CHECK(g_slot_high != g_slot_low);                // nested contexts never share
  CHECK(g_slot_low_after_nesting == g_slot_low);
  CHECK(g_slot_same_group == g_slot_low);          // never active together: may share
  CHECK(port::current_span_slot() == thread_slot);
  board::set_irq_handler(kIrqLow, nullptr, 0);
  board::set_irq_handler(kIrqHigh, nullptr, 0);
  board::set_irq_handler(kIrqSameGroup, nullptr, 0);
}

// ---- entropy --------------------------------------------------------------------------------
void test_entropy() {
  check::section("entropy (weak jitter fallback on QEMU)");
  std::uint8_t first[32] = {};
  std::uint8_t second[32] = {};
  CHECK(port::entropy(first, sizeof first));
  CHECK(port::entropy(second, sizeof second));
  unsigned equal_neighbours = 0;
  unsigned same_as_second = 0;
  for (unsigned i = 0; i < sizeof first; ++i) {
    if (i != 0 && first[i] == first[i - 1]) ++equal_neighbours;
    if (first[i] == second[i]) ++same_as_second;
  }
  CHECK(equal_neighbours < 8u);
  CHECK(same_as_second < 8u);
}

}  // namespace

int main() {
  board::write("port/cortex_m on MPS2-AN386\n");
  test_init();
  test_critical_sections();
  test_clock_against_reference();
  test_clock_with_pending_wrap();
  test_span_slots();
  test_entropy();
  return check::finish();
}
