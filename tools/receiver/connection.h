#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace tracelet::receiver {

/// One accepted client connection, plain TCP or TLS, as the HTTP layer sees it.
class Connection {
 public:
  virtual ~Connection() = default;

  /// Reads up to `cap` bytes, waiting at most `timeout_ms`. Returns >0 bytes, 0 on timeout,
  /// -1 when the peer closed the stream or it failed (error() then says why, empty on a
  /// clean close).
  virtual long read(std::uint8_t* buf, std::size_t cap, int timeout_ms) = 0;

  /// Writes all of `data` (bounded by the socket's send timeout). False on failure.
  virtual bool write_all(const void* data, std::size_t len) = 0;

  /// Ends the stream politely: TLS close_notify, TCP FIN, then a short drain of whatever
  /// the client still sends so it can read our last response before the socket closes.
  virtual void close_gracefully() = 0;

  /// Ends the connection abruptly: no TLS close_notify, TCP RST (SO_LINGER 0).
  virtual void abort() = 0;

  const std::string& error() const { return error_; }

 protected:
  std::string error_;
};

/// Plain TCP. Owns `fd`.
class PlainConnection final : public Connection {
 public:
  explicit PlainConnection(int fd);
  ~PlainConnection() override;
  long read(std::uint8_t* buf, std::size_t cap, int timeout_ms) override;
  bool write_all(const void* data, std::size_t len) override;
  void close_gracefully() override;
  void abort() override;

 private:
  int fd_;
};

/// Milliseconds on the monotonic clock: the time base of every receiver timeout.
long now_ms();

/// Socket helpers shared by both connection kinds.
namespace sock {
/// Waits for `fd` to become readable. >0 ready, 0 timeout, <0 error.
int wait_readable(int fd, int timeout_ms);
/// FIN, then reads and discards input until EOF or `drain_ms`, then closes `fd`.
void shutdown_and_drain(int fd, int drain_ms);
/// Sets SO_LINGER {on, 0} and closes: the kernel sends RST instead of FIN.
void reset_and_close(int fd);
}  // namespace sock

}  // namespace tracelet::receiver
