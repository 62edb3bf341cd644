// The serial frame format and its decoder: CRC-32, header layout, and resynchronisation after
// noise, cut frames, lost bytes and damaged CRCs.
#include "tracelet/serial_frame.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace tracelet::serial {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes make_frame(std::uint32_t sequence, const Bytes& payload, std::uint8_t version = kVersion) {
  FrameHeader header;
  header.sequence = sequence;
  header.length = static_cast<std::uint32_t>(payload.size());
  Bytes frame(kHeaderBytes);
  write_header(header, frame.data());
  if (version != kVersion) {  // rewrite the version with a valid header CRC
    frame[4] = version;
    const std::uint32_t crc = crc32_update(0, frame.data(), 16);
    for (std::size_t i = 0; i < 4; ++i) frame[16 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  }
  frame.insert(frame.end(), payload.begin(), payload.end());
  const std::uint32_t crc = crc32_update(0, frame.data(), frame.size());
  for (int i = 0; i < 4; ++i) frame.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  return frame;
}

Bytes payload_of(std::size_t n, std::uint8_t seed) {
  Bytes p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(seed + i * 7);
  return p;
}

struct Seen {
  std::vector<std::uint32_t> frames;  // sequence numbers of good frames
  std::vector<Bytes> payloads;
  std::vector<std::pair<std::uint32_t, FrameError>> bad;
  std::size_t skipped = 0;
  std::size_t skip_events = 0;
};

void drain(FrameDecoder& decoder, Seen& seen, bool input_ended) {
  FrameEvent event;
  while (decoder.next(event, input_ended)) {
    switch (event.kind) {
      case FrameEvent::Kind::kFrame:
        seen.frames.push_back(event.header.sequence);
        seen.payloads.emplace_back(event.payload, event.payload + event.payload_len);
        break;
      case FrameEvent::Kind::kBadFrame:
        seen.bad.emplace_back(event.header.sequence, event.error);
        break;
      case FrameEvent::Kind::kSkipped:
        EXPECT_GT(event.skipped, 0u);
        seen.skipped += event.skipped;
        ++seen.skip_events;
        break;
    }
  }
}

// Feeds `stream` in pieces of `chunk` bytes (0 = all at once), then ends the input.
Seen decode(const Bytes& stream, std::size_t buffer_size = 4096, std::size_t chunk = 0) {
  std::vector<std::uint8_t> memory(buffer_size);
  FrameDecoder decoder;
  EXPECT_EQ(decoder.attach(ByteSpan{memory.data(), memory.size()}), Status::kOk);
  Seen seen;
  std::size_t at = 0;
  while (at < stream.size()) {
    std::size_t n = chunk == 0 ? stream.size() - at : std::min(chunk, stream.size() - at);
    const std::size_t took = decoder.feed(stream.data() + at, n);
    at += took;
    drain(decoder, seen, false);
    if (took == 0) {
      ADD_FAILURE() << "decoder took nothing with " << decoder.buffered() << " bytes buffered";
      break;
    }
  }
  drain(decoder, seen, true);
  EXPECT_EQ(decoder.buffered(), 0u);
  return seen;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(Crc32, MatchesTheStandardCheckValueAndChains) {
  const char* text = "123456789";
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text);
  EXPECT_EQ(crc32_update(0, bytes, 9), 0xCBF43926u);
  EXPECT_EQ(crc32_update(crc32_update(0, bytes, 4), bytes + 4, 5), 0xCBF43926u);
  EXPECT_EQ(crc32_update(0, bytes, 0), 0u);
  const std::uint8_t zeros[4] = {};
  EXPECT_EQ(crc32_update(0, zeros, 4), 0x2144DF1Cu);  // CRC-32 of four zero bytes
}

TEST(FrameHeader, LayoutIsLittleEndianWithAHeaderCrc) {
  FrameHeader header;
  header.sequence = 0x01020304u;
  header.length = 0x00000A0Bu;
  std::uint8_t out[kHeaderBytes];
  write_header(header, out);
  const std::uint8_t expected[16] = {0xA5, 0x5A, 0x54, 0x4C, 1, 1, 0, 0,
                                     0x04, 0x03, 0x02, 0x01, 0x0B, 0x0A, 0, 0};
  EXPECT_EQ(std::memcmp(out, expected, 16), 0);
  const std::uint32_t crc = crc32_update(0, out, 16);
  EXPECT_EQ(out[16], crc & 0xFF);
  EXPECT_EQ(out[19], crc >> 24);
}

TEST(FrameDecoder, RoundTripOfSeveralSizes) {
  const std::size_t sizes[] = {0, 1, 19, 20, 100, 1000, 4096 - kOverheadBytes};
  Bytes stream;
  std::uint32_t seq = 0;
  for (std::size_t n : sizes) {
    const Bytes f = make_frame(seq++, payload_of(n, static_cast<std::uint8_t>(n)));
    stream.insert(stream.end(), f.begin(), f.end());
  }
  for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{500}}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    Seen seen = decode(stream, 4096, chunk);
    ASSERT_EQ(seen.frames.size(), std::size(sizes));
    for (std::size_t i = 0; i < std::size(sizes); ++i) {
      EXPECT_EQ(seen.frames[i], i);
      EXPECT_EQ(seen.payloads[i], payload_of(sizes[i], static_cast<std::uint8_t>(sizes[i])));
    }
    EXPECT_TRUE(seen.bad.empty());
    EXPECT_EQ(seen.skipped, 0u);
  }
}

