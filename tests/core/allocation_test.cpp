// Proves "no heap after init": counts every malloc/new in the process while 100 000 spans are
// recorded, consumed and OTLP-encoded, and likewise for log records (tracelet::log, logf)
// encoded as OTLP logs.
#include <gtest/gtest.h>
#include <pb_encode.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "otlp/encode.h"
#include "tracelet/log_record.h"
#include "tracelet/tracelet.h"

extern "C" void* __libc_malloc(std::size_t);
extern "C" void* __libc_calloc(std::size_t, std::size_t);
extern "C" void* __libc_realloc(void*, std::size_t);
extern "C" void __libc_free(void*);

namespace {
std::atomic<long> g_allocations{0};
std::atomic<bool> g_counting{false};
void note() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
}
}  // namespace

extern "C" void* malloc(std::size_t n) {
  note();
  return __libc_malloc(n);
}
extern "C" void* calloc(std::size_t n, std::size_t m) {
  note();
  return __libc_calloc(n, m);
}
extern "C" void* realloc(void* p, std::size_t n) {
  note();
  return __libc_realloc(p, n);
}
extern "C" void free(void* p) { __libc_free(p); }
void* operator new(std::size_t n) {
  note();
  void* p = __libc_malloc(n ? n : 1);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t) noexcept { __libc_free(p); }

namespace {

// Where the self-check's pointers escape to: a compiler may drop an allocation whose result is
// never used (clang -O2 removes a malloc/free or new/delete pair), and then nothing is counted.
void* volatile g_escape = nullptr;

// What the exporter does with the ring, without a socket: takes every batch of `signal`
// records, encodes it (into a sizing stream that writes nothing) and commits it.
struct Encoded {
  std::size_t bytes = 0;
  std::size_t records = 0;
};

void encode_and_commit_all(tracelet::Tracer& tracer, tracelet::otlp::Signal signal, Encoded& encoded) {
  tracelet::Batch batch;
  while (tracer.ring().peek_batch(batch, 128) == tracelet::Status::kOk) {
    tracelet::otlp::RequestSource source;
    source.ring = &tracer.ring();
    source.batch = batch;
    source.resource = tracer.resource();
    source.signal = signal;
    tracelet::otlp::RequestPlan plan;
    bool ok = tracelet::otlp::plan_request(source, plan);
    pb_ostream_t sink = PB_OSTREAM_SIZING;  // stands in for a socket: writes nothing
    ok = ok && tracelet::otlp::encode_request(source, plan, &sink) && sink.bytes_written == plan.bytes;
    if (!ok) return;
    encoded.bytes += sink.bytes_written;
    encoded.records += plan.spans;
    tracer.ring().commit(batch);
  }
}

void init_with_ring(tracelet::Tracer& tracer, std::uint8_t* memory, std::size_t size) {
  tracelet::Options options;
  options.service_name = "alloc-test";
  options.ring_memory = tracelet::ByteSpan{memory, size};
  ASSERT_EQ(tracer.init(options), tracelet::Status::kOk);
}

TEST(Allocation, CounterSeesAllocations) {
  g_allocations = 0;
  g_counting = true;
  void* p = std::malloc(16);
  g_escape = p;
  int* q = new int(3);
  g_escape = q;
  g_counting = false;
  std::free(p);
  delete q;
  EXPECT_EQ(g_allocations.load(), 2) << "the counter itself must work";
}

TEST(Allocation, NoHeapWhileRecordingConsumingAndEncoding100000Spans) {
  static std::uint8_t memory[256 * 1024];
  tracelet::Tracer tracer;
  init_with_ring(tracer, memory, sizeof memory);
  ASSERT_TRUE(tracer.initialised());

  Encoded encoded;
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 100000; ++i) {
    auto outer = tracer.start_span("work");
    outer.set_attribute("iteration", i);
    outer.set_attribute("phase", "measure");
    {
      auto inner = tracer.start_span("read-sensor");
      inner.add_event("sample", {{"raw", i & 1023}});
      if (i % 100 == 0) inner.record_error("Timeout", "no answer");
    }
    if (i % 256 == 255) encode_and_commit_all(tracer, tracelet::otlp::Signal::kTraces, encoded);
  }
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0);
  tracelet::TracerCounters counters = tracer.counters();
  EXPECT_EQ(counters.spans_recorded, 200000u);
  EXPECT_EQ(counters.spans_dropped_full, 0u);
  EXPECT_GT(encoded.records, 199000u);
  EXPECT_GT(encoded.bytes, encoded.records * 50);
}

TEST(Allocation, NoHeapWhileLoggingConsumingAndEncoding100000LogRecords) {
  static std::uint8_t memory[256 * 1024];
  tracelet::Tracer tracer;
  init_with_ring(tracer, memory, sizeof memory);
  ASSERT_TRUE(tracer.initialised());

  Encoded encoded;
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 50000; ++i) {
    auto span = tracer.start_span("work");
    const tracelet::Attribute attributes[] = {{"iteration", i}, {"phase", "measure"}};
    tracelet::log(tracer, tracelet::Severity::kInfo, "reading the sensor", attributes, 2);
    tracelet::logf(tracer, tracelet::Severity::kWarn, "sensor %d answered %ld mV", i & 7, 3000L + (i & 255));
    if (i % 128 == 127) encode_and_commit_all(tracer, tracelet::otlp::Signal::kLogs, encoded);
  }
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0);
  tracelet::TracerCounters counters = tracer.counters();
  EXPECT_EQ(counters.logs_recorded, 100000u);
  EXPECT_EQ(counters.logs_dropped, 0u);
  EXPECT_GT(encoded.records, 99000u);
  EXPECT_GT(encoded.bytes, encoded.records * 60);
}

}  // namespace
