#pragma once

struct netif;

/// Networking of MPS2-AN386 for tracelet's lwIP port (port/lwip): the LAN9118 driver as an
/// lwIP netif with a static IPv4 address. QEMU's user-mode network (`-nic user,model=lan9118`)
/// puts the board at 10.0.2.15/24 with its gateway at 10.0.2.2.
/// Every function: ISR-safe: no (main-loop context only).
namespace board::ethernet {

/// Starts lwIP (lwip_init), the controller, and the netif with this static address, netmask
/// and gateway (dotted IPv4 text); makes it the default route and brings it up.
/// Blocks: the controller's reset. Allocates: no (lwIP's static pools).
/// Returns false, after one line on the semihosting console, if an address does not parse or
/// the controller does not answer.
bool start(const char* address, const char* netmask, const char* gateway) noexcept;

/// The netif start() added (for lwIP calls and statistics); nullptr before start().
netif* interface() noexcept;

}  // namespace board::ethernet
