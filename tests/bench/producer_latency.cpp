// Producer latency and scaling on the posix port (real clock, real ring, real threads).
//
//   producer_latency [--producers N] [--seconds S] [--ring-kib K] [--overwrite] [--cpus C]
//     N producers (default 4) record start + one attribute + end as fast as they can for S
//     seconds (default 2) on the first C CPUs (default 2), while one consumer drains the ring
//     (claims and commits, no encoding). Prints p50/p99/p99.9/p99.99/max of start+end, spans/s,
//     and checks every span is recorded or counted as dropped (exit 1 if not). The percentiles
//     are printed twice: for all spans, and for the spans during which the measuring thread
//     itself was not preempted (getrusage's involuntary context switches, read between spans).
//     With more producers than cores the scheduler preempts a producer in the middle of some
//     spans whatever the ring does; the second line is what a producer waits for others in
//     the default drop-newest mode, whose claim is lock-free. Linux counts a sched_yield()
//     that switches as involuntary too, so with --overwrite (eviction runs under the port's
//     spin lock, which yields) the first line is the one to read.
//   producer_latency --count N
//     One thread records N spans of span_bench's loop and exits: run it under
//     `valgrind --tool=callgrind` for two values of N; the difference of the instruction totals
//     over the difference of N is the instructions per span (init and exit cancel out).
//   producer_latency --scaling [--seconds S] [--rounds R]
//     Aggregate throughput of start + 2 attributes + end (span_bench's loop) with one thread on
//     CPU 0, then two threads on CPUs 0 and 1, alternated R times (default 5); prints each
//     round and the median ratio two/one, next to the same ratio for the floor (two
//     clock_gettime reads and a 120-byte copy into a buffer of the thread's own, as span_bench's
//     BM_FloorTwoClockReadsAndCopy): work that shares nothing, so its ratio is what the
//     machine's two CPUs give (a VM's vCPUs may share a physical core).
//
// The machine may be shared: read ratios and the tail, not absolute figures, and repeat.
#include <pthread.h>
#include <sys/resource.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tracelet/tracelet.h"

namespace {

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

void pin_to_first(int cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c = 0; c < cpus; ++c) CPU_SET(c, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// Log-linear histogram of nanoseconds: exact below 64 ns, then 32 buckets per power of two
// (within ~3 %), up to 2^40 ns.
class Histogram {
 public:
  static constexpr int kSub = 32;
  static constexpr int kBuckets = 64 + (40 - 6) * kSub;
  void add(std::uint64_t ns) { ++counts_[static_cast<std::size_t>(index(ns))]; ++total_; }
  void merge(const Histogram& other) {
    for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ = std::max(max_, other.max_);
  }
  void note_max(std::uint64_t ns) { max_ = std::max(max_, ns); }
  std::uint64_t total() const { return total_; }
  std::uint64_t max() const { return max_; }
  // Upper edge of the bucket holding the q-quantile.
  std::uint64_t quantile(double q) const {
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_));
    if (rank >= total_) rank = total_ - 1;
    std::uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[static_cast<std::size_t>(i)];
      if (seen > rank) return upper(i);
    }
    return max_;
  }

 private:
  static int index(std::uint64_t ns) {
    if (ns < 64) return static_cast<int>(ns);
    int e = 63 - __builtin_clzll(ns);
    if (e >= 40) return kBuckets - 1;
    int sub = static_cast<int>((ns >> (e - 5)) & (kSub - 1));
    return 64 + (e - 6) * kSub + sub;
  }
  static std::uint64_t upper(int i) {
    if (i < 64) return static_cast<std::uint64_t>(i);
    int e = (i - 64) / kSub + 6;
    int sub = (i - 64) % kSub;
    return ((static_cast<std::uint64_t>(kSub + sub + 1)) << (e - 5)) - 1;
  }
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

struct Args {
  int producers = 4;
  double seconds = 2.0;
  std::size_t ring_kib = 64;
  bool overwrite = false;
  int cpus = 2;
  bool scaling = false;
  int rounds = 5;
  long count = 0;
};

