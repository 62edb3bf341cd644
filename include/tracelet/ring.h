#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/config.h"
#include "tracelet/status.h"

namespace tracelet {

/// What a producer does when the ring has no room for a new record.
enum class Overflow : std::uint8_t {
  kDropNewest = 0,       // keep what is buffered, drop the new record (default)
  // Evict the oldest records not being exported, keep the new one. Where ring claims are
  // lock-free (hosted), eviction does not wait for a preempted holder of the port's critical
  // section: the new record is then dropped and counted in dropped_full.
  kOverwriteOldest = 1,
};

/// Counters of a ring; every record that did not reach the consumer is in one of the drops.
struct RingCounters {
  std::uint64_t written = 0;             // records accepted
  std::uint64_t committed = 0;           // records the consumer acknowledged (removed)
  std::uint64_t dropped_full = 0;        // no room (overwrite-oldest: no room could be made at once)
  std::uint64_t dropped_overwritten = 0; // overwrite-oldest: evicted before export
  std::uint64_t dropped_too_large = 0;   // larger than the whole ring
  std::uint64_t dropped_at_reset = 0;    // half-written when a warm reset hit (see adopt)
};

/// A run of records claimed by the consumer, oldest first. It stays in the ring until
/// Ring::commit() (delivered) or Ring::release() (keep for a retry).
struct Batch {
  std::size_t lane = 0;    // the lane the records are in (see Ring)
  std::size_t begin = 0;   // byte offset of the first record in its lane
  std::size_t bytes = 0;   // bytes from begin to the end of the last record (incl. padding)
  std::size_t count = 0;   // records in the batch
};

/// Iterates the records of a claimed batch.
struct RecordCursor {
  std::size_t lane = 0;
  std::size_t offset = 0;
  std::size_t remaining_bytes = 0;
  std::size_t remaining_records = 0;
};

/// Variable-length record ring in caller-provided memory. Many producers (threads and
/// interrupt handlers), one consumer (the exporter). A producer claims its bytes with one
/// compare-and-swap on the head position, copies its record and publishes the record's header;
/// producers never wait for each other or for the consumer, so a preempted producer holds up
/// nobody (the consumer stops at the first record not yet published). Records are 8-byte
/// aligned; each costs 4 header bytes plus its payload rounded up to 8.
///
/// Where 64-bit atomics are lock-free (hosted targets), a ring of at least
/// 2 * TRACELET_RING_LANE_MIN_BYTES is split into up to TRACELET_RING_LANES lanes: each thread
/// claims in a lane of its own and moves to another only when its lane is full, so threads on
/// different cores share no cache line on the push path. Order is kept within a lane (so for
/// one thread until its lane fills), not across lanes. A batch comes from one lane.
///
/// Each lane's control block (positions, counters) lives at the start of its memory, and every
/// position is an offset into it, so a ring survives a warm reset or a killed process whose
/// memory is kept (a `.noinit` section, a shared file mapping) and can be adopted at another
/// address. Every change is one store of one word, and free memory is kept zeroed, so a reset
/// at any instruction loses at most the records being written at that moment (see adopt()).
/// Every method: Allocates: never. Blocks: never (consumer methods and the overwrite-oldest
/// eviction take the port's critical section; push() in drop-newest mode never does).
/// ISR-safe: push(), counters() and used_bytes() yes (MCU ports); the consumer methods are
/// safe against producers but one consumer at a time; attach/adopt/detach are for init and
/// shutdown, with no producer running.
class Ring {
 public:
  /// Bytes at the start of each lane's memory that hold its control block; the rest holds
  /// records. Its parts sit TRACELET_RING_LINE_BYTES apart so the word every push
  /// writes shares no cache line with the consumer's words or the drop counters.
  static constexpr std::size_t kControlBytes = 4 * TRACELET_RING_LINE_BYTES;

  constexpr Ring() noexcept = default;
  Ring(const Ring&) = delete;  // owns a view of caller memory; a copy would alias it
  Ring& operator=(const Ring&) = delete;

