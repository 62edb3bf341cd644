#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace tracelet::bridge {

/// The byte source of the bridge: a regular file (read to its end, or followed as it grows),
/// a FIFO or stdin (until the writer closes it), or a serial device (set to raw 8N1 at the
/// given speed). Linux only.
class ByteInput {
 public:
  ByteInput() = default;
  ~ByteInput();
  ByteInput(const ByteInput&) = delete;
  ByteInput& operator=(const ByteInput&) = delete;

  /// Opens `path` ("-" = stdin). Returns false with `error` set.
  bool open(const std::string& path, bool follow, std::uint32_t baud, std::string& error);

  enum class Result : std::uint8_t { kData, kTimeout, kEnd, kError };
  /// Waits up to `timeout_ms` for bytes. kData: `got` bytes are in `out`. kTimeout: nothing
  /// yet (a followed file at its end answers this too). kEnd: no more will come. kError:
  /// `error` says why.
  Result read(std::uint8_t* out, std::size_t cap, int timeout_ms, std::size_t& got,
              std::string& error);

  /// "regular file", "FIFO", "serial device" ..., for the log.
  const char* kind() const { return kind_; }

 private:
  int fd_ = -1;
  bool owned_ = false;
  bool regular_ = false;
  bool follow_ = false;
  const char* kind_ = "input";
};

}  // namespace tracelet::bridge
