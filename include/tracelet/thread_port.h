#pragma once
#include <cstdint>

#include "tracelet/status.h"

/// Optional part of the platform contract: one background thread for the exporter
/// (Exporter::start_background() and Exporter::shutdown() are the only callers). POSIX:
/// port/posix/thread_posix.cpp; starting point: port/template/thread_template.cpp.
/// A port without threads either implements both functions with thread_start() returning
/// kUnavailable, or leaves them out (port/cortex_m does): an image that calls
/// Exporter::start_background() then fails to link, and the firmware calls Exporter::poll()
/// from its main loop instead.
///
/// Contexts: thread context only, never on the recording path, never from interrupt
/// handlers. One Thread object is started and joined by one thread at a time.
namespace tracelet::port {

/// Caller-owned record of one thread. Zero-initialise it (`Thread t{};`); after
/// thread_join() it can be started again.
struct Thread {
  std::uintptr_t handle = 0;  // port-defined (pthread_t on POSIX); read-only for callers
  bool running = false;       // true from a successful thread_start() until thread_join()
};

/// Starts `run(ctx)` on a new thread; run is called exactly once and the thread ends when it
/// returns. The exporter's run loop sleeps with sleep_ms() and checks a stop flag at least
/// every 20 ms, so the thread needs no special priority, only a stack for one export (encoder,
/// HTTP and, with TLS, the Mbed TLS handshake).
/// Blocks: only while the OS creates the thread. Allocates: what the OS needs for a thread;
/// a port may allocate a small start record (POSIX does, freed when the thread starts).
/// Return values:
///   kOk                 – running; `thread` is set
///   kInvalidArgument    – thread or run is null
///   kFailedPrecondition – `thread` is already running
///   kUnavailable        – no threads on this platform, or the OS refused
[[nodiscard]] Status thread_start(Thread* thread, void (*run)(void* ctx), void* ctx) noexcept;

/// Waits until the thread's run function has returned, then marks `thread` not running.
/// Idempotent; does nothing for a thread that never started. Must not be called from the
/// thread itself. Blocks: until run returns (the exporter's loop returns within about 20 ms
/// of being asked to stop, or after the export in progress, bounded by its timeout).
void thread_join(Thread* thread) noexcept;

}  // namespace tracelet::port
