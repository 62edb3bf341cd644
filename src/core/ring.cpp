#include "tracelet/ring.h"

#include <atomic>
#include <cstring>

#include "core/contract_check.h"
#include "tracelet/port.h"

namespace tracelet {

// The control block: words at fixed offsets from the start of the ring memory, grouped so
// that what every push writes (the head), what the consumer writes (tail, reclaim and its
// counters) and the drop counters each have a line of their own.
struct Ring::Control {
  std::uint8_t bytes[kControlBytes];
};

namespace {

// Each record starts with a 4-byte header word: (length << 2) | state. For a record the
// length is its exact payload size; for padding it is the padding's whole size. A producer
// stores the header with kWriting (and its length) right after claiming the bytes, copies the
// payload and stores it again with kRecord (release); the consumer reads headers with acquire,
// so it never sees a half-written payload. Free memory is all zeros: a claimed record whose
// header is still 0 reads as "being written", never as a stale record of an earlier lap.
enum : std::uint32_t { kWriting = 0, kRecord = 1, kPadding = 2, kStateMask = 3 };

constexpr std::size_t kLine = TRACELET_RING_LINE_BYTES;
constexpr std::size_t kMarkAt = 0;           // kMark once the block is complete
constexpr std::size_t kCapacityAt = 8;       // record bytes, so a ring of another size is refused
constexpr std::size_t kCheckAt = 12;         // check_of(capacity)
constexpr std::size_t kAtResetAt = 16;       // written by adopt() only
constexpr std::size_t kHeadAt = kLine;       // position | reservations << 32 (one CAS per push)
constexpr std::size_t kWrapsAt = kLine + 8;  // times the 32-bit reservation count wrapped
constexpr std::size_t kTailAt = 2 * kLine;   // oldest record the consumer has not removed
// End of zeroed free memory, where producers stop: position | frees << 32. The count of
// frees lets a producer check that the reclaim position it read was still current when it
// read the head (positions repeat every two laps; the pair must be from one moment).
constexpr std::size_t kReclaimAt = 2 * kLine + 8;
constexpr std::size_t kCommittedAt = 2 * kLine + 16;
constexpr std::size_t kOverwrittenAt = 2 * kLine + 24;
constexpr std::size_t kFullAt = 3 * kLine;
constexpr std::size_t kTooLargeAt = 3 * kLine + 8;
static_assert(kAtResetAt + 8 <= kLine && kOverwrittenAt + 8 <= 3 * kLine &&
                  kTooLargeAt + 8 <= Ring::kControlBytes,
              "control words overlap");
constexpr std::uint64_t kMark = 0x316c74656372742eULL;  // ".trcetl1"
// Positions run over [0, 2 * capacity): the lap bit tells a full ring from an empty one.
// Capacity is kept below 2^30 so positions and their sums fit 32 bits.
constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;
// Where 64-bit atomics are lock-free, producers claim with a CAS loop; elsewhere (ARMv7-M and
// other single-core MCUs, where a 64-bit atomic is a call that masks interrupts anyway) they
// claim inside the port's critical section, which there is a few instructions of PRIMASK.
constexpr bool kLockFreeClaim = std::atomic<std::uint64_t>::is_always_lock_free;

std::uint32_t check_of(std::uint32_t capacity) noexcept {
  std::uint32_t h = 0x7472636cu ^ capacity;  // "trcl"
  h *= 0x01000193u;                          // FNV prime
  h ^= h >> 15;
  h ^= static_cast<std::uint32_t>(kLine);
  h *= 0x01000193u;
  return h ^ (h >> 13);
}

std::uint32_t load_header(const std::uint8_t* at) noexcept {
  return __atomic_load_n(reinterpret_cast<const std::uint32_t*>(at), __ATOMIC_ACQUIRE);
}
void store_header(std::uint8_t* at, std::uint32_t value) noexcept {
  __atomic_store_n(reinterpret_cast<std::uint32_t*>(at), value, __ATOMIC_RELEASE);
}
std::size_t footprint_of(std::uint32_t header) noexcept {
  std::size_t length = header >> 2;
  return (header & kStateMask) == kPadding ? length : Ring::record_footprint(length);
}

template <typename Word>
Word* word_at(void* control, std::size_t at) noexcept {
  return reinterpret_cast<Word*>(static_cast<std::uint8_t*>(control) + at);
}
template <typename Word>
Word load(void* control, std::size_t at, int order = __ATOMIC_RELAXED) noexcept {
  return __atomic_load_n(word_at<Word>(control, at), order);
}
template <typename Word>
void store(void* control, std::size_t at, Word value, int order = __ATOMIC_RELAXED) noexcept {
  __atomic_store_n(word_at<Word>(control, at), value, order);
}
void count(void* control, std::size_t at, std::uint64_t by = 1) noexcept {
  __atomic_fetch_add(word_at<std::uint64_t>(control, at), by, __ATOMIC_RELAXED);
}

class CriticalSection {
 public:
  CriticalSection() noexcept : state_(port::critical_enter()) {}
  ~CriticalSection() { port::critical_exit(state_); }
  CriticalSection(const CriticalSection&) = delete;
  CriticalSection& operator=(const CriticalSection&) = delete;

