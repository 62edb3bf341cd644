// Background exporter thread for POSIX (pthreads).
#include <pthread.h>

#include <new>

#include "tracelet/thread_port.h"

namespace tracelet::port {
namespace {
struct Start {
  void (*run)(void*);
  void* ctx;
};
void* trampoline(void* arg) {
  Start start = *static_cast<Start*>(arg);
  delete static_cast<Start*>(arg);  // init-time allocation, once per exporter
  start.run(start.ctx);
  return nullptr;
}
}  // namespace

Status thread_start(Thread* thread, void (*run)(void*), void* ctx) noexcept {
  if (thread == nullptr || run == nullptr) return Status::kInvalidArgument;
  if (thread->running) return Status::kFailedPrecondition;
  auto* start = new (std::nothrow) Start{run, ctx};
  if (start == nullptr) return Status::kUnavailable;
  pthread_t handle;
  if (pthread_create(&handle, nullptr, trampoline, start) != 0) {
    delete start;
    return Status::kUnavailable;
  }
  static_assert(sizeof(pthread_t) <= sizeof(std::uintptr_t), "pthread_t must fit the handle");
  thread->handle = static_cast<std::uintptr_t>(handle);
  thread->running = true;
  return Status::kOk;
}

void thread_join(Thread* thread) noexcept {
  if (thread == nullptr || !thread->running) return;
  pthread_join(static_cast<pthread_t>(thread->handle), nullptr);
  thread->running = false;
}

}  // namespace tracelet::port
