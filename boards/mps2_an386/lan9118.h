#pragma once
#include <cstddef>
#include <cstdint>

/// Polled driver for the SMSC LAN9118 Ethernet controller of MPS2 boards (QEMU models it at
/// 0x40200000: `-nic user,model=lan9118`). No interrupts, no DMA: the main loop moves whole
/// frames through the controller's FIFOs. Frames are Ethernet frames without the FCS (the
/// controller appends it on transmit and the driver drops it on receive).
/// Every function: ISR-safe: no (main-loop context only). Allocates: never.
namespace board::lan9118 {

/// Largest frame handled: 1514 bytes (1500 payload + header), without FCS.
inline constexpr std::size_t kMaxFrame = 1514;

/// Soft-resets the controller, checks its identity, reads its MAC address (what the board, or
/// QEMU's `macaddr=`, programmed) into `mac` and enables transmit and receive.
/// Blocks: until the reset completes (bounded poll). Returns false if no LAN9118 answers or
/// the reset does not complete.
bool init(std::uint8_t mac[6]) noexcept;

/// Queues one frame (14..kMaxFrame bytes) for transmission. Returns false if the frame is
/// malformed or the transmit FIFO stays full for too long. Blocks: until the FIFO has room.
bool send(const std::uint8_t* frame, std::size_t len) noexcept;

/// Takes the next received frame, if any, into `out`. Returns its length (>0), 0 if none is
/// waiting, or -1 if one was discarded (receive error, or longer than `cap`). Blocks: no.
int receive(std::uint8_t* out, std::size_t cap) noexcept;

/// Counters since init, for diagnostics.
struct Counters {
  std::uint32_t tx_frames = 0;
  std::uint32_t rx_frames = 0;
  std::uint32_t rx_discarded = 0;
  std::uint32_t tx_failed = 0;
};
Counters counters() noexcept;

}  // namespace board::lan9118
