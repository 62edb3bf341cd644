#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/status.h"

namespace tracelet {

/// Ring memory kept in a file (hosted ports: port/posix), so buffered spans survive a killed
/// or crashed process: pass memory() as Options::ring_memory to Tracer::init_keeping_ring(), and
/// the next process's init_keeping_ring() adopts what the last one recorded (at whatever address
/// the file maps), for its exporter to send.
///
/// What survives what: the mapping is MAP_SHARED, so every store is in the kernel's page cache
/// the moment it is made and a SIGKILL or crash loses only the records being written then. A
/// power cut or kernel crash loses what the kernel had not yet written back: everything since
/// the last sync() at most (call it from the exporter's loop, e.g. after each batch or every
/// second), and without sync() up to the kernel's writeback interval (vm.dirty_expire_centisecs,
/// 30 s by default). Pages are written back in no particular order, so after a power cut
/// adopt() may also find a torn ring and start over (Status kDataLoss from adopt, counted).
///
/// Tracer::shutdown() (also run by ~Tracer) leaves the ring's contents in the file: spans not
/// yet exported are adopted by the next process's Tracer::init_keeping_ring().
///
/// One process at a time: open() takes an exclusive flock() on the file and refuses a file
/// another process holds (the lock goes with the process, however it ends).
/// Every method: ISR-safe: no. Allocates: never. Blocks: open() and sync() do file I/O.
class FileRing {
 public:
  FileRing() noexcept = default;
  FileRing(const FileRing&) = delete;
  FileRing& operator=(const FileRing&) = delete;
  ~FileRing() { close(); }

  /// Opens (or creates, mode 0600) `path`, sizes it to `bytes` and maps it shared.
  /// Blocks: file I/O. Return values:
  ///   kOk                 – memory() is the file's bytes
  ///   kInvalidArgument    – no path, or bytes too small for a ring (error() says why)
  ///   kFailedPrecondition – another process has the file open as a ring (error() names it)
  ///   kUnavailable        – the file cannot be opened, sized or mapped (error() has errno's text)
  [[nodiscard]] Status open(const char* path, std::size_t bytes) noexcept;
  /// The mapped bytes (empty when not open).
  ByteSpan memory() const noexcept { return ByteSpan{static_cast<std::uint8_t*>(map_), bytes_}; }
  /// Writes dirty pages to the file and waits (msync MS_SYNC): a power cut after it returns
  /// loses nothing recorded before the call. Blocks: disk I/O. kUnavailable if it failed.
  [[nodiscard]] Status sync() noexcept;
  /// Unmaps and unlocks; the file and its spans stay for the next open().
  void close() noexcept;
  bool is_open() const noexcept { return map_ != nullptr; }
  /// Why the last open() or sync() failed ("" after success).
  const char* error() const noexcept { return error_; }

 private:
  int fd_ = -1;
  void* map_ = nullptr;
  std::size_t bytes_ = 0;
  char error_[192] = {};
};

}  // namespace tracelet