  /// Uses `memory` (8-byte aligned is best; the start is rounded up) as control block plus
  /// storage, and zeroes it.
  /// ISR-safe: no (init time). Blocks: never. Allocates: never.
  /// Return values:
  ///   kOk              – attached; previous contents and counters are forgotten
  ///   kInvalidArgument – memory missing or smaller than kControlBytes + 64 usable bytes
  [[nodiscard]] Status attach(ByteSpan memory, Overflow overflow = Overflow::kDropNewest) noexcept;
  /// After a warm reset or a restart: keeps the records of a ring whose memory survived (RAM
  /// the startup code does not clear, a file mapped again — at any address). The control
  /// block must carry the ring's mark and size, and the records must tile the used bytes
  /// exactly. Records a producer was still writing are dropped and counted (a reservation
  /// killed before its header was written is a run of zero bytes: it becomes padding and
  /// counts as one drop); a batch the exporter had claimed is offered again, so it may reach
  /// the collector twice; bytes the consumer had freed but not yet zeroed are zeroed.
  /// Counters restart (`written` = records kept). Walks every record once inside the port's
  /// critical section (init time only).
  /// Return values:
  ///   kOk              – adopted
  ///   kDataLoss        – no intact ring in this memory (a cold boot, another size): attach()
  ///   kInvalidArgument – as for attach()
  [[nodiscard]] Status adopt(ByteSpan memory, Overflow overflow = Overflow::kDropNewest) noexcept;
  /// Forgets the memory and clears its mark, so it is never adopted.
  void detach() noexcept;
  /// Stops using the memory without writing to it: what is still buffered there stays for a
  /// later adopt() (a restarted process on a FileRing), and memory the caller has already
  /// released is never touched. What Tracer::shutdown() does.
  void leave() noexcept;
  bool attached() const noexcept { return capacity_ != 0; }

  /// Producer side: copies `head` then `body` as one record. Returns false (and counts the
  /// drop) if the record could not be stored. ISR-safe: yes. Blocks: never (one CAS loop; in
  /// overwrite-oldest mode a full ring evicts inside the critical section). Allocates: never.
  bool push(const void* head, std::size_t head_len, const void* body, std::size_t body_len) noexcept;
  /// Producer side in two steps, for a record built in place: claims room for `payload_len`
  /// bytes and returns where they go (4-byte aligned; the bytes up to the next multiple of 4
  /// belong to the record too), or nullptr with the drop counted. The record stays invisible
  /// to the consumer until end_push(); a reset in between drops it (counted by adopt()).
  /// Every begin_push() that returned memory must be followed by end_push() on it.
  /// ISR-safe: yes. Blocks: never (as push()). Allocates: never.
  std::uint8_t* begin_push(std::size_t payload_len) noexcept;
  /// Publishes the record begun at `payload`. ISR-safe: yes. Blocks: never. Allocates: never.
  /// Inline: one load and one store, at the end of every span.
  static void end_push(std::uint8_t* payload) noexcept {
    auto* header = reinterpret_cast<std::uint32_t*>(payload - kHeaderBytes);
    __atomic_store_n(header, __atomic_load_n(header, __ATOMIC_RELAXED) | kPublishedState,
                     __ATOMIC_RELEASE);
  }

  /// Consumer side: claims up to `max_records` of the oldest published records, not more than
  /// `max_bytes` of ring memory (0 = no byte limit), without removing them. Holds the port's
  /// critical section while it reads one header per record claimed.
  /// Return values:
  ///   kOk                 – at least one record is in `out`
  ///   kUnavailable        – nothing to read
  ///   kFailedPrecondition – ring not attached, or a batch is already claimed
  [[nodiscard]] Status peek_batch(Batch& out, std::size_t max_records,
                                  std::size_t max_bytes = 0) noexcept;
  /// Removes a claimed batch: its records were delivered. Zeroes their bytes (free memory is
  /// kept zeroed so an unpublished record is told apart from stale bytes).
  void commit(const Batch& batch) noexcept;
  /// Gives a claimed batch back untouched, to be claimed again later (retry).
  void release(const Batch& batch) noexcept;