bool init_tracer(tracelet::Tracer& tracer, std::vector<std::uint8_t>& memory, bool overwrite) {
  tracelet::Options options;
  options.service_name = "producer-latency";
  options.ring_memory = tracelet::ByteSpan{memory.data(), memory.size()};
  options.overflow = overwrite ? tracelet::Overflow::kOverwriteOldest : tracelet::Overflow::kDropNewest;
  return tracer.init(options) == tracelet::Status::kOk;
}

int run_latency(const Args& args) {
  std::vector<std::uint8_t> memory(args.ring_kib * 1024 + tracelet::Ring::kControlBytes);
  static tracelet::Tracer tracer;
  if (!init_tracer(tracer, memory, args.overwrite)) return 2;
  std::atomic<bool> stop{false};
  std::atomic<int> producing{args.producers};
  std::vector<Histogram> histograms(static_cast<std::size_t>(args.producers));
  std::vector<Histogram> not_preempted(static_cast<std::size_t>(args.producers));
  std::vector<std::uint64_t> attempts(static_cast<std::size_t>(args.producers));
  std::uint64_t consumed = 0;

  std::thread consumer([&] {
    pin_to_first(args.cpus);
    for (;;) {
      bool done = producing.load() == 0;
      tracelet::Batch batch;
      if (tracer.ring().peek_batch(batch, 256) != tracelet::Status::kOk) {
        if (done) break;
        std::this_thread::yield();
        continue;
      }
      consumed += batch.count;
      tracer.ring().commit(batch);
    }
  });
  std::vector<std::thread> threads;
  for (int p = 0; p < args.producers; ++p) {
    threads.emplace_back([&, p] {
      pin_to_first(args.cpus);
      Histogram& h = histograms[static_cast<std::size_t>(p)];
      Histogram& running = not_preempted[static_cast<std::size_t>(p)];
      rusage before{};
      getrusage(RUSAGE_THREAD, &before);
      std::uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const std::uint64_t begin = now_ns();
        {
          auto span = tracer.start_span("latency");
          span.set_attribute("n", static_cast<std::int64_t>(n));
        }
        const std::uint64_t took = now_ns() - begin;
        h.add(took);
        h.note_max(took);
        rusage after{};
        getrusage(RUSAGE_THREAD, &after);
        // A sample with a voluntary switch (a blocking wait) stays in: only preemption is
        // set apart.
        if (after.ru_nivcsw == before.ru_nivcsw || after.ru_nvcsw != before.ru_nvcsw) {
          running.add(took);
          running.note_max(took);
        }
        before = after;
        ++n;
      }
      attempts[static_cast<std::size_t>(p)] = n;
      producing.fetch_sub(1);
    });
  }
  const std::uint64_t start = now_ns();
  std::this_thread::sleep_for(std::chrono::duration<double>(args.seconds));
  stop.store(true);
  for (auto& t : threads) t.join();
  const double elapsed = static_cast<double>(now_ns() - start) / 1e9;
  consumer.join();

  Histogram all, running;
  std::uint64_t attempted = 0;
  for (std::size_t p = 0; p < histograms.size(); ++p) {
    all.merge(histograms[p]);
    running.merge(not_preempted[p]);
    attempted += attempts[p];
  }
  tracelet::TracerCounters c = tracer.counters();
  const std::uint64_t dropped = c.spans_dropped_full + c.spans_dropped_overwritten + c.spans_dropped_too_large;
  std::printf("producers=%d cpus=%d ring=%zu KiB overflow=%s seconds=%.2f\n", args.producers, args.cpus,
              args.ring_kib, args.overwrite ? "overwrite-oldest" : "drop-newest", elapsed);
  auto print = [](const char* what, const Histogram& h) {
    std::printf("%s: p50=%llu p99=%llu p99.9=%llu p99.99=%llu max=%llu (n=%llu)\n", what,
                static_cast<unsigned long long>(h.quantile(0.5)),
                static_cast<unsigned long long>(h.quantile(0.99)),
                static_cast<unsigned long long>(h.quantile(0.999)),
                static_cast<unsigned long long>(h.quantile(0.9999)),
                static_cast<unsigned long long>(h.max()), static_cast<unsigned long long>(h.total()));
  };
  print("start+end ns", all);
  print("start+end ns, measuring thread not preempted", running);
  std::printf("spans/s=%.0f attempted=%llu recorded=%llu dropped_full=%llu overwritten=%llu consumed=%llu\n",
              static_cast<double>(attempted) / elapsed, static_cast<unsigned long long>(attempted),
              static_cast<unsigned long long>(c.spans_recorded),
              static_cast<unsigned long long>(c.spans_dropped_full),
              static_cast<unsigned long long>(c.spans_dropped_overwritten),
              static_cast<unsigned long long>(consumed));
  const bool adds_up = attempted == c.spans_recorded + c.spans_dropped_full + c.spans_dropped_too_large &&
                       c.spans_recorded == consumed + c.spans_dropped_overwritten && c.spans_recorded != 0;
  std::printf("counters %s\n", adds_up ? "add up" : "DO NOT ADD UP");
  (void)dropped;
  tracer.shutdown();
  return adds_up ? 0 : 1;
}

