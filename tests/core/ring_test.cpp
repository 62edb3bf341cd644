#include "tracelet/ring.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

#include "tracelet/port.h"

namespace tracelet {
namespace {

// Where a Ring attached to `memory` starts its records (8-byte aligned start, then the
// control block).
std::uint8_t* ring_memory_of(std::uint8_t* memory) {
  auto address = reinterpret_cast<std::uintptr_t>(memory);
  return memory + ((8u - (address & 7u)) & 7u) + Ring::kControlBytes;
}

// Pushes a record whose payload is `len` copies of `fill`.
bool push_filled(Ring& ring, std::uint8_t fill, std::size_t len) {
  std::vector<std::uint8_t> payload(len, fill);
  return ring.push(payload.data(), payload.size(), nullptr, 0);
}

// Reads every record of a claimed batch as (first byte, length) pairs.
std::vector<std::pair<std::uint8_t, std::size_t>> read_batch(const Ring& ring, const Batch& batch) {
  std::vector<std::pair<std::uint8_t, std::size_t>> out;
  RecordCursor cursor = ring.cursor(batch);
  const std::uint8_t* data = nullptr;
  std::size_t len = 0;
  while (ring.next(cursor, data, len)) {
    for (std::size_t i = 0; i < len; ++i) EXPECT_EQ(data[i], data[0]) << "torn record";
    out.emplace_back(data[0], len);
  }
  return out;
}

TEST(Ring, RejectsMissingOrTinyMemory) {
  Ring ring;
  EXPECT_EQ(ring.attach(ByteSpan{}), Status::kInvalidArgument);
  alignas(8) std::uint8_t small[32];
  EXPECT_EQ(ring.attach(ByteSpan{small, sizeof small}), Status::kInvalidArgument);
  EXPECT_FALSE(ring.push("x", 1, nullptr, 0));
  Batch batch;
  EXPECT_EQ(ring.peek_batch(batch, 10), Status::kFailedPrecondition);
}

TEST(Ring, RecordsComeOutInOrderWithTheirExactLength) {
  StaticRing<1024> ring;
  EXPECT_TRUE(push_filled(ring, 1, 10));
  EXPECT_TRUE(ring.push("ab", 2, "cde", 3));
  EXPECT_TRUE(push_filled(ring, 3, 1));
  Batch batch;
  ASSERT_EQ(ring.peek_batch(batch, 10), Status::kOk);
  EXPECT_EQ(batch.count, 3u);
  RecordCursor cursor = ring.cursor(batch);
  const std::uint8_t* data = nullptr;
  std::size_t len = 0;
  ASSERT_TRUE(ring.next(cursor, data, len));
  EXPECT_EQ(len, 10u);
  ASSERT_TRUE(ring.next(cursor, data, len));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(data), len), "abcde");
  ASSERT_TRUE(ring.next(cursor, data, len));
  EXPECT_EQ(len, 1u);
  EXPECT_FALSE(ring.next(cursor, data, len));
  ring.commit(batch);
  EXPECT_EQ(ring.used_bytes(), 0u);
  EXPECT_EQ(ring.peek_batch(batch, 10), Status::kUnavailable);
  EXPECT_EQ(ring.counters().committed, 3u);
}

TEST(Ring, ReleasedBatchIsReadAgainUntilCommitted) {
  StaticRing<512> ring;
  ASSERT_TRUE(push_filled(ring, 7, 20));
  ASSERT_TRUE(push_filled(ring, 8, 20));
  Batch batch;
  ASSERT_EQ(ring.peek_batch(batch, 10), Status::kOk);
  Batch second;
  EXPECT_EQ(ring.peek_batch(second, 10), Status::kFailedPrecondition) << "one claim at a time";
  ring.release(batch);  // e.g. the collector answered 503
  ASSERT_EQ(ring.peek_batch(batch, 10), Status::kOk);
  auto records = read_batch(ring, batch);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].first, 7);
  EXPECT_EQ(records[1].first, 8);
  ring.commit(batch);
  EXPECT_EQ(ring.counters().committed, 2u);
}

