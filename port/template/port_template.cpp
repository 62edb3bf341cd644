// tracelet::port template: copy this folder to port/<your_platform>/, rename the files to
// port_<your_platform>.cpp (port.h), net_<your_platform>.cpp (net_port.h, only for the
// OTLP/HTTP exporter) and thread_<your_platform>.cpp (thread_port.h, only for a background
// exporter thread), rename the target in CMakeLists.txt to tracelet_port_<your_platform>, then
// replace each body. The contract itself is in include/tracelet/port.h; the comments here say
// how to meet it. The placeholder bodies compile and are deliberately inert, so this folder
// builds on every toolchain as a check that the headers and the template agree.
// docs/porting.md walks through a real port (port/cortex_m/) against this file.
//
// Contexts: on an MCU, where spans are recorded from interrupt handlers, monotonic_ns(),
// critical_enter()/critical_exit(), current_span_slot() and panic() run in handlers too.
// Nothing here may allocate.
#include <cstddef>
#include <cstdint>

#include "tracelet/port.h"

namespace tracelet::port {

// Nanoseconds since an arbitrary start (boot is fine) that never decrease, also across
// counter wraps and across calls from different threads or interrupt handlers.
// Called twice per span (start and end), so it must be cheap: read a free-running hardware
// counter and scale it. A 32-bit counter wraps (2^32 at 100 MHz is 43 s): extend it with an
// overflow count kept by an interrupt, and handle a wrap that happened but whose interrupt has
// not run yet (see port/cortex_m/port_cortex_m.cpp and tick_clock.h). Resolution of a few
// microseconds is acceptable; nanosecond resolution is not required.
// Must be callable with interrupts masked and from interrupt handlers. Must not block.
std::uint64_t monotonic_ns() noexcept {
  return 0;  // PORT: read your hardware counter here
}

// Offset that turns monotonic_ns() into Unix time in nanoseconds. The tracer reads it once at
// init (thread context). Return the RTC's or a network time source's notion of "Unix now minus
// monotonic now".
// A device with no wall clock returns 0: span times then count from boot, and a collector
// shows them near 1970 (still correctly ordered and with correct durations).
std::int64_t unix_offset_ns() noexcept {
  return 0;  // PORT: RTC/SNTP offset, or 0 without a wall clock
}

// Fills out[0..len) with unpredictable bytes and returns true, or returns false if the
// platform has no entropy source. Used once at init to seed span and trace ids (which need to
// be unique, not secret), by Exporter::init for retry jitter, and by the TLS client to seed
// its DRBG (that must be secret); on false the tracer seeds from the clock and ids become
// guessable across boots. Thread context only; may wait briefly for the source, never forever. Use a TRNG peripheral or the OS's random source. Never return true for bytes
// you know are predictable (a clock, a constant) unless you document it as insecure, as
// port/cortex_m's TRACELET_CORTEX_M_WEAK_ENTROPY does.
bool entropy(std::uint8_t* out, std::size_t len) noexcept {
  (void)out;
  (void)len;
  return false;  // PORT: read your TRNG here
}

// Enters a critical section that excludes every other caller: other threads AND interrupt
// handlers that may record spans (and other cores). Returns whatever critical_exit() needs to
// restore the previous state. Must work from interrupt handlers and when interrupts are
// already masked. tracelet never enters it twice in the same context, so it need not be
// recursive (a plain spin lock is fine on a hosted OS), but critical_exit() must restore the
// given state rather than unmask unconditionally. The core holds it for a short, bounded time
// (O(1) on the recording path; one header per record when the exporter claims a batch), never
// across I/O, a copy of a span or another port call (except panic()). Must not sleep.
// Bare metal: save and mask the interrupt mask (PRIMASK on Cortex-M, the I bit elsewhere) and
// return the saved value. RTOS: the kernel's ISR-safe critical section (e.g. a
// taskENTER_CRITICAL_FROM_ISR-style call that returns the saved mask). Multi-core: also take
// a spin lock shared by the cores.
std::uint32_t critical_enter() noexcept {
  return 0;  // PORT: save and mask interrupts, return the saved state
}

// As critical_enter(), but may refuse instead of waiting: bare metal and RTOS sections that
// mask interrupts always enter (return true). A port with a spin lock (multi-core, hosted)
// tries for a bounded number of spins and returns false if the holder did not leave.
bool critical_try_enter(std::uint32_t& state) noexcept {
  state = critical_enter();  // PORT: a bounded try where entering can wait for another core
  return true;
}

// Leaves the critical section, restoring exactly the state critical_enter() returned (not
// "enable interrupts": the caller may itself run with interrupts masked).
void critical_exit(std::uint32_t state) noexcept {
  (void)state;  // PORT: restore the saved interrupt state
}

// Address of a pointer-sized slot, initially nullptr, that belongs to the calling execution
// context: the core stores the current span there to parent new spans. Two contexts that can
// interleave must never share a slot, or spans get wrong parents (and a span could end up
// parented to a stack object that is gone). Threads: thread-local storage (a TLS pointer in
// the task control block on an RTOS). Bare metal: one slot for the main loop and one per
// interrupt nesting level (port/cortex_m uses one per group priority). Called at every span
// start and end, also from interrupt handlers: no locks, no allocation.
void** current_span_slot() noexcept {
  static void* single_context_slot = nullptr;  // PORT: correct only if nothing ever preempts
  return &single_context_slot;
}

// Called only when tracelet's API contract was broken (TRACELET_ASSERT), never for runtime
// conditions such as a full ring. Report file:line if the platform can (log, UART, debugger
// breakpoint) and stop: abort(), a reset, or an endless loop the watchdog ends. Must not
// return and must not call into tracelet: it may run in an interrupt handler or with the
// critical section held.
[[noreturn]] void panic(const char* file, int line) noexcept {
  (void)file;
  (void)line;
  for (;;) {
    // PORT: report and halt or reset
  }
}

}  // namespace tracelet::port
