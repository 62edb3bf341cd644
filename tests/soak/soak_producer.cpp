// tracelet_soak_producer: one run ("generation") of the soak's producing process
// (tools/soak.sh). Threads record spans at a steady rate into a file-backed ring
// (tracelet::FileRing, adopted from the last run, which was probably killed with SIGKILL) and
// the real Exporter ships them over TLS to tracelet-receiver. What it recorded goes into a
// progress file that survives SIGKILL (soak_progress.h), for tracelet_soak_check.
//
//   tracelet_soak_producer --dir DIR --generation N --ring FILE --ring-bytes BYTES
//                          --endpoint URL --ca FILE [--threads T] [--rate SPANS_PER_S]
//                          [--batch N] [--flush-ms MS] [--hold-ms MS]
//
// --hold-ms (default 20): the exporting thread waits this long after the collector has
// acknowledged a batch and before it commits it (ExporterConfig::on_span_exported runs in
// between). Kills then land in the at-least-once window often enough to see the duplicates
// it allows, instead of almost always in idle time.
//
// Runs until SIGTERM, then stops recording, flushes (up to --flush-ms, default 60000),
// stores the final counters and exits 0 if the ring is empty, 1 if spans remain.
// Exit status 2: usage or setup error.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "soak_progress.h"
#include "tracelet/exporter.h"
#include "tracelet/file_ring.h"
#include "tracelet/net_connector.h"
#include "tracelet/tracelet.h"

namespace {

using tracelet::soak::Progress;

std::atomic<bool> g_stop{false};
extern "C" void on_term(int) { g_stop.store(true); }

struct Args {
  std::string dir, ring, endpoint, ca;
  std::uint32_t generation = 0;
  std::size_t ring_bytes = 0;
  std::uint32_t threads = 4;
  double rate = 1000;  // spans per second, all threads together
  std::uint32_t batch = 128;
  std::uint32_t flush_ms = 60000;
  std::uint32_t hold_ms = 20;
};

bool parse(int argc, char** argv, Args& a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* v = argv[i + 1];
    if (key == "--dir") a.dir = v;
    else if (key == "--ring") a.ring = v;
    else if (key == "--endpoint") a.endpoint = v;
    else if (key == "--ca") a.ca = v;
    else if (key == "--generation") a.generation = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    else if (key == "--ring-bytes") a.ring_bytes = std::strtoull(v, nullptr, 10);
    else if (key == "--threads") a.threads = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    else if (key == "--rate") a.rate = std::strtod(v, nullptr);
    else if (key == "--batch") a.batch = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    else if (key == "--flush-ms") a.flush_ms = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    else if (key == "--hold-ms") a.hold_ms = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    else {
      std::fprintf(stderr, "soak producer: unknown option %s\n", key.c_str());
      return false;
    }
  }
  if (a.dir.empty() || a.ring.empty() || a.endpoint.empty() || a.ca.empty() || a.ring_bytes == 0 ||
      a.threads == 0 || a.threads > tracelet::soak::kMaxThreads || !(a.rate > 0) || a.batch == 0) {
    std::fprintf(stderr, "usage: tracelet_soak_producer --dir DIR --generation N --ring FILE --ring-bytes BYTES "
                         "--endpoint URL --ca FILE [--threads 1..%u] [--rate SPANS_PER_S] [--batch N] "
                         "[--flush-ms MS] [--hold-ms MS]\n",
                 tracelet::soak::kMaxThreads);
    return false;
  }
  return true;
}

// Creates this generation's progress file (a new one: a generation runs once) and maps it.
Progress* open_progress(const Args& a) {
  const std::string path = a.dir + "/gen-" + std::to_string(a.generation) + ".progress";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || ftruncate(fd, sizeof(Progress)) != 0) {
    std::fprintf(stderr, "soak producer: cannot create %s: %s\n", path.c_str(), std::strerror(errno));
    return nullptr;
  }
  void* map = mmap(nullptr, sizeof(Progress), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return nullptr;
  auto* p = new (map) Progress();
  p->size = sizeof(Progress);
  p->generation = a.generation;
  p->threads = a.threads;
  p->magic = tracelet::soak::kProgressMagic;
  return p;
}

