// include/tracelet/thread_port.h on bare metal: there are no threads. Exporter::start_background()
// then answers kUnavailable and the firmware calls Exporter::poll() from its main loop (an RTOS
// board replaces this file with its task create/join).
#include "tracelet/thread_port.h"

namespace tracelet::port {

Status thread_start(Thread* thread, void (*run)(void* ctx), void*) noexcept {
  if (thread == nullptr || run == nullptr) return Status::kInvalidArgument;
  if (thread->running) return Status::kFailedPrecondition;
  return Status::kUnavailable;
}

void thread_join(Thread* thread) noexcept {
  if (thread != nullptr) thread->running = false;
}

}  // namespace tracelet::port
