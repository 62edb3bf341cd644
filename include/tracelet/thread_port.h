#pragma once
#include <cstdint>

#include "tracelet/status.h"

/// Optional part of the platform contract: one background thread for the exporter. A port
/// without threads returns kUnavailable and the firmware calls Exporter::poll() itself.
namespace tracelet::port {

struct Thread {
  std::uintptr_t handle = 0;  // port-defined (pthread_t on POSIX)
  bool running = false;
};

/// Starts `run(ctx)` on a new thread. Return values: kOk, kFailedPrecondition (already
/// running), kUnavailable (no threads on this platform, or the OS refused).
[[nodiscard]] Status thread_start(Thread* thread, void (*run)(void* ctx), void* ctx) noexcept;

/// Waits for the thread to return. Idempotent.
void thread_join(Thread* thread) noexcept;

}  // namespace tracelet::port
