#pragma once
// The port's critical section (port::critical_enter/critical_exit) as inline functions, for
// the recording core's hottest paths (src/core/critical.h): saving and masking PRIMASK is two
// instructions, and a call there and back would cost as many again on every span start and
// end. The port's own functions use these too, so both are the same section.
// PRIMASK masks every interrupt except NMI and HardFault. Saving and restoring it (rather than
// cpsid/cpsie) makes sections nest and work from handlers that run with it already set.
#include <cstdint>

namespace tracelet::port_inline {

[[gnu::always_inline]] inline std::uint32_t critical_enter() noexcept {
  std::uint32_t primask;
  __asm__ volatile("mrs %0, primask\n cpsid i" : "=r"(primask) : : "memory");
  return primask;
}

[[gnu::always_inline]] inline void critical_exit(std::uint32_t primask) noexcept {
  __asm__ volatile("msr primask, %0" : : "r"(primask) : "memory");
}

}  // namespace tracelet::port_inline
