// SMSC LAN9118 polled driver (register map and FIFO formats from the LAN9118 datasheet,
// section 5: system control and status registers, TX/RX command and status words).
#include "lan9118.h"

namespace board::lan9118 {
namespace {

constexpr std::uintptr_t kBase = 0x40200000u;

// Directly addressed registers (byte offsets).
constexpr std::uint32_t kRxDataFifo = 0x00;
constexpr std::uint32_t kTxDataFifo = 0x20;
constexpr std::uint32_t kRxStatusFifo = 0x40;
constexpr std::uint32_t kTxStatusFifo = 0x48;
constexpr std::uint32_t kIdRev = 0x50;
constexpr std::uint32_t kIntEn = 0x5C;
constexpr std::uint32_t kByteTest = 0x64;
constexpr std::uint32_t kTxCfg = 0x70;
constexpr std::uint32_t kHwCfg = 0x74;
constexpr std::uint32_t kRxDpCtrl = 0x78;
constexpr std::uint32_t kRxFifoInf = 0x7C;
constexpr std::uint32_t kTxFifoInf = 0x80;
constexpr std::uint32_t kPmtCtrl = 0x84;
constexpr std::uint32_t kMacCsrCmd = 0xA4;
constexpr std::uint32_t kMacCsrData = 0xA8;

// MAC control and status registers, reached through kMacCsrCmd/kMacCsrData.
constexpr std::uint32_t kMacCr = 1;
constexpr std::uint32_t kMacAddrH = 2;
constexpr std::uint32_t kMacAddrL = 3;

constexpr std::uint32_t kHwCfgSoftReset = 1u << 0;
constexpr std::uint32_t kPmtReady = 1u << 0;
constexpr std::uint32_t kTxCfgTxOn = 1u << 1;
constexpr std::uint32_t kTxCfgStatusOverrun = 1u << 2;  // drop TX status words nobody reads
constexpr std::uint32_t kMacCrRxEn = 1u << 2;
constexpr std::uint32_t kMacCrTxEn = 1u << 3;
constexpr std::uint32_t kMacCrFullDuplex = 1u << 20;
constexpr std::uint32_t kCsrBusy = 1u << 31;
constexpr std::uint32_t kCsrRead = 1u << 30;
constexpr std::uint32_t kRxDpFastForward = 1u << 31;
constexpr std::uint32_t kRxStatusErrorSummary = 1u << 15;
constexpr std::uint32_t kTxCmdAFirst = 1u << 13;
constexpr std::uint32_t kTxCmdALast = 1u << 12;

constexpr std::uint32_t kBusyPolls = 100000;

Counters g_counters;

volatile std::uint32_t& reg(std::uint32_t offset) noexcept {
  return *reinterpret_cast<volatile std::uint32_t*>(kBase + offset);
}

// Reads a FIFO port for its side effect (the read pops the word).
void pop(std::uint32_t offset) noexcept {
  const std::uint32_t word = reg(offset);
  (void)word;
}

bool csr_wait() noexcept {
  for (std::uint32_t i = 0; i < kBusyPolls; ++i) {
    if ((reg(kMacCsrCmd) & kCsrBusy) == 0) return true;
  }
  return false;
}

std::uint32_t mac_read(std::uint32_t index) noexcept {
  if (!csr_wait()) return 0;
  reg(kMacCsrCmd) = kCsrBusy | kCsrRead | index;
  (void)csr_wait();
  return reg(kMacCsrData);
}

void mac_write(std::uint32_t index, std::uint32_t value) noexcept {
  if (!csr_wait()) return;
  reg(kMacCsrData) = value;
  reg(kMacCsrCmd) = kCsrBusy | index;
  (void)csr_wait();
}

}  // namespace

bool init(std::uint8_t mac[6]) noexcept {
  // The byte-order test register reads 0x87654321 on a correctly wired 32-bit bus.
  if (reg(kByteTest) != 0x87654321u || (reg(kIdRev) >> 16) != 0x0118u) return false;
  reg(kHwCfg) = kHwCfgSoftReset;
  std::uint32_t polls = 0;
  while (((reg(kHwCfg) & kHwCfgSoftReset) != 0 || (reg(kPmtCtrl) & kPmtReady) == 0)) {
    if (++polls == kBusyPolls) return false;
  }
  reg(kIntEn) = 0;  // polled: no interrupt sources
  const std::uint32_t high = mac_read(kMacAddrH);
  const std::uint32_t low = mac_read(kMacAddrL);
  for (int i = 0; i < 4; ++i) mac[i] = static_cast<std::uint8_t>(low >> (8 * i));
  mac[4] = static_cast<std::uint8_t>(high);
  mac[5] = static_cast<std::uint8_t>(high >> 8);
  // Unicast to this address and broadcast (ARP); no promiscuous mode.
  mac_write(kMacCr, kMacCrRxEn | kMacCrTxEn | kMacCrFullDuplex);
  reg(kTxCfg) = kTxCfgTxOn | kTxCfgStatusOverrun;
  g_counters = Counters{};
  return true;
}

bool send(const std::uint8_t* frame, std::size_t len) noexcept {
  if (frame == nullptr || len < 14 || len > kMaxFrame) return false;
  const std::uint32_t words = static_cast<std::uint32_t>((len + 3) / 4);
  std::uint32_t polls = 0;
  // Free space (bytes) in the TX data FIFO must hold both command words and the data.
  while ((reg(kTxFifoInf) & 0xFFFFu) < words * 4 + 8) {
    if (++polls == kBusyPolls) {
      ++g_counters.tx_failed;
      return false;
    }
  }
  const std::uint32_t length = static_cast<std::uint32_t>(len);
  reg(kTxDataFifo) = kTxCmdAFirst | kTxCmdALast | length;  // one buffer, offset 0
  reg(kTxDataFifo) = (length << 16) | length;              // tag = length, packet length
  for (std::uint32_t i = 0; i < words; ++i) {
    std::uint32_t word = 0;
    for (std::uint32_t b = 0; b < 4 && i * 4 + b < length; ++b) {
      word |= static_cast<std::uint32_t>(frame[i * 4 + b]) << (8 * b);
    }
    reg(kTxDataFifo) = word;
  }
  // Status words (one per frame) are not needed: drain them so the FIFO never fills.
  while (((reg(kTxFifoInf) >> 16) & 0xFFu) != 0) pop(kTxStatusFifo);
  ++g_counters.tx_frames;
  return true;
}

int receive(std::uint8_t* out, std::size_t cap) noexcept {
  if (((reg(kRxFifoInf) >> 16) & 0xFFu) == 0) return 0;
  const std::uint32_t status = reg(kRxStatusFifo);
  const std::uint32_t with_fcs = (status >> 16) & 0x3FFFu;
  const std::uint32_t words = (with_fcs + 3) / 4;
  if ((status & kRxStatusErrorSummary) != 0 || with_fcs < 4 + 14 || with_fcs - 4 > cap) {
    // Skip the frame's data: fast-forward for 4 words or more, reads below that (datasheet).
    if (words >= 4) {
      reg(kRxDpCtrl) = kRxDpFastForward;
      for (std::uint32_t i = 0; i < kBusyPolls && (reg(kRxDpCtrl) & kRxDpFastForward) != 0; ++i) {
      }
    } else {
      for (std::uint32_t i = 0; i < words; ++i) pop(kRxDataFifo);
    }
    ++g_counters.rx_discarded;
    return -1;
  }
  const std::uint32_t len = with_fcs - 4;
  for (std::uint32_t i = 0; i < words; ++i) {
    const std::uint32_t word = reg(kRxDataFifo);
    for (std::uint32_t b = 0; b < 4; ++b) {
      const std::uint32_t at = i * 4 + b;
      if (at < len) out[at] = static_cast<std::uint8_t>(word >> (8 * b));
    }
  }
  ++g_counters.rx_frames;
  return static_cast<int>(len);
}

Counters counters() noexcept { return g_counters; }

}  // namespace board::lan9118
