#pragma once
// The port's critical section as the core's hot paths (a span's ids, the ring's claim) enter
// it. A port whose section is a couple of instructions (Cortex-M: PRIMASK) names a header of
// inline versions in TRACELET_PORT_INLINE_FILE (its CMake sets it for the build): on a small
// core a call there and back costs as much as the section itself. Elsewhere the port's
// functions.
#include <cstdint>

#include "tracelet/port.h"

#ifdef TRACELET_PORT_INLINE_FILE
#include TRACELET_PORT_INLINE_FILE
#endif

namespace tracelet::detail {

[[gnu::always_inline]] inline std::uint32_t enter_critical() noexcept {
#ifdef TRACELET_PORT_INLINE_FILE
  return port_inline::critical_enter();
#else
  return port::critical_enter();
#endif
}

[[gnu::always_inline]] inline void exit_critical(std::uint32_t state) noexcept {
#ifdef TRACELET_PORT_INLINE_FILE
  port_inline::critical_exit(state);
#else
  port::critical_exit(state);
#endif
}

}  // namespace tracelet::detail