TEST(Ring, BatchLimitsRecordsAndBytes) {
  StaticRing<2048> ring;
  for (std::uint8_t i = 0; i < 10; ++i) ASSERT_TRUE(push_filled(ring, i, 28));  // 32 B each
  Batch batch;
  ASSERT_EQ(ring.peek_batch(batch, 4), Status::kOk);
  EXPECT_EQ(batch.count, 4u);
  ring.commit(batch);
  ASSERT_EQ(ring.peek_batch(batch, 100, 96), Status::kOk);
  EXPECT_EQ(batch.count, 3u);
  EXPECT_EQ(read_batch(ring, batch).front().first, 4);
  ring.commit(batch);
  ASSERT_EQ(ring.peek_batch(batch, 100, 8) , Status::kOk) << "one record always fits";
  EXPECT_EQ(batch.count, 1u);
}

TEST(Ring, DropNewestWhenFullAndCountsIt) {
  StaticRing<256> ring;
  int accepted = 0;
  for (int i = 0; i < 20; ++i) accepted += push_filled(ring, static_cast<std::uint8_t>(i), 28) ? 1 : 0;
  EXPECT_EQ(accepted, 8);  // 256 / 32
  RingCounters counters = ring.counters();
  EXPECT_EQ(counters.written, 8u);
  EXPECT_EQ(counters.dropped_full, 12u);
  Batch batch;
  ASSERT_EQ(ring.peek_batch(batch, 100), Status::kOk);
  auto records = read_batch(ring, batch);
  ASSERT_EQ(records.size(), 8u);
  EXPECT_EQ(records.front().first, 0) << "the oldest survive";
  EXPECT_EQ(records.back().first, 7);
}

TEST(Ring, OverwriteOldestKeepsTheNewest) {
  StaticRing<256> ring(Overflow::kOverwriteOldest);
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(push_filled(ring, static_cast<std::uint8_t>(i), 28));
  RingCounters counters = ring.counters();
  EXPECT_EQ(counters.written, 20u);
  EXPECT_EQ(counters.dropped_overwritten, 12u);
  Batch batch;
  ASSERT_EQ(ring.peek_batch(batch, 100), Status::kOk);
  auto records = read_batch(ring, batch);
  ASSERT_EQ(records.size(), 8u);
  EXPECT_EQ(records.front().first, 12);
  EXPECT_EQ(records.back().first, 19);
}

TEST(Ring, OverwriteOldestDoesNotWaitForAHolderOfTheCriticalSection) {
  StaticRing<256> ring(Overflow::kOverwriteOldest);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(push_filled(ring, static_cast<std::uint8_t>(i), 28));
  // Another context holds the section (as a preempted consumer would): a push into the full
  // ring gives up and counts its record, instead of waiting for the section.
  std::uint32_t state = port::critical_enter();
  bool pushed = true;
  std::thread producer([&] { pushed = push_filled(ring, 99, 28); });
  producer.join();
  port::critical_exit(state);
  EXPECT_FALSE(pushed);
  RingCounters counters = ring.counters();
  EXPECT_EQ(counters.dropped_full, 1u);
  EXPECT_EQ(counters.dropped_overwritten, 0u);
  // Once the section is free, eviction works again.
  EXPECT_TRUE(push_filled(ring, 100, 28));
  counters = ring.counters();
  EXPECT_EQ(counters.written, 9u);
  EXPECT_GE(counters.dropped_overwritten, 1u);
}

TEST(Ring, OverwriteNeverTouchesABatchBeingExported) {
  StaticRing<256> ring(Overflow::kOverwriteOldest);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(push_filled(ring, static_cast<std::uint8_t>(i), 28));
  Batch batch;
  ASSERT_EQ(ring.peek_batch(batch, 8), Status::kOk);
  EXPECT_FALSE(push_filled(ring, 99, 28)) << "claimed records must stay intact";
  EXPECT_EQ(ring.counters().dropped_full, 1u);
  auto records = read_batch(ring, batch);
  ASSERT_EQ(records.size(), 8u);
  EXPECT_EQ(records.front().first, 0);
  ring.commit(batch);
  EXPECT_TRUE(push_filled(ring, 100, 28));
}

