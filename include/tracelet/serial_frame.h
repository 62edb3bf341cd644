#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/status.h"

/// The framing tracelet uses on byte links without IP (a UART, a USB CDC pipe, a debug probe's
/// console): one frame per OTLP request, findable again after garbage or a lost byte. Both
/// ends use this header: SerialExporter writes frames on the device, FrameDecoder reads them
/// (in tools/bridge, or on a gateway MCU). The layout is in docs/design.md, "Serial frames".
///
///   offset  size  field
///        0     4  sync marker A5 5A 54 4C
///        4     1  version (1)
///        5     1  payload type (1 = OTLP ExportTraceServiceRequest, 2 = OTLP
///                 ExportLogsServiceRequest; protobuf)
///        6     2  reserved, 0
///        8     4  sequence number, u32 little-endian
///       12     4  payload length N, u32 little-endian
///       16     4  header CRC-32 of bytes 0..15, little-endian
///       20     N  payload
///     20+N     4  frame CRC-32 of bytes 0..19+N, little-endian
namespace tracelet::serial {

inline constexpr std::uint8_t kSync[4] = {0xA5, 0x5A, 0x54, 0x4C};
inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::uint8_t kTypeOtlpTraces = 1;
inline constexpr std::uint8_t kTypeOtlpLogs = 2;  // log records (tracelet::log), for /v1/logs
inline constexpr std::size_t kHeaderBytes = 20;   // sync .. header CRC
inline constexpr std::size_t kTrailerBytes = 4;   // frame CRC
inline constexpr std::size_t kOverheadBytes = kHeaderBytes + kTrailerBytes;

/// CRC-32 as in IEEE 802.3 / zlib / PNG: reflected polynomial 0xEDB88320 (normal form
/// 0x04C11DB7), initial value and final XOR 0xFFFFFFFF; crc32("123456789") = 0xCBF43926.
/// Chainable: start with 0, feed the result back in for the next piece, so
/// crc32_update(crc32_update(0, a), b) == crc32 of a followed by b.
/// Uses a 16-entry table (64 bytes of flash). Never fails, never allocates, ISR-safe.
std::uint32_t crc32_update(std::uint32_t crc, const std::uint8_t* data, std::size_t len) noexcept;

/// The fields of a frame header, as written or as read.
struct FrameHeader {
  std::uint8_t version = kVersion;
  std::uint8_t type = kTypeOtlpTraces;
  std::uint32_t sequence = 0;
  std::uint32_t length = 0;  // payload bytes
};

/// Writes the kHeaderBytes header (sync, fields, header CRC) into `out`.
/// ISR-safe: yes. Blocks: never. Allocates: never.
void write_header(const FrameHeader& header, std::uint8_t out[kHeaderBytes]) noexcept;

/// Why a frame candidate was rejected (FrameEvent::kBadFrame).
enum class FrameError : std::uint8_t {
  kNone = 0,
  kCrcMismatch,          // header was intact, payload or trailer damaged (or a byte was lost)
  kTruncated,            // the input ended (or stalled) before the declared length arrived
  kTooLarge,             // intact header, but its length exceeds what the decoder can hold
  kUnsupported,          // intact header of another version, type or non-zero reserved field
};

/// Short name of a FrameError ("crc-mismatch", ...), for logs.
/// ISR-safe: yes. Blocks: never. Allocates: never.
const char* to_string(FrameError error) noexcept;

/// What FrameDecoder::next() found.
struct FrameEvent {
  enum class Kind : std::uint8_t {
    kFrame,     // a valid frame: header + payload (payload points into the decoder's buffer and
                // stays valid until the next call to feed() or next())
    kSkipped,   // `skipped` bytes that belong to no valid frame (noise, text, broken headers)
    kBadFrame,  // a candidate with an intact header was rejected: `error` says why; its bytes
                // are rescanned from one byte after its sync marker, so a frame hidden inside
                // a damaged one is still found
  };
  Kind kind = Kind::kSkipped;
  FrameHeader header{};
  const std::uint8_t* payload = nullptr;
  std::size_t payload_len = 0;
  std::size_t skipped = 0;
  FrameError error = FrameError::kNone;
};

/// Incremental frame reader over caller-owned memory (no heap). Feed it bytes in any pieces
/// (one at a time works), then call next() until it returns false. It scans for the sync
/// marker, checks the header CRC (a sync pattern inside a payload or in noise is rejected
/// there, before any length is trusted), waits for the whole frame, and checks the frame CRC.
/// After anything bad it rescans from the byte after the rejected sync marker.
/// Not thread-safe: one reader at a time. Every method: ISR-safe: yes (memory only), as long
/// as one context at a time uses the decoder. Blocks: never. Allocates: never.
class FrameDecoder {
 public:
  FrameDecoder() noexcept = default;
  FrameDecoder(const FrameDecoder&) = delete;  // holds a view of caller memory
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  /// Uses `buffer` for one frame: payloads up to buffer.size - kOverheadBytes are accepted.
  /// Return values:
  ///   kOk              – ready; previous state and counters are forgotten
  ///   kInvalidArgument – buffer missing or smaller than kOverheadBytes + 1
  [[nodiscard]] Status attach(ByteSpan buffer) noexcept;

  /// Largest payload this decoder accepts.
  std::size_t max_payload() const noexcept {
    return capacity_ > kOverheadBytes ? capacity_ - kOverheadBytes : 0;
  }

  /// Copies up to `len` bytes into the buffer and returns how many it took. It takes fewer
  /// (possibly 0) only when the buffer is full: call next() until it returns false, then
  /// feed the rest.
  std::size_t feed(const std::uint8_t* data, std::size_t len) noexcept;

  /// Reports the next event from the buffered bytes into `out` and returns true, or returns
  /// false when more input is needed. With `input_ended` (end of file, or the link went quiet
  /// in the middle of a frame) an incomplete candidate is reported as kTruncated and what
  /// follows its sync marker is rescanned; once next(out, true) returned false the buffer is
  /// empty.
  bool next(FrameEvent& out, bool input_ended = false) noexcept;

  /// True while bytes of an incomplete frame candidate are buffered (a stalled link leaves
  /// the decoder in this state; a bridge may then call next(event, true)).
  bool mid_frame() const noexcept;

  /// Bytes buffered and not yet reported.
  std::size_t buffered() const noexcept { return end_ - start_; }

 private:
  bool report_skipped(FrameEvent& out) noexcept;
  void drop(std::size_t n) noexcept;  // the first n buffered bytes belong to no frame

  std::uint8_t* buffer_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t start_ = 0;       // first unreported byte
  std::size_t end_ = 0;         // one past the last buffered byte
  std::size_t pending_skip_ = 0;  // dropped bytes not yet reported as kSkipped
  std::size_t consume_ = 0;     // bytes of the frame last reported, dropped at the next call
};

}  // namespace tracelet::serial
