// tracelet::port for host tests: a steppable clock and a seeded byte stream, so results are
// repeatable. The critical section is a real lock because tests run producers on threads.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "tracelet/fake_port.h"
#include "tracelet/port.h"

namespace tracelet {
namespace {
std::atomic<std::uint64_t> g_now{1'000'000'000};
std::atomic<std::int64_t> g_offset{1'700'000'000'000'000'000};
std::atomic<std::uint64_t> g_seed{0x5eed};
std::atomic<bool> g_entropy_available{true};
std::recursive_mutex g_critical;
thread_local void* t_current_span = nullptr;
}  // namespace

namespace fake_port {
void set_monotonic_ns(std::uint64_t now) noexcept { g_now.store(now); }
void advance_ns(std::uint64_t delta) noexcept { g_now.fetch_add(delta); }
void set_unix_offset_ns(std::int64_t offset) noexcept { g_offset.store(offset); }
void seed_entropy(std::uint64_t seed) noexcept { g_seed.store(seed); }
void set_entropy_available(bool available) noexcept { g_entropy_available.store(available); }
}  // namespace fake_port

namespace port {
std::uint64_t monotonic_ns() noexcept { return g_now.load(std::memory_order_relaxed); }
std::int64_t unix_offset_ns() noexcept { return g_offset.load(); }

bool entropy(std::uint8_t* out, std::size_t len) noexcept {
  if (!g_entropy_available.load()) return false;
  for (std::size_t i = 0; i < len; ++i) {
    // splitmix64 step: a repeatable stream for a given seed
    std::uint64_t z = g_seed.fetch_add(0x9e3779b97f4a7c15ULL) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    out[i] = static_cast<std::uint8_t>(z ^ (z >> 31));
  }
  return true;
}

std::uint32_t critical_enter() noexcept {
  g_critical.lock();
  return 0;
}
bool critical_try_enter(std::uint32_t& state) noexcept {
  state = 0;
  return g_critical.try_lock();
}
void critical_exit(std::uint32_t) noexcept { g_critical.unlock(); }
void** current_span_slot() noexcept { return &t_current_span; }

void panic(const char* file, int line) noexcept {
  std::fprintf(stderr, "tracelet fake port: panic at %s:%d\n", file, line);
  std::abort();
}
}  // namespace port
}  // namespace tracelet