TEST(Ring, WrapsAroundWithPaddingAndVariableSizes) {
  StaticRing<512> ring;
  std::vector<std::pair<std::uint8_t, std::size_t>> expected;
  std::uint8_t next = 0;
  std::size_t sizes[] = {5, 60, 13, 100, 1, 33, 77, 8, 120};
  // Many rounds of produce/consume so head and tail pass the end of memory many times.
  for (int round = 0; round < 200; ++round) {
    for (int k = 0; k < 3; ++k) {
      std::size_t len = sizes[(round + k) % 9];
      if (push_filled(ring, next, len)) expected.emplace_back(next, len);
      ++next;
    }
    Batch batch;
    if (ring.peek_batch(batch, 2) == Status::kOk) {
      auto got = read_batch(ring, batch);
      ASSERT_LE(got.size(), expected.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i], expected[i]) << "round " << round;
      }
      expected.erase(expected.begin(), expected.begin() + static_cast<long>(got.size()));
      ring.commit(batch);
    }
  }
  RingCounters counters = ring.counters();
  EXPECT_EQ(counters.written, counters.committed + expected.size());
  EXPECT_EQ(counters.written + counters.dropped_full, 600u);
}

TEST(Ring, RecordLargerThanTheRingIsRejectedAndCounted) {
  StaticRing<256> ring;
  EXPECT_FALSE(push_filled(ring, 1, 300));
  EXPECT_EQ(ring.counters().dropped_too_large, 1u);
  EXPECT_TRUE(push_filled(ring, 2, 200));
}

TEST(Ring, FootprintIsHeaderPlusPayloadRoundedToEight) {
  EXPECT_EQ(Ring::record_footprint(0), 8u);
  EXPECT_EQ(Ring::record_footprint(4), 8u);
  EXPECT_EQ(Ring::record_footprint(5), 16u);
  EXPECT_EQ(Ring::record_footprint(100), 104u);
}

TEST(Ring, UnalignedMemoryIsAlignedAndUsable) {
  alignas(8) std::uint8_t memory[300 + Ring::kControlBytes];
  Ring ring;
  ASSERT_EQ(ring.attach(ByteSpan{memory + 3, 290 + Ring::kControlBytes}), Status::kOk);
  EXPECT_EQ(ring.capacity() % 8, 0u);
  EXPECT_LE(ring.capacity(), 285u);
  EXPECT_GE(ring.capacity(), 280u);
  EXPECT_TRUE(push_filled(ring, 1, 20));
}

}  // namespace
}  // namespace tracelet

namespace tracelet {
namespace {

// A warm reset leaves the Ring object and its memory as they were (both in .noinit); adopt()
// must keep every complete record and give up on anything else.
TEST(RingAdopt, KeepsCompleteRecordsAfterAWarmReset) {
  alignas(8) static std::uint8_t memory[1024];
  Ring ring;
  ASSERT_EQ(ring.attach(ByteSpan{memory, sizeof memory}), Status::kOk);
  for (std::uint8_t i = 0; i < 6; ++i) ASSERT_TRUE(push_filled(ring, i, 20));
  Batch batch;
  ASSERT_EQ(ring.peek_batch(batch, 2), Status::kOk);  // export in flight when the reset hits
  // The reset also hit a producer in the middle of its copy: record 4's header still says
  // "writing" (state bits 0).
  std::size_t offset = 4 * Ring::record_footprint(20);
  std::uint32_t header;
  std::memcpy(&header, ring_memory_of(memory) + offset, 4);
  header &= ~3u;
  std::memcpy(ring_memory_of(memory) + offset, &header, 4);

  ASSERT_EQ(ring.adopt(ByteSpan{memory, sizeof memory}), Status::kOk);
  RingCounters counters = ring.counters();
  EXPECT_EQ(counters.written, 5u);
  EXPECT_EQ(counters.dropped_at_reset, 1u);
  ASSERT_EQ(ring.peek_batch(batch, 100), Status::kOk) << "the claimed batch is offered again";
  auto records = read_batch(ring, batch);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].first, 0);
  EXPECT_EQ(records[3].first, 3);
  EXPECT_EQ(records[4].first, 5);
  ring.commit(batch);
  EXPECT_TRUE(push_filled(ring, 9, 20)) << "the adopted ring keeps working";
}

