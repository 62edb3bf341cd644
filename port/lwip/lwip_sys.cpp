// lwIP's system services on a tracelet port (NO_SYS=1): its millisecond clock, random numbers
// and assertions, the main-loop service step, and a sleep that keeps lwIP running.
#include <lwip/init.h>
#include <lwip/sys.h>
#include <lwip/timeouts.h>

#include "tracelet/net_port.h"
#include "tracelet/port.h"
#include "tracelet_lwip.h"

namespace {
std::uint64_t g_idle_ns = 0;
std::uint64_t g_rand_state = 0;
}  // namespace

extern "C" {

__attribute__((weak)) int tracelet_board_net_poll(void) { return 0; }

// lwIP's clock: milliseconds, wrapping at 2^32 (lwIP compares with wrap-around arithmetic).
u32_t sys_now(void) {
  return static_cast<u32_t>(tracelet::port::monotonic_ns() / 1000000u);
}

void tracelet_lwip_assert(const char* message, const char* file, int line) {
  (void)message;
  tracelet::port::panic(file, line);
}

// Initial sequence numbers and ephemeral ports must not repeat across reboots, or a peer may
// take a new connection for an old one: seeded once from the port's entropy, then xorshift.
uint32_t tracelet_lwip_rand(void) {
  if (g_rand_state == 0) {
    std::uint8_t seed[8] = {};
    (void)tracelet::port::entropy(seed, sizeof seed);
    for (std::uint8_t b : seed) g_rand_state = (g_rand_state << 8) | b;
    g_rand_state ^= tracelet::port::monotonic_ns();
    if (g_rand_state == 0) g_rand_state = 0x9E3779B97F4A7C15ull;
  }
  g_rand_state ^= g_rand_state << 13;
  g_rand_state ^= g_rand_state >> 7;
  g_rand_state ^= g_rand_state << 17;
  return static_cast<uint32_t>(g_rand_state >> 32);
}

}  // extern "C"

namespace tracelet::lwip {

bool service() noexcept {
  const std::uint64_t start = port::monotonic_ns();
  const bool handled = tracelet_board_net_poll() > 0;
  sys_check_timeouts();
  if (!handled) g_idle_ns += port::monotonic_ns() - start;
  return handled;
}

std::uint64_t idle_wait_ns() noexcept { return g_idle_ns; }

}  // namespace tracelet::lwip

namespace tracelet::port {

// Replaces port/cortex_m's WFI sleep (a weak definition): lwIP has no thread of its own, so
// the exporter's retry back-off must keep answering ARP and running TCP timers.
void sleep_ms(std::uint32_t ms) noexcept {
  const std::uint64_t until = monotonic_ns() + std::uint64_t{ms} * 1000000u;
  while (monotonic_ns() < until) (void)lwip::service();
}

}  // namespace tracelet::port
