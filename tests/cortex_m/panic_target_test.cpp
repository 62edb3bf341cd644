// A broken API contract on the target must reach the board's panic hook (which prints where
// and ends the QEMU run with exit code 2), never continue. CTest passes this image only if the
// panic message names the core's check.
#include <cstdint>

#include "board.h"
#include "tracelet/ring.h"
#include "tracelet_cortex_m.h"

int main() {
  if (tracelet::cortex_m::init(board::kCoreClockHz) != tracelet::Status::kOk) return 1;
  alignas(8) static std::uint8_t memory[256 + tracelet::Ring::kControlBytes];
  tracelet::Ring ring;
  if (ring.attach(tracelet::ByteSpan{memory, sizeof memory}) != tracelet::Status::kOk) return 1;
  const std::uint32_t value = 1;
  if (!ring.push(&value, sizeof value, nullptr, 0)) return 1;
  tracelet::Batch batch;
  if (ring.peek_batch(batch, 1) != tracelet::Status::kOk) return 1;
  batch.begin += 8;  // a batch the ring never handed out
  board::write("committing a forged batch\n");
  ring.commit(batch);
  board::write("panic returned\n");
  return 1;
}
