// Connects one QEMU guest TCP connection to a server on the host's 127.0.0.1. QEMU starts it
// per connection for a user-mode network rule `guestfwd=tcp:ADDR:PORT-cmd:guestfwd_connector
// PORT_FILE`, with the guest's connection on stdin/stdout (and stderr: so it prints nothing).
// PORT_FILE holds the server's port; the test writes it once the server listens, so a missing
// file or a refused connect is "collector not up": the connector exits and the guest sees the
// connection closed, as it would a collector that is down behind a proxy.
// Usage: guestfwd_connector PORT_FILE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

// Copies what is readable on `from` to `to`. False when `from` ended or either side failed.
bool pump(int from, int to) {
  char buffer[16384];
  const ssize_t got = read(from, buffer, sizeof buffer);
  if (got <= 0) return got < 0 && errno == EINTR;
  for (ssize_t done = 0; done < got;) {
    const ssize_t n = write(to, buffer + done, static_cast<std::size_t>(got - done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += n;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::FILE* file = std::fopen(argv[1], "r");
  if (file == nullptr) return 1;
  unsigned port = 0;
  const bool have_port = std::fscanf(file, "%u", &port) == 1 && port > 0 && port < 65536;
  std::fclose(file);
  if (!have_port) return 1;

  const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (server < 0) return 1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(server, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) return 1;

  // stdin and stdout are the same socket (QEMU's end of the guest connection). When one side
  // ends, the end is passed on (half-close) and the other direction still drains.
  bool guest_open = true, server_open = true;
  while (guest_open || server_open) {
    pollfd fds[2] = {{guest_open ? 0 : -1, POLLIN, 0}, {server_open ? server : -1, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (guest_open && fds[0].revents != 0 && !pump(0, server)) {
      guest_open = false;
      shutdown(server, SHUT_WR);
    }
    if (server_open && fds[1].revents != 0 && !pump(server, 1)) {
      server_open = false;
      shutdown(1, SHUT_WR);
    }
  }
  close(server);
  return 0;
}
