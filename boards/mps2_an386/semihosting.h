#pragma once
#include <cstdint>

// Arm semihosting calls (a `bkpt 0xAB` trap that QEMU or a debugger services). Kept apart from
// newlib's librdimon so fault handlers can print and exit without touching the C library.
namespace board::semihosting {

inline constexpr std::uint32_t kSysWrite0 = 0x04;        // r1 = NUL-terminated string
inline constexpr std::uint32_t kSysExitExtended = 0x20;  // r1 = {reason, exit code}
inline constexpr std::uint32_t kApplicationExit = 0x20026;  // ADP_Stopped_ApplicationExit

inline std::uint32_t call(std::uint32_t op, const void* arg) noexcept {
  register std::uint32_t r0 __asm__("r0") = op;
  register const void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

}  // namespace board::semihosting