std::uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

struct Throughput {
  double spans_per_s = 0;      // all threads together, over wall-clock time
  double cpu_ns_per_span = 0;  // CPU time the threads spent, per span
};

// span_bench's loop on `threads` threads (thread i on CPU i) for `seconds`. On a shared
// machine the wall-clock figure depends on what else runs; CPU time per span does much less,
// and grows only with what the threads cost each other (cache lines, retries).
// The floor's work: no state shared between threads.
void floor_work(std::int64_t i) {
  alignas(64) thread_local std::uint8_t record[128];
  alignas(64) thread_local std::uint8_t ring[1 << 16];
  timespec start{};
  timespec end{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  std::memcpy(record, &start, sizeof start);
  clock_gettime(CLOCK_MONOTONIC, &end);
  std::memcpy(record + sizeof start, &end, sizeof end);
  const std::size_t at = static_cast<std::size_t>(i % 512) * 128;
  std::memcpy(ring + at, record, 120);
  asm volatile("" : : "r"(ring) : "memory");
}

Throughput throughput(tracelet::Tracer* tracer, int threads, double seconds) {
  std::atomic<bool> stop{false};
  std::atomic<int> ready{0};
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(threads));
  std::vector<std::uint64_t> cpu(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      pin_to(t);
      ready.fetch_add(1);
      while (ready.load() < threads) {}
      const std::uint64_t cpu_start = thread_cpu_ns();
      std::int64_t i = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (tracer == nullptr) {
          floor_work(i++);
          continue;
        }
        auto span = tracer->start_span("read-sensor");
        span.set_attribute("sensor.id", i++);
        span.set_attribute("unit", "celsius");
      }
      counts[static_cast<std::size_t>(t)] = static_cast<std::uint64_t>(i);
      cpu[static_cast<std::size_t>(t)] = thread_cpu_ns() - cpu_start;
    });
  }
  while (ready.load() < threads) {}
  const std::uint64_t start = now_ns();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop.store(true);
  for (auto& w : workers) w.join();
  const double elapsed = static_cast<double>(now_ns() - start) / 1e9;
  std::uint64_t total = 0;
  std::uint64_t cpu_total = 0;
  for (std::size_t t = 0; t < counts.size(); ++t) {
    total += counts[t];
    cpu_total += cpu[t];
  }
  return Throughput{static_cast<double>(total) / elapsed,
                    static_cast<double>(cpu_total) / static_cast<double>(total)};
}

