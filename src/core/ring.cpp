#include "tracelet/ring.h"

#include <cstring>

#include "core/contract_check.h"
#include "tracelet/port.h"

namespace tracelet {
namespace {

// Each record starts with a 4-byte header word: (length << 2) | state. For a record the
// length is its exact payload size; for padding it is the padding's whole size. Producers
// publish a record by storing the header with kRecord after copying the payload (release);
// the consumer reads headers with acquire, so it never sees a half-written payload.
enum : std::uint32_t { kWriting = 0, kRecord = 1, kPadding = 2, kStateMask = 3 };

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

class CriticalSection {
 public:
  CriticalSection() noexcept : state_(port::critical_enter()) {}
  ~CriticalSection() { port::critical_exit(state_); }
  CriticalSection(const CriticalSection&) = delete;
  CriticalSection& operator=(const CriticalSection&) = delete;

 private:
  std::uint32_t state_;
};

// Aligned start and usable size of caller memory; false if it is too small.
bool usable(ByteSpan memory, std::uint8_t*& start, std::size_t& capacity) noexcept {
  if (memory.data == nullptr) return false;
  auto address = reinterpret_cast<std::uintptr_t>(memory.data);
  std::size_t skip = static_cast<std::size_t>((8u - (address & 7u)) & 7u);
  if (memory.size < skip + 64) return false;
  start = memory.data + skip;
  capacity = (memory.size - skip) & ~static_cast<std::size_t>(7u);
  return true;
}

}  // namespace

// A checksum of the control fields, refreshed inside the critical section after every change,
// so adopt() can tell a ring that survived a warm reset from RAM that holds anything.
namespace {
std::uint32_t fold(std::uintptr_t w) noexcept {
  return static_cast<std::uint32_t>(w) ^ static_cast<std::uint32_t>(static_cast<std::uint64_t>(w) >> 32);
}
std::uint32_t rotl(std::uint32_t v, unsigned by) noexcept { return (v << by) | (v >> (32u - by)); }
}  // namespace

std::uint32_t Ring::layout_mix(const std::uint8_t* memory, std::size_t capacity, Overflow overflow) noexcept {
  std::uint32_t h = 0x7472636cu;  // "trcl"
  const std::uintptr_t words[] = {reinterpret_cast<std::uintptr_t>(memory), capacity,
                                  static_cast<std::uintptr_t>(overflow)};
  for (std::uintptr_t w : words) {
    h ^= fold(w);
    h *= 0x01000193u;  // FNV prime
    h ^= h >> 15;
  }
  return h;
}

std::uint32_t Ring::seal() const noexcept {
  // Runs inside every push's critical section, so the positions that move are only rotated
  // and XORed into the layout's proper mix (made when the layout is set). Rotating each by a
  // different amount keeps a change of one position from cancelling a change of another.
  return layout_seal_ ^ fold(head_) ^ rotl(fold(tail_), 8) ^ rotl(fold(used_), 16) ^
         rotl(fold(claimed_), 24);
}

Status Ring::attach(ByteSpan memory, Overflow overflow) noexcept {
  std::uint8_t* start = nullptr;
  std::size_t capacity = 0;
  if (!usable(memory, start, capacity)) return Status::kInvalidArgument;
  CriticalSection lock;
  memory_ = start;
  capacity_ = capacity;
  overflow_ = overflow;
  head_ = tail_ = used_ = claimed_ = 0;
  counters_ = RingCounters{};
  layout_seal_ = layout_mix(memory_, capacity_, overflow_);
  seal_ = seal();
  return Status::kOk;
}

Status Ring::adopt(ByteSpan memory, Overflow overflow) noexcept {
  std::uint8_t* start = nullptr;
  std::size_t capacity = 0;
  if (!usable(memory, start, capacity)) return Status::kInvalidArgument;
  CriticalSection lock;
  if (layout_seal_ != layout_mix(memory_, capacity_, overflow_) || seal_ != seal() || memory_ != start || capacity_ != capacity || head_ >= capacity ||
      tail_ >= capacity || used_ > capacity || claimed_ > used_ || head_ % 8 != 0 ||
      tail_ % 8 != 0 || used_ % 8 != 0) {
    return Status::kDataLoss;
  }
  // Walk every record once: the lengths must tile exactly from tail to head.
  std::size_t at = tail_;
  std::size_t kept = 0;
  std::size_t dropped = 0;
  for (std::size_t left = used_; left != 0;) {
    std::uint32_t header = load_header(memory_ + at);
    std::size_t size = footprint_of(header);
    if (size == 0 || size > left || at + size > capacity_) return Status::kDataLoss;
    switch (header & kStateMask) {
      case kRecord: ++kept; break;
      case kPadding: break;
      case kWriting:  // the reset hit while a producer copied it: its bytes are incomplete
        store_header(memory_ + at, static_cast<std::uint32_t>(size << 2) | kPadding);
        ++dropped;
        break;
      default: return Status::kDataLoss;
    }
    at = (at + size == capacity_) ? 0 : at + size;
    left -= size;
  }
  if (at != head_ && !(used_ == capacity_ && at == tail_)) return Status::kDataLoss;
  overflow_ = overflow;
  layout_seal_ = layout_mix(memory_, capacity_, overflow_);
  claimed_ = 0;  // the exporter's batch was never acknowledged: offer it again
  counters_ = RingCounters{};
  counters_.written = kept;
  counters_.dropped_at_reset = dropped;
  seal_ = seal();
  return Status::kOk;
}

void Ring::detach() noexcept {
  CriticalSection lock;
  memory_ = nullptr;
  capacity_ = 0;
  head_ = tail_ = used_ = claimed_ = 0;
  layout_seal_ = 0;  // a detached ring is never adopted
  seal_ = 0;
}

bool Ring::make_room_locked(std::size_t needed) noexcept {
  // Only unclaimed, fully written records at the tail may go: the consumer may be reading a
  // claimed batch right now, and a record being written belongs to another producer.
  while (capacity_ - used_ < needed) {
    if (claimed_ != 0 || used_ == 0) return false;
    std::uint32_t header = load_header(memory_ + tail_);
    if ((header & kStateMask) == kWriting) return false;
    std::size_t size = footprint_of(header);
    if ((header & kStateMask) == kRecord) ++counters_.dropped_overwritten;
    tail_ += size;
    if (tail_ == capacity_) tail_ = 0;
    used_ -= size;
  }
  return true;  // the caller, push(), seals the state once it is final
}

bool Ring::push(const void* head, std::size_t head_len, const void* body,
                std::size_t body_len) noexcept {
  const std::size_t payload = head_len + body_len;
  const std::size_t need = record_footprint(payload);
  std::size_t at = 0;
  {
    CriticalSection lock;
    if (capacity_ == 0) return false;
    if (need > capacity_ || payload > (0xFFFFFFFFu >> 2)) {
      ++counters_.dropped_too_large;
      return false;
    }
    if (used_ == 0) head_ = tail_ = 0;  // empty: start over at 0 and avoid padding
    std::size_t pad = (capacity_ - head_ < need) ? capacity_ - head_ : 0;
    if (used_ + pad + need > capacity_) {
      bool room = overflow_ == Overflow::kOverwriteOldest && make_room_locked(pad + need);
      if (room && used_ == 0) {
        head_ = tail_ = 0;
        pad = 0;
      }
      if (!room) {
        ++counters_.dropped_full;
        seal_ = seal();  // make_room_locked may have evicted some records before giving up
        return false;
      }
    }
    at = head_;
    if (pad != 0) {
      store_header(memory_ + at, static_cast<std::uint32_t>(pad << 2) | kPadding);
      at = 0;
    }
    store_header(memory_ + at, static_cast<std::uint32_t>(payload << 2) | kWriting);
    head_ = at + need;
    if (head_ == capacity_) head_ = 0;
    used_ += pad + need;
    ++counters_.written;
    seal_ = seal();
  }
  std::uint8_t* out = memory_ + at + kHeaderBytes;
  if (head_len != 0) std::memcpy(out, head, head_len);
  if (body_len != 0) std::memcpy(out + head_len, body, body_len);
  store_header(memory_ + at, static_cast<std::uint32_t>(payload << 2) | kRecord);
  return true;
}

Status Ring::peek_batch(Batch& out, std::size_t max_records, std::size_t max_bytes) noexcept {
  out = Batch{};
  CriticalSection lock;
  if (capacity_ == 0 || claimed_ != 0) return Status::kFailedPrecondition;
  // Padding at the tail carries no data; free it now so a batch starts at a record.
  while (used_ != 0) {
    std::uint32_t header = load_header(memory_ + tail_);
    if ((header & kStateMask) != kPadding) break;
    std::size_t size = footprint_of(header);
    tail_ = (tail_ + size == capacity_) ? 0 : tail_ + size;
    used_ -= size;
  }
  seal_ = seal();
  std::size_t at = tail_;
  std::size_t bytes = 0;
  std::size_t count = 0;
  while (count < max_records && bytes < used_) {
    std::uint32_t header = load_header(memory_ + at);
    std::uint32_t state = header & kStateMask;
    if (state == kWriting) break;
    std::size_t size = footprint_of(header);
    if (state == kRecord && max_bytes != 0 && count != 0 && bytes + size > max_bytes) break;
    bytes += size;
    if (state == kRecord) ++count;
    at = (at + size == capacity_) ? 0 : at + size;
  }
  if (count == 0) return Status::kUnavailable;
  claimed_ = bytes;
  seal_ = seal();
  out.begin = tail_;
  out.bytes = bytes;
  out.count = count;
  return Status::kOk;
}

void Ring::commit(const Batch& batch) noexcept {
  CriticalSection lock;
  TRACELET_ASSERT(batch.count != 0 && batch.begin == tail_ && batch.bytes == claimed_);
  tail_ = (tail_ + batch.bytes) % capacity_;
  used_ -= batch.bytes;
  claimed_ = 0;
  counters_.committed += batch.count;
  if (used_ == 0) head_ = tail_ = 0;
  seal_ = seal();
}

void Ring::release(const Batch& batch) noexcept {
  CriticalSection lock;
  TRACELET_ASSERT(batch.begin == tail_ && batch.bytes == claimed_);
  claimed_ = 0;
  seal_ = seal();
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
  CriticalSection lock;
  return counters_;
}

std::size_t Ring::used_bytes() const noexcept {
  CriticalSection lock;
  return used_;
}

}  // namespace tracelet
