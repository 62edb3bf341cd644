#include "input.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace tracelet::bridge {
namespace {

bool speed_of(std::uint32_t baud, speed_t& out) {
  struct Entry {
    std::uint32_t baud;
    speed_t speed;
  };
  static const Entry kSpeeds[] = {
      {1200, B1200},     {2400, B2400},     {4800, B4800},     {9600, B9600},
      {19200, B19200},   {38400, B38400},   {57600, B57600},   {115200, B115200},
      {230400, B230400}, {460800, B460800}, {500000, B500000}, {576000, B576000},
      {921600, B921600}, {1000000, B1000000}, {1500000, B1500000}, {2000000, B2000000},
      {3000000, B3000000}, {4000000, B4000000}};
  for (const Entry& e : kSpeeds) {
    if (e.baud == baud) {
      out = e.speed;
      return true;
    }
  }
  return false;
}

}  // namespace

ByteInput::~ByteInput() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

bool ByteInput::open(const std::string& path, bool follow, std::uint32_t baud, std::string& error) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
    owned_ = false;
  } else {
    // O_NONBLOCK: opening a FIFO must not wait for a writer, nor a tty for carrier detect.
    fd_ = ::open(path.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) {
      error = "cannot open " + path + ": " + std::strerror(errno);
      return false;
    }
    owned_ = true;
  }
  struct stat st {};
  if (fstat(fd_, &st) != 0) {
    error = "cannot stat " + path + ": " + std::strerror(errno);
    return false;
  }
  regular_ = S_ISREG(st.st_mode);
  follow_ = follow && regular_;
  kind_ = regular_ ? (follow_ ? "regular file, followed" : "regular file")
          : S_ISFIFO(st.st_mode) ? "FIFO"
          : S_ISCHR(st.st_mode)  ? "character device"
                                 : "input";
  if (isatty(fd_) != 0) {
    kind_ = "serial device";
    speed_t speed{};
    if (!speed_of(baud, speed)) {
      error = "unsupported --baud " + std::to_string(baud) + " for " + path;
      return false;
    }
    termios tio{};
    if (tcgetattr(fd_, &tio) != 0) {
      error = "tcgetattr " + path + ": " + std::strerror(errno);
      return false;
    }
    cfmakeraw(&tio);  // 8N1, no echo, no line editing, no CR/LF translation
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    if (cfsetispeed(&tio, speed) != 0 || cfsetospeed(&tio, speed) != 0 ||
        tcsetattr(fd_, TCSANOW, &tio) != 0) {
      error = "cannot configure " + path + ": " + std::strerror(errno);
      return false;
    }
  }
  // Reads block in poll(), never in read().
  const int flags = fcntl(fd_, F_GETFL);
  if (flags >= 0) (void)fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
  return true;
}

ByteInput::Result ByteInput::read(std::uint8_t* out, std::size_t cap, int timeout_ms,
                                  std::size_t& got, std::string& error) {
  got = 0;
  if (!regular_) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) return Result::kTimeout;
      error = std::string("poll: ") + std::strerror(errno);
      return Result::kError;
    }
    if (ready == 0) return Result::kTimeout;
  }
  const ssize_t n = ::read(fd_, out, cap);
  if (n > 0) {
    got = static_cast<std::size_t>(n);
    return Result::kData;
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return Result::kTimeout;
    error = std::string("read: ") + std::strerror(errno);
    return Result::kError;
  }
  // End of file. A followed file may still grow: wait a little, as tail -f does.
  if (follow_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms < 50 ? timeout_ms : 50));
    return Result::kTimeout;
  }
  return Result::kEnd;
}

}  // namespace tracelet::bridge