int run_scaling(const Args& args) {
  // As span_bench: 1 MiB ring, overwrite-oldest, no consumer (a full ring must not change the
  // cost), so the figure compares with span_bench's threads:1 and threads:2.
  std::vector<std::uint8_t> memory((1u << 20) + tracelet::Ring::kControlBytes);
  static tracelet::Tracer tracer;
  if (!init_tracer(tracer, memory, true)) return 2;
  std::vector<double> ratios;
  std::vector<double> cpu_ratios;
  std::vector<double> floor_ratios;
  std::vector<double> floor_cpu_ratios;
  for (int r = 0; r < args.rounds; ++r) {
    const Throughput floor_one = throughput(nullptr, 1, args.seconds / 2);
    const Throughput floor_two = throughput(nullptr, 2, args.seconds / 2);
    const Throughput one = throughput(&tracer, 1, args.seconds);
    const Throughput two = throughput(&tracer, 2, args.seconds);
    floor_ratios.push_back(floor_two.spans_per_s / floor_one.spans_per_s);
    floor_cpu_ratios.push_back(2 * floor_one.cpu_ns_per_span / floor_two.cpu_ns_per_span);
    ratios.push_back(two.spans_per_s / one.spans_per_s);
    // Two threads on two free cores would reach 2 x one thread's rate, less what they cost
    // each other: 2 x (CPU per span alone) / (CPU per span together).
    cpu_ratios.push_back(2 * one.cpu_ns_per_span / two.cpu_ns_per_span);
    std::printf("round %d: 1 thread %.2f M spans/s (%.1f CPU ns/span), 2 threads %.2f M spans/s "
                "(%.1f CPU ns/span): ratio %.2f, from CPU time %.2f; floor %.2f, from CPU time %.2f\n",
                r + 1, one.spans_per_s / 1e6, one.cpu_ns_per_span, two.spans_per_s / 1e6,
                two.cpu_ns_per_span, ratios.back(), cpu_ratios.back(), floor_ratios.back(),
                floor_cpu_ratios.back());
  }
  std::sort(ratios.begin(), ratios.end());
  std::sort(cpu_ratios.begin(), cpu_ratios.end());
  std::sort(floor_ratios.begin(), floor_ratios.end());
  std::sort(floor_cpu_ratios.begin(), floor_cpu_ratios.end());
  std::printf("median ratio two/one: wall clock %.2f (min %.2f, max %.2f), from CPU time %.2f; "
              "floor (shares nothing) %.2f, from CPU time %.2f\n",
              ratios[ratios.size() / 2], ratios.front(), ratios.back(), cpu_ratios[cpu_ratios.size() / 2],
              floor_ratios[floor_ratios.size() / 2], floor_cpu_ratios[floor_cpu_ratios.size() / 2]);
  tracer.shutdown();
  return 0;
}

int run_count(long spans) {
  std::vector<std::uint8_t> memory((1u << 20) + tracelet::Ring::kControlBytes);
  static tracelet::Tracer tracer;
  if (!init_tracer(tracer, memory, true)) return 2;
  for (std::int64_t i = 0; i < spans; ++i) {
    auto span = tracer.start_span("read-sensor");
    span.set_attribute("sensor.id", i);
    span.set_attribute("unit", "celsius");
  }
  std::printf("recorded %llu\n", static_cast<unsigned long long>(tracer.counters().spans_recorded));
  tracer.shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--producers") args.producers = std::atoi(value());
    else if (a == "--seconds") args.seconds = std::atof(value());
    else if (a == "--ring-kib") args.ring_kib = static_cast<std::size_t>(std::atol(value()));
    else if (a == "--cpus") args.cpus = std::atoi(value());
    else if (a == "--rounds") args.rounds = std::atoi(value());
    else if (a == "--count") args.count = std::atol(value());
    else if (a == "--overwrite") args.overwrite = true;
    else if (a == "--scaling") args.scaling = true;
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (args.producers < 1 || args.seconds <= 0 || args.ring_kib < 1 || args.cpus < 1 || args.rounds < 1) {
    std::fprintf(stderr, "bad arguments\n");
    return 2;
  }
  if (args.count > 0) return run_count(args.count);
  return args.scaling ? run_scaling(args) : run_latency(args);
}