TEST(RingAdopt, RefusesRandomMemoryAndOtherBuffers) {
  alignas(8) static std::uint8_t memory[1024];
  alignas(Ring) static unsigned char storage[sizeof(Ring)];
  std::memset(storage, 0xA5, sizeof storage);  // what a cold boot leaves in .noinit
  Ring* cold = reinterpret_cast<Ring*>(storage);
  EXPECT_EQ(cold->adopt(ByteSpan{memory, sizeof memory}), Status::kDataLoss);

  Ring ring;
  ASSERT_EQ(ring.attach(ByteSpan{memory, sizeof memory}), Status::kOk);
  ASSERT_TRUE(push_filled(ring, 1, 20));
  alignas(8) static std::uint8_t other[1024];
  EXPECT_EQ(ring.adopt(ByteSpan{other, sizeof other}), Status::kDataLoss);
  EXPECT_EQ(ring.adopt(ByteSpan{memory, 512}), Status::kDataLoss) << "a different size";
  // A record length that no longer tiles the used bytes (memory corrupted) is refused.
  std::uint32_t bogus = (999u << 2) | 1u;
  std::memcpy(ring_memory_of(memory), &bogus, 4);
  EXPECT_EQ(ring.adopt(ByteSpan{memory, sizeof memory}), Status::kDataLoss);
  ring.detach();
  EXPECT_EQ(ring.adopt(ByteSpan{memory, sizeof memory}), Status::kDataLoss) << "detached";
}

// A reset between a producer's claim and its first store leaves the claimed bytes all zero
// (free memory is kept zeroed): adopt() skips them to the next header and counts one drop.
TEST(RingAdopt, SkipsBytesClaimedButNeverWritten) {
  alignas(8) static std::uint8_t memory[1024];
  Ring ring;
  ASSERT_EQ(ring.attach(ByteSpan{memory, sizeof memory}), Status::kOk);
  for (std::uint8_t i = 0; i < 6; ++i) ASSERT_TRUE(push_filled(ring, i, 20 + 8 * (i % 2)));
  // Record 2 (20 bytes, footprint 24) as the claim left it: nothing written.
  std::size_t offset = Ring::record_footprint(20) + Ring::record_footprint(28);
  std::memset(ring_memory_of(memory) + offset, 0, Ring::record_footprint(20));
  Ring after_reset;  // a new process: nothing of the old object is used
  ASSERT_EQ(after_reset.adopt(ByteSpan{memory, sizeof memory}), Status::kOk);
  RingCounters counters = after_reset.counters();
  EXPECT_EQ(counters.written, 5u);
  EXPECT_EQ(counters.dropped_at_reset, 1u);
  Batch batch;
  ASSERT_EQ(after_reset.peek_batch(batch, 100), Status::kOk);
  auto records = read_batch(after_reset, batch);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[1].first, 1);
  EXPECT_EQ(records[2].first, 3);
  after_reset.commit(batch);
  EXPECT_TRUE(push_filled(after_reset, 9, 20)) << "the adopted ring keeps working";
}

// The same bytes adopted through a copy at another address: positions are relative.
TEST(RingAdopt, AdoptsAtAnotherAddress) {
  alignas(8) static std::uint8_t memory[1024];
  alignas(8) static std::uint8_t moved[1024];
  Ring ring;
  ASSERT_EQ(ring.attach(ByteSpan{memory, sizeof memory}), Status::kOk);
  for (std::uint8_t i = 0; i < 40; ++i) {  // wraps the ring a few times
    ASSERT_TRUE(push_filled(ring, i, 30));
    Batch batch;
    if (i % 3 == 2) {
      ASSERT_EQ(ring.peek_batch(batch, 2), Status::kOk);
      ring.commit(batch);
    }
  }
  std::memcpy(moved, memory, sizeof memory);
  Ring other;
  ASSERT_EQ(other.adopt(ByteSpan{moved, sizeof moved}), Status::kOk);
  EXPECT_EQ(other.counters().written, ring.used_bytes() / Ring::record_footprint(30));
  Batch a, b;
  ASSERT_EQ(ring.peek_batch(a, 100), Status::kOk);
  ASSERT_EQ(other.peek_batch(b, 100), Status::kOk);
  EXPECT_EQ(read_batch(ring, a), read_batch(other, b));
}

