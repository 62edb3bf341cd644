// A warm reset (SYSRESETREQ, as a watchdog or a fault handler would trigger) must keep the
// .noinit section and clear .bss: that is what lets a ring kept in .noinit survive a crash.
// First boot: no marker in .noinit -> write a pattern, set a .bss flag, reset.
// Second boot: the pattern must be intact and the .bss flag zero again.
#include <cstdint>

#include "board.h"
#include "check.h"

namespace {

constexpr std::uint32_t kMagic = 0x7ACE1E7Fu;
struct Survivor {
  std::uint32_t magic;
  std::uint32_t boots;
  std::uint32_t pattern[64];
};
__attribute__((section(".noinit"))) Survivor g_survivor;
std::uint32_t g_bss_flag;  // zero at every boot

[[noreturn]] void system_reset() {
  __asm__ volatile("dsb" ::: "memory");
  *reinterpret_cast<volatile std::uint32_t*>(0xE000ED0Cu) = 0x05FA0000u | (1u << 2);  // SYSRESETREQ
  __asm__ volatile("dsb" ::: "memory");
  for (;;) {
  }
}

}  // namespace

int main() {
  if (g_survivor.magic != kMagic) {
    board::write("first boot: writing .noinit, then SYSRESETREQ\n");
    g_survivor.magic = kMagic;
    g_survivor.boots = 1;
    for (std::uint32_t i = 0; i < 64; ++i) g_survivor.pattern[i] = i * 2654435761u;
    g_bss_flag = 0xFFFFFFFFu;
    system_reset();
  }
  board::write("second boot\n");
  CHECK_EQ(g_survivor.boots, 1u);
  CHECK_EQ(g_bss_flag, 0u);
  bool intact = true;
  for (std::uint32_t i = 0; i < 64; ++i) intact = intact && g_survivor.pattern[i] == i * 2654435761u;
  CHECK(intact);
  g_survivor.magic = 0;  // the next cold run starts over
  return check::finish();
}
