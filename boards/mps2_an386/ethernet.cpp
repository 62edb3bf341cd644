// The LAN9118 as an lwIP netif (NO_SYS=1, polled): tracelet_board_net_poll() moves received
// frames into lwIP, link_output() copies lwIP's frames to the controller. Frames pass through
// one static buffer each way: the FIFOs are read and written a word at a time anyway, and
// lwIP's pbuf chains do not line up with words.
#include "ethernet.h"

#include <lwip/etharp.h>
#include <lwip/init.h>
#include <lwip/ip4_addr.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <netif/ethernet.h>

#include "board.h"
#include "lan9118.h"
#include "tracelet_lwip.h"

namespace board::ethernet {
namespace {

netif g_netif;
bool g_started = false;
alignas(4) std::uint8_t g_rx_frame[lan9118::kMaxFrame];
alignas(4) std::uint8_t g_tx_frame[lan9118::kMaxFrame];

err_t link_output(netif*, pbuf* p) {
  if (p->tot_len > sizeof g_tx_frame) return ERR_BUF;
  const u16_t len = pbuf_copy_partial(p, g_tx_frame, p->tot_len, 0);
  return lan9118::send(g_tx_frame, len) ? ERR_OK : ERR_IF;
}

err_t netif_setup(netif* nif) {
  nif->name[0] = 'e';
  nif->name[1] = 'n';
  nif->mtu = 1500;
  nif->hwaddr_len = ETH_HWADDR_LEN;
  if (!lan9118::init(nif->hwaddr)) return ERR_IF;
  nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
  nif->output = etharp_output;
  nif->linkoutput = link_output;
  return ERR_OK;
}

bool parse(const char* text, ip4_addr_t* out, const char* what) {
  if (ip4addr_aton(text, out) != 0) return true;
  board::write("ethernet: bad ");
  board::write(what);
  board::write(" address\n");
  return false;
}

}  // namespace

bool start(const char* address, const char* netmask, const char* gateway) noexcept {
  ip4_addr_t ip, mask, gw;
  if (!parse(address, &ip, "IPv4") || !parse(netmask, &mask, "netmask") ||
      !parse(gateway, &gw, "gateway")) {
    return false;
  }
  lwip_init();
  if (netif_add(&g_netif, &ip, &mask, &gw, nullptr, netif_setup, ethernet_input) == nullptr) {
    board::write("ethernet: no LAN9118 answers at 0x40200000 (QEMU: -nic user,model=lan9118)\n");
    return false;
  }
  netif_set_default(&g_netif);
  netif_set_up(&g_netif);
  g_started = true;
  return true;
}

netif* interface() noexcept { return g_started ? &g_netif : nullptr; }

}  // namespace board::ethernet

// port/lwip's hook: every frame waiting in the controller goes to lwIP now.
extern "C" int tracelet_board_net_poll(void) {
  using namespace board::ethernet;
  if (!g_started) return 0;
  int handled = 0;
  for (;;) {
    const int len = board::lan9118::receive(g_rx_frame, sizeof g_rx_frame);
    if (len == 0) break;
    ++handled;
    if (len < 0) continue;
    pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(len), PBUF_POOL);
    if (p == nullptr) continue;  // pool exhausted: dropped, as a full NIC ring would (TCP resends)
    (void)pbuf_take(p, g_rx_frame, static_cast<u16_t>(len));
    if (g_netif.input(p, &g_netif) != ERR_OK) pbuf_free(p);
  }
  return handled;
}
