// gzip request bodies with zlib (target tracelet::gzip; only built when zlib is found).
#include <zlib.h>

#include <cstring>
#include <new>

#include "export/compression.h"
#include "tracelet/gzip.h"

// A plain name for this object file: an installed tracelet links its archive with
// `-Wl,-u,tracelet_link_gzip` (cmake/install.cmake), because the exporter's weak default hooks
// would otherwise satisfy the linker and it would never pull this file from the archive.
extern "C" const int tracelet_link_gzip;
extern "C" const int tracelet_link_gzip = 1;

namespace tracelet {

struct GzipCompressor::State {
  z_stream z{};
  bool started = false;  // deflateInit2 done
  std::size_t allocated = 0;
  std::size_t staged = 0;
  // nanopb writes a protobuf body in many pieces of a few bytes; they are gathered here so
  // deflate() runs on blocks, and its output leaves through a bounded buffer.
  std::uint8_t in[1024];
  std::uint8_t out[1024];
};

namespace {

// zlib's allocator hooks: plain malloc (through operator new), counted. They run only inside
// deflateInit2 (from GzipCompressor::init), never per body: deflateReset reuses the state.
voidpf counted_alloc(voidpf opaque, uInt items, uInt size) {
  const std::size_t bytes = static_cast<std::size_t>(items) * size;
  void* p = ::operator new(bytes, std::nothrow);
  if (p != nullptr) static_cast<std::size_t*>(opaque)[0] += bytes;
  return p;
}
void counted_free(voidpf, voidpf address) { ::operator delete(address); }

// Runs deflate over the staged input with `flush`, handing every full output buffer to `sink`.
bool pump(GzipCompressor::State& s, int flush, CompressedSink sink, void* sink_ctx) noexcept {
  s.z.next_in = s.in;
  s.z.avail_in = static_cast<uInt>(s.staged);
  for (;;) {
    s.z.next_out = s.out;
    s.z.avail_out = sizeof s.out;
    const int rc = deflate(&s.z, flush);
    if (rc == Z_STREAM_ERROR) return false;
    const std::size_t produced = sizeof s.out - s.z.avail_out;
    if (produced != 0 && !sink(sink_ctx, s.out, produced)) return false;
    if (flush == Z_FINISH) {
      if (rc == Z_STREAM_END) break;
      continue;  // more output to come
    }
    if (s.z.avail_in == 0 && s.z.avail_out != 0) break;  // all input taken, output drained
  }
  s.staged = 0;
  return true;
}

}  // namespace

// Reached through Compressor's function pointers; ctx is the GzipCompressor::State.
struct GzipAccess {
  static bool begin(void* ctx) noexcept {
    auto& s = *static_cast<GzipCompressor::State*>(ctx);
    s.staged = 0;
    return deflateReset(&s.z) == Z_OK;  // keeps the allocated state
  }
  static bool write(void* ctx, const std::uint8_t* data, std::size_t len, bool finish,
                    CompressedSink sink, void* sink_ctx) noexcept {
    auto& s = *static_cast<GzipCompressor::State*>(ctx);
    while (len != 0) {
      if (s.staged == sizeof s.in && !pump(s, Z_NO_FLUSH, sink, sink_ctx)) return false;
      std::size_t n = sizeof s.in - s.staged;
      if (n > len) n = len;
      std::memcpy(s.in + s.staged, data, n);
      s.staged += n;
      data += n;
      len -= n;
    }
    return !finish || pump(s, Z_FINISH, sink, sink_ctx);
  }
};

Status GzipCompressor::init(const GzipOptions& options) noexcept {
  if (state_ != nullptr) return Status::kFailedPrecondition;
  const int level = options.level == 0 ? Z_DEFAULT_COMPRESSION : options.level;
  const int window_bits = options.window_bits == 0 ? 15 : options.window_bits;
  const int mem_level = options.mem_level == 0 ? 8 : options.mem_level;
  if (level < -1 || level > 9 || window_bits < 9 || window_bits > 15 || mem_level < 1 || mem_level > 9) {
    return Status::kInvalidArgument;
  }
  auto* s = new (std::nothrow) State;
  if (s == nullptr) return Status::kResourceExhausted;
  s->z.zalloc = &counted_alloc;
  s->z.zfree = &counted_free;
  s->z.opaque = &s->allocated;
  // windowBits + 16: a gzip wrapper (header and CRC-32 trailer), not a zlib one.
  if (deflateInit2(&s->z, level, Z_DEFLATED, window_bits + 16, mem_level, Z_DEFAULT_STRATEGY) != Z_OK) {
    delete s;
    return Status::kResourceExhausted;
  }
  s->started = true;
  state_ = s;
  state_bytes_ = sizeof(State) + s->allocated;
  return Status::kOk;
}

void GzipCompressor::close() noexcept {
  if (state_ == nullptr) return;
  if (state_->started) (void)deflateEnd(&state_->z);
  delete state_;
  state_ = nullptr;
  state_bytes_ = 0;
}

Compressor GzipCompressor::compressor() noexcept {
  Compressor c;
  if (state_ == nullptr) return c;
  c.ctx = state_;
  c.content_encoding = "gzip";
  c.begin = &GzipAccess::begin;
  c.write = &GzipAccess::write;
  return c;
}

// ---- the build's default gzip, found at link time by the exporter (export/compression.h) ----

namespace detail {

bool default_gzip_open(Compressor& out, void*& handle) noexcept {
  auto* gzip = new (std::nothrow) GzipCompressor;
  if (gzip == nullptr) return false;
  if (gzip->init() != Status::kOk) {
    delete gzip;
    return false;
  }
  out = gzip->compressor();
  handle = gzip;
  return true;
}

void default_gzip_close(void* handle) noexcept { delete static_cast<GzipCompressor*>(handle); }

}  // namespace detail
}  // namespace tracelet
