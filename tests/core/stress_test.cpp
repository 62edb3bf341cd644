// Many producers and one consumer on the posix port: every span (and every log record) is
// delivered intact exactly once or counted as dropped. Built and run under ThreadSanitizer too (see tools/test.sh).
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "core/span_record.h"
#include "support/core_test_support.h"
#include "tracelet/log_record.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

struct StressResult {
  std::uint64_t consumed = 0;
  std::uint64_t corrupt = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t releases = 0;
};

StressResult run_stress(Tracer& tracer, int producers, int spans_each) {
  std::atomic<int> running{producers};
  StressResult result;
  std::vector<std::vector<bool>> seen(static_cast<std::size_t>(producers),
                                      std::vector<bool>(static_cast<std::size_t>(spans_each)));
  std::thread consumer([&] {
    int round = 0;
    for (;;) {
      bool done = running.load() == 0;
      Batch batch;
      Status status = tracer.ring().peek_batch(batch, 64);
      if (status != Status::kOk) {
        if (done) break;
        std::this_thread::yield();
        continue;
      }
      // Pretend the collector said 503 (keep the batch, retry later) from the first batch on:
      // producers may be done before the consumer's seventh batch.
      if (++round % 7 == 1) {
        tracer.ring().release(batch);
        ++result.releases;
        continue;
      }
      RecordCursor cursor = tracer.ring().cursor(batch);
      const std::uint8_t* data = nullptr;
      std::size_t len = 0;
      while (tracer.ring().next(cursor, data, len)) {
        testing_support::ReadSpan span;
        const testing_support::ReadAttribute* producer = nullptr;
        const testing_support::ReadAttribute* seq = nullptr;
        if (testing_support::read_record(data, len, span)) {
          producer = span.attribute("producer");
          seq = span.attribute("seq");
        }
        if (producer == nullptr || seq == nullptr || span.name != "stress" ||
            producer->i < 0 || producer->i >= producers || seq->i < 0 || seq->i >= spans_each) {
          ++result.corrupt;
          continue;
        }
        auto&& slot = seen[static_cast<std::size_t>(producer->i)][static_cast<std::size_t>(seq->i)];
        if (slot) ++result.duplicates;
        slot = true;
        ++result.consumed;
      }
      tracer.ring().commit(batch);
    }
  });
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < spans_each; ++i) {
        auto span = tracer.start_span("stress");
        span.set_attribute("producer", p);
        span.set_attribute("seq", i);
        if (i % 3 == 0) span.add_event("tick", {{"i", i}});
      }
      running.fetch_sub(1);
    });
  }
  for (auto& t : threads) t.join();
  consumer.join();
  return result;
}

TEST(Stress, ManyProducersOneConsumerDropNewest) {
  static std::uint8_t memory[32 * 1024];  // small on purpose: the ring fills and drops
  Tracer tracer;
  Options options;
  options.service_name = "stress";
  options.ring_memory = ByteSpan{memory, sizeof memory};
  ASSERT_EQ(tracer.init(options), Status::kOk);
  const int kProducers = 4, kSpans = 20000;
  StressResult r = run_stress(tracer, kProducers, kSpans);
  TracerCounters c = tracer.counters();
  EXPECT_EQ(r.corrupt, 0u);
  EXPECT_EQ(r.duplicates, 0u);
  EXPECT_EQ(c.spans_recorded + c.spans_dropped_full, std::uint64_t{kProducers * kSpans});
  EXPECT_EQ(r.consumed, c.spans_recorded) << "every accepted span reached the consumer once";
  EXPECT_EQ(c.spans_acknowledged, c.spans_recorded);
  EXPECT_GT(r.releases, 0u);
}

TEST(Stress, ManyProducersOneConsumerOverwriteOldest) {
  static std::uint8_t memory[32 * 1024];
  Tracer tracer;
  Options options;
  options.service_name = "stress";
  options.ring_memory = ByteSpan{memory, sizeof memory};
  options.overflow = Overflow::kOverwriteOldest;
  ASSERT_EQ(tracer.init(options), Status::kOk);
  const int kProducers = 4, kSpans = 20000;
  StressResult r = run_stress(tracer, kProducers, kSpans);
  TracerCounters c = tracer.counters();
  EXPECT_EQ(r.corrupt, 0u);
  EXPECT_EQ(r.duplicates, 0u);
  EXPECT_EQ(c.spans_recorded + c.spans_dropped_full, std::uint64_t{kProducers * kSpans});
  EXPECT_EQ(r.consumed + c.spans_dropped_overwritten, c.spans_recorded);
}

// Log records share the ring with spans: threads log inside their spans while one consumer
// drains; each record arrives once with its span's ids, or is counted as dropped.
TEST(Stress, ManyProducersLoggingInsideSpansOneConsumer) {
  static std::uint8_t memory[32 * 1024];
  Tracer tracer;
  Options options;
  options.service_name = "stress";
  options.ring_memory = ByteSpan{memory, sizeof memory};
  ASSERT_EQ(tracer.init(options), Status::kOk);
  const int kProducers = 4, kSpans = 5000;
  std::atomic<int> running{kProducers};
  std::uint64_t logs = 0, spans = 0, orphans = 0, corrupt = 0;
  std::thread consumer([&] {
    std::vector<std::uint64_t> span_ids;
    for (;;) {
      const bool done = running.load() == 0;
      Batch batch;
      if (tracer.ring().peek_batch(batch, 64) != Status::kOk) {
        if (done) break;
        std::this_thread::yield();
        continue;
      }
      RecordCursor cursor = tracer.ring().cursor(batch);
      const std::uint8_t* data = nullptr;
      std::size_t len = 0;
      detail::SpanRecordReader record;
      while (tracer.ring().next(cursor, data, len)) {
        if (!record.parse(data, len)) {
          ++corrupt;
          continue;
        }
        if (!record.is_log()) {
          ++spans;
          continue;
        }
        ++logs;
        // A log record carries a span id, and its body names the producer that wrote it.
        std::uint64_t zero = 0;
        if (std::memcmp(record.head().span_id, &zero, 8) == 0 || record.name().rfind("producer ", 0) != 0) ++orphans;
      }
      tracer.ring().commit(batch);
    }
  });
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kSpans; ++i) {
        auto span = tracer.start_span("stress");
        logf(tracer, Severity::kInfo, "producer %d record %d", p, i);
      }
      running.fetch_sub(1);
    });
  }
  for (auto& t : threads) t.join();
  consumer.join();
  const TracerCounters c = tracer.counters();
  EXPECT_EQ(corrupt, 0u);
  EXPECT_EQ(orphans, 0u);
  EXPECT_EQ(c.logs_recorded + c.logs_dropped, std::uint64_t{kProducers * kSpans});
  EXPECT_EQ(logs, c.logs_recorded) << "every accepted log record reached the consumer once";
  EXPECT_EQ(spans, c.spans_recorded);
}

}  // namespace
}  // namespace tracelet
