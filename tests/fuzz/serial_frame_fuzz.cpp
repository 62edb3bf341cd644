// Fuzz target: the serial frame decoder (what tracelet-bridge runs on bytes from a UART), fed
// in random-sized pieces into a small buffer. Checks its accounting: every input byte ends up
// either in an intact frame or in a skipped-bytes report, payloads stay inside the buffer, and
// ending the input empties it.
#include <cstdint>
#include <cstdlib>

#include "tracelet/serial_frame.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tracelet::serial;
  static std::uint8_t memory[kOverheadBytes + 300];
  FrameDecoder decoder;
  if (decoder.attach(tracelet::ByteSpan{memory, sizeof memory}) != tracelet::Status::kOk) std::abort();
  std::size_t accounted = 0;
  auto drain = [&](bool input_ended) {
    FrameEvent event;
    while (decoder.next(event, input_ended)) {
      switch (event.kind) {
        case FrameEvent::Kind::kFrame:
          if (event.payload < memory + kHeaderBytes ||
              event.payload + event.payload_len + kTrailerBytes > memory + sizeof memory ||
              event.payload_len != event.header.length || event.payload_len > decoder.max_payload()) {
            std::abort();
          }
          if (crc32_update(0, event.payload - kHeaderBytes, kHeaderBytes + event.payload_len) !=
              (static_cast<std::uint32_t>(event.payload[event.payload_len]) |
               static_cast<std::uint32_t>(event.payload[event.payload_len + 1]) << 8 |
               static_cast<std::uint32_t>(event.payload[event.payload_len + 2]) << 16 |
               static_cast<std::uint32_t>(event.payload[event.payload_len + 3]) << 24)) {
            std::abort();  // reported intact, but its CRC does not match
          }
          accounted += kOverheadBytes + event.payload_len;
          break;
        case FrameEvent::Kind::kSkipped:
          if (event.skipped == 0) std::abort();
          accounted += event.skipped;
          break;
        case FrameEvent::Kind::kBadFrame:
          if (event.error == FrameError::kNone) std::abort();
          break;
      }
    }
  };
  const std::size_t step = size == 0 ? 1 : (data[0] % 23) + 1;
  std::size_t at = 0;
  while (at < size) {
    const std::size_t n = size - at < step ? size - at : step;
    const std::size_t took = decoder.feed(data + at, n);
    at += took;
    drain(false);
    if (took == 0 && decoder.feed(data + at, n) == 0) std::abort();  // no progress with room
  }
  drain(true);
  if (decoder.buffered() != 0 || decoder.mid_frame() || accounted != size) std::abort();
  return 0;
}
