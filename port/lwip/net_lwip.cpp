// tracelet::port networking (net_port.h) on lwIP's raw TCP API with NO_SYS=1: connections
// live in a small static table, lwIP's callbacks fill it, and every function that waits keeps
// lwIP running (tracelet::lwip::service) until its condition or its deadline.
#include <lwip/err.h>
#include <lwip/ip4_addr.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcp.h>

#include <cstdio>

#include "tracelet/net_port.h"
#include "tracelet/port.h"
#include "tracelet_lwip.h"

#ifndef TRACELET_LWIP_CONNECTIONS
#define TRACELET_LWIP_CONNECTIONS 1
#endif

namespace tracelet::port {
namespace {

constexpr std::uint32_t kDefaultConnectTimeoutMs = 10000;
constexpr std::uint32_t kDefaultSendTimeoutMs = 5000;

// Values of TcpConnection::last_step on this port; last_error holds lwIP's err_t.
enum Step : std::uint8_t {
  kStepNone = 0,
  kStepAddress = 1,        // host is not an IPv4 address literal (this port resolves no names)
  kStepNoSlot = 2,         // every connection of the table is open
  kStepNoMemory = 3,       // lwIP had no PCB or buffer
  kStepNoRoute = 4,        // no netif reaches the address (or the link is down)
  kStepRefused = 5,        // the peer answered the SYN with a reset
  kStepConnectTimeout = 6,
  kStepConnect = 7,        // another connect failure (lwIP err_t in last_error)
  kStepReset = 8,          // an open connection was reset by the peer
  kStepAborted = 9,        // lwIP gave up the connection (retransmissions ran out, no memory)
  kStepPeerClosed = 10,
  kStepNotOpen = 11,
  kStepSend = 12,
};

struct Slot {
  bool used = false;
  bool connected = false;
  bool peer_closed = false;
  err_t error = ERR_OK;     // from lwIP's error callback: the PCB is gone
  tcp_pcb* pcb = nullptr;
  pbuf* rx = nullptr;       // received, not yet read (a chain; its head partly read never:
                            // reads free what they consume)
};

Slot g_slots[TRACELET_LWIP_CONNECTIONS];

// Deadlines are kept in nanoseconds, so a wait lasts at least what it was given.
std::uint64_t deadline_after_ms(std::uint32_t ms) noexcept {
  return monotonic_ns() + std::uint64_t{ms} * 1000000u;
}

std::int32_t as_status(Status s) noexcept { return static_cast<std::int32_t>(s); }

void fail(TcpConnection* conn, Step step, int code) noexcept {
  conn->last_step = step;
  conn->last_error = code;
}

Slot* slot_of(const TcpConnection* conn) noexcept {
  if (conn->handle < 0 || conn->handle >= TRACELET_LWIP_CONNECTIONS) return nullptr;
  Slot* s = &g_slots[conn->handle];
  return s->used ? s : nullptr;
}

// ---- lwIP callbacks (main-loop context, from inside service()) -----------------------------
err_t on_connected(void* arg, tcp_pcb*, err_t) {
  static_cast<Slot*>(arg)->connected = true;
  return ERR_OK;
}

err_t on_recv(void* arg, tcp_pcb*, pbuf* p, err_t err) {
  Slot* s = static_cast<Slot*>(arg);
  if (p == nullptr) {  // FIN: the peer will send nothing more
    s->peer_closed = true;
    return ERR_OK;
  }
  if (err != ERR_OK) {
    pbuf_free(p);
    return ERR_OK;
  }
  if (s->rx == nullptr) {
    s->rx = p;
  } else {
    pbuf_cat(s->rx, p);
  }
  return ERR_OK;
}

void on_error(void* arg, err_t err) {
  Slot* s = static_cast<Slot*>(arg);
  s->pcb = nullptr;  // lwIP has freed it already
  s->error = err;
}

void release(Slot* s) noexcept {
  if (s->pcb != nullptr) {
    tcp_arg(s->pcb, nullptr);
    tcp_recv(s->pcb, nullptr);
    tcp_err(s->pcb, nullptr);
    tcp_sent(s->pcb, nullptr);
    // tcp_close() keeps the PCB until the FIN handshake ends (lwIP's timers finish it);
    // only when it cannot even queue the FIN is the connection aborted.
    if (::tcp_close(s->pcb) != ERR_OK) tcp_abort(s->pcb);
    s->pcb = nullptr;
  }
  if (s->rx != nullptr) pbuf_free(s->rx);
  *s = Slot{};
}

// Why a connection that lost its PCB is gone, for send/recv.
std::int32_t gone(TcpConnection* conn, const Slot* s) noexcept {
  if (s->error == ERR_RST) {
    fail(conn, kStepReset, s->error);
  } else {
    fail(conn, kStepAborted, s->error);
  }
  return as_status(Status::kUnavailable);
}

std::int32_t transport_send(void* ctx, const std::uint8_t* data, std::size_t len) {
  return tcp_send(static_cast<TcpConnection*>(ctx), data, len);
}

std::int32_t transport_recv(void* ctx, std::uint8_t* data, std::size_t cap,
                            std::uint32_t timeout_ms) {
  return tcp_recv(static_cast<TcpConnection*>(ctx), data, cap, timeout_ms);
}

}  // namespace

Status tcp_connect(TcpConnection* conn, const char* host, std::uint16_t port,
                   std::uint32_t timeout_ms) noexcept {
  if (conn == nullptr || host == nullptr || host[0] == '\0' || port == 0) {
    return Status::kInvalidArgument;
  }
  if (conn->handle >= 0) return Status::kFailedPrecondition;
  conn->last_error = 0;
  conn->last_step = kStepNone;
  ip_addr_t address;
  if (ipaddr_aton(host, &address) == 0) {
    fail(conn, kStepAddress, ERR_ARG);
    return Status::kUnavailable;
  }
  int index = 0;
  while (index < TRACELET_LWIP_CONNECTIONS && g_slots[index].used) ++index;
  if (index == TRACELET_LWIP_CONNECTIONS) {
    fail(conn, kStepNoSlot, ERR_MEM);
    return Status::kUnavailable;
  }
  Slot* s = &g_slots[index];
  *s = Slot{};
  s->pcb = tcp_new();
  if (s->pcb == nullptr) {
    fail(conn, kStepNoMemory, ERR_MEM);
    return Status::kUnavailable;
  }
  s->used = true;
  tcp_arg(s->pcb, s);
  tcp_recv(s->pcb, &on_recv);
  tcp_err(s->pcb, &on_error);
  // Requests and answers are small writes the peer answers: Nagle plus delayed ACKs would
  // hold each one back (as TCP_NODELAY on POSIX).
  tcp_nagle_disable(s->pcb);
  const err_t started = ::tcp_connect(s->pcb, &address, port, &on_connected);
  if (started != ERR_OK) {
    fail(conn, started == ERR_RTE ? kStepNoRoute : kStepConnect, started);
    release(s);
    return Status::kUnavailable;
  }
  const std::uint64_t deadline =
      deadline_after_ms(timeout_ms == 0 ? kDefaultConnectTimeoutMs : timeout_ms);
  while (!s->connected && s->pcb != nullptr) {
    if (monotonic_ns() >= deadline) {
      fail(conn, kStepConnectTimeout, ERR_TIMEOUT);
      release(s);
      return Status::kTimeout;
    }
    (void)lwip::service();
  }
  if (!s->connected) {
    fail(conn, s->error == ERR_RST ? kStepRefused : kStepConnect, s->error);
    release(s);
    return Status::kUnavailable;
  }
  conn->handle = index;
  return Status::kOk;
}

std::int32_t tcp_send(TcpConnection* conn, const std::uint8_t* data, std::size_t len) noexcept {
  if (conn == nullptr || (data == nullptr && len != 0)) return as_status(Status::kInvalidArgument);
  Slot* s = slot_of(conn);
  if (s == nullptr) {
    fail(conn, kStepNotOpen, 0);
    return as_status(Status::kUnavailable);
  }
  if (len == 0) return 0;
  const std::uint64_t deadline = deadline_after_ms(
      conn->send_timeout_ms == 0 ? kDefaultSendTimeoutMs : conn->send_timeout_ms);
  for (;;) {
    if (s->pcb == nullptr) return gone(conn, s);
    std::size_t room = tcp_sndbuf(s->pcb);
    if (room > 0 && tcp_sndqueuelen(s->pcb) < TCP_SND_QUEUELEN) {
      const std::size_t n = len < room ? len : room;
      const err_t rc = tcp_write(s->pcb, data, static_cast<u16_t>(n), TCP_WRITE_FLAG_COPY);
      if (rc == ERR_OK) {
        (void)tcp_output(s->pcb);
        return static_cast<std::int32_t>(n);
      }
      if (rc != ERR_MEM) {
        fail(conn, kStepSend, rc);
        return as_status(Status::kUnavailable);
      }
    }
    // No room (window, queue or pbufs): wait for ACKs to free some.
    if (monotonic_ns() >= deadline) return 0;
    (void)lwip::service();
  }
}

std::int32_t tcp_recv(TcpConnection* conn, std::uint8_t* data, std::size_t cap,
                      std::uint32_t timeout_ms) noexcept {
  if (conn == nullptr || data == nullptr || cap == 0) return as_status(Status::kInvalidArgument);
  Slot* s = slot_of(conn);
  if (s == nullptr) {
    fail(conn, kStepNotOpen, 0);
    return as_status(Status::kUnavailable);
  }
  const std::uint64_t deadline = deadline_after_ms(timeout_ms);
  for (;;) {
    // Data that arrived before a FIN or a reset is delivered first.
    if (s->rx != nullptr) {
      const u16_t want = cap > 0xFFFFu ? 0xFFFFu : static_cast<u16_t>(cap);
      const u16_t n = pbuf_copy_partial(s->rx, data, want, 0);
      s->rx = pbuf_free_header(s->rx, n);
      if (s->pcb != nullptr) tcp_recved(s->pcb, n);  // reopen the window by what was read
      return n;
    }
    if (s->pcb == nullptr) return gone(conn, s);
    if (s->peer_closed) {
      fail(conn, kStepPeerClosed, 0);
      return as_status(Status::kUnavailable);
    }
    if (monotonic_ns() >= deadline) return 0;
    (void)lwip::service();
  }
}

void tcp_close(TcpConnection* conn) noexcept {
  if (conn == nullptr || conn->handle < 0) return;
  Slot* s = slot_of(conn);
  if (s != nullptr) release(s);
  conn->handle = -1;
}

Transport tcp_transport(TcpConnection* conn) noexcept {
  Transport t;
  t.ctx = conn;
  t.send = &transport_send;
  t.recv = &transport_recv;
  return t;
}

const char* tcp_describe_error(const TcpConnection* conn, char* out, std::size_t cap) noexcept {
  if (out == nullptr || cap == 0) return out;
  if (conn == nullptr) {
    std::snprintf(out, cap, "no connection");
    return out;
  }
  const int code = static_cast<int>(conn->last_error);
  switch (conn->last_step) {
    case kStepNone:
      std::snprintf(out, cap, "no error");
      break;
    case kStepAddress:
      std::snprintf(out, cap, "connect: host is not an IPv4 address (this lwIP port does no DNS)");
      break;
    case kStepNoSlot:
      std::snprintf(out, cap, "connect: all %d connections in use (TRACELET_LWIP_CONNECTIONS)",
                    TRACELET_LWIP_CONNECTIONS);
      break;
    case kStepNoMemory:
      std::snprintf(out, cap, "connect: lwIP has no free TCP PCB (MEMP_NUM_TCP_PCB)");
      break;
    case kStepNoRoute:
      std::snprintf(out, cap, "connect: no route to host (no netif up for the address)");
      break;
    case kStepRefused:
      std::snprintf(out, cap, "connect: connection refused");
      break;
    case kStepConnectTimeout:
      std::snprintf(out, cap, "connect: timed out");
      break;
    case kStepConnect:
      std::snprintf(out, cap, "connect: failed (lwIP error %d)", code);
      break;
    case kStepReset:
      std::snprintf(out, cap, "connection reset by peer");
      break;
    case kStepAborted:
      std::snprintf(out, cap, "connection aborted (lwIP error %d: retransmissions ran out or no memory)", code);
      break;
    case kStepPeerClosed:
      std::snprintf(out, cap, "recv: peer closed the connection");
      break;
    case kStepNotOpen:
      std::snprintf(out, cap, "connection is not open");
      break;
    case kStepSend:
      std::snprintf(out, cap, "send: lwIP error %d", code);
      break;
    default:
      std::snprintf(out, cap, "error %d at step %u", code, static_cast<unsigned>(conn->last_step));
      break;
  }
  return out;
}

}  // namespace tracelet::port
