/* lwIP 2.1 options of MPS2-AN386 for tracelet's lwIP port (port/lwip): bare metal (NO_SYS),
 * raw API, IPv4 + TCP + ARP, one TLS connection to a collector. Sizing (docs/porting.md,
 * "Boards with lwIP"):
 *   - receive: TCP_WND bytes may be in flight towards us; each full segment takes one pool
 *     pbuf, so PBUF_POOL_SIZE > TCP_WND / TCP_MSS, plus a few for ARP and ACK-only frames.
 *     A TLS server's first flight (certificate chain) is the largest burst: 2 KB with the
 *     P-256 chain used here, several KB with RSA chains (up to TCP_WND, then it waits).
 *   - send: tcp_write copies into PBUF_RAM segments from the MEM_SIZE heap; TCP_SND_BUF must
 *     hold one TLS record (MBEDTLS_SSL_OUT_CONTENT_LEN + ~30 B) so a record goes out in one
 *     write; MEM_SIZE a little above TCP_SND_BUF.
 * RAM: about 8 x 1.6 KB pool + 8 KB heap + PCBs and segments (see the footprint report). */
#ifndef TRACELET_BOARD_LWIPOPTS_H
#define TRACELET_BOARD_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* lwIP runs in the main loop only; ISRs never call it */
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_TIMERS 1

#define MEM_ALIGNMENT 4
#define MEM_SIZE (8 * 1024)
#define MEMP_NUM_PBUF 8
#define MEMP_NUM_TCP_PCB 2        /* the exporter's connection, plus one closing (TIME_WAIT) */
#define MEMP_NUM_TCP_PCB_LISTEN 0
#define MEMP_NUM_TCP_SEG 16       /* >= TCP_SND_QUEUELEN */
#define MEMP_NUM_SYS_TIMEOUT 6
#define PBUF_POOL_SIZE 8
#define PBUF_POOL_BUFSIZE 1536    /* one full Ethernet frame per pbuf */

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define ARP_TABLE_SIZE 4
#define ARP_QUEUEING 0
#define IP_REASSEMBLY 0
#define IP_FRAG 0
#define LWIP_ICMP 1               /* answers pings: handy when bringing a board up */
#define LWIP_RAW 0
#define LWIP_UDP 0                /* no DHCP, no DNS: static address, collector by address */
#define LWIP_DHCP 0
#define LWIP_DNS 0
#define LWIP_IGMP 0

#define LWIP_TCP 1
#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_SND_QUEUELEN 12
#define TCP_LISTEN_BACKLOG 0
#define LWIP_TCP_KEEPALIVE 0
#define TCP_QUEUE_OOSEQ 0         /* out-of-order segments are dropped and resent: saves pbufs */

#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_STATS 0
#define LWIP_STATS_DISPLAY 0
#define LWIP_CHECKSUM_ON_COPY 0
#define LWIP_PROVIDE_ERRNO 0

#define TRACELET_LWIP_CONNECTIONS 1

#endif /* TRACELET_BOARD_LWIPOPTS_H */
