#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/status.h"

// Cortex-M3/M4/M7 (ARMv7-M) port of tracelet, bare metal. What a board adds on top of port.h:
// one init call, the SysTick hook, and optional hardware hooks (weak functions below).
//
// Compile-time options (put them in the board's TRACELET_CONFIG_FILE):
//   TRACELET_CORTEX_M_PRIORITY_BITS   group-priority bits the firmware uses (default 4). One
//                                     current-span slot per group priority level; init() fails
//                                     if the NVIC's preemption bits exceed this.
//   TRACELET_CORTEX_M_WEAK_ENTROPY    1 = without a hardware entropy hook, entropy() returns
//                                     SysTick-jitter bytes (NOT secure; emulators and bring-up
//                                     only). 0 (default) = entropy() then returns false.
//   TRACELET_CORTEX_M_SYSTICK_HANDLER 1 (default) = the port defines SysTick_Handler. Set 0 when
//                                     an RTOS owns SysTick and call on_systick() from its tick.

namespace tracelet::cortex_m {

/// Starts the port's clock. `systick_hz` is the rate SysTick counts at (the core clock with
/// CLKSOURCE=1). If SysTick is off, the port runs it free with the largest reload; if an RTOS
/// already runs it, its reload is kept (any reload works) and only its interrupt is required.
/// Where the core has the DWT cycle counter and SysTick counts the core clock, spans are
/// timed with the cycle counter (cheaper to read; SysTick's interrupt then only carries its
/// count past 32 bits); otherwise with SysTick.
/// Call from thread mode before tracelet::init(). Later calls return kOk and change nothing
/// (the clock keeps running from where it is).
/// Return values:
///   kOk                 – clock running
///   kInvalidArgument    – systick_hz below 1 MHz (too coarse for span timing)
///   kFailedPrecondition – the NVIC's preemption priority bits (from the implemented priority
///                         bits and AIRCR.PRIGROUP) exceed TRACELET_CORTEX_M_PRIORITY_BITS:
///                         raise that option or set PRIGROUP so fewer bits preempt
[[nodiscard]] Status init(std::uint32_t systick_hz) noexcept;

/// True if the port times spans with the DWT cycle counter (found at init(): present,
/// counting, and SysTick on the core clock so `systick_hz` is the cycle rate); false if it
/// reads SysTick itself (e.g. on QEMU, which has no DWT). ISR-safe: yes. Blocks: never.
/// Allocates: never.
bool uses_cycle_counter() noexcept;

/// Accounts one SysTick wrap. Called by the port's SysTick_Handler, or by the RTOS tick
/// handler when TRACELET_CORTEX_M_SYSTICK_HANDLER is 0. ISR only; a few dozen cycles.
void on_systick() noexcept;

/// Fills `out` from SysTick timing jitter, mixed. NOT cryptographically secure, and on real
/// silicon with a crystal clock it may have almost no entropy: for emulators and bring-up only.
void weak_jitter_entropy(std::uint8_t* out, std::size_t len) noexcept;

}  // namespace tracelet::cortex_m

// ---- board hooks: a board defines what it has; the port has a default for each -------------
extern "C" {
/// Hardware random bytes (TRNG). Return false if the board has none (the default).
bool tracelet_board_entropy(std::uint8_t* out, std::size_t len);
/// Offset from the port's monotonic clock to Unix time, from an RTC or a time sync; the
/// default 0 means span times count from boot.
std::int64_t tracelet_board_unix_offset_ns(void);
/// Current-span slot of the running thread, for an RTOS (e.g. a thread-local-storage pointer
/// in the task control block). Optional, and declared weak: without a definition the port
/// uses one slot for the bare-metal main loop, read inline, and the function does not exist
/// (never call it from board code; call port::current_span_slot()).
void** tracelet_board_thread_slot(void);
/// Broken API contract: report and stop. Must not return. The default masks interrupts and
/// waits forever (a watchdog, if any, resets the chip).
[[noreturn]] void tracelet_board_panic(const char* file, int line);
}
