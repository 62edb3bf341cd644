#include "tracelet/ring.h"

#include <atomic>
#include <cstring>

#include "core/contract_check.h"
#include "core/critical.h"
#include "tracelet/port.h"

namespace tracelet {

// A lane's control block: words at fixed offsets from the start of the lane's memory, grouped so
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
constexpr std::size_t kLanesAt = 24;         // lane index | lane count << 16
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
static_assert(kLanesAt + 4 <= kLine && kOverwrittenAt + 8 <= 3 * kLine &&
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
constexpr std::size_t kMaxLanes = kLockFreeClaim ? TRACELET_RING_LANES : 1;

// The lane a thread claims in first, in a ring of `lanes` lanes: threads get lanes round
// robin as they first push. The thread keeps its lane for the lane count it last saw, so a
// push takes no division (a 64-bit one costs more than the rest of the lane choice).
template <bool kLockFree>
std::size_t home_lane(std::size_t lanes) noexcept {
  static std::atomic<std::size_t> next{0};
  struct Home {
    std::size_t number;  // the thread's place in the round robin
    std::size_t lanes;   // the lane count `lane` is for (0: none yet)
    std::size_t lane;
  };
  thread_local Home mine{next.fetch_add(1, std::memory_order_relaxed), 0, 0};
  if (mine.lanes != lanes) {
    mine.lane = mine.number % lanes;
    mine.lanes = lanes;
  }
  return mine.lane;
}

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
Word* word_at(std::uint8_t* control, std::size_t at) noexcept {
  return reinterpret_cast<Word*>(control + at);
}
// Control words are atomics where 64-bit atomics are lock-free. Elsewhere every access to a
// 64-bit control word is made inside the port's critical section, so a plain access is atomic
// enough (and a 64-bit atomic would be a call that masks interrupts again).
template <typename Word>
Word load(std::uint8_t* control, std::size_t at, int order = __ATOMIC_RELAXED) noexcept {
  if constexpr (sizeof(Word) == 8 && !kLockFreeClaim) {
    (void)order;
    return *reinterpret_cast<volatile Word*>(word_at<Word>(control, at));
  } else {
    return __atomic_load_n(word_at<Word>(control, at), order);
  }
}
template <typename Word>
void store(std::uint8_t* control, std::size_t at, Word value, int order = __ATOMIC_RELAXED) noexcept {
  if constexpr (sizeof(Word) == 8 && !kLockFreeClaim) {
    (void)order;
    *reinterpret_cast<volatile Word*>(word_at<Word>(control, at)) = value;
  } else {
    __atomic_store_n(word_at<Word>(control, at), value, order);
  }
}

// Where a record of `need` bytes goes in a lane of `capacity` bytes whose head is at
// `position` and whose producers stop at `reclaim`: its offset, the padding it needs first
// (a record never wraps: it pads to the lane's end), and whether both fit with `keep_free`
// bytes to spare. The one room computation of every claim (Ring::claim and the fast path of
// Ring::begin_push).
struct Room {
  std::size_t at;
  std::size_t pad;
  bool fits;
};
[[gnu::always_inline]] inline Room room_for(std::uint32_t position, std::uint32_t reclaim,
                                            std::size_t need, std::size_t capacity,
                                            std::size_t keep_free = 0) noexcept {
  const std::size_t at = position >= capacity ? position - capacity : position;
  const std::size_t pad = capacity - at < need ? capacity - at : 0;
  const std::size_t used =
      position >= reclaim ? position - reclaim : position + 2 * capacity - reclaim;
  return Room{at, pad, used + pad + need + keep_free <= capacity};
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

void count(std::uint8_t* control, std::size_t at) noexcept {
  if constexpr (kLockFreeClaim) {
    __atomic_fetch_add(word_at<std::uint64_t>(control, at), 1, __ATOMIC_RELAXED);
  } else {
    CriticalSection lock;
    store<std::uint64_t>(control, at, load<std::uint64_t>(control, at) + 1);
  }
}

}  // namespace

// One lane where there can be only one: the compiler then drops the loops over lanes.
std::size_t Ring::lane_count() const noexcept { return kMaxLanes == 1 ? 1 : lanes_; }

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
  base_ = nullptr;
  stride_ = capacity_ = lanes_ = 0;
  claimed_ = claimed_lane_ = next_lane_ = 0;
  if (memory.data == nullptr) return false;
  auto address = reinterpret_cast<std::uintptr_t>(memory.data);
  std::size_t skip = static_cast<std::size_t>((8u - (address & 7u)) & 7u);
  if (memory.size < skip + kControlBytes + 64) return false;
  const std::size_t usable = memory.size - skip;
  std::size_t lanes = usable / TRACELET_RING_LANE_MIN_BYTES;
  if (lanes > kMaxLanes) lanes = kMaxLanes;
  if (lanes == 0) lanes = 1;
  const std::size_t stride = (usable / lanes) & ~static_cast<std::size_t>(7u);
  const std::size_t capacity = stride - kControlBytes;
  base_ = memory.data + skip;
  stride_ = stride;
  capacity_ = capacity < kMaxCapacity ? capacity : kMaxCapacity;
  lanes_ = lanes;
  return true;
}

Status Ring::attach(ByteSpan memory, Overflow overflow) noexcept {
  if (!place(memory)) return Status::kInvalidArgument;
  CriticalSection lock;
  for (std::size_t lane = 0; lane < lanes_; ++lane) {
    std::uint8_t* c = control(lane);
    // The mark goes first and comes back last: a reset in between leaves nothing to adopt.
    store<std::uint64_t>(c, kMarkAt, 0, __ATOMIC_RELEASE);
    std::memset(c + 8, 0, kControlBytes - 8 + capacity_);
    store<std::uint32_t>(c, kCapacityAt, static_cast<std::uint32_t>(capacity_));
    store<std::uint32_t>(c, kCheckAt, check_of(static_cast<std::uint32_t>(capacity_)));
    store<std::uint32_t>(c, kLanesAt, static_cast<std::uint32_t>(lane | lanes_ << 16));
    store<std::uint64_t>(c, kMarkAt, kMark, __ATOMIC_RELEASE);
  }
  overflow_ = overflow;
  written_base_ = 0;
  return Status::kOk;
}

Status Ring::adopt(ByteSpan memory, Overflow overflow) noexcept {
  if (!place(memory)) return Status::kInvalidArgument;
  CriticalSection lock;
  std::uint64_t kept = 0;
  std::uint64_t reservations = 0;
  for (std::size_t lane = 0; lane < lanes_; ++lane) {
    std::size_t lane_kept = 0;
    if (adopt_lane(lane, lane_kept) != Status::kOk) {
      base_ = nullptr;
      stride_ = capacity_ = lanes_ = 0;
      return Status::kDataLoss;
    }
    kept += lane_kept;
    reservations += (load<std::uint64_t>(control(lane), kWrapsAt) << 32) |
                    (load<std::uint64_t>(control(lane), kHeadAt) >> 32);
  }
  written_base_ = reservations - kept;
  overflow_ = overflow;
  claimed_ = 0;  // the exporter's batch was never acknowledged: offer it again
  return Status::kOk;
}

Status Ring::adopt_lane(std::size_t lane, std::size_t& kept) noexcept {
  std::uint8_t* c = control(lane);
  std::uint8_t* memory = records(lane);
  if (load<std::uint64_t>(c, kMarkAt) != kMark || load<std::uint32_t>(c, kCapacityAt) != capacity_ ||
      load<std::uint32_t>(c, kCheckAt) != check_of(static_cast<std::uint32_t>(capacity_)) ||
      load<std::uint32_t>(c, kLanesAt) != (lane | lanes_ << 16)) {
    return Status::kDataLoss;
  }
  const auto head = static_cast<std::uint32_t>(load<std::uint64_t>(c, kHeadAt));
  const std::uint32_t tail = load<std::uint32_t>(c, kTailAt);
  const std::uint64_t reclaim_word = load<std::uint64_t>(c, kReclaimAt);
  const auto reclaim = static_cast<std::uint32_t>(reclaim_word);
  const std::size_t limit = 2 * capacity_;
  if (head >= limit || tail >= limit || reclaim >= limit || (head | tail | reclaim) % 8 != 0 ||
      distance(tail, reclaim) + distance(head, tail) > capacity_) {
    return Status::kDataLoss;
  }
  // Walk from the tail to the head: every step is a record, padding, or a run of zero words
  // (bytes claimed by a producer the reset stopped before it wrote the header; nothing of such
  // a record was written, so the next non-zero word at a record boundary is the next header).
  std::size_t dropped = 0;
  bool in_zero_run = false;
  for (std::uint32_t at = tail; at != head;) {
    const std::size_t off = offset(at);
    const std::size_t left = distance(head, at);
    const std::uint32_t header = load_header(memory + off);
    if (header == 0) {
      std::size_t run = 8;
      while (run < left && off + run < capacity_ && load_header(memory + off + run) == 0) run += 8;
      store_header(memory + off, static_cast<std::uint32_t>(run << 2) | kPadding);
      if (!in_zero_run) ++dropped;
      in_zero_run = true;
      at = advance(at, run);
      continue;
    }
    in_zero_run = false;
    const std::uint32_t state = header & kStateMask;
    const std::size_t size = footprint_of(header);
    if (state == kStateMask || size == 0 || size % 8 != 0 || size > left || off + size > capacity_) {
      return Status::kDataLoss;
    }
    if (state == kRecord) ++kept;
    if (state == kWriting) {  // the reset hit while a producer copied it: its bytes are incomplete
      store_header(memory + off, static_cast<std::uint32_t>(size << 2) | kPadding);
      ++dropped;
    }
    at = advance(at, size);
  }
  // The consumer may have been stopped between moving the tail and zeroing what it freed.
  if (reclaim != tail) zero_freed(lane, reclaim, tail);
  store<std::uint64_t>(c, kCommittedAt, 0);
  store<std::uint64_t>(c, kOverwrittenAt, 0);
  store<std::uint64_t>(c, kAtResetAt, dropped);
  store<std::uint64_t>(c, kFullAt, 0);
  store<std::uint64_t>(c, kTooLargeAt, 0);
  return Status::kOk;
}

void Ring::detach() noexcept {
  CriticalSection lock;
  for (std::size_t lane = 0; lane < lanes_; ++lane) {
    store<std::uint64_t>(control(lane), kMarkAt, 0, __ATOMIC_RELEASE);
  }
  forget_memory();
}

void Ring::leave() noexcept {
  CriticalSection lock;
  forget_memory();
}

void Ring::forget_memory() noexcept {
  base_ = nullptr;
  stride_ = capacity_ = lanes_ = 0;
  claimed_ = 0;
}

void Ring::free_locked(std::size_t lane, std::uint32_t to) noexcept {
  // Tail first (the consumer's view), then the zeroing, then reclaim (the producers' limit):
  // a reset anywhere in between leaves [reclaim, tail) for adopt() to zero again.
  std::uint8_t* c = control(lane);
  const std::uint32_t from = load<std::uint32_t>(c, kTailAt);
  store<std::uint32_t>(c, kTailAt, to, __ATOMIC_RELEASE);
  zero_freed(lane, from, to);
}

void Ring::zero_freed(std::size_t lane, std::uint32_t from, std::uint32_t to) noexcept {
  // Zeroes [from, to) (it may wrap once), then moves reclaim to `to`: the producers' limit.
  std::uint8_t* c = control(lane);
  const std::size_t start = offset(from);
  const std::size_t bytes = distance(to, from);
  const std::size_t first = bytes < capacity_ - start ? bytes : capacity_ - start;
  std::memset(records(lane) + start, 0, first);
  if (bytes != first) std::memset(records(lane), 0, bytes - first);
  const std::uint64_t frees = load<std::uint64_t>(c, kReclaimAt) >> 32;
  store<std::uint64_t>(c, kReclaimAt, (frees + 1) << 32 | to, __ATOMIC_RELEASE);
}

bool Ring::make_room(std::size_t lane, std::size_t pad_and_need) noexcept {
  // A producer does not wait for the section: if the consumer or another producer holds it
  // and was preempted, this span is dropped (counted as dropped_full by the caller) rather
  // than stalled for a scheduler time slice.
  std::uint32_t state = 0;
  if (!port::critical_try_enter(state)) return false;
  const bool room = make_room_locked(lane, pad_and_need);
  port::critical_exit(state);
  return room;
}

bool Ring::make_room_locked(std::size_t lane, std::size_t pad_and_need) noexcept {
  // Only unclaimed, fully written records at the tail may go: the consumer may be reading a
  // claimed batch right now, and a record being written belongs to another producer. At least
  // 1/16 of the lane goes at once (all of it counted), so a full ring does not send every
  // push through the critical section.
  std::uint8_t* c = control(lane);
  const std::size_t chunk = capacity_ / 16;
  const std::size_t want = pad_and_need > chunk ? pad_and_need : chunk;
  const std::uint32_t tail = load<std::uint32_t>(c, kTailAt);
  const auto head = static_cast<std::uint32_t>(load<std::uint64_t>(c, kHeadAt, __ATOMIC_ACQUIRE));
  std::size_t room = capacity_ - distance(head, tail);
  if (claimed_ != 0 && claimed_lane_ == lane) return room >= pad_and_need;
  // Walk the records to evict, then free them in one step (one zeroing, one tail move).
  std::uint32_t to = tail;
  std::uint64_t evicted = 0;
  while (room < want && to != head) {
    const std::uint32_t header = load_header(records(lane) + offset(to));
    const std::size_t size = footprint_of(header);
    if ((header & kStateMask) == kWriting || size == 0) break;
    if ((header & kStateMask) == kRecord) ++evicted;
    to = advance(to, size);
    room += size;
  }
  if (to != tail) {
    store<std::uint64_t>(c, kOverwrittenAt, load<std::uint64_t>(c, kOverwrittenAt) + evicted);
    free_locked(lane, to);
  }
  return room >= pad_and_need;
}

// Claims `need` bytes (plus padding to the end of the lane if they do not fit before it) in
// one lane: fills `at` (offset of the padding or record) and `pad`. With `evict`, a full lane
// makes room in overwrite-oldest mode. Without it, the claim fails unless `keep_free` bytes
// stay free after it (lock-free claims only; the locked claim serves a single lane).
bool Ring::claim(std::size_t lane, std::size_t need, bool evict, std::size_t& at, std::size_t& pad,
                 std::size_t keep_free) noexcept {
  std::uint8_t* c = control(lane);
  std::uint64_t head_word = 0;
  if constexpr (kLockFreeClaim) {
    // The reclaim word is read before and after the head: unchanged, the two positions are
    // from one moment, so the room computed is exact or less (a later free only adds room).
    std::uint64_t reclaim_word = load<std::uint64_t>(c, kReclaimAt, __ATOMIC_ACQUIRE);
    head_word = load<std::uint64_t>(c, kHeadAt, __ATOMIC_ACQUIRE);
    for (;;) {
      const std::uint64_t check = load<std::uint64_t>(c, kReclaimAt, __ATOMIC_ACQUIRE);
      if (check != reclaim_word) {
        reclaim_word = check;
        head_word = load<std::uint64_t>(c, kHeadAt, __ATOMIC_ACQUIRE);
        continue;
      }
      const auto position = static_cast<std::uint32_t>(head_word);
      const Room room = room_for(position, static_cast<std::uint32_t>(reclaim_word), need, capacity_,
                                 keep_free);
      at = room.at;
      pad = room.pad;
      if (room.fits) {
        const std::uint64_t next = (((head_word >> 32) + 1) << 32) | advance(position, pad + need);
        if (__atomic_compare_exchange_n(word_at<std::uint64_t>(c, kHeadAt), &head_word, next, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
          break;
        }
        continue;  // another producer moved the head: head_word holds the new one
      }
      if (!evict || !make_room(lane, pad + need)) return false;
      reclaim_word = load<std::uint64_t>(c, kReclaimAt, __ATOMIC_ACQUIRE);
      head_word = load<std::uint64_t>(c, kHeadAt, __ATOMIC_ACQUIRE);
    }
  } else {
    CriticalSection lock;
    for (;;) {
      head_word = load<std::uint64_t>(c, kHeadAt);
      const auto position = static_cast<std::uint32_t>(head_word);
      const auto reclaim = static_cast<std::uint32_t>(load<std::uint64_t>(c, kReclaimAt));
      const Room room = room_for(position, reclaim, need, capacity_);
      at = room.at;
      pad = room.pad;
      if (room.fits) {
        store<std::uint64_t>(c, kHeadAt, (((head_word >> 32) + 1) << 32) | advance(position, pad + need));
        break;
      }
      if (!evict || !make_room_locked(lane, pad + need)) return false;
    }
  }
  if ((head_word >> 32) == 0xFFFFFFFFu) count(c, kWrapsAt);
  return true;
}

bool Ring::push(const void* head, std::size_t head_len, const void* body,
                std::size_t body_len) noexcept {
  std::uint8_t* out = begin_push(head_len + body_len);
  if (out == nullptr) return false;
  if (head_len != 0) std::memcpy(out, head, head_len);
  if (body_len != 0) std::memcpy(out + head_len, body, body_len);
  end_push(out);
  return true;
}

std::uint8_t* Ring::begin_push(std::size_t payload_len) noexcept {
  if constexpr (!kLockFreeClaim) {
    // One lane, claimed inside the port's critical section: the whole claim in a few loads
    // and stores (every span end on a small core comes through here). A full ring, a record
    // that wraps and everything rarer go the general way.
    // The check below is on payload_len, not on the rounded `need`: a length near SIZE_MAX
    // wraps `need` to a few bytes. (capacity_ < 2^30, so `need` cannot wrap once payload_len
    // passed it; room_for() checks the rest.)
    const std::size_t need = record_footprint(payload_len);
    const std::uint32_t saved = detail::enter_critical();
    // capacity_ read once, inside: the section's compiler barrier would load it again.
    const std::size_t capacity = capacity_;
    if (payload_len <= capacity) {  // also keeps a detached ring's null memory untouched
      // Plain accesses: nothing else runs inside the critical section on a single core.
      std::uint8_t* c = base_;
      std::uint64_t head_word;
      std::uint64_t reclaim_word;
      std::memcpy(&head_word, c + kHeadAt, 8);
      std::memcpy(&reclaim_word, c + kReclaimAt, 8);
      const auto position = static_cast<std::uint32_t>(head_word);
      const auto reclaim = static_cast<std::uint32_t>(reclaim_word);
      const Room room = room_for(position, reclaim, need, capacity);
      const std::size_t at = room.at;
      // Reservations counted so far plus this one; 0 when the count wraps (counted there).
      const auto reservations = static_cast<std::uint32_t>((head_word >> 32) + 1);
      if (room.pad == 0 && room.fits && reservations != 0) {
        std::size_t next = position + need;
        if (next >= 2 * capacity) next -= 2 * capacity;
        head_word = (std::uint64_t{reservations} << 32) | next;
        std::memcpy(c + kHeadAt, &head_word, 8);
        std::uint8_t* record = c + kControlBytes + at;
        // Still inside the critical section: a reset stops this context at an instruction,
        // so the length is stored before any payload byte (see begin_push_slow).
        __atomic_store_n(reinterpret_cast<std::uint32_t*>(record),
                         static_cast<std::uint32_t>(payload_len << 2) | kWriting, __ATOMIC_RELAXED);
        detail::exit_critical(saved);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        return record + kHeaderBytes;
      }
    }
    detail::exit_critical(saved);
  }
  return begin_push_slow(payload_len);
}


std::uint8_t* Ring::begin_push_slow(std::size_t payload_len) noexcept {
  static_assert(kRecord == kPublishedState, "end_push() (ring.h) publishes with kRecord");
  if (capacity_ == 0) return nullptr;
  const std::size_t payload = payload_len;
  const std::size_t need = record_footprint(payload);
  std::size_t lane = 0;
  if constexpr (kMaxLanes > 1) lane = lanes_ == 1 ? 0 : home_lane<kLockFreeClaim>(lanes_);
  if (need > capacity_ || payload > (0xFFFFFFFFu >> 2)) {
    count(control(lane), kTooLargeAt);
    return nullptr;
  }
  std::size_t at = 0;
  std::size_t pad = 0;
  // The thread's own lane first; when it is full, the others (free room anywhere before any
  // eviction); overwrite-oldest then evicts in the thread's own lane.
  // In overwrite-oldest mode another lane is used only while more than an eviction's worth of
  // it (1/16) stays free: a lane with less has just made room by evicting, so its owner
  // outruns the consumer too. Pushing there would cost one of its records instead of one of
  // ours, and put two threads on one head word (its cache line bounced on every push).
  const bool overwrite = overflow_ == Overflow::kOverwriteOldest;
  std::size_t used_lane = lane;
  bool claimed = false;
  if (lane_count() == 1) {
    claimed = claim(lane, need, overwrite, at, pad);
  } else {
    claimed = claim(lane, need, false, at, pad);
    const std::size_t keep_free = overwrite ? capacity_ / 16 : 0;
    for (std::size_t i = 1; !claimed && i < lane_count(); ++i) {
      used_lane = (lane + i) % lane_count();
      claimed = claim(used_lane, need, false, at, pad, keep_free);
    }
    if (!claimed && overwrite) {
      used_lane = lane;
      claimed = claim(lane, need, true, at, pad);
      // Nothing could go from our lane (the exporter holds it): any room elsewhere, then.
      for (std::size_t i = 1; !claimed && i < lane_count(); ++i) {
        used_lane = (lane + i) % lane_count();
        claimed = claim(used_lane, need, false, at, pad);
      }
    }
  }
  if (!claimed) {
    count(control(lane), kFullAt);
    return nullptr;
  }
  std::uint8_t* memory = records(used_lane);
  if (pad != 0) {
    store_header(memory + at, static_cast<std::uint32_t>(pad << 2) | kPadding);
    at = 0;
  }
  std::uint8_t* record = memory + at;
  __atomic_store_n(reinterpret_cast<std::uint32_t*>(record), static_cast<std::uint32_t>(payload << 2) | kWriting,
                   __ATOMIC_RELAXED);
  // The length must be stored before any payload byte: adopt() reads a zero header as "nothing
  // of this record was written" and skips zero words up to the next header. A kill or reset
  // stops this thread at an instruction boundary, so program order is what adopt() sees: a
  // compiler barrier is enough (no other thread reads the header before it says kRecord).
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  return record + kHeaderBytes;
}

Status Ring::peek_batch(Batch& out, std::size_t max_records, std::size_t max_bytes) noexcept {
  out = Batch{};
  CriticalSection lock;
  if (capacity_ == 0 || claimed_ != 0) return Status::kFailedPrecondition;
  for (std::size_t i = 0; i < lane_count(); ++i) {
    const std::size_t lane = kMaxLanes == 1 ? 0 : (next_lane_ + i) % lanes_;
    std::uint8_t* c = control(lane);
    std::uint8_t* memory = records(lane);
    const auto head = static_cast<std::uint32_t>(load<std::uint64_t>(c, kHeadAt, __ATOMIC_ACQUIRE));
    std::uint32_t tail = load<std::uint32_t>(c, kTailAt);
    // Padding at the tail carries no data; free it now so a batch starts at a record.
    const std::uint32_t first_tail = tail;
    while (tail != head) {
      const std::uint32_t header = load_header(memory + offset(tail));
      const std::size_t size = footprint_of(header);
      if ((header & kStateMask) != kPadding || size == 0) break;
      tail = advance(tail, size);
    }
    if (tail != first_tail) free_locked(lane, tail);
    const std::size_t used = distance(head, tail);
    std::size_t at = offset(tail);
    std::size_t bytes = 0;
    std::size_t count = 0;
    while (count < max_records && bytes < used) {
      const std::uint32_t header = load_header(memory + at);
      const std::uint32_t state = header & kStateMask;
      if (state == kWriting) break;  // not published yet (or a producer is still copying)
      const std::size_t size = footprint_of(header);
      if (size == 0) break;
      if (state == kRecord && max_bytes != 0 && count != 0 && bytes + size > max_bytes) break;
      bytes += size;
      if (state == kRecord) ++count;
      at = (at + size == capacity_) ? 0 : at + size;
    }
    if (count == 0) continue;
    claimed_ = bytes;
    claimed_lane_ = lane;
    next_lane_ = kMaxLanes == 1 ? 0 : (lane + 1) % lanes_;
    out.lane = lane;
    out.begin = offset(tail);
    out.bytes = bytes;
    out.count = count;
    return Status::kOk;
  }
  return Status::kUnavailable;
}

void Ring::commit(const Batch& batch) noexcept {
  CriticalSection lock;
  TRACELET_ASSERT(batch.count != 0 && batch.lane == claimed_lane_ && batch.lane < lanes_ &&
                  batch.bytes == claimed_);
  std::uint8_t* c = control(batch.lane);
  const std::uint32_t tail = load<std::uint32_t>(c, kTailAt);
  TRACELET_ASSERT(batch.begin == offset(tail));
  free_locked(batch.lane, advance(tail, batch.bytes));
  store<std::uint64_t>(c, kCommittedAt, load<std::uint64_t>(c, kCommittedAt) + batch.count);
  claimed_ = 0;
}

void Ring::release(const Batch& batch) noexcept {
  CriticalSection lock;
  TRACELET_ASSERT(batch.lane == claimed_lane_ && batch.lane < lanes_ && batch.bytes == claimed_ &&
                  batch.begin == offset(load<std::uint32_t>(control(batch.lane), kTailAt)));
  claimed_ = 0;
}

RecordCursor Ring::cursor(const Batch& batch) const noexcept {
  return RecordCursor{batch.lane, batch.begin, batch.bytes, batch.count};
}

bool Ring::next(RecordCursor& cursor, const std::uint8_t*& data, std::size_t& len) const noexcept {
  const std::uint8_t* memory = records(cursor.lane);
  while (cursor.remaining_records != 0 && cursor.remaining_bytes != 0) {
    std::uint32_t header = load_header(memory + cursor.offset);
    std::size_t size = footprint_of(header);
    const std::uint8_t* record = memory + cursor.offset;
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
  // The reservation count is 32 bits in each head word; the wraps counted beside it extend it
  // (a push that just wrapped it counts the wrap a few instructions later).
  if (capacity_ == 0) return out;
  std::uint64_t reservations = 0;
  for (std::size_t lane = 0; lane < lane_count(); ++lane) {
    std::uint8_t* c = control(lane);
    const std::uint64_t head_word = load<std::uint64_t>(c, kHeadAt, __ATOMIC_ACQUIRE);
    reservations += (load<std::uint64_t>(c, kWrapsAt) << 32) | (head_word >> 32);
    out.committed += load<std::uint64_t>(c, kCommittedAt);
    out.dropped_full += load<std::uint64_t>(c, kFullAt);
    out.dropped_overwritten += load<std::uint64_t>(c, kOverwrittenAt);
    out.dropped_too_large += load<std::uint64_t>(c, kTooLargeAt);
    out.dropped_at_reset += load<std::uint64_t>(c, kAtResetAt);
  }
  out.written = reservations - written_base_;
  return out;
}

std::size_t Ring::used_bytes() const noexcept {
  CriticalSection lock;
  std::size_t used = 0;
  if (capacity_ == 0) return 0;
  for (std::size_t lane = 0; lane < lane_count(); ++lane) {
    std::uint8_t* c = control(lane);
    const auto head = static_cast<std::uint32_t>(load<std::uint64_t>(c, kHeadAt, __ATOMIC_ACQUIRE));
    used += distance(head, load<std::uint32_t>(c, kTailAt));
  }
  return used;
}

}  // namespace tracelet
