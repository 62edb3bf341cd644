#pragma once
// Request-body compression for the OTLP/HTTP exporter, behind a small interface so the core
// library stays free of any compression library. On Linux, tracelet::tracelet links the zlib
// implementation (tracelet::gzip, include/tracelet/gzip.h); firmware links none and sends
// bodies uncompressed (identity), or plugs its own implementation in here.
#include <cstddef>
#include <cstdint>

namespace tracelet {

/// Content codings of OTLP/HTTP request bodies (OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION).
enum class Compression : std::uint8_t {
  kNone = 0,  // identity
  kGzip = 1,  // Content-Encoding: gzip
};

/// Receives compressed output; returns false to abort (e.g. the connection failed).
using CompressedSink = bool (*)(void* sink_ctx, const std::uint8_t* data, std::size_t len);

/// A streaming compressor (C3: a context plus function pointers). The exporter calls begin()
/// once per request body, then write() with the body's bytes in order, the last call with
/// `finish` true (it may have len 0). Output goes to `sink` whenever the compressor's own
/// bounded buffer fills, and all of it by the time the finishing write() returns, so no
/// request-sized buffer exists anywhere. One exporter thread uses it at a time.
/// Called from the exporting thread only (ISR-safe: not required); must not block except in
/// `sink`, and must not allocate after it was created.
struct Compressor {
  void* ctx = nullptr;
  /// The Content-Encoding token it produces, e.g. "gzip".
  const char* content_encoding = nullptr;
  /// Starts a new stream, discarding any unfinished one. Allocates: never (state is made
  /// when the compressor is created). Returns false if the compressor is unusable.
  bool (*begin)(void* ctx) = nullptr;
  /// Compresses `len` bytes; returns false if the compressor failed or `sink` returned false.
  bool (*write)(void* ctx, const std::uint8_t* data, std::size_t len, bool finish,
                CompressedSink sink, void* sink_ctx) = nullptr;
};

}  // namespace tracelet