 private:
  std::uint32_t state_;
};

}  // namespace

std::uint32_t Ring::advance(std::uint32_t position, std::size_t by) const noexcept {
  std::size_t next = position + by;
  return static_cast<std::uint32_t>(next >= 2 * capacity_ ? next - 2 * capacity_ : next);
}
std::size_t Ring::offset(std::uint32_t position) const noexcept {
  return position >= capacity_ ? position - capacity_ : position;
}
std::size_t Ring::distance(std::uint32_t ahead, std::uint32_t behind) const noexcept {
  return ahead >= behind ? ahead - behind : ahead + 2 * capacity_ - behind;
}

bool Ring::place(ByteSpan memory) noexcept {
  control_ = nullptr;
  memory_ = nullptr;
  capacity_ = 0;
  claimed_ = 0;
  if (memory.data == nullptr) return false;
  auto address = reinterpret_cast<std::uintptr_t>(memory.data);
  std::size_t skip = static_cast<std::size_t>((8u - (address & 7u)) & 7u);
  if (memory.size < skip + kControlBytes + 64) return false;
  std::size_t capacity = (memory.size - skip - kControlBytes) & ~static_cast<std::size_t>(7u);
  control_ = reinterpret_cast<Control*>(memory.data + skip);
  memory_ = memory.data + skip + kControlBytes;
  capacity_ = capacity < kMaxCapacity ? capacity : kMaxCapacity;
  return true;
}

Status Ring::attach(ByteSpan memory, Overflow overflow) noexcept {
  if (!place(memory)) return Status::kInvalidArgument;
  CriticalSection lock;
  // The mark goes first and comes back last: a reset in between leaves nothing to adopt.
  store<std::uint64_t>(control_, kMarkAt, 0, __ATOMIC_RELEASE);
  std::memset(control_->bytes + 8, 0, kControlBytes - 8);
  std::memset(memory_, 0, capacity_);
  store<std::uint32_t>(control_, kCapacityAt, static_cast<std::uint32_t>(capacity_));
  store<std::uint32_t>(control_, kCheckAt, check_of(static_cast<std::uint32_t>(capacity_)));
  store<std::uint64_t>(control_, kMarkAt, kMark, __ATOMIC_RELEASE);
  overflow_ = overflow;
  written_base_ = 0;
  return Status::kOk;
}

Status Ring::adopt(ByteSpan memory, Overflow overflow) noexcept {
  if (!place(memory)) return Status::kInvalidArgument;
  CriticalSection lock;
  auto refuse = [this] {
    control_ = nullptr;
    memory_ = nullptr;
    capacity_ = 0;
    return Status::kDataLoss;
  };
  if (load<std::uint64_t>(control_, kMarkAt) != kMark ||
      load<std::uint32_t>(control_, kCapacityAt) != capacity_ ||
      load<std::uint32_t>(control_, kCheckAt) != check_of(static_cast<std::uint32_t>(capacity_))) {
    return refuse();
  }
  const std::uint64_t head_word = load<std::uint64_t>(control_, kHeadAt);
  const auto head = static_cast<std::uint32_t>(head_word);
  const std::uint32_t tail = load<std::uint32_t>(control_, kTailAt);
  const std::uint64_t reclaim_word = load<std::uint64_t>(control_, kReclaimAt);
  const auto reclaim = static_cast<std::uint32_t>(reclaim_word);
  const std::size_t limit = 2 * capacity_;
  if (head >= limit || tail >= limit || reclaim >= limit || (head | tail | reclaim) % 8 != 0 ||
      distance(tail, reclaim) + distance(head, tail) > capacity_) {
    return refuse();
  }
  // Walk from the tail to the head: every step is a record, padding, or a run of zero words
  // (bytes claimed by a producer the reset stopped before it wrote the header; nothing of such
  // a record was written, so the next non-zero word at a record boundary is the next header).
  std::size_t kept = 0;
  std::size_t dropped = 0;
  bool in_zero_run = false;
  for (std::uint32_t at = tail; at != head;) {
    const std::size_t off = offset(at);
    const std::size_t left = distance(head, at);
    const std::uint32_t header = load_header(memory_ + off);
    if (header == 0) {
      std::size_t run = 8;
      while (run < left && off + run < capacity_ && load_header(memory_ + off + run) == 0) run += 8;
      store_header(memory_ + off, static_cast<std::uint32_t>(run << 2) | kPadding);
      if (!in_zero_run) ++dropped;
      in_zero_run = true;
      at = advance(at, run);
      continue;
    }
    in_zero_run = false;
    const std::uint32_t state = header & kStateMask;
    const std::size_t size = footprint_of(header);
    if (state == kStateMask || size == 0 || size % 8 != 0 || size > left || off + size > capacity_) {
      return refuse();
    }
    if (state == kRecord) ++kept;
    if (state == kWriting) {  // the reset hit while a producer copied it: its bytes are incomplete
      store_header(memory_ + off, static_cast<std::uint32_t>(size << 2) | kPadding);
      ++dropped;
    }
    at = advance(at, size);
  }
  // The consumer may have been stopped between moving the tail and zeroing what it freed.
  if (reclaim != tail) {
    const std::size_t from = offset(reclaim);
    const std::size_t bytes = distance(tail, reclaim);
    const std::size_t first = bytes < capacity_ - from ? bytes : capacity_ - from;
    std::memset(memory_ + from, 0, first);
    std::memset(memory_, 0, bytes - first);
    store<std::uint64_t>(control_, kReclaimAt, ((reclaim_word >> 32) + 1) << 32 | tail, __ATOMIC_RELEASE);
  }
  store<std::uint64_t>(control_, kCommittedAt, 0);
  store<std::uint64_t>(control_, kOverwrittenAt, 0);
  store<std::uint64_t>(control_, kAtResetAt, dropped);
  store<std::uint64_t>(control_, kFullAt, 0);
  store<std::uint64_t>(control_, kTooLargeAt, 0);
  const std::uint64_t reservations = (load<std::uint64_t>(control_, kWrapsAt) << 32) | (head_word >> 32);
  written_base_ = reservations - kept;
  overflow_ = overflow;
  claimed_ = 0;  // the exporter's batch was never acknowledged: offer it again
  return Status::kOk;
}

void Ring::detach() noexcept {
  CriticalSection lock;
  if (control_ != nullptr) store<std::uint64_t>(control_, kMarkAt, 0, __ATOMIC_RELEASE);
  control_ = nullptr;
  memory_ = nullptr;
  capacity_ = 0;
  claimed_ = 0;
}

void Ring::free_locked(std::uint32_t to) noexcept {
  // Tail first (the consumer's view), then the zeroing, then reclaim (the producers' limit):
  // a reset anywhere in between leaves [reclaim, tail) for adopt() to zero again.
  const std::uint32_t from = load<std::uint32_t>(control_, kTailAt);
  store<std::uint32_t>(control_, kTailAt, to, __ATOMIC_RELEASE);
  const std::size_t start = offset(from);
  const std::size_t bytes = distance(to, from);
  const std::size_t first = bytes < capacity_ - start ? bytes : capacity_ - start;
  std::memset(memory_ + start, 0, first);
  if (bytes != first) std::memset(memory_, 0, bytes - first);
  const std::uint64_t frees = load<std::uint64_t>(control_, kReclaimAt) >> 32;
  store<std::uint64_t>(control_, kReclaimAt, (frees + 1) << 32 | to, __ATOMIC_RELEASE);
}

bool Ring::make_room(std::size_t pad_and_need) noexcept {
  CriticalSection lock;
  return make_room_locked(pad_and_need);
}

bool Ring::make_room_locked(std::size_t pad_and_need) noexcept {
  // Only unclaimed, fully written records at the tail may go: the consumer may be reading a
  // claimed batch right now, and a record being written belongs to another producer.
  bool freed = false;
  while (claimed_ == 0) {
    const std::uint32_t tail = load<std::uint32_t>(control_, kTailAt);
    const auto head = static_cast<std::uint32_t>(load<std::uint64_t>(control_, kHeadAt, __ATOMIC_ACQUIRE));
    if (distance(head, tail) + pad_and_need <= capacity_) return true;
    if (head == tail) return freed;
    const std::uint32_t header = load_header(memory_ + offset(tail));
    const std::size_t size = footprint_of(header);
    if ((header & kStateMask) == kWriting || size == 0) return freed;
    if ((header & kStateMask) == kRecord) {
      store<std::uint64_t>(control_, kOverwrittenAt, load<std::uint64_t>(control_, kOverwrittenAt) + 1);
    }
    free_locked(advance(tail, size));
    freed = true;
  }
  return freed;
}

bool Ring::push(const void* head, std::size_t head_len, const void* body,
                std::size_t body_len) noexcept {
  if (capacity_ == 0) return false;
  const std::size_t payload = head_len + body_len;
  const std::size_t need = record_footprint(payload);
  if (need > capacity_ || payload > (0xFFFFFFFFu >> 2)) {
    count(control_, kTooLargeAt);
    return false;
  }
  std::size_t at = 0;
  std::size_t pad = 0;
  std::uint64_t head_word = 0;
  if constexpr (kLockFreeClaim) {
    // The reclaim word is read before and after the head: unchanged, the two positions are
    // from one moment, so the room computed is exact or less (a later free only adds room).
    std::uint64_t reclaim_word = load<std::uint64_t>(control_, kReclaimAt, __ATOMIC_ACQUIRE);
    head_word = load<std::uint64_t>(control_, kHeadAt, __ATOMIC_ACQUIRE);
    for (;;) {
      const std::uint64_t check = load<std::uint64_t>(control_, kReclaimAt, __ATOMIC_ACQUIRE);
      if (check != reclaim_word) {
        reclaim_word = check;
        head_word = load<std::uint64_t>(control_, kHeadAt, __ATOMIC_ACQUIRE);
        continue;
      }
      const auto position = static_cast<std::uint32_t>(head_word);
      at = offset(position);
      pad = (capacity_ - at < need) ? capacity_ - at : 0;  // a record never wraps: pad to the end
      if (distance(position, static_cast<std::uint32_t>(reclaim_word)) + pad + need <= capacity_) {
        const std::uint64_t next = (((head_word >> 32) + 1) << 32) | advance(position, pad + need);
        if (__atomic_compare_exchange_n(word_at<std::uint64_t>(control_, kHeadAt), &head_word, next,
                                        true, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
          break;
        }
        continue;  // another producer moved the head: head_word holds the new one
      }
      if (overflow_ == Overflow::kDropNewest || !make_room(pad + need)) {
        count(control_, kFullAt);
        return false;
      }
      reclaim_word = load<std::uint64_t>(control_, kReclaimAt, __ATOMIC_ACQUIRE);
      head_word = load<std::uint64_t>(control_, kHeadAt, __ATOMIC_ACQUIRE);
    }
  } else {
    CriticalSection lock;
    for (;;) {
      head_word = load<std::uint64_t>(control_, kHeadAt);
      const auto position = static_cast<std::uint32_t>(head_word);
      const auto reclaim = static_cast<std::uint32_t>(load<std::uint64_t>(control_, kReclaimAt));
      at = offset(position);
      pad = (capacity_ - at < need) ? capacity_ - at : 0;
      if (distance(position, reclaim) + pad + need <= capacity_) {
        store<std::uint64_t>(control_, kHeadAt,
                             (((head_word >> 32) + 1) << 32) | advance(position, pad + need));
        break;
      }
      if (overflow_ == Overflow::kDropNewest || !make_room_locked(pad + need)) {
        count(control_, kFullAt);
        return false;
      }
    }
  }
  if ((head_word >> 32) == 0xFFFFFFFFu) count(control_, kWrapsAt);
  if (pad != 0) {
    store_header(memory_ + at, static_cast<std::uint32_t>(pad << 2) | kPadding);
    at = 0;
  }
  std::uint8_t* record = memory_ + at;
  __atomic_store_n(reinterpret_cast<std::uint32_t*>(record), static_cast<std::uint32_t>(payload << 2) | kWriting,
                   __ATOMIC_RELAXED);
  // The length must be stored before any payload byte: adopt() reads a zero header as "nothing
  // of this record was written" and skips zero words up to the next header. A kill or reset
  // stops this thread at an instruction boundary, so program order is what adopt() sees: a
  // compiler barrier is enough (no other thread reads the header before it says kRecord).
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  std::uint8_t* out = record + kHeaderBytes;
  if (head_len != 0) std::memcpy(out, head, head_len);
  if (body_len != 0) std::memcpy(out + head_len, body, body_len);
  store_header(record, static_cast<std::uint32_t>(payload << 2) | kRecord);
  return true;
}

Status Ring::peek_batch(Batch& out, std::size_t max_records, std::size_t max_bytes) noexcept {
  out = Batch{};
  CriticalSection lock;
  if (capacity_ == 0 || claimed_ != 0) return Status::kFailedPrecondition;
  const auto head = static_cast<std::uint32_t>(load<std::uint64_t>(control_, kHeadAt, __ATOMIC_ACQUIRE));
  std::uint32_t tail = load<std::uint32_t>(control_, kTailAt);
  // Padding at the tail carries no data; free it now so a batch starts at a record.
  const std::uint32_t first_tail = tail;
  while (tail != head) {
    const std::uint32_t header = load_header(memory_ + offset(tail));
    const std::size_t size = footprint_of(header);
    if ((header & kStateMask) != kPadding || size == 0) break;
    tail = advance(tail, size);
  }
  if (tail != first_tail) free_locked(tail);
  const std::size_t used = distance(head, tail);
  std::size_t at = offset(tail);
  std::size_t bytes = 0;
  std::size_t count = 0;
  while (count < max_records && bytes < used) {
    const std::uint32_t header = load_header(memory_ + at);
    const std::uint32_t state = header & kStateMask;
    if (state == kWriting) break;  // not published yet (or a producer is still copying)
    const std::size_t size = footprint_of(header);
    if (size == 0) break;
    if (state == kRecord && max_bytes != 0 && count != 0 && bytes + size > max_bytes) break;
    bytes += size;
    if (state == kRecord) ++count;
    at = (at + size == capacity_) ? 0 : at + size;
  }
  if (count == 0) return Status::kUnavailable;
  claimed_ = bytes;
  out.begin = offset(tail);
  out.bytes = bytes;
  out.count = count;
  return Status::kOk;
}

void Ring::commit(const Batch& batch) noexcept {
  CriticalSection lock;
  const std::uint32_t tail = load<std::uint32_t>(control_, kTailAt);
  TRACELET_ASSERT(batch.count != 0 && batch.begin == offset(tail) && batch.bytes == claimed_);
  free_locked(advance(tail, batch.bytes));
  store<std::uint64_t>(control_, kCommittedAt, load<std::uint64_t>(control_, kCommittedAt) + batch.count);
  claimed_ = 0;
}

void Ring::release(const Batch& batch) noexcept {
  CriticalSection lock;
  TRACELET_ASSERT(batch.begin == offset(load<std::uint32_t>(control_, kTailAt)) && batch.bytes == claimed_);
  claimed_ = 0;
}

RecordCursor Ring::cursor(const Batch& batch) const noexcept {
  return RecordCursor{batch.begin, batch.bytes, batch.count};
}

bool Ring::next(RecordCursor& cursor, const std::uint8_t*& data, std::size_t& len) const noexcept {
  while (cursor.remaining_records != 0 && cursor.remaining_bytes != 0) {
    std::uint32_t header = load_header(memory_ + cursor.offset);
    std::size_t size = footprint_of(header);
    const std::uint8_t* record = memory_ + cursor.offset;
    cursor.offset = (cursor.offset + size == capacity_) ? 0 : cursor.offset + size;
    cursor.remaining_bytes -= size;
    if ((header & kStateMask) == kRecord) {
      --cursor.remaining_records;
      data = record + kHeaderBytes;
      len = header >> 2;
      return true;
    }
  }
  return false;
}

RingCounters Ring::counters() const noexcept {
  RingCounters out;
  CriticalSection lock;
  if (control_ == nullptr) return out;
  // The reservation count is 32 bits in the head word; the wraps counted beside it extend it
  // (a push that just wrapped it counts the wrap a few instructions later).
  const std::uint64_t head_word = load<std::uint64_t>(control_, kHeadAt, __ATOMIC_ACQUIRE);
  const std::uint64_t wraps = load<std::uint64_t>(control_, kWrapsAt);
  out.written = ((wraps << 32) | (head_word >> 32)) - written_base_;
  out.committed = load<std::uint64_t>(control_, kCommittedAt);
  out.dropped_full = load<std::uint64_t>(control_, kFullAt);
  out.dropped_overwritten = load<std::uint64_t>(control_, kOverwrittenAt);
  out.dropped_too_large = load<std::uint64_t>(control_, kTooLargeAt);
  out.dropped_at_reset = load<std::uint64_t>(control_, kAtResetAt);
  return out;
}

std::size_t Ring::used_bytes() const noexcept {
  CriticalSection lock;
  if (control_ == nullptr) return 0;
  const auto head = static_cast<std::uint32_t>(load<std::uint64_t>(control_, kHeadAt, __ATOMIC_ACQUIRE));
  return distance(head, load<std::uint32_t>(control_, kTailAt));
}

}  // namespace tracelet