// Rings of several lanes (where 64-bit atomics are lock-free): one thread fills its lane,
// then the others; every record comes out once and the counters add up.
TEST(Ring, LanesHoldEveryRecordOnce) {
  static std::uint8_t memory[4 * TRACELET_RING_LANE_MIN_BYTES];
  Ring ring;
  ASSERT_EQ(ring.attach(ByteSpan{memory, sizeof memory}), Status::kOk);
  ASSERT_GE(ring.lanes(), 1u);
  std::size_t accepted = 0;
  std::vector<int> seen(5000, 0);
  for (int i = 0; i < 5000; ++i) {
    std::uint8_t payload[40];
    std::memcpy(payload, &i, sizeof i);
    std::memset(payload + sizeof i, 0x5A, sizeof payload - sizeof i);
    if (ring.push(payload, sizeof payload, nullptr, 0)) ++accepted;
  }
  // Every lane filled up (each may leave less than one record's bytes unused).
  EXPECT_LE(accepted, ring.capacity() / Ring::record_footprint(40));
  EXPECT_GE(accepted, ring.capacity() / Ring::record_footprint(40) - ring.lanes());
  Batch batch;
  std::size_t read = 0;
  while (ring.peek_batch(batch, 64) == Status::kOk) {
    RecordCursor cursor = ring.cursor(batch);
    const std::uint8_t* data = nullptr;
    std::size_t len = 0;
    while (ring.next(cursor, data, len)) {
      int i = 0;
      std::memcpy(&i, data, sizeof i);
      ASSERT_EQ(len, 40u);
      ++seen[static_cast<std::size_t>(i)];
      ++read;
    }
    ring.commit(batch);
  }
  EXPECT_EQ(read, accepted);
  for (std::size_t i = 0; i < accepted; ++i) EXPECT_EQ(seen[i], 1) << i;
  RingCounters counters = ring.counters();
  EXPECT_EQ(counters.written, accepted);
  EXPECT_EQ(counters.dropped_full, 5000u - accepted);
  EXPECT_EQ(counters.committed, accepted);
}

// Overwrite-oldest with several lanes: once its lane evicts, a thread stays in it rather than
// taking the room another thread's eviction just made in that thread's lane (which would cost
// that thread a record instead of one of its own, and put both threads on one head word).
// The main thread fills the ring (lanes it does not own down to 1/16 free), a second thread
// then records, then the main thread a few records more: each of the last two rounds lands in
// one lane, and every record is accounted for. (With one lane, as on MCUs, trivially.)
TEST(Ring, OverwriteOldestThreadsStayInTheirLanesOnceFull) {
  static std::uint8_t memory[4 * TRACELET_RING_LANE_MIN_BYTES];
  Ring ring;
  ASSERT_EQ(ring.attach(ByteSpan{memory, sizeof memory}, Overflow::kOverwriteOldest), Status::kOk);
  const std::size_t per_round = 2 * ring.capacity() / Ring::record_footprint(40);
  auto record = [&](std::uint8_t round, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      std::uint8_t payload[40] = {};
      payload[0] = round;
      ASSERT_TRUE(ring.push(payload, sizeof payload, nullptr, 0));
    }
  };
  record(1, per_round);
  // Stop right after an eviction: our lane has about 1/16 free, room the other thread must
  // leave alone.
  const std::uint64_t evicted = ring.counters().dropped_overwritten;
  EXPECT_GT(evicted, 0u);
  std::size_t round_one = per_round;
  while (ring.counters().dropped_overwritten == evicted) {
    record(1, 1);
    ++round_one;
  }
  std::thread other([&] { record(2, per_round); });
  other.join();
  record(3, 8);  // a few: so few that they evict none of what round 2 may have left in our lane
  std::vector<std::size_t> lanes_of[4];
  std::size_t pending = 0;
  Batch batch;
  while (ring.peek_batch(batch, 64) == Status::kOk) {
    RecordCursor cursor = ring.cursor(batch);
    const std::uint8_t* data = nullptr;
    std::size_t len = 0;
    while (ring.next(cursor, data, len)) {
      ASSERT_TRUE(data[0] >= 1 && data[0] <= 3);
      std::vector<std::size_t>& lanes = lanes_of[data[0]];
      if (std::find(lanes.begin(), lanes.end(), batch.lane) == lanes.end()) lanes.push_back(batch.lane);
      ++pending;
    }
    ring.commit(batch);
  }
  EXPECT_EQ(lanes_of[2].size(), 1u);
  EXPECT_EQ(lanes_of[3].size(), 1u);
  const RingCounters counters = ring.counters();
  EXPECT_EQ(counters.written, round_one + per_round + 8);
  EXPECT_EQ(counters.dropped_full, 0u);
  EXPECT_EQ(counters.written, counters.committed + counters.dropped_overwritten);
  EXPECT_EQ(counters.committed, pending);
}

}  // namespace
}  // namespace tracelet
