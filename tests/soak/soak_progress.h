#pragma once
// What one run of the soak producer leaves behind for the checker, in a file of its own
// (<dir>/gen-<N>.progress) mapped MAP_SHARED: every store is in the page cache the moment it
// is made, so a SIGKILL loses none of it. Both programs are built from the same tree, so the
// layout needs no versioning beyond a magic number and the struct's size.
#include <atomic>
#include <cstdint>

namespace tracelet::soak {

constexpr std::uint32_t kProgressMagic = 0x4b414f53;  // "SOAK"
constexpr std::uint32_t kMaxThreads = 16;

// Each span's name is "soak/<generation>/<thread>/<sequence>": the checker finds every span
// the receiver wrote by its name, and a sequence per thread makes a gap exact.
constexpr char kSpanPrefix[] = "soak/";

enum class RunState : std::uint32_t {
  kStarting = 0,  // the file exists; the tracer may not have adopted the ring yet
  kRecording = 1, // adopted/dropped_at_reset are valid; producers run
  kStopped = 2,   // stopped cleanly: the final counters below are valid
};

struct Progress {
  std::uint32_t magic = 0;
  std::uint32_t size = 0;  // sizeof(Progress)
  std::uint32_t generation = 0;
  std::uint32_t threads = 0;
  std::atomic<std::uint32_t> state{0};  // RunState
  std::uint32_t pad = 0;
  // Found in the ring at init: the spans earlier runs recorded but had not delivered, and
  // the records a kill cut short (Ring::adopt turns them into padding and counts them).
  std::atomic<std::uint64_t> adopted{0};
  std::atomic<std::uint64_t> dropped_at_reset{0};
  // Per thread: spans whose end() has returned. Stored after end(), so at a kill the span
  // with sequence == completed may be in the ring (or half-written) without being counted.
  std::atomic<std::uint64_t> completed[kMaxThreads] = {};
  // The tracer's drop counters as last seen by any thread, each stored (as a maximum) after
  // end() and before `completed`: every completed span's drop is in them.
  std::atomic<std::uint64_t> dropped_full{0};
  std::atomic<std::uint64_t> dropped_overwritten{0};
  std::atomic<std::uint64_t> dropped_too_large{0};
  // The exporter's counters, refreshed about once a second (and for good at kStopped).
  std::atomic<std::uint64_t> spans_exported{0};
  std::atomic<std::uint64_t> spans_rejected{0};
  std::atomic<std::uint64_t> spans_dropped_non_retryable{0};
  std::atomic<std::uint64_t> export_attempts{0};
  std::atomic<std::uint64_t> export_failures{0};
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> connect_failures{0};
  // Valid at kStopped only: the tracer's view after the final flush.
  std::atomic<std::uint64_t> final_recorded{0};      // spans_recorded: adopted + new
  std::atomic<std::uint64_t> final_acknowledged{0};  // removed from the ring after delivery
  std::atomic<std::uint64_t> final_pending{0};       // still in the ring
  std::atomic<std::uint32_t> final_flush_ok{0};      // Exporter::flush returned kOk
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "the progress file is shared between processes: its atomics must be lock-free");

// Raises `slot` to `value` (several threads store snapshots; the largest is the newest).
inline void store_max(std::atomic<std::uint64_t>& slot, std::uint64_t value) {
  std::uint64_t seen = slot.load(std::memory_order_relaxed);
  while (seen < value && !slot.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

}  // namespace tracelet::soak
