// Board services of MPS2-AN386: semihosting output and exit, interrupt dispatch, CMSDK timer 0.
#include "board.h"

#include "semihosting.h"

namespace board {
namespace {

// System control space (ARMv7-M architecture reference manual, chapter B3).
volatile std::uint32_t* const kNvicIser = reinterpret_cast<volatile std::uint32_t*>(0xE000E100u);
volatile std::uint32_t* const kNvicIcer = reinterpret_cast<volatile std::uint32_t*>(0xE000E180u);
volatile std::uint32_t* const kNvicIspr = reinterpret_cast<volatile std::uint32_t*>(0xE000E200u);
volatile std::uint8_t* const kNvicIpr = reinterpret_cast<volatile std::uint8_t*>(0xE000E400u);

// CMSDK APB timer 0 registers.
struct CmsdkTimer {
  std::uint32_t ctrl;       // bit 0 enable, bit 3 interrupt enable
  std::uint32_t value;      // counts down at the core clock
  std::uint32_t reload;
  std::uint32_t intstatus;  // write 1 to clear
};
volatile CmsdkTimer* const kTimer0 = reinterpret_cast<volatile CmsdkTimer*>(0x40000000u);
volatile CmsdkTimer* const kTimer1 = reinterpret_cast<volatile CmsdkTimer*>(0x40001000u);

IrqHandler g_handlers[kIrqCount] = {};

}  // namespace

void write(const char* text) noexcept {
  (void)semihosting::call(semihosting::kSysWrite0, text);
}

void write_uint(std::uint64_t value) noexcept {
  char digits[21];
  int at = 20;
  digits[at] = '\0';
  do {
    digits[--at] = static_cast<char>('0' + value % 10u);
    value /= 10u;
  } while (value != 0);
  write(&digits[at]);
}

void exit(int code) noexcept {
  const std::uint32_t block[2] = {semihosting::kApplicationExit, static_cast<std::uint32_t>(code)};
  for (;;) (void)semihosting::call(semihosting::kSysExitExtended, block);
}

void set_irq_handler(unsigned irq, IrqHandler handler, std::uint8_t priority) noexcept {
  if (irq >= kIrqCount) return;
  kNvicIcer[irq / 32] = 1u << (irq % 32);
  __asm__ volatile("dsb\n isb" ::: "memory");
  g_handlers[irq] = handler;
  kNvicIpr[irq] = priority;
  if (handler != nullptr) kNvicIser[irq / 32] = 1u << (irq % 32);
}

void pend_irq(unsigned irq) noexcept {
  if (irq >= kIrqCount) return;
  kNvicIspr[irq / 32] = 1u << (irq % 32);
  __asm__ volatile("dsb\n isb" ::: "memory");
}

void timer0_start(std::uint32_t period_ticks) noexcept {
  kTimer0->ctrl = 0;
  kTimer0->intstatus = 1;
  kTimer0->reload = period_ticks;
  kTimer0->value = period_ticks;
  kTimer0->ctrl = 1u | (1u << 3);
}

void timer0_stop() noexcept {
  kTimer0->ctrl = 0;
  kTimer0->intstatus = 1;
}

void timer0_clear() noexcept { kTimer0->intstatus = 1; }

std::uint32_t reference_ticks() noexcept {
  if ((kTimer1->ctrl & 1u) == 0) {
    kTimer1->reload = 0xFFFFFFFFu;
    kTimer1->value = 0xFFFFFFFFu;
    kTimer1->ctrl = 1u;
  }
  return 0xFFFFFFFFu - kTimer1->value;
}

unsigned priority_bits() noexcept {
  // Unimplemented low priority bits read as zero: write all ones to an unused IRQ's priority
  // and count what sticks. The last IRQ is not wired to a device on this board.
  volatile std::uint8_t& probe = kNvicIpr[kIrqCount - 1];
  std::uint8_t saved = probe;
  probe = 0xFF;
  std::uint8_t kept = probe;
  probe = saved;
  unsigned bits = 0;
  while ((kept & 0x80u) != 0) {
    ++bits;
    kept = static_cast<std::uint8_t>(kept << 1);
  }
  return bits;
}

}  // namespace board

namespace {
void write_hex(std::uint32_t value) {
  char hex[11] = "0x";
  for (int i = 0; i < 8; ++i) hex[2 + i] = "0123456789abcdef"[(value >> (28 - 4 * i)) & 0xFu];
  hex[10] = '\0';
  board::write(hex);
}
}  // namespace

// Called by startup.c's default handler with the exception's stacked frame (r0-r3, r12, lr,
// pc, xpsr): names the exception, the faulting pc and the fault status, then fails the run
// so a test runner sees it.
extern "C" void board_report_fault(const std::uint32_t* frame) {
  std::uint32_t ipsr = 0;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  board::write("\n*** unhandled exception ");
  board::write_uint(ipsr & 0x1FFu);
  board::write(" pc=");
  write_hex(frame[6]);
  board::write(" lr=");
  write_hex(frame[5]);
  board::write(" CFSR=");
  write_hex(*reinterpret_cast<const volatile std::uint32_t*>(0xE000ED28u));
  board::write(" BFAR=");
  write_hex(*reinterpret_cast<const volatile std::uint32_t*>(0xE000ED38u));
  board::write("\n");
  board::exit(3);
}

extern "C" void board_irq_dispatch(void) {
  std::uint32_t ipsr = 0;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  unsigned irq = (ipsr & 0x1FFu) - 16u;
  board::IrqHandler handler = irq < board::kIrqCount ? board::g_handlers[irq] : nullptr;
  if (handler == nullptr) {
    board::write("\n*** interrupt without handler\n");
    board::exit(3);
  }
  handler();
}
