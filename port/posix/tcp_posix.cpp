// tracelet::port networking (net_port.h) on POSIX sockets: getaddrinfo, non-blocking
// connect with poll() for the timeout, and poll()-bounded send/recv.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "tracelet/net_port.h"

namespace tracelet::port {
namespace {

constexpr std::uint32_t kDefaultConnectTimeoutMs = 10000;
constexpr std::uint32_t kDefaultSendTimeoutMs = 5000;

// Values of TcpConnection::last_step on this port.
enum Step : std::uint8_t {
  kStepNone = 0,
  kStepResolve = 1,        // last_error is a getaddrinfo() code
  kStepResolveSystem = 2,  // getaddrinfo() said EAI_SYSTEM; last_error is errno
  kStepSocket = 3,
  kStepConnect = 4,
  kStepConnectTimeout = 5,
  kStepSend = 6,
  kStepRecv = 7,
  kStepPeerClosed = 8,
  kStepNotOpen = 9,
};

std::int64_t now_ms() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int remaining_ms(std::int64_t deadline) noexcept {
  const std::int64_t left = deadline - now_ms();
  if (left <= 0) return 0;
  return left > INT_MAX ? INT_MAX : static_cast<int>(left);
}

void fail(TcpConnection* conn, Step step, int code) noexcept {
  conn->last_step = step;
  conn->last_error = code;
}

std::int32_t as_status(Status s) noexcept { return static_cast<std::int32_t>(s); }

// Records why tcp_send/tcp_recv failed and returns their answer for it.
std::int32_t unavailable(TcpConnection* conn, Step step, int code) noexcept {
  fail(conn, step, code);
  return as_status(Status::kUnavailable);
}

// Waits until `fd` is ready for `events` or the deadline passes. Returns >0 ready, 0 timeout,
// <0 error (errno set). Restarts after signals with the time that is left.
int wait_fd(int fd, short events, std::int64_t deadline) noexcept {
  for (;;) {
    pollfd p{fd, events, 0};
    const int rc = poll(&p, 1, remaining_ms(deadline));
    if (rc < 0 && errno == EINTR) continue;
    return rc;
  }
}

// GNU and XSI strerror_r differ in return type; these two overloads accept either.
[[maybe_unused]] const char* pick_error_text(int rc, const char* buf) noexcept {
  return rc == 0 ? buf : "unknown error";
}
[[maybe_unused]] const char* pick_error_text(const char* text, const char*) noexcept {
  return text;
}
const char* errno_text(int code, char* buf, std::size_t cap) noexcept {
  return pick_error_text(strerror_r(code, buf, cap), buf);
}

// Tries one resolved address. Returns the connected non-blocking socket, or -1 with the
// failure recorded in conn (a timeout is recorded as kStepConnectTimeout).
int connect_one(TcpConnection* conn, const addrinfo* ai, std::int64_t deadline) noexcept {
  const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        ai->ai_protocol);
  if (fd < 0) {
    fail(conn, kStepSocket, errno);
    return -1;
  }
  int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
  if (rc != 0 && (errno == EINPROGRESS || errno == EINTR)) {
    rc = wait_fd(fd, POLLOUT, deadline);
    if (rc == 0) {
      fail(conn, kStepConnectTimeout, ETIMEDOUT);
      close(fd);
      return -1;
    }
    if (rc > 0) {
      int so_error = 0;
      socklen_t len = sizeof so_error;
      rc = getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
      if (rc == 0 && so_error != 0) {
        errno = so_error;
        rc = -1;
      }
    }
  }
  if (rc != 0) {
    fail(conn, kStepConnect, errno);
    close(fd);
    return -1;
  }
  // Requests and responses are small writes answered by the peer; Nagle's algorithm plus
  // delayed ACKs would add ~40 ms to every exchange.
  const int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::int32_t transport_send(void* ctx, const std::uint8_t* data, std::size_t len) {
  return tcp_send(static_cast<TcpConnection*>(ctx), data, len);
}

std::int32_t transport_recv(void* ctx, std::uint8_t* data, std::size_t cap,
                            std::uint32_t timeout_ms) {
  return tcp_recv(static_cast<TcpConnection*>(ctx), data, cap, timeout_ms);
}

std::size_t clamp_len(std::size_t len) noexcept {
  return len > static_cast<std::size_t>(INT32_MAX) ? static_cast<std::size_t>(INT32_MAX) : len;
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
  const std::int64_t deadline =
      now_ms() + (timeout_ms == 0 ? kDefaultConnectTimeoutMs : timeout_ms);

  char service[8];
  std::snprintf(service, sizeof service, "%u", static_cast<unsigned>(port));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const int gai = getaddrinfo(host, service, &hints, &list);
  if (gai != 0) {
    if (gai == EAI_SYSTEM) {
      fail(conn, kStepResolveSystem, errno);
    } else {
      fail(conn, kStepResolve, gai);
    }
    return Status::kUnavailable;
  }

  int fd = -1;
  for (const addrinfo* ai = list; ai != nullptr && fd < 0; ai = ai->ai_next) {
    if (remaining_ms(deadline) == 0) {
      fail(conn, kStepConnectTimeout, ETIMEDOUT);
      break;
    }
    fd = connect_one(conn, ai, deadline);
  }
  freeaddrinfo(list);
  if (fd < 0) {
    return conn->last_step == kStepConnectTimeout ? Status::kTimeout : Status::kUnavailable;
  }
  conn->handle = fd;
  conn->last_error = 0;
  conn->last_step = kStepNone;
  return Status::kOk;
}

std::int32_t tcp_send(TcpConnection* conn, const std::uint8_t* data, std::size_t len) noexcept {
  if (conn == nullptr || (data == nullptr && len != 0)) return as_status(Status::kInvalidArgument);
  if (conn->handle < 0) return unavailable(conn, kStepNotOpen, 0);
  if (len == 0) return 0;
  const int fd = static_cast<int>(conn->handle);
  const std::int64_t deadline =
      now_ms() + (conn->send_timeout_ms == 0 ? kDefaultSendTimeoutMs : conn->send_timeout_ms);
  for (;;) {
    const ssize_t sent = send(fd, data, clamp_len(len), MSG_NOSIGNAL);
    if (sent > 0) return static_cast<std::int32_t>(sent);
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      return unavailable(conn, kStepSend, errno);
    }
    const int rc = wait_fd(fd, POLLOUT, deadline);
    if (rc == 0) return 0;  // still no room: "would block"
    if (rc < 0) return unavailable(conn, kStepSend, errno);
  }
}

std::int32_t tcp_recv(TcpConnection* conn, std::uint8_t* data, std::size_t cap,
                      std::uint32_t timeout_ms) noexcept {
  if (conn == nullptr || data == nullptr || cap == 0) return as_status(Status::kInvalidArgument);
  if (conn->handle < 0) return unavailable(conn, kStepNotOpen, 0);
  const int fd = static_cast<int>(conn->handle);
  const std::int64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    const ssize_t got = recv(fd, data, clamp_len(cap), 0);
    if (got > 0) return static_cast<std::int32_t>(got);
    if (got == 0) return unavailable(conn, kStepPeerClosed, 0);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return unavailable(conn, kStepRecv, errno);
    const int rc = wait_fd(fd, POLLIN, deadline);
    if (rc == 0) return 0;  // timeout
    if (rc < 0) return unavailable(conn, kStepRecv, errno);
    // Readable (data, EOF or an error): the next recv() tells which.
  }
}