  RecordCursor cursor(const Batch& batch) const noexcept;
  /// Next record of a claimed batch: fills `data`/`len` and returns true, or false at its end.
  bool next(RecordCursor& cursor, const std::uint8_t*& data, std::size_t& len) const noexcept;

  RingCounters counters() const noexcept;
  /// Bytes for records (the memory given to attach() less alignment and the control blocks).
  std::size_t capacity() const noexcept { return capacity_ * lanes_; }
  std::size_t lanes() const noexcept { return lanes_; }
  std::size_t used_bytes() const noexcept;
  /// Bytes of ring memory one record of `payload_len` bytes takes.
  static constexpr std::size_t record_footprint(std::size_t payload_len) noexcept {
    return (kHeaderBytes + payload_len + 7u) & ~static_cast<std::size_t>(7u);
  }

 private:
  struct Control;  // the control block at the start of each lane (ring.cpp)
  static constexpr std::size_t kHeaderBytes = 4;
  // A record header's state once written (kRecord in ring.cpp, which checks they agree).
  static constexpr std::uint32_t kPublishedState = 1;
  bool place(ByteSpan memory) noexcept;
  std::uint8_t* begin_push_slow(std::size_t payload_len) noexcept;
  bool claim(std::size_t lane, std::size_t need, bool evict, std::size_t& at, std::size_t& pad,
             std::size_t keep_free = 0) noexcept;
  bool make_room(std::size_t lane, std::size_t pad_and_need) noexcept;
  bool make_room_locked(std::size_t lane, std::size_t pad_and_need) noexcept;
  void free_locked(std::size_t lane, std::uint32_t to) noexcept;
  void zero_freed(std::size_t lane, std::uint32_t from, std::uint32_t to) noexcept;
  Status adopt_lane(std::size_t lane, std::size_t& kept) noexcept;
  void forget_memory() noexcept;
  std::size_t lane_count() const noexcept;
  std::uint8_t* control(std::size_t lane) const noexcept { return base_ + lane * stride_; }
  std::uint8_t* records(std::size_t lane) const noexcept { return base_ + lane * stride_ + kControlBytes; }
  std::uint32_t advance(std::uint32_t position, std::size_t by) const noexcept;
  std::size_t offset(std::uint32_t position) const noexcept;
  std::size_t distance(std::uint32_t ahead, std::uint32_t behind) const noexcept;

  // Read by every push, written only by attach/adopt/detach.
  std::uint8_t* base_ = nullptr;  // first lane's control block
  std::size_t stride_ = 0;        // bytes from one lane to the next
  std::size_t capacity_ = 0;      // record bytes per lane
  std::size_t lanes_ = 0;
  Overflow overflow_ = Overflow::kDropNewest;
  // Consumer-only (and evictions, inside the critical section).
  std::size_t claimed_ = 0;         // bytes from the claimed lane's tail claimed by the consumer
  std::size_t claimed_lane_ = 0;
  std::size_t next_lane_ = 0;       // where the next peek_batch starts looking
  std::uint64_t written_base_ = 0;  // reservations counted before the last attach/adopt
};

/// A Ring with its storage inside, for rings sized at compile time (e.g. a global).
template <std::size_t kBytes>
class StaticRing final : public Ring {
  static_assert(kBytes >= 256, "a ring must hold at least a few spans (>= 256 bytes)");
  alignas(8) std::uint8_t storage_[kControlBytes + kBytes];

 public:
  /// `kBytes` of records; the control block comes on top.
  explicit StaticRing(Overflow overflow = Overflow::kDropNewest) noexcept {
    (void)attach(ByteSpan{storage_, sizeof storage_}, overflow);
  }
};

}  // namespace tracelet
