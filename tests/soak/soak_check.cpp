// tracelet_soak_check: the verdict of a soak run (tools/soak.sh). Reads what every producer
// run recorded (<dir>/gen-<N>.progress, soak_progress.h) and what the receiver wrote before
// acknowledging (its --jsonl file, across all its restarts), and accounts for every span:
//
//   recorded = delivered (unique) + dropped (counted by the tracer) + lost
//
// "recorded" is every span whose end() returned (the progress file's per-thread sequence),
// plus the span a kill caught inside end() when it reached the receiver anyway. A span is
// delivered when a complete line with its name is in the jsonl file. Duplicates are allowed
// for batches in flight at a kill: at most (receiver kills + producer kills) x batch size.
//
//   tracelet_soak_check --dir DIR --jsonl FILE --receiver-kills N --producer-kills N --batch N
//
// Prints a totals table and one "totals:" line; exit status 0 if nothing was lost and every
// counter adds up, 1 otherwise, 2 on a usage error or unreadable input.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "soak_progress.h"

namespace {

using tracelet::soak::Progress;
using tracelet::soak::RunState;

struct Args {
  std::string dir, jsonl;
  std::uint64_t receiver_kills = 0, producer_kills = 0, batch = 0;
};

// delivered[generation][thread][sequence] = times a complete jsonl line named the span.
using Deliveries = std::vector<std::vector<std::vector<std::uint16_t>>>;

struct JsonlStats {
  std::uint64_t lines = 0;
  std::uint64_t soak_spans = 0;  // complete records naming a soak span
  std::uint64_t torn = 0;        // records cut by a receiver kill (never acknowledged)
  std::uint64_t foreign = 0;     // soak-looking names that do not parse
};

bool parse_u64(std::string_view& s, std::uint64_t& out) {
  std::size_t i = 0;
  out = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') out = out * 10 + static_cast<std::uint64_t>(s[i++] - '0');
  if (i == 0) return false;
  s.remove_prefix(i);
  return true;
}

// One record the receiver wrote: {"request":...,"name":"soak/G/T/S",...}. A record is
// complete when it ends with the "}}" that closes its status and the span; a kill during the
// write leaves a prefix, and the next receiver's first record follows on the same line.
void scan_record(std::string_view rec, Deliveries& delivered, JsonlStats& st) {
  while (!rec.empty() && (rec.back() == '\n' || rec.back() == '\r')) rec.remove_suffix(1);
  static constexpr std::string_view kName = "\"name\":\"soak/";
  const std::size_t at = rec.find(kName);
  if (at == std::string_view::npos) return;
  if (rec.size() < 2 || rec.substr(rec.size() - 2) != "}}") {
    ++st.torn;
    return;
  }
  std::string_view s = rec.substr(at + kName.size());
  std::uint64_t g = 0, t = 0, q = 0;
  if (!parse_u64(s, g) || s.empty() || s[0] != '/') return void(++st.foreign);
  s.remove_prefix(1);
  if (!parse_u64(s, t) || s.empty() || s[0] != '/') return void(++st.foreign);
  s.remove_prefix(1);
  if (!parse_u64(s, q) || s.empty() || s[0] != '"' || g > 1000000 || t >= tracelet::soak::kMaxThreads ||
      q > (std::uint64_t{1} << 32)) {
    return void(++st.foreign);
  }
  if (delivered.size() <= g) delivered.resize(g + 1);
  auto& threads = delivered[g];
  if (threads.size() <= t) threads.resize(t + 1);
  auto& seqs = threads[t];
  if (seqs.size() <= q) seqs.resize(q + 1 + q / 2, 0);
  if (seqs[q] < 0xFFFF) ++seqs[q];
  ++st.soak_spans;
}

bool scan_jsonl(const std::string& path, Deliveries& delivered, JsonlStats& st) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    std::fprintf(stderr, "soak check: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  std::string line;
  char buffer[1 << 16];
  static constexpr std::string_view kStart = "{\"request\":";
  auto take_line = [&](std::string_view l) {
    ++st.lines;
    std::size_t from = l.find(kStart);
    while (from != std::string_view::npos) {
      const std::size_t next = l.find(kStart, from + 1);
      scan_record(l.substr(from, next == std::string_view::npos ? std::string_view::npos : next - from), delivered, st);
      from = next;
    }
  };
  for (;;) {
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, f);
    if (got == 0) break;
    std::string_view chunk(buffer, got);
    for (;;) {
      const std::size_t nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        line.append(chunk);
        break;
      }
      line.append(chunk.substr(0, nl));
      take_line(line);
      line.clear();
      chunk.remove_prefix(nl + 1);
    }
  }
  if (!line.empty()) take_line(line);  // no newline: the last write was cut
  std::fclose(f);
  return true;
}

