// tracelet::port thread template (include/tracelet/thread_port.h): only for running the
// exporter on a background thread (Exporter::start_background()). Copy to
// thread_<your_platform>.cpp and replace the bodies with the OS's thread create and join, or
// keep these bodies on a platform without threads: the firmware then calls Exporter::poll()
// itself. Thread context only, never in interrupt handlers.
#include <cstdint>

#include "tracelet/thread_port.h"

namespace tracelet::port {

// Create a thread that calls run(ctx) once and ends when it returns; store the OS handle in
// thread->handle and set thread->running. Give it a stack for one export (encoder and HTTP,
// plus the Mbed TLS handshake with TLS). If creating needs a start record, free it in the new
// thread (port/posix/thread_posix.cpp shows the pattern).
Status thread_start(Thread* thread, void (*run)(void* ctx), void* ctx) noexcept {
  if (thread == nullptr || run == nullptr) return Status::kInvalidArgument;
  if (thread->running) return Status::kFailedPrecondition;
  (void)ctx;
  return Status::kUnavailable;  // PORT: create the thread, or keep this without threads
}

// Wait for the thread to end, then clear thread->running. Idempotent.
void thread_join(Thread* thread) noexcept {
  if (thread == nullptr || !thread->running) return;
  thread->running = false;  // PORT: join the OS thread first
}

}  // namespace tracelet::port