TEST(FrameDecoder, NoiseBetweenFramesIsSkippedAndCountedExactly) {
  std::mt19937 rng(7);
  Bytes noise;
  for (int i = 0; i < 3000; ++i) noise.push_back(static_cast<std::uint8_t>(rng()));
  // Sync markers inside noise: complete ones with a broken header, and cut ones.
  const Bytes fake_sync(std::begin(kSync), std::end(kSync));
  Bytes noise2 = concat({fake_sync, Bytes{1, 2, 3}, fake_sync, payload_of(40, 9), Bytes{0xA5, 0x5A},
                         Bytes{0xA5}});
  const Bytes text = {'b', 'o', 'o', 't', ' ', 'o', 'k', '\r', '\n'};
  const Bytes stream = concat({text, make_frame(1, payload_of(50, 1)), noise, make_frame(2, payload_of(60, 2)),
                               noise2, make_frame(3, payload_of(70, 3)), text});
  for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{13}}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    Seen seen = decode(stream, 512, chunk);
    EXPECT_EQ(seen.frames, (std::vector<std::uint32_t>{1, 2, 3}));
    EXPECT_TRUE(seen.bad.empty());
    EXPECT_EQ(seen.skipped, text.size() * 2 + noise.size() + noise2.size());
    EXPECT_EQ(seen.payloads[1], payload_of(60, 2));
  }
}

TEST(FrameDecoder, AFrameCutAnywhereIsDroppedAndTheNextOneFound) {
  const Bytes a = make_frame(10, payload_of(80, 4));
  const Bytes b = make_frame(11, payload_of(90, 5));
  for (std::size_t cut = 0; cut < a.size(); ++cut) {
    SCOPED_TRACE("cut after " + std::to_string(cut) + " bytes");
    const Bytes stream = concat({Bytes(a.begin(), a.begin() + static_cast<long>(cut)), b});
    Seen seen = decode(stream, 1024, cut % 3 == 0 ? 0 : 5);
    ASSERT_EQ(seen.frames, std::vector<std::uint32_t>{11});
    EXPECT_EQ(seen.payloads[0], payload_of(90, 5));
    if (cut >= kHeaderBytes) {
      // The header of the cut frame was intact: it is reported, with its sequence number.
      ASSERT_EQ(seen.bad.size(), 1u);
      EXPECT_EQ(seen.bad[0].first, 10u);
      EXPECT_EQ(seen.bad[0].second, FrameError::kCrcMismatch);
    } else {
      EXPECT_TRUE(seen.bad.empty());
    }
    EXPECT_EQ(seen.skipped, cut);
  }
}

TEST(FrameDecoder, ALostByteInAnyPositionDoesNotCostTheNextFrame) {
  const Bytes a = make_frame(1, payload_of(40, 4));
  const Bytes b = make_frame(2, payload_of(30, 5));
  const Bytes c = make_frame(3, payload_of(20, 6));
  for (std::size_t lost = 0; lost < a.size(); ++lost) {
    SCOPED_TRACE("byte " + std::to_string(lost) + " lost");
    Bytes damaged = a;
    damaged.erase(damaged.begin() + static_cast<long>(lost));
    Seen seen = decode(concat({damaged, b, c}), 256, 3);
    EXPECT_EQ(seen.frames, (std::vector<std::uint32_t>{2, 3}));
    EXPECT_EQ(seen.skipped, damaged.size());
  }
}

TEST(FrameDecoder, CrcErrorsInPayloadOrTrailerAreBadFramesHeaderErrorsAreNoise) {
  const Bytes good = make_frame(5, payload_of(64, 8));
  const Bytes next = make_frame(6, payload_of(8, 1));
  for (std::size_t at = 0; at < good.size(); ++at) {
    SCOPED_TRACE("bit flipped in byte " + std::to_string(at));
    Bytes damaged = good;
    damaged[at] ^= 0x10;
    Seen seen = decode(concat({damaged, next}));
    EXPECT_EQ(seen.frames, std::vector<std::uint32_t>{6});
    if (at >= kHeaderBytes) {
      ASSERT_EQ(seen.bad.size(), 1u);
      EXPECT_EQ(seen.bad[0], std::make_pair(std::uint32_t{5}, FrameError::kCrcMismatch));
    } else {
      EXPECT_TRUE(seen.bad.empty());  // the header CRC rejects it before its length is trusted
    }
    EXPECT_EQ(seen.skipped, damaged.size());
  }
}

