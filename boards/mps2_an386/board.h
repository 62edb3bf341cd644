#pragma once
#include <cstdint>

/// Services of the MPS2-AN386 board support (QEMU's Cortex-M4 model) for firmware images and
/// on-target tests. Output and exit go through Arm semihosting, so they reach the host's
/// stdout and exit code when QEMU runs with `-semihosting-config enable=on,target=native`.
namespace board {

/// Core clock (SYSCLK) of the AN386 image: 25 MHz. SysTick and the CMSDK timers count at it.
inline constexpr std::uint32_t kCoreClockHz = 25000000u;
/// External interrupts wired to the NVIC (QEMU's mps2 model has 32).
inline constexpr unsigned kIrqCount = 32;
/// IRQ number of CMSDK APB timer 0 (base 0x40000000).
inline constexpr unsigned kTimer0Irq = 8;

using IrqHandler = void (*)();

/// Writes `text` to the host's stdout (semihosting SYS_WRITE0). Usable from any context,
/// including fault handlers; slow (a trap to the debugger/QEMU per call).
void write(const char* text) noexcept;
/// Writes an unsigned decimal number.
void write_uint(std::uint64_t value) noexcept;
/// Ends the run: QEMU exits with `code` (semihosting SYS_EXIT_EXTENDED).
[[noreturn]] void exit(int code) noexcept;

/// Installs `handler` for external interrupt `irq` (< kIrqCount) and enables it in the NVIC
/// with `priority` (0 = most urgent; only the top implemented bits count). nullptr disables it.
void set_irq_handler(unsigned irq, IrqHandler handler, std::uint8_t priority) noexcept;
/// Marks external interrupt `irq` pending, as hardware would; it runs as soon as its priority
/// allows (immediately from thread mode with interrupts enabled).
void pend_irq(unsigned irq) noexcept;

/// Starts CMSDK timer 0: its interrupt fires every `period_ticks` core-clock ticks and calls
/// the handler installed with set_irq_handler(kTimer0Irq, ...). The handler must call
/// timer0_clear() or the interrupt fires again at once.
void timer0_start(std::uint32_t period_ticks) noexcept;
void timer0_stop() noexcept;
void timer0_clear() noexcept;

/// A free-running 32-bit up-counter at the core clock (CMSDK timer 1, no interrupt), as an
/// independent time reference for tests of the port's SysTick clock. Starts on first use;
/// wraps after 171 s.
std::uint32_t reference_ticks() noexcept;

/// Number of bits of interrupt priority the NVIC implements (probed once at reset).
unsigned priority_bits() noexcept;

}  // namespace board
