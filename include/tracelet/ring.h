#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/status.h"

namespace tracelet {

/// What a producer does when the ring has no room for a new record.
enum class Overflow : std::uint8_t {
  kDropNewest = 0,       // keep what is buffered, drop the new record (default)
  kOverwriteOldest = 1,  // evict the oldest records not being exported, keep the new one
};

/// Counters of a ring; every record that did not reach the consumer is in one of the drops.
struct RingCounters {
  std::uint64_t written = 0;             // records accepted
  std::uint64_t committed = 0;           // records the consumer acknowledged (removed)
  std::uint64_t dropped_full = 0;        // drop-newest: no room
  std::uint64_t dropped_overwritten = 0; // overwrite-oldest: evicted before export
  std::uint64_t dropped_too_large = 0;   // larger than the whole ring
  std::uint64_t dropped_at_reset = 0;    // half-written when a warm reset hit (see adopt)
};

/// A run of records claimed by the consumer, oldest first. It stays in the ring until
/// Ring::commit() (delivered) or Ring::release() (keep for a retry).
struct Batch {
  std::size_t begin = 0;   // byte offset of the first record
  std::size_t bytes = 0;   // bytes from begin to the end of the last record (incl. padding)
  std::size_t count = 0;   // records in the batch
};

/// Iterates the records of a claimed batch.
struct RecordCursor {
  std::size_t offset = 0;
  std::size_t remaining_bytes = 0;
  std::size_t remaining_records = 0;
};

/// Variable-length record ring in caller-provided memory. Many producers (threads and
/// interrupt handlers; they take the port's critical section for a few stores, copy outside
/// it, and never wait for the consumer), one consumer (the exporter). Records are 8-byte
/// aligned; each costs 4 header bytes plus its payload rounded up to 8.
/// Every method: Allocates: never. Blocks: never (only the port's critical section).
/// ISR-safe: push(), counters() and used_bytes() yes (MCU ports); the consumer methods are
/// safe against producers but one consumer at a time; attach/adopt/detach are for init and
/// shutdown, with no producer running.
class Ring {
 public:
  constexpr Ring() noexcept = default;
  Ring(const Ring&) = delete;  // owns a view of caller memory; a copy would alias it
  Ring& operator=(const Ring&) = delete;

  /// Uses `memory` (8-byte aligned is best; the start is rounded up) as storage.
  /// ISR-safe: no (init time). Blocks: never. Allocates: never.
  /// Return values:
  ///   kOk              – attached; previous contents and counters are forgotten
  ///   kInvalidArgument – memory missing or smaller than 64 usable bytes
  [[nodiscard]] Status attach(ByteSpan memory, Overflow overflow = Overflow::kDropNewest) noexcept;
  /// After a warm reset: keeps the records of a ring whose object and memory were placed in
  /// RAM the startup code does not clear (a `.noinit` section), if its control state is
  /// intact (it carries a checksum updated with every change). Records a producer was still
  /// writing are dropped and counted; a batch the exporter had claimed is offered again, so
  /// it may reach the collector twice. Counters restart (`written` = records kept).
  /// Walks every record once inside the port's critical section (init time only).
  /// Return values:
  ///   kOk              – adopted
  ///   kDataLoss        – no intact ring for this memory (a cold boot): call attach()
  ///   kInvalidArgument – as for attach()
  [[nodiscard]] Status adopt(ByteSpan memory, Overflow overflow = Overflow::kDropNewest) noexcept;
  void detach() noexcept;
  bool attached() const noexcept { return capacity_ != 0; }

  /// Producer side: copies `head` then `body` as one record. Returns false (and counts the
  /// drop) if the record could not be stored. ISR-safe: yes. Blocks: never (the copy runs
  /// outside the critical section). Allocates: never.
  bool push(const void* head, std::size_t head_len, const void* body, std::size_t body_len) noexcept;

  /// Consumer side: claims up to `max_records` of the oldest committed records, not more than
  /// `max_bytes` of ring memory (0 = no byte limit), without removing them. Holds the port's
  /// critical section while it reads one header per record claimed.
  /// Return values:
  ///   kOk                 – at least one record is in `out`
  ///   kUnavailable        – nothing to read
  ///   kFailedPrecondition – ring not attached, or a batch is already claimed
  [[nodiscard]] Status peek_batch(Batch& out, std::size_t max_records,
                                  std::size_t max_bytes = 0) noexcept;
  /// Removes a claimed batch: its records were delivered.
  void commit(const Batch& batch) noexcept;
  /// Gives a claimed batch back untouched, to be claimed again later (retry).
  void release(const Batch& batch) noexcept;

  RecordCursor cursor(const Batch& batch) const noexcept;
  /// Next record of a claimed batch: fills `data`/`len` and returns true, or false at its end.
  bool next(RecordCursor& cursor, const std::uint8_t*& data, std::size_t& len) const noexcept;

  RingCounters counters() const noexcept;
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t used_bytes() const noexcept;
  /// Bytes of ring memory one record of `payload_len` bytes takes.
  static constexpr std::size_t record_footprint(std::size_t payload_len) noexcept {
    return (kHeaderBytes + payload_len + 7u) & ~static_cast<std::size_t>(7u);
  }

 private:
  static constexpr std::size_t kHeaderBytes = 4;
  bool make_room_locked(std::size_t needed) noexcept;
  std::uint32_t seal() const noexcept;
  static std::uint32_t layout_mix(const std::uint8_t* memory, std::size_t capacity, Overflow overflow) noexcept;

  std::uint8_t* memory_ = nullptr;
  std::size_t capacity_ = 0;
  Overflow overflow_ = Overflow::kDropNewest;
  // All below change only inside the port critical section.
  std::size_t head_ = 0;         // where the next record starts
  std::size_t tail_ = 0;         // oldest record still owned by the ring
  std::size_t used_ = 0;         // bytes from tail_ to head_, padding included
  std::size_t claimed_ = 0;      // bytes from tail_ claimed by the consumer
  std::uint32_t layout_seal_ = 0;  // mix of memory_, capacity_ and overflow_, for adopt()
  std::uint32_t seal_ = 0;         // layout_seal_ and the positions above combined, for adopt()
  RingCounters counters_{};
};

/// A Ring with its storage inside, for rings sized at compile time (e.g. a global).
template <std::size_t kBytes>
class StaticRing final : public Ring {
  static_assert(kBytes >= 256, "a ring must hold at least a few spans (>= 256 bytes)");
  alignas(8) std::uint8_t storage_[kBytes];

 public:
  explicit StaticRing(Overflow overflow = Overflow::kDropNewest) noexcept {
    (void)attach(ByteSpan{storage_, kBytes}, overflow);
  }
};

}  // namespace tracelet