void tcp_close(TcpConnection* conn) noexcept {
  if (conn == nullptr || conn->handle < 0) return;
  close(static_cast<int>(conn->handle));
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
  char buf[128];
  const int code = static_cast<int>(conn->last_error);
  switch (conn->last_step) {
    case kStepNone:
      std::snprintf(out, cap, "no error");
      break;
    case kStepResolve:
      std::snprintf(out, cap, "resolve: %s", gai_strerror(code));
      break;
    case kStepResolveSystem:
      std::snprintf(out, cap, "resolve: %s", errno_text(code, buf, sizeof buf));
      break;
    case kStepSocket:
      std::snprintf(out, cap, "socket: %s", errno_text(code, buf, sizeof buf));
      break;
    case kStepConnect:
      std::snprintf(out, cap, "connect: %s", errno_text(code, buf, sizeof buf));
      break;
    case kStepConnectTimeout:
      std::snprintf(out, cap, "connect: timed out");
      break;
    case kStepSend:
      std::snprintf(out, cap, "send: %s", errno_text(code, buf, sizeof buf));
      break;
    case kStepRecv:
      std::snprintf(out, cap, "recv: %s", errno_text(code, buf, sizeof buf));
      break;
    case kStepPeerClosed:
      std::snprintf(out, cap, "recv: peer closed the connection");
      break;
    case kStepNotOpen:
      std::snprintf(out, cap, "connection is not open");
      break;
    default:
      std::snprintf(out, cap, "error %d at step %u", code, static_cast<unsigned>(conn->last_step));
      break;
  }
  return out;
}

void sleep_ms(std::uint32_t ms) noexcept {
  timespec until{};
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += static_cast<time_t>(ms / 1000);
  until.tv_nsec += static_cast<long>(ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec += 1;
    until.tv_nsec -= 1000000000L;
  }
  // Absolute deadline: an interrupted sleep resumes without drifting.
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
  }
}

const char* default_ca_bundle_path() noexcept {
  // Debian/Ubuntu (package ca-certificates); the same path exists on Raspberry Pi OS.
  return "/etc/ssl/certs/ca-certificates.crt";
}

}  // namespace tracelet::port
