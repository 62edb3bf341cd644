#pragma once
#include <cstdint>

// lwIP network port of tracelet (NO_SYS=1, raw API, no RTOS): implements net_port.h's TCP
// functions on lwIP and keeps lwIP running while they wait. What a board adds:
//   - its driver's lwIP netif, added with netif_add() and set as default, after lwip_init();
//   - tracelet_board_net_poll() below, which hands received frames to lwIP;
//   - lwipopts.h (see boards/mps2_an386/lwipopts.h and docs/porting.md for sizing).
// The main loop calls tracelet::lwip::service() (or any net_port.h call, which calls it while
// it waits) often enough for TCP's timers: every few milliseconds while a connection is open.
//
// Compile-time option (put it in lwipopts.h or the board's TRACELET_CONFIG_FILE):
//   TRACELET_LWIP_CONNECTIONS  TCP connections open at once through net_port.h (default 1: the
//                              exporter's). Each costs one lwIP TCP PCB (MEMP_NUM_TCP_PCB).
namespace tracelet::lwip {

/// Lets lwIP run once: the board's tracelet_board_net_poll() (received frames into lwIP) and
/// lwIP's timers (sys_check_timeouts). Returns true if a frame was handled.
/// ISR-safe: no (lwIP NO_SYS code runs in one context: the main loop). Blocks: no.
/// Allocates: lwIP pbufs from its pools, for the frames it takes in.
bool service() noexcept;

/// Monotonic nanoseconds the port spent waiting for the network with nothing to do (polls that
/// found no frame), since boot. A footprint measurement subtracts it from elapsed time to get
/// the time the CPU worked. ISR-safe: no. Blocks: no. Allocates: no.
std::uint64_t idle_wait_ns() noexcept;

}  // namespace tracelet::lwip

extern "C" {
/// Board hook: moves frames the network driver has received into lwIP (netif->input) and
/// returns how many it handed over. Called from service(), in the main-loop context. The weak
/// default returns 0, for a driver that feeds lwIP some other way (it must still do so from
/// the main loop: NO_SYS lwIP is not reentrant).
int tracelet_board_net_poll(void);
}
