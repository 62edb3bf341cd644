// A file-backed ring (tracelet::FileRing) survives SIGKILL at random moments: a child process
// runs 4 writer threads and an exporter thread that "sends" each claimed batch into a pipe
// and then commits it; the parent kills the child after a random 0-15 ms, maps the file
// again at another address, adopts the ring and exports what is left. Every record a writer
// completed must reach the parent, once (twice only for the batch in flight at the kill),
// with its bytes intact; a second process opening the file while the child runs is refused.
// Kills: TRACELET_KILLS (default 20, what CI runs); tools/kill-test.sh N runs N.
#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/core_test_support.h"
#include "tracelet/file_ring.h"
#include "tracelet/ring.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

constexpr int kWriters = 4;
constexpr std::size_t kRingBytes = 256 * 1024;
constexpr std::size_t kBatch = 32;

struct RecordId {  // the record head; a body of (seq % 7) * 8 bytes follows, each byte seq + i
  std::uint32_t generation;
  std::uint32_t writer;
  std::uint64_t seq;
};
static_assert(sizeof(RecordId) == 16, "no padding in the record head");

// Shared with the child (anonymous MAP_SHARED): pushes each writer has completed.
struct Progress {
  std::atomic<std::uint64_t> completed[kWriters];
  std::atomic<std::uint64_t> child_map_address;
};

std::uint8_t body_byte(std::uint64_t seq, std::size_t i) { return static_cast<std::uint8_t>(seq * 31 + i); }

// Reads one record: false if its bytes are not what the writer wrote.
bool decode(const std::uint8_t* data, std::size_t len, RecordId& id) {
  if (len < sizeof id) return false;
  std::memcpy(&id, data, sizeof id);
  const std::size_t body = static_cast<std::size_t>(id.seq % 7) * 8;
  if (len != sizeof id + body || id.writer >= kWriters) return false;
  for (std::size_t i = 0; i < body; ++i) {
    if (data[sizeof id + i] != body_byte(id.seq, i)) return false;
  }
  return true;
}

[[noreturn]] void run_child(const std::string& path, std::uint32_t generation, int out_fd, Progress* progress) {
  FileRing file;
  if (file.open(path.c_str(), kRingBytes) != Status::kOk) _exit(3);
  progress->child_map_address.store(reinterpret_cast<std::uintptr_t>(file.memory().data));
  static Ring ring;
  if (ring.adopt(file.memory()) != Status::kOk) {
    if (generation != 0) _exit(4);  // only the very first child may find no ring
    if (ring.attach(file.memory()) != Status::kOk) _exit(5);
  }
  std::vector<std::thread> writers;
  for (std::uint32_t w = 0; w < kWriters; ++w) {
    writers.emplace_back([=] {
      std::uint8_t body[48];
      for (std::uint64_t seq = 0;; ++seq) {
        RecordId id{generation, w, seq};
        const std::size_t len = static_cast<std::size_t>(seq % 7) * 8;
        for (std::size_t i = 0; i < len; ++i) body[i] = body_byte(seq, i);
        while (!ring.push(&id, sizeof id, body, len)) sched_yield();  // full: wait for the exporter
        progress->completed[w].store(seq + 1, std::memory_order_relaxed);
        // A little work between spans keeps the ring from staying full, so kills land inside
        // pushes (claim, copy, publish) and not only in the wait for room.
        for (volatile unsigned spin = 0; spin < (seq % 32) * 16; spin = spin + 1) {
        }
      }
    });
  }
  // The exporter: one batch at a time into the pipe (at most PIPE_BUF bytes: written whole or
  // not at all), then commit. A kill between the two sends that batch again after adoption.
  const char ready = 'R';
  if (write(out_fd, &ready, 1) != 1) _exit(6);
  for (;;) {
    Batch batch;
    if (ring.peek_batch(batch, kBatch) != Status::kOk) {
      sched_yield();
      continue;
    }
    RecordId ids[kBatch];
    std::size_t n = 0;
    RecordCursor cursor = ring.cursor(batch);
    const std::uint8_t* data = nullptr;
    std::size_t len = 0;
    while (ring.next(cursor, data, len)) {
      if (!decode(data, len, ids[n])) _exit(7);  // a torn record reached the exporter
      ++n;
    }
    if (write(out_fd, ids, n * sizeof(RecordId)) != static_cast<ssize_t>(n * sizeof(RecordId))) _exit(8);
    ring.commit(batch);
  }
}

struct Delivery {
  std::map<std::uint64_t, int> times;  // seq -> deliveries
};

class KillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/tracelet-kill-XXXXXX";
    int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    close(fd);
    unlink(name);  // FileRing creates it again
    path_ = name;
    void* shared = mmap(nullptr, sizeof(Progress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(shared, MAP_FAILED);
    progress_ = new (shared) Progress();
  }
  void TearDown() override {
    unlink(path_.c_str());
    if (progress_ != nullptr) munmap(progress_, sizeof(Progress));
  }
  std::string path_;
  Progress* progress_ = nullptr;
};

