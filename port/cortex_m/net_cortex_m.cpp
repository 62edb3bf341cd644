// The parts of include/tracelet/net_port.h that bare metal has without a network stack: a
// sleep for the exporter's retry back-off, and "no CA bundle file". The TCP functions
// (tcp_connect, tcp_send, ...) are not here on purpose: a board with a TCP/IP stack (lwIP, a
// cellular modem's socket API) implements them in its own folder; an image that uses the
// network exporter without them fails to link, naming exactly what is missing.
#include "tracelet/net_port.h"
#include "tracelet/port.h"

namespace tracelet::port {

// Weak: a network port that must keep its stack running while the exporter waits (port/lwip)
// replaces it.
__attribute__((weak)) void sleep_ms(std::uint32_t ms) noexcept {
  const std::uint64_t until = monotonic_ns() + std::uint64_t{ms} * 1000000u;
  // WFI: the core sleeps until the next interrupt; SysTick wakes it at least once per wrap.
  while (monotonic_ns() < until) __asm__ volatile("wfi");
}

const char* default_ca_bundle_path() noexcept { return nullptr; }

}  // namespace tracelet::port
