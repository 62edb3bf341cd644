#pragma once
// gzip request bodies with zlib: target tracelet::gzip (src/export/gzip_zlib.cpp), built only
// when CMake finds zlib and linked into tracelet::tracelet on hosted (Linux) builds. Firmware
// builds do not have it; the exporter then sends identity bodies (see exporter_config.h).
#include <cstddef>

#include "tracelet/compressor.h"
#include "tracelet/status.h"

namespace tracelet {

/// zlib's deflate parameters; zero means default. Memory allocated once by
/// GzipCompressor::init(): zlib's deflate state, (1 << (window_bits + 2)) +
/// (1 << (mem_level + 9)) plus about 6 KB, and this object's two 1 KB buffers. Measured
/// (tests/gzip_export_test.cpp, zlib 1.2.13, x86-64): 270280 bytes with the defaults below,
/// 32712 bytes with window_bits 12, mem_level 4.
struct GzipOptions {
  int level = 0;        // 1 (fast) .. 9 (small); 0 = 6, zlib's default
  int window_bits = 0;  // 9..15: history window of 2^n bytes; 0 = 15
  int mem_level = 0;    // 1..9: hash table size; 0 = 8
};

/// A gzip Compressor with its deflate state and two bounded buffers (input staging and
/// output, 1 KB each). init() allocates zlib's state once (the only allocation); every body
/// after that reuses it (deflateReset), so "no heap after init" holds for exporting too.
class GzipCompressor {
 public:
  GzipCompressor() noexcept = default;
  GzipCompressor(const GzipCompressor&) = delete;
  GzipCompressor& operator=(const GzipCompressor&) = delete;
  ~GzipCompressor() { close(); }

  /// ISR-safe: no. Blocks: never. Allocates: yes, zlib's deflate state (once; see GzipOptions).
  /// Return values: kOk; kFailedPrecondition (already initialised); kInvalidArgument (options
  /// out of range); kResourceExhausted (zlib could not allocate its state).
  [[nodiscard]] Status init(const GzipOptions& options = {}) noexcept;
  /// Frees the deflate state. Idempotent. ISR-safe: no. Blocks: never. Allocates: never.
  void close() noexcept;
  /// The Compressor to put in ExporterConfig::compressor (valid while this object lives and
  /// is initialised; an uninitialised one has no functions). ISR-safe: yes. Blocks: never.
  /// Allocates: never; nor do its begin()/write(), which only reuse the state made in init().
  Compressor compressor() noexcept;
  /// Bytes zlib allocated for its state in init() (0 before).
  std::size_t state_bytes() const noexcept { return state_bytes_; }

  struct State;  // zlib's stream and the two buffers (src/export/gzip_zlib.cpp)

 private:
  State* state_ = nullptr;
  std::size_t state_bytes_ = 0;
};

}  // namespace tracelet