// Reads the pipe to its end and decodes every whole id in `partial` plus what it read (a
// batch is written whole, so only a kill inside write() could leave a part, which is dropped).
void read_ids(int fd, std::vector<RecordId>& out, std::string& partial) {
  char buffer[4096];
  for (;;) {
    ssize_t got = read(fd, buffer, sizeof buffer);
    if (got <= 0) break;
    partial.append(buffer, static_cast<std::size_t>(got));
  }
  const std::size_t whole = partial.size() / sizeof(RecordId) * sizeof(RecordId);
  for (std::size_t at = 0; at < whole; at += sizeof(RecordId)) {
    RecordId id;
    std::memcpy(&id, partial.data() + at, sizeof id);
    out.push_back(id);
  }
  partial.clear();
}

TEST_F(KillTest, EveryCompletedRecordSurvivesSigkill) {
  const char* env = std::getenv("TRACELET_KILLS");
  const int kills = env != nullptr ? std::atoi(env) : 20;
  ASSERT_GT(kills, 0);
  std::mt19937 random(static_cast<unsigned>(getpid()));
  std::uint64_t adopted_rings = 0, adopted_records = 0, dropped_at_reset = 0, exported_by_child = 0;
  std::uint64_t duplicates = 0, worst_duplicates = 0, moved_address = 0, spacers = 0;

  for (int kill_no = 0; kill_no < kills; ++kill_no) {
    const auto generation = static_cast<std::uint32_t>(kill_no);
    for (auto& c : progress_->completed) c.store(0);
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    fflush(nullptr);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      run_child(path_, generation, fds[1], progress_);
    }
    close(fds[1]);
    char ready = 0;
    ASSERT_EQ(read(fds[0], &ready, 1), 1) << "child did not start (kill " << kill_no << ")";
    {
      FileRing second;
      EXPECT_EQ(second.open(path_.c_str(), kRingBytes), Status::kFailedPrecondition)
          << "a second process must be refused while the child holds the ring";
      EXPECT_NE(std::strstr(second.error(), "in use by another process"), nullptr) << second.error();
    }
    // Drain the pipe while the child runs, then kill it at a random moment.
    std::vector<RecordId> exported;
    std::string partial;
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::microseconds(std::uniform_int_distribution<int>(0, 15000)(random));
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, 1) > 0) {
        char buffer[4096];
        ssize_t got = read(fds[0], buffer, sizeof buffer);
        if (got > 0) partial.append(buffer, static_cast<std::size_t>(got));
      }
    }
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status) << " (kill " << kill_no << ")";
    read_ids(fds[0], exported, partial);  // the rest, up to EOF
    close(fds[0]);
    exported_by_child += exported.size();

    // Back as a new "process": the parent maps the file at another address and adopts.
    // The child's address is taken first, so the file cannot map there again.
    void* child_address = reinterpret_cast<void*>(progress_->child_map_address.load());
    void* spacer = mmap(child_address, kRingBytes, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    FileRing file;
    ASSERT_EQ(file.open(path_.c_str(), kRingBytes), Status::kOk) << file.error();
    if (spacer != MAP_FAILED) {
      munmap(spacer, kRingBytes);
      ++spacers;
    }
    if (reinterpret_cast<std::uintptr_t>(file.memory().data) != progress_->child_map_address.load()) ++moved_address;
    Ring ring;
    ASSERT_EQ(ring.adopt(file.memory()), Status::kOk) << "ring lost at kill " << kill_no;
    ++adopted_rings;
    const RingCounters counters = ring.counters();
    dropped_at_reset += counters.dropped_at_reset;
    EXPECT_LE(counters.dropped_at_reset, std::uint64_t{kWriters}) << "at most one record per writer was in flight";
    std::uint64_t kept = 0;
    Batch batch;
    while (ring.peek_batch(batch, kBatch) == Status::kOk) {
      RecordCursor cursor = ring.cursor(batch);
      const std::uint8_t* data = nullptr;
      std::size_t len = 0;
      while (ring.next(cursor, data, len)) {
        RecordId id;
        ASSERT_TRUE(decode(data, len, id)) << "torn record adopted at kill " << kill_no;
        exported.push_back(id);
        ++kept;
      }
      ring.commit(batch);
    }
    EXPECT_EQ(kept, counters.written);
    adopted_records += kept;
    file.close();  // the ring stays in the file for the next child

    // Every completed push of this generation arrived; nothing that was never pushed did.
    Delivery delivered[kWriters];
    std::uint64_t dup_here = 0;
    for (const RecordId& id : exported) {
      ASSERT_LE(id.generation, generation);
      if (id.generation != generation) {
        ADD_FAILURE() << "a record of generation " << id.generation << " came back at kill " << kill_no;
        continue;
      }
      if (++delivered[id.writer].times[id.seq] > 1) ++dup_here;
    }
    for (int w = 0; w < kWriters; ++w) {
      const std::uint64_t done = progress_->completed[w].load();
      const auto& times = delivered[w].times;
      for (std::uint64_t seq = 0; seq < done; ++seq) {
        ASSERT_TRUE(times.count(seq)) << "writer " << w << " seq " << seq << " of " << done
                                      << " completed but lost at kill " << kill_no << " (delivered "
                                      << times.size() << ", first "
                                      << (times.empty() ? 0 : times.begin()->first) << ", from the ring "
                                      << kept << ", exported before the kill " << exported.size() - kept << ")";
      }
      // The push in flight (seq == done) may have completed just before the kill.
      if (!times.empty()) {
        EXPECT_LE(times.rbegin()->first, done) << "writer " << w;
      }
    }
    EXPECT_LE(dup_here, kBatch) << "duplicates beyond the batch in flight at kill " << kill_no;
    duplicates += dup_here;
    worst_duplicates = std::max(worst_duplicates, dup_here);
  }
  std::printf("kills=%d adopted=%llu/%d moved_address=%llu records: exported_before_kill=%llu "
              "adopted_after=%llu dropped_at_reset=%llu duplicates=%llu (most in one kill %llu)\n",
              kills, static_cast<unsigned long long>(adopted_rings), kills,
              static_cast<unsigned long long>(moved_address),
              static_cast<unsigned long long>(exported_by_child),
              static_cast<unsigned long long>(adopted_records),
              static_cast<unsigned long long>(dropped_at_reset),
              static_cast<unsigned long long>(duplicates), static_cast<unsigned long long>(worst_duplicates));
  EXPECT_EQ(adopted_rings, static_cast<std::uint64_t>(kills));
  EXPECT_GT(adopted_records, 0u);
  // Where the child's address could be taken first (MAP_FIXED_NOREPLACE; emulators may not
  // offer it), the file had to map elsewhere.
  EXPECT_GE(moved_address, spacers);
  EXPECT_GT(moved_address, 0u) << "adoption at another address was never exercised";
}