TEST(FrameDecoder, LargestPayloadFitsOneMoreByteIsRejected) {
  constexpr std::size_t kBuffer = 200;
  const std::size_t max = kBuffer - kOverheadBytes;
  const Bytes fits = make_frame(1, payload_of(max, 1));
  const Bytes too_big = make_frame(2, payload_of(max + 1, 2));
  const Bytes after = make_frame(3, payload_of(10, 3));
  Seen seen = decode(concat({fits, too_big, after}), kBuffer, 50);
  EXPECT_EQ(seen.frames, (std::vector<std::uint32_t>{1, 3}));
  ASSERT_EQ(seen.bad.size(), 1u);
  EXPECT_EQ(seen.bad[0], std::make_pair(std::uint32_t{2}, FrameError::kTooLarge));
  EXPECT_EQ(seen.skipped, too_big.size());
  EXPECT_EQ(seen.payloads[0].size(), max);
}

TEST(FrameDecoder, OtherVersionsAreReportedAsUnsupported) {
  Seen seen = decode(concat({make_frame(1, payload_of(5, 1), 2), make_frame(2, payload_of(5, 2))}));
  EXPECT_EQ(seen.frames, std::vector<std::uint32_t>{2});
  ASSERT_EQ(seen.bad.size(), 1u);
  EXPECT_EQ(seen.bad[0].second, FrameError::kUnsupported);
}

TEST(FrameDecoder, SyncPatternsInsidePayloadsDoNotConfuseIt) {
  Bytes payload = payload_of(30, 1);
  payload.insert(payload.begin() + 5, std::begin(kSync), std::end(kSync));
  // A complete, valid header inside a payload, too: only found if its frame is damaged.
  Bytes inner(kHeaderBytes);
  FrameHeader h;
  h.sequence = 99;
  h.length = 3;
  write_header(h, inner.data());
  payload.insert(payload.end(), inner.begin(), inner.end());
  Seen seen = decode(concat({make_frame(1, payload), make_frame(2, payload)}), 1024, 1);
  EXPECT_EQ(seen.frames, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(seen.payloads[1], payload);
  EXPECT_EQ(seen.skipped, 0u);
}

TEST(FrameDecoder, AStalledLinkLeavesAPartialFrameThatEndingTheInputReports) {
  std::uint8_t memory[256];
  FrameDecoder decoder;
  ASSERT_EQ(decoder.attach(ByteSpan{memory, sizeof memory}), Status::kOk);
  const Bytes f = make_frame(7, payload_of(50, 1));
  EXPECT_EQ(decoder.feed(f.data(), 40), 40u);
  FrameEvent event;
  EXPECT_FALSE(decoder.next(event));
  EXPECT_TRUE(decoder.mid_frame());
  ASSERT_TRUE(decoder.next(event, true));
  EXPECT_EQ(event.kind, FrameEvent::Kind::kBadFrame);
  EXPECT_EQ(event.error, FrameError::kTruncated);
  EXPECT_EQ(event.header.sequence, 7u);
  ASSERT_TRUE(decoder.next(event, true));
  EXPECT_EQ(event.kind, FrameEvent::Kind::kSkipped);
  EXPECT_EQ(event.skipped, 40u);
  EXPECT_FALSE(decoder.next(event, true));
  EXPECT_FALSE(decoder.mid_frame());
  // And it keeps working afterwards.
  EXPECT_EQ(decoder.feed(f.data(), f.size()), f.size());
  ASSERT_TRUE(decoder.next(event));
  EXPECT_EQ(event.kind, FrameEvent::Kind::kFrame);
  EXPECT_EQ(event.payload_len, 50u);
}

TEST(FrameDecoder, FeedTakesOnlyWhatFitsUntilFramesAreTakenOut) {
  std::uint8_t memory[kOverheadBytes + 32];
  FrameDecoder decoder;
  ASSERT_EQ(decoder.attach(ByteSpan{memory, sizeof memory}), Status::kOk);
  const Bytes stream = concat({make_frame(1, payload_of(32, 1)), make_frame(2, payload_of(32, 2))});
  std::size_t took = decoder.feed(stream.data(), stream.size());
  EXPECT_EQ(took, sizeof memory);
  FrameEvent event;
  ASSERT_TRUE(decoder.next(event));
  EXPECT_EQ(event.header.sequence, 1u);
  EXPECT_FALSE(decoder.next(event));
  EXPECT_EQ(decoder.feed(stream.data() + took, stream.size() - took), stream.size() - took);
  ASSERT_TRUE(decoder.next(event));
  EXPECT_EQ(event.header.sequence, 2u);
  EXPECT_EQ(Bytes(event.payload, event.payload + event.payload_len), payload_of(32, 2));
}

TEST(FrameDecoder, RejectsMissingOrTinyBuffers) {
  FrameDecoder decoder;
  std::uint8_t memory[kOverheadBytes];
  EXPECT_EQ(decoder.attach(ByteSpan{}), Status::kInvalidArgument);
  EXPECT_EQ(decoder.attach(ByteSpan{memory, sizeof memory}), Status::kInvalidArgument);
  FrameEvent event;
  EXPECT_FALSE(decoder.next(event, true));
  EXPECT_EQ(decoder.feed(memory, 1), 0u);
}

}  // namespace
}  // namespace tracelet::serial
