// ns per span for start + 2 attributes + end, on the posix port (real clock, real lock).
#include <benchmark/benchmark.h>
#include <time.h>

#include <cstring>

#include "tracelet/tracelet.h"

namespace {

tracelet::Tracer& bench_tracer() {
  static std::uint8_t memory[1 << 20];
  static tracelet::Tracer tracer;
  if (!tracer.initialised()) {
    tracelet::Options options;
    options.service_name = "bench";
    options.ring_memory = tracelet::ByteSpan{memory, sizeof memory};
    options.overflow = tracelet::Overflow::kOverwriteOldest;  // a full ring still records
    if (tracer.init(options) != tracelet::Status::kOk) std::abort();
  }
  return tracer;
}

// What an exporter that keeps up does: takes every record out of the ring.
void drain(tracelet::Tracer& tracer) {
  tracelet::Batch batch;
  while (tracer.ring().peek_batch(batch, 512) == tracelet::Status::kOk) tracer.ring().commit(batch);
}

void record_span(tracelet::Tracer& tracer, std::int64_t i) {
  auto span = tracer.start_span("read-sensor");
  span.set_attribute("sensor.id", i);
  span.set_attribute("unit", "celsius");
}

// A span recorded into a ring with room, as on a device whose exporter keeps up: the first
// thread empties the ring, outside the timing, every 1024 of its spans (a 1 MiB ring holds
// about 8,700 of these records).
void BM_SpanStartTwoAttributesEnd(benchmark::State& state) {
  tracelet::Tracer& tracer = bench_tracer();
  if (state.thread_index() == 0) drain(tracer);
  std::int64_t i = 0;
  for (auto _ : state) {
    record_span(tracer, i++);
    if ((i & 1023) == 0 && state.thread_index() == 0) {
      state.PauseTiming();
      drain(tracer);
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SpanStartTwoAttributesEnd)->Threads(1)->Threads(2)->UseRealTime();

// The same into a ring that stays full (overwrite-oldest): each span also evicts the oldest.
void BM_SpanIntoAFullRingEvictingTheOldest(benchmark::State& state) {
  tracelet::Tracer& tracer = bench_tracer();
  std::int64_t i = 0;
  for (auto _ : state) record_span(tracer, i++);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SpanIntoAFullRingEvictingTheOldest);

// The floor a span is compared with: what recording one cannot avoid, two clock_gettime
// (CLOCK_MONOTONIC) reads and a copy of the span's 120 ring bytes into a cache-resident buffer.
void BM_FloorTwoClockReadsAndCopy(benchmark::State& state) {
  alignas(8) static std::uint8_t record[120];
  alignas(8) static std::uint8_t ring[1 << 16];
  std::size_t at = 0;
  for (auto _ : state) {
    timespec start{};
    timespec end{};
    clock_gettime(CLOCK_MONOTONIC, &start);
    std::memcpy(record, &start, sizeof start);
    clock_gettime(CLOCK_MONOTONIC, &end);
    std::memcpy(record + sizeof start, &end, sizeof end);
    std::memcpy(ring + at, record, sizeof record);
    at = at + 128 < sizeof ring ? at + 128 : 0;
    benchmark::DoNotOptimize(ring);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FloorTwoClockReadsAndCopy);

void BM_SpanDisabledAtRuntime(benchmark::State& state) {
  static std::uint8_t memory[4096];
  static tracelet::Tracer tracer;
  if (!tracer.initialised()) {
    tracelet::Options options;
    options.service_name = "bench";
    options.ring_memory = tracelet::ByteSpan{memory, sizeof memory};
    options.start_disabled = true;
    if (tracer.init(options) != tracelet::Status::kOk) std::abort();
  }
  for (auto _ : state) {
    auto span = tracer.start_span("read-sensor");
    span.set_attribute("sensor.id", 1);
    span.set_attribute("unit", "celsius");
  }
}
BENCHMARK(BM_SpanDisabledAtRuntime);

}  // namespace

BENCHMARK_MAIN();
