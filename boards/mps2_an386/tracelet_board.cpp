// port/cortex_m hooks for MPS2-AN386: a broken API contract ends the QEMU run with a failure.
#include "board.h"
#include "tracelet_cortex_m.h"

extern "C" void tracelet_board_panic(const char* file, int line) {
  __asm__ volatile("cpsid i" ::: "memory");
  board::write("\n*** tracelet panic at ");
  board::write(file);
  board::write(":");
  board::write_uint(static_cast<std::uint64_t>(line));
  board::write("\n");
  board::exit(2);
}