// A small text file the script reads for its progress line (replaced whole, never torn).
void write_status(const Args& a, const Progress& p, std::uint64_t pending, const char* state) {
  std::uint64_t completed = 0;
  for (std::uint32_t t = 0; t < p.threads; ++t) completed += p.completed[t].load();
  const std::string path = a.dir + "/status";
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return;
  std::fprintf(f, "generation=%u state=%s adopted=%llu completed=%llu exported=%llu pending=%llu "
                  "export_failures=%llu connect_failures=%llu\n",
               a.generation, state, static_cast<unsigned long long>(p.adopted.load()),
               static_cast<unsigned long long>(completed), static_cast<unsigned long long>(p.spans_exported.load()),
               static_cast<unsigned long long>(pending), static_cast<unsigned long long>(p.export_failures.load()),
               static_cast<unsigned long long>(p.connect_failures.load()));
  std::fclose(f);
  (void)std::rename(tmp.c_str(), path.c_str());
}

void copy_exporter_counters(const tracelet::Exporter& exporter, Progress& p) {
  const tracelet::ExporterCounters c = exporter.counters();
  p.spans_exported.store(c.spans_exported);
  p.spans_rejected.store(c.spans_rejected);
  p.spans_dropped_non_retryable.store(c.spans_dropped_non_retryable);
  p.export_attempts.store(c.export_attempts);
  p.export_failures.store(c.export_failures);
  p.retries.store(c.retries);
  p.connects.store(c.connects);
  p.connect_failures.store(c.connect_failures);
}

// Called for each span of an acknowledged batch, back to back, before the batch is committed:
// the first span of a batch (the first after a pause) holds the exporting thread --hold-ms.
struct Hold {
  std::chrono::milliseconds hold{0};
  std::chrono::steady_clock::time_point last{};
};
void hold_before_commit(void* ctx, const std::uint8_t*, std::size_t) {
  auto* h = static_cast<Hold*>(ctx);
  const auto now = std::chrono::steady_clock::now();
  if (now - h->last > std::chrono::milliseconds(2)) std::this_thread::sleep_for(h->hold);
  h->last = std::chrono::steady_clock::now();
}

