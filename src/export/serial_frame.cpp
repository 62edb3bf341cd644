#include "tracelet/serial_frame.h"

#include <cstring>

namespace tracelet::serial {
namespace {

// CRC-32 remainders of the 16 nibble values, for a table-driven CRC that processes 4 bits per
// step: 64 bytes of flash instead of the 1 KiB a byte-wise table costs.
struct NibbleTable {
  std::uint32_t entry[16];
};

constexpr NibbleTable make_nibble_table() noexcept {
  NibbleTable table{};
  for (std::uint32_t n = 0; n < 16; ++n) {
    std::uint32_t crc = n;
    for (int bit = 0; bit < 4; ++bit) crc = (crc & 1u) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    table.entry[n] = crc;
  }
  return table;
}

constexpr NibbleTable kNibbles = make_nibble_table();

void put_u32(std::uint8_t* out, std::uint32_t v) noexcept {
  out[0] = static_cast<std::uint8_t>(v);
  out[1] = static_cast<std::uint8_t>(v >> 8);
  out[2] = static_cast<std::uint8_t>(v >> 16);
  out[3] = static_cast<std::uint8_t>(v >> 24);
}

std::uint32_t get_u32(const std::uint8_t* in) noexcept {
  return static_cast<std::uint32_t>(in[0]) | static_cast<std::uint32_t>(in[1]) << 8 |
         static_cast<std::uint32_t>(in[2]) << 16 | static_cast<std::uint32_t>(in[3]) << 24;
}

// Reports pending skipped bytes at least this often during a long run of noise.
constexpr std::size_t kSkipReportBytes = 65536;

}  // namespace

std::uint32_t crc32_update(std::uint32_t crc, const std::uint8_t* data, std::size_t len) noexcept {
  crc = ~crc;
  for (std::size_t i = 0; i < len; ++i) {
    crc ^= data[i];
    crc = (crc >> 4) ^ kNibbles.entry[crc & 15u];
    crc = (crc >> 4) ^ kNibbles.entry[crc & 15u];
  }
  return ~crc;
}

void write_header(const FrameHeader& header, std::uint8_t out[kHeaderBytes]) noexcept {
  std::memcpy(out, kSync, sizeof kSync);
  out[4] = header.version;
  out[5] = header.type;
  out[6] = 0;
  out[7] = 0;
  put_u32(out + 8, header.sequence);
  put_u32(out + 12, header.length);
  put_u32(out + 16, crc32_update(0, out, 16));
}

const char* to_string(FrameError error) noexcept {
  switch (error) {
    case FrameError::kNone: return "none";
    case FrameError::kCrcMismatch: return "crc-mismatch";
    case FrameError::kTruncated: return "truncated";
    case FrameError::kTooLarge: return "too-large";
    case FrameError::kUnsupported: return "unsupported";
  }
  return "unknown";
}

// ---- decoder ---------------------------------------------------------------------------------

Status FrameDecoder::attach(ByteSpan buffer) noexcept {
  if (buffer.data == nullptr || buffer.size <= kOverheadBytes) return Status::kInvalidArgument;
  buffer_ = buffer.data;
  capacity_ = buffer.size;
  start_ = end_ = pending_skip_ = consume_ = 0;
  return Status::kOk;
}

bool FrameDecoder::mid_frame() const noexcept { return end_ - start_ > consume_; }

void FrameDecoder::drop(std::size_t n) noexcept {
  start_ += n;
  pending_skip_ += n;
  if (start_ == end_) start_ = end_ = 0;
}

bool FrameDecoder::report_skipped(FrameEvent& out) noexcept {
  if (pending_skip_ == 0) return false;
  out = FrameEvent{};
  out.kind = FrameEvent::Kind::kSkipped;
  out.skipped = pending_skip_;
  pending_skip_ = 0;
  return true;
}

std::size_t FrameDecoder::feed(const std::uint8_t* data, std::size_t len) noexcept {
  if (buffer_ == nullptr || data == nullptr) return 0;
  if (consume_ != 0) {  // the frame reported last is done with
    start_ += consume_;
    consume_ = 0;
    if (start_ == end_) start_ = end_ = 0;
  }
  if (capacity_ - end_ < len && start_ != 0) {
    std::memmove(buffer_, buffer_ + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  std::size_t n = capacity_ - end_;
  if (n > len) n = len;
  std::memcpy(buffer_ + end_, data, n);
  end_ += n;
  return n;
}

bool FrameDecoder::next(FrameEvent& out, bool input_ended) noexcept {
  if (buffer_ == nullptr) return false;
  if (consume_ != 0) {
    start_ += consume_;
    consume_ = 0;
    if (start_ == end_) start_ = end_ = 0;
  }
  for (;;) {
    const std::uint8_t* p = buffer_ + start_;
    const std::size_t avail = end_ - start_;

    // 1. Find the sync marker; a marker cut by the end of the buffer is kept for the next feed.
    std::size_t at = 0;
    bool partial = false;
    for (; at < avail; ++at) {
      if (p[at] != kSync[0]) continue;
      const std::size_t n = avail - at < sizeof kSync ? avail - at : sizeof kSync;
      if (std::memcmp(p + at, kSync, n) == 0) {
        partial = n < sizeof kSync;
        break;
      }
    }
    if (at != 0) drop(at);
    if (at == avail || partial) {
      if (input_ended && buffered() != 0) drop(buffered());
      if (input_ended || pending_skip_ >= kSkipReportBytes) return report_skipped(out);
      return false;
    }

    // 2. The header, validated by its own CRC before its length is believed.
    if (buffered() < kHeaderBytes) {
      if (!input_ended) return report_skipped(out);
      drop(buffered());  // too short to carry a sequence number: plain noise
      continue;
    }
    p = buffer_ + start_;
    if (get_u32(p + 16) != crc32_update(0, p, 16)) {
      drop(1);  // a sync pattern in noise or payload bytes, or a damaged header
      continue;
    }
    // From here on the candidate is a real frame header: report noise before it first.
    if (report_skipped(out)) return true;
    out = FrameEvent{};
    out.header.version = p[4];
    out.header.type = p[5];
    out.header.sequence = get_u32(p + 8);
    out.header.length = get_u32(p + 12);
    const std::size_t length = out.header.length;
    if (p[4] != kVersion || (p[5] != kTypeOtlpTraces && p[5] != kTypeOtlpLogs) || p[6] != 0 || p[7] != 0) {
      out.kind = FrameEvent::Kind::kBadFrame;
      out.error = FrameError::kUnsupported;
      drop(1);
      return true;
    }
    if (length > max_payload()) {
      out.kind = FrameEvent::Kind::kBadFrame;
      out.error = FrameError::kTooLarge;
      drop(1);
      return true;
    }

    // 3. The whole frame, checked by the frame CRC.
    const std::size_t total = kOverheadBytes + length;
    if (end_ - start_ < total) {
      if (!input_ended) return false;
      out.kind = FrameEvent::Kind::kBadFrame;
      out.error = FrameError::kTruncated;
      drop(1);
      return true;
    }
    const std::uint32_t crc = crc32_update(0, p, kHeaderBytes + length);
    if (get_u32(p + kHeaderBytes + length) != crc) {
      out.kind = FrameEvent::Kind::kBadFrame;
      out.error = FrameError::kCrcMismatch;
      drop(1);
      return true;
    }
    out.kind = FrameEvent::Kind::kFrame;
    out.payload = p + kHeaderBytes;
    out.payload_len = length;
    consume_ = total;
    return true;
  }
}

}  // namespace tracelet::serial