// The same through the Tracer: a process records spans into a FileRing and is killed; the
// next process's Tracer::init_keeping_ring() adopts them, and its exporter side
// reads them back as spans.
TEST_F(KillTest, TracerAdoptsTheSpansOfAKilledProcess) {
  constexpr int kSpans = 50;
  fflush(nullptr);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    FileRing file;
    if (file.open(path_.c_str(), kRingBytes) != Status::kOk) _exit(3);
    static Tracer tracer;
    Options options;
    options.service_name = "killed";
    options.ring_memory = file.memory();
    if (tracer.init_keeping_ring(options) != Status::kOk) _exit(4);
    for (int i = 0; i < kSpans; ++i) {
      auto span = tracer.start_span("before-the-kill");
      span.set_attribute("i", i);
    }
    raise(SIGKILL);
    _exit(5);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);

  FileRing file;
  ASSERT_EQ(file.open(path_.c_str(), kRingBytes), Status::kOk) << file.error();
  Tracer tracer;
  Options options;
  options.service_name = "restarted";
  options.ring_memory = file.memory();
  ASSERT_EQ(tracer.init_keeping_ring(options), Status::kOk);
  EXPECT_TRUE(tracer.adopted_ring());
  EXPECT_EQ(tracer.counters().spans_recorded, static_cast<std::uint64_t>(kSpans));
  std::vector<bool> seen(kSpans, false);
  Batch batch;
  while (tracer.ring().peek_batch(batch, 16) == Status::kOk) {
    RecordCursor cursor = tracer.ring().cursor(batch);
    const std::uint8_t* data = nullptr;
    std::size_t len = 0;
    while (tracer.ring().next(cursor, data, len)) {
      testing_support::ReadSpan span;
      ASSERT_TRUE(testing_support::read_record(data, len, span));
      EXPECT_EQ(span.name, "before-the-kill");
      const testing_support::ReadAttribute* i = span.attribute("i");
      ASSERT_NE(i, nullptr);
      ASSERT_TRUE(i->i >= 0 && i->i < kSpans);
      EXPECT_FALSE(seen[static_cast<std::size_t>(i->i)]) << "twice: " << i->i;
      seen[static_cast<std::size_t>(i->i)] = true;
    }
    tracer.ring().commit(batch);
  }
  for (int i = 0; i < kSpans; ++i) EXPECT_TRUE(seen[static_cast<std::size_t>(i)]) << "lost span " << i;
  EXPECT_EQ(tracer.counters().spans_acknowledged, static_cast<std::uint64_t>(kSpans));
}

}  // namespace
}  // namespace tracelet