// One producer thread: `period` between span starts, on an absolute schedule (a thread that
// fell behind, e.g. descheduled, resumes the schedule instead of bursting to catch up).
void produce(tracelet::Tracer& tracer, Progress& p, std::uint32_t generation, std::uint32_t thread,
             std::chrono::nanoseconds period) {
  using Clock = std::chrono::steady_clock;
  auto next = Clock::now();
  char name[64];
  for (std::uint64_t seq = 0; !g_stop.load(std::memory_order_relaxed); ++seq) {
    std::snprintf(name, sizeof name, "%s%u/%u/%llu", tracelet::soak::kSpanPrefix, generation, thread,
                  static_cast<unsigned long long>(seq));
    {
      tracelet::Span span = tracer.start_span(name);
      span.set_attribute("soak.thread", static_cast<std::int64_t>(thread));
      span.set_attribute("soak.payload", "steady-rate span of the soak run");
      span.end();
    }
    const tracelet::TracerCounters c = tracer.counters();
    tracelet::soak::store_max(p.dropped_full, c.spans_dropped_full);
    tracelet::soak::store_max(p.dropped_overwritten, c.spans_dropped_overwritten);
    tracelet::soak::store_max(p.dropped_too_large, c.spans_dropped_too_large);
    p.completed[thread].store(seq + 1, std::memory_order_release);
    next += period;
    const auto now = Clock::now();
    if (next < now - std::chrono::milliseconds(100)) next = now;
    std::this_thread::sleep_until(next);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!parse(argc, argv, a)) return 2;
  struct sigaction sa{};
  sa.sa_handler = on_term;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // The progress file first: if this run is killed right after adopting, what the adoption
  // found is still written down (the script kills only after `.ready` exists anyway).
  Progress* p = open_progress(a);
  if (p == nullptr) return 2;

  static tracelet::FileRing file;
  if (file.open(a.ring.c_str(), a.ring_bytes) != tracelet::Status::kOk) {
    std::fprintf(stderr, "soak producer: FileRing %s: %s\n", a.ring.c_str(), file.error());
    return 2;
  }
  static tracelet::Tracer tracer;
  tracelet::Options options;
  options.service_name = "tracelet-soak";
  options.ring_memory = file.memory();
  if (tracer.init_keeping_ring(options) != tracelet::Status::kOk) {
    std::fprintf(stderr, "soak producer: Tracer::init_keeping_ring failed\n");
    return 2;
  }
  const tracelet::TracerCounters at_start = tracer.counters();
  p->adopted.store(at_start.spans_recorded);
  p->dropped_at_reset.store(at_start.spans_dropped_at_reset);
  p->state.store(static_cast<std::uint32_t>(tracelet::soak::RunState::kRecording));
  std::fprintf(stderr, "soak producer: generation %u: %s ring, %llu span(s) adopted, %llu dropped at reset\n",
               a.generation, tracer.adopted_ring() ? "adopted the" : "a new",
               static_cast<unsigned long long>(at_start.spans_recorded),
               static_cast<unsigned long long>(at_start.spans_dropped_at_reset));

  static tracelet::ExporterConfig config;
  config.endpoint = a.endpoint.c_str();
  config.ca_file = a.ca.c_str();
  config.timeout_ms = 3000;
  config.schedule_delay_ms = 100;
  config.max_export_batch_size = a.batch;
  config.initial_backoff_ms = 100;
  config.max_backoff_ms = 1000;  // the receiver is back within seconds: retry soon
  config.log_level = tracelet::LogLevel::kWarning;
  static Hold hold;
  hold.hold = std::chrono::milliseconds(a.hold_ms);
  if (a.hold_ms > 0) {
    config.on_span_exported = hold_before_commit;
    config.on_span_exported_ctx = &hold;
  }
  static tracelet::NetConnector connector;
  connector.configure(config);
  static tracelet::Exporter exporter;
  if (exporter.init(tracer, config, connector.connector()) != tracelet::Status::kOk ||
      exporter.start_background() != tracelet::Status::kOk) {
    std::fprintf(stderr, "soak producer: exporter did not start\n");
    return 2;
  }

  const auto period = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * a.threads / a.rate));
  std::vector<std::thread> producers;
  for (std::uint32_t t = 0; t < a.threads; ++t) {
    producers.emplace_back(produce, std::ref(tracer), std::ref(*p), a.generation, t, period);
  }
  write_status(a, *p, exporter.pending_spans(), "recording");
  {
    const std::string ready = a.dir + "/gen-" + std::to_string(a.generation) + ".ready";
    FILE* f = std::fopen(ready.c_str(), "w");
    if (f != nullptr) std::fclose(f);
  }
  while (!g_stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    copy_exporter_counters(exporter, *p);
    write_status(a, *p, exporter.pending_spans(), "recording");
  }

  for (auto& t : producers) t.join();
  const tracelet::Status flushed = exporter.shutdown(a.flush_ms);
  copy_exporter_counters(exporter, *p);
  const tracelet::TracerCounters c = tracer.counters();
  p->final_recorded.store(c.spans_recorded);
  p->final_acknowledged.store(c.spans_acknowledged);
  p->final_pending.store(exporter.pending_spans());
  p->final_flush_ok.store(flushed == tracelet::Status::kOk ? 1 : 0);
  p->dropped_full.store(c.spans_dropped_full);
  p->dropped_overwritten.store(c.spans_dropped_overwritten);
  p->dropped_too_large.store(c.spans_dropped_too_large);
  p->state.store(static_cast<std::uint32_t>(tracelet::soak::RunState::kStopped));
  write_status(a, *p, exporter.pending_spans(), "stopped");
  std::fprintf(stderr, "soak producer: generation %u stopped: flush %s, %llu recorded, %llu acknowledged, %llu pending\n",
               a.generation, flushed == tracelet::Status::kOk ? "ok" : "timed out",
               static_cast<unsigned long long>(c.spans_recorded), static_cast<unsigned long long>(c.spans_acknowledged),
               static_cast<unsigned long long>(exporter.pending_spans()));
  return exporter.pending_spans() == 0 ? 0 : 1;
}
