#include "connection.h"

#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tracelet::receiver {

long now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

namespace sock {

int wait_readable(int fd, int timeout_ms) {
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int rc = poll(&p, 1, timeout_ms);
    if (rc < 0 && errno == EINTR) continue;  // a signal: the caller re-checks its stop flag
    return rc;
  }
}

void shutdown_and_drain(int fd, int drain_ms) {
  if (fd < 0) return;
  (void)shutdown(fd, SHUT_WR);
  // Closing a socket with unread input makes Linux send RST, which can destroy the response
  // we just wrote before the client reads it. Read until the client closes or time is up.
  const long start = now_ms();
  char sink[4096];
  for (;;) {
    const long elapsed = now_ms() - start;
    if (elapsed >= drain_ms) break;
    if (wait_readable(fd, static_cast<int>(drain_ms - elapsed)) <= 0) break;
    const ssize_t n = recv(fd, sink, sizeof sink, 0);
    if (n <= 0) break;
  }
  close(fd);
}

void reset_and_close(int fd) {
  if (fd < 0) return;
  linger l{};
  l.l_onoff = 1;
  l.l_linger = 0;
  (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

}  // namespace sock

PlainConnection::PlainConnection(int fd) : fd_(fd) {}

PlainConnection::~PlainConnection() {
  if (fd_ >= 0) close(fd_);
}

long PlainConnection::read(std::uint8_t* buf, std::size_t cap, int timeout_ms) {
  if (fd_ < 0) return -1;
  const int ready = sock::wait_readable(fd_, timeout_ms);
  if (ready == 0) return 0;
  if (ready < 0) {
    error_ = std::string("poll: ") + std::strerror(errno);
    return -1;
  }
  for (;;) {
    const ssize_t n = recv(fd_, buf, cap, 0);
    if (n > 0) return n;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error_ = std::string("recv: ") + std::strerror(errno);
    return -1;
  }
}

bool PlainConnection::write_all(const void* data, std::size_t len) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (len > 0) {
    const ssize_t n = send(fd_, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = std::string("send: ") + std::strerror(errno);
      return false;
    }
    p += n;
    len -= static_cast<std::size_t>(n);
  }
  return true;
}

void PlainConnection::close_gracefully() {
  sock::shutdown_and_drain(fd_, 500);
  fd_ = -1;
}

void PlainConnection::abort() {
  sock::reset_and_close(fd_);
  fd_ = -1;
}

}  // namespace tracelet::receiver
