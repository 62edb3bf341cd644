// Smallest image for the board: proves startup, FPU enable, semihosting output and exit code.
#include <cstdio>

#include "board.h"

int main() {
  volatile float half = 0.5f;  // a hard-float instruction: faults if the FPU were still off
  std::printf("hello from mps2-an386: %d priority bits, half=%d/100\n",
              static_cast<int>(board::priority_bits()), static_cast<int>(half * 100.0f));
  return 0;
}
