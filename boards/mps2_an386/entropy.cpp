// Entropy of MPS2-AN386 for TLS images. QEMU's MPS2 has no TRNG, so this is NOT a secure
// source: SHA-256 over a per-image seed (32 random bytes chosen when the build was configured,
// see CMakeLists.txt), SysTick/timer jitter and a counter. Two images differ, and runs of one
// image differ by their timing (not at all under -icount, where timing is deterministic).
// Good enough to exercise TLS in an emulator; a real board overrides tracelet_board_entropy()
// with its TRNG (STM32 RNG, NXP TRNG, ...), see docs/porting.md.
#include <mbedtls/sha256.h>

#include <cstring>

#include "board.h"
#include "mps2_image_seed.h"
#include "tracelet/port.h"
#include "tracelet_cortex_m.h"

extern "C" bool tracelet_board_entropy(std::uint8_t* out, std::size_t len) {
  static std::uint64_t counter = 0;
  while (len > 0) {
    std::uint8_t jitter[32];
    tracelet::cortex_m::weak_jitter_entropy(jitter, sizeof jitter);
    const std::uint64_t now = tracelet::port::monotonic_ns();
    const std::uint32_t reference = board::reference_ticks();
    ++counter;
    std::uint8_t digest[32];
    mbedtls_sha256_context sha;
    mbedtls_sha256_init(&sha);
    if (mbedtls_sha256_starts_ret(&sha, 0) != 0 ||
        mbedtls_sha256_update_ret(&sha, kImageSeed, sizeof kImageSeed) != 0 ||
        mbedtls_sha256_update_ret(&sha, jitter, sizeof jitter) != 0 ||
        mbedtls_sha256_update_ret(&sha, reinterpret_cast<const std::uint8_t*>(&now), sizeof now) != 0 ||
        mbedtls_sha256_update_ret(&sha, reinterpret_cast<const std::uint8_t*>(&reference),
                                  sizeof reference) != 0 ||
        mbedtls_sha256_update_ret(&sha, reinterpret_cast<const std::uint8_t*>(&counter),
                                  sizeof counter) != 0 ||
        mbedtls_sha256_finish_ret(&sha, digest) != 0) {
      mbedtls_sha256_free(&sha);
      return false;
    }
    mbedtls_sha256_free(&sha);
    const std::size_t n = len < sizeof digest ? len : sizeof digest;
    std::memcpy(out, digest, n);
    out += n;
    len -= n;
  }
  return true;
}