// Maps <dir>/gen-<generation>.progress read-only (kept mapped until exit); nullptr with
// `exists` false when there is no such file.
const Progress* load_progress(const std::string& dir, std::uint32_t generation, bool& exists, bool& ok) {
  const std::string path = dir + "/gen-" + std::to_string(generation) + ".progress";
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  exists = fd >= 0;
  ok = true;
  if (!exists) return nullptr;
  struct stat st{};
  const Progress* p = nullptr;
  if (fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) == sizeof(Progress)) {
    void* map = mmap(nullptr, sizeof(Progress), PROT_READ, MAP_SHARED, fd, 0);
    if (map != MAP_FAILED) p = static_cast<const Progress*>(map);
  }
  close(fd);
  ok = p != nullptr && p->magic == tracelet::soak::kProgressMagic && p->size == sizeof(Progress) &&
       p->generation == generation && p->threads >= 1 && p->threads <= tracelet::soak::kMaxThreads;
  if (!ok) std::fprintf(stderr, "soak check: %s is not a progress file of this build\n", path.c_str());
  return ok ? p : nullptr;
}

using u64 = unsigned long long;

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* v = argv[i + 1];
    if (key == "--dir") a.dir = v;
    else if (key == "--jsonl") a.jsonl = v;
    else if (key == "--receiver-kills") a.receiver_kills = std::strtoull(v, nullptr, 10);
    else if (key == "--producer-kills") a.producer_kills = std::strtoull(v, nullptr, 10);
    else if (key == "--batch") a.batch = std::strtoull(v, nullptr, 10);
  }
  if (a.dir.empty() || a.jsonl.empty() || a.batch == 0) {
    std::fprintf(stderr, "usage: tracelet_soak_check --dir DIR --jsonl FILE --receiver-kills N "
                         "--producer-kills N --batch N\n");
    return 2;
  }

  std::vector<const Progress*> runs;
  for (std::uint32_t g = 0;; ++g) {
    bool exists = false, ok = false;
    const Progress* p = load_progress(a.dir, g, exists, ok);
    if (!exists) break;
    if (!ok) return 2;
    runs.push_back(p);
  }
  if (runs.empty()) {
    std::fprintf(stderr, "soak check: no gen-0.progress in %s\n", a.dir.c_str());
    return 2;
  }

  Deliveries delivered;
  JsonlStats js;
  if (!scan_jsonl(a.jsonl, delivered, js)) return 2;

  // ---- every span of every run ----
  std::uint64_t completed = 0, inflight_delivered = 0, unique = 0, undelivered = 0, duplicates = 0;
  std::uint64_t phantom = 0, dropped = 0, dropped_full = 0, dropped_overwritten = 0, dropped_too_large = 0;
  std::uint64_t dropped_at_reset = 0, adopted = 0, exported_sum = 0, export_failures = 0, connect_failures = 0;
  std::uint64_t killed_runs = 0, threads_at_kills = 0;
  std::vector<std::string> problems;
  std::vector<std::string> gaps;  // where spans are missing: shown when the drops do not explain them
  auto problem = [&](std::string text) {
    if (problems.size() < 20) problems.push_back(std::move(text));
  };
  for (std::size_t g = 0; g < runs.size(); ++g) {
    const Progress& r = *runs[g];
    const bool last = g + 1 == runs.size();
    const auto state = static_cast<RunState>(r.state.load());
    const bool killed = state != RunState::kStopped;
    if (killed) {
      ++killed_runs;
      threads_at_kills += r.threads;
    }
    if (last != !killed) {
      problem("run " + std::to_string(g) + (killed ? " was killed but is the last run" : " stopped cleanly but is not the last run"));
    }
    if (state == RunState::kStarting) problem("run " + std::to_string(g) + " never finished Tracer::init");
    adopted += r.adopted.load();
    dropped_at_reset += r.dropped_at_reset.load();
    dropped_full += r.dropped_full.load();
    dropped_overwritten += r.dropped_overwritten.load();
    dropped_too_large += r.dropped_too_large.load();
    exported_sum += r.spans_exported.load();
    export_failures += r.export_failures.load();
    connect_failures += r.connect_failures.load();
    for (std::uint32_t t = 0; t < tracelet::soak::kMaxThreads; ++t) {
      const std::uint64_t done = t < r.threads ? r.completed[t].load() : 0;
      completed += done;
      static const std::vector<std::uint16_t> kNone;
      const auto& seqs = g < delivered.size() && t < delivered[g].size() ? delivered[g][t] : kNone;
      std::uint64_t first_missing = UINT64_MAX, missing_here = 0;
      for (std::uint64_t q = 0; q < seqs.size() || q < done; ++q) {
        const std::uint16_t times = q < seqs.size() ? seqs[q] : 0;
        if (q < done) {
          if (times == 0) {
            ++missing_here;
            if (first_missing == UINT64_MAX) first_missing = q;
          } else {
            ++unique;
            duplicates += times - 1u;
          }
        } else if (times != 0) {
          if (q == done && killed) {  // the span a kill caught inside end(): written after all
            ++inflight_delivered;
            ++unique;
            duplicates += times - 1u;
          } else {
            ++phantom;
            problem("span soak/" + std::to_string(g) + "/" + std::to_string(t) + "/" + std::to_string(q) +
                    " was delivered but never recorded (thread completed " + std::to_string(done) + ")");
          }
        }
      }
      undelivered += missing_here;
      if (missing_here != 0 && gaps.size() < 20) {
        gaps.push_back("run " + std::to_string(g) + " thread " + std::to_string(t) + ": " + std::to_string(missing_here) +
                " of " + std::to_string(done) + " recorded span(s) not delivered, first soak/" + std::to_string(g) +
                "/" + std::to_string(t) + "/" + std::to_string(first_missing));
      }
    }
  }
  for (std::size_t g = runs.size(); g < delivered.size(); ++g) {
    for (const auto& seqs : delivered[g]) {
      for (std::uint16_t times : seqs) phantom += times != 0;
    }
  }
  dropped = dropped_full + dropped_overwritten + dropped_too_large;
  const std::uint64_t recorded = completed + inflight_delivered;
  // Each drop counter holds every completed span's drop, and at a kill possibly the drop of
  // the span a thread was still ending (not counted as recorded): at most one per thread.
  const std::int64_t lost = static_cast<std::int64_t>(undelivered) - static_cast<std::int64_t>(dropped);
  const std::uint64_t kills = a.receiver_kills + a.producer_kills;
  const std::uint64_t duplicate_bound = kills * a.batch;

  // ---- the last run's own counters (it stopped cleanly, so they are whole) ----
  const Progress& fin = *runs.back();
  const std::uint64_t fin_exported = fin.spans_exported.load() + fin.spans_rejected.load() +
                                     fin.spans_dropped_non_retryable.load();
  bool ok = true;
  auto require = [&](bool cond, const std::string& what) {
    if (!cond) {
      ok = false;
      problem(what);
    }
  };
  require(lost <= 0, "lost " + std::to_string(lost) + " span(s): recorded but neither delivered nor counted as dropped");
  require(lost >= -static_cast<std::int64_t>(threads_at_kills),
          "counted drops exceed the missing spans by " + std::to_string(-lost) + " (more than one per thread per kill)");
  require(phantom == 0, std::to_string(phantom) + " delivered span(s) that no run recorded");
  require(duplicates <= duplicate_bound, "duplicates " + std::to_string(duplicates) + " exceed the bound " +
                                             std::to_string(duplicate_bound) + " (kills x batch)");
  require(dropped_at_reset <= threads_at_kills,
          "dropped_at_reset " + std::to_string(dropped_at_reset) + " exceeds one per thread per kill (" +
              std::to_string(threads_at_kills) + ")");
  require(killed_runs == a.producer_kills, "runs killed " + std::to_string(killed_runs) + " but the script killed " +
                                               std::to_string(a.producer_kills));
  require(static_cast<RunState>(fin.state.load()) == RunState::kStopped, "the last run did not stop cleanly");
  require(fin.final_flush_ok.load() == 1 && fin.final_pending.load() == 0,
          "the last run's flush left " + std::to_string(fin.final_pending.load()) + " span(s) in the ring");
  require(fin.final_recorded.load() == fin.final_acknowledged.load() + fin.final_pending.load(),
          "last run: recorded " + std::to_string(fin.final_recorded.load()) + " != acknowledged " +
              std::to_string(fin.final_acknowledged.load()) + " + pending " + std::to_string(fin.final_pending.load()));
  require(fin_exported == fin.final_acknowledged.load(),
          "last run: exporter's exported+rejected+non-retryable " + std::to_string(fin_exported) +
              " != tracer's acknowledged " + std::to_string(fin.final_acknowledged.load()));
  require(recorded > 0 && unique > 0, "nothing was recorded or delivered");

  std::printf("\n==== soak totals ====\n");
  std::printf("  %-44s %12llu  (%llu killed with SIGKILL, 1 stopped with SIGTERM)\n", "producer runs",
              static_cast<u64>(runs.size()), static_cast<u64>(killed_runs));
  std::printf("  %-44s %12llu\n", "receiver kills (SIGKILL) and restarts", static_cast<u64>(a.receiver_kills));
  std::printf("  %-44s %12llu  (end() returned %llu + caught by a kill, delivered %llu)\n", "spans recorded",
              static_cast<u64>(recorded), static_cast<u64>(completed), static_cast<u64>(inflight_delivered));
  std::printf("  %-44s %12llu\n", "spans delivered (unique)", static_cast<u64>(unique));
  std::printf("  %-44s %12llu  (ring full %llu, overwritten %llu, too large %llu)\n", "spans dropped (counted)",
              static_cast<u64>(dropped), static_cast<u64>(dropped_full), static_cast<u64>(dropped_overwritten),
              static_cast<u64>(dropped_too_large));
  std::printf("  %-44s %12lld\n", "lost (recorded - delivered - dropped)", static_cast<long long>(lost < 0 ? 0 : lost));
  std::printf("  %-44s %12llu  (bound: %llu kills x batch %llu = %llu)\n", "duplicates (batches in flight at a kill)",
              static_cast<u64>(duplicates), static_cast<u64>(kills), static_cast<u64>(a.batch),
              static_cast<u64>(duplicate_bound));
  std::printf("  %-44s %12llu  (adopted by the next run: %llu spans in all)\n",
              "records cut by a kill (dropped_at_reset)", static_cast<u64>(dropped_at_reset), static_cast<u64>(adopted));
  std::printf("  %-44s %12llu  (%llu lines, %llu cut by a receiver kill)\n", "receiver jsonl: soak span records",
              static_cast<u64>(js.soak_spans), static_cast<u64>(js.lines), static_cast<u64>(js.torn));
  std::printf("  %-44s %12llu  (runs' last snapshots; failed exports %llu, failed connects %llu)\n",
              "exporter: spans acknowledged", static_cast<u64>(exported_sum), static_cast<u64>(export_failures),
              static_cast<u64>(connect_failures));
  std::printf("  %-44s recorded %llu (adopted %llu) = acknowledged %llu + pending %llu; exporter %llu\n",
              "last run's counters", static_cast<u64>(fin.final_recorded.load()), static_cast<u64>(fin.adopted.load()),
              static_cast<u64>(fin.final_acknowledged.load()), static_cast<u64>(fin.final_pending.load()),
              static_cast<u64>(fin_exported));
  for (const std::string& p : problems) std::printf("  PROBLEM: %s\n", p.c_str());
  if (lost > 0) {
    for (const std::string& g : gaps) std::printf("  missing: %s\n", g.c_str());
  }
  std::printf("totals: recorded=%llu delivered=%llu dropped=%llu lost=%lld duplicates=%llu duplicate_bound=%llu "
              "producer_kills=%llu receiver_kills=%llu result=%s\n",
              static_cast<u64>(recorded), static_cast<u64>(unique), static_cast<u64>(dropped),
              static_cast<long long>(lost < 0 ? 0 : lost), static_cast<u64>(duplicates),
              static_cast<u64>(duplicate_bound), static_cast<u64>(a.producer_kills),
              static_cast<u64>(a.receiver_kills), ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
