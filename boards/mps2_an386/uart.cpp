// CMSDK APB UART (Arm's Cortex-M System Design Kit), transmitter only.
#include "uart.h"

#include "board.h"

namespace board {
namespace {

struct CmsdkUart {
  std::uint32_t data;       // write: byte to send
  std::uint32_t state;      // bit 0: transmit buffer full
  std::uint32_t ctrl;       // bit 0: transmitter enable
  std::uint32_t intstatus;  // write 1 to clear
  std::uint32_t bauddiv;    // bus clock / baud, >= 16
};
volatile CmsdkUart* const kUart0 = reinterpret_cast<volatile CmsdkUart*>(0x40004000u);

constexpr std::uint32_t kTxFull = 1u << 0;
constexpr std::uint32_t kTxEnable = 1u << 0;
// One byte takes 10 bit times; at 9600 baud and 25 MHz that is ~26000 cycles. A few times
// that without progress means the transmitter is stuck.
constexpr std::uint32_t kSpinLimit = 200000;

std::int32_t send(void*, const std::uint8_t* data, std::size_t len) {
  if (len > 0x7FFFFFFFu) len = 0x7FFFFFFFu;
  return static_cast<std::int32_t>(uart0_write(data, len));
}

}  // namespace

void uart0_init(std::uint32_t baud) noexcept {
  std::uint32_t div = baud != 0 ? kCoreClockHz / baud : 16u;
  kUart0->ctrl = 0;
  kUart0->bauddiv = div < 16u ? 16u : div;
  kUart0->ctrl = kTxEnable;
}

std::size_t uart0_write(const std::uint8_t* data, std::size_t len) noexcept {
  for (std::size_t i = 0; i < len; ++i) {
    std::uint32_t spins = 0;
    while ((kUart0->state & kTxFull) != 0) {
      if (++spins == kSpinLimit) return i;
    }
    kUart0->data = data[i];
  }
  return len;
}

tracelet::Transport uart0_transport() noexcept {
  tracelet::Transport t;
  t.send = &send;
  return t;
}

}  // namespace board
