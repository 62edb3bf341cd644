// Warm resets at random instructions lose at most the spans being written, never the ring.
//
// One QEMU run boots this image many times. Each boot adopts the ring the last boot left in
// .noinit (Tracer::init_keeping_ring), records numbered spans from the main
// loop and from a timer interrupt (which preempts the main loop's pushes), and exports them
// itself: claims a batch, checks every record, tallies it, commits it, or releases it to try
// again (a failed send). The CMSDK watchdog resets the board at a pseudo-random moment of
// every boot — a real hardware reset that PRIMASK does not hold back, so it can land inside
// the ring's critical sections, inside adopt() itself and inside commit's zeroing.
//
// What every boot checks, from tallies kept in .noinit beside the ring:
//   - the ring was adopted (every boot that got through init, but the first);
//   - every record is intact (it parses, its attributes match its boot/producer/sequence);
//   - per boot and producer, the sequence numbers delivered run 0, 1, 2, ... without a gap:
//     every span whose end() returned is delivered; at the end of a boot only the span each
//     producer had in flight may be missing; duplicates only for the batch in flight at a
//     reset (they come first in the next boot's stream);
//   - half-written records dropped by adopt() (dropped_at_reset) are no more than the spans
//     in flight at resets, and no record of a boot shows up after that boot was settled.
// Run parameters (semihosting command line): resets=N (default 100), seed=S (default 1).
// tools/cross/random-reset.sh runs the image with a random seed and any number of resets.
#include <cstdint>
#include <string_view>

#include "board.h"
#include "check.h"
#include "command_line.h"
#include "core/span_record.h"
#include "tracelet/tracelet.h"
#include "tracelet_cortex_m.h"

namespace {

using tracelet::Status;

// ---- the reset source: the CMSDK APB watchdog -------------------------------------------------
// QEMU's MPS2 boards map it at 0x40008000 with its interrupt on the NMI. Started and never fed,
// it counts `load` ticks of the 25 MHz clock, raises the NMI, reloads, and resets the board when
// the count runs out a second time.
struct CmsdkWatchdog {
  std::uint32_t load;
  std::uint32_t value;
  std::uint32_t control;  // bit 0 interrupt (and counter) enable, bit 1 reset enable
  std::uint32_t intclr;
};
volatile CmsdkWatchdog* const kWatchdog = reinterpret_cast<volatile CmsdkWatchdog*>(0x40008000u);
volatile std::uint32_t* const kWatchdogLock = reinterpret_cast<volatile std::uint32_t*>(0x40008C00u);
constexpr std::uint32_t kWatchdogUnlock = 0x1ACCE551u;

void watchdog_start(std::uint32_t load_ticks) {
  *kWatchdogLock = kWatchdogUnlock;
  kWatchdog->load = load_ticks;
  kWatchdog->control = 3u;
  *kWatchdogLock = 0;
}

// ---- state kept across resets (.noinit) -------------------------------------------------------
constexpr std::uint32_t kMain = 0;
constexpr std::uint32_t kIsr = 1;
constexpr std::uint32_t kProducers = 2;
constexpr std::uint32_t kMaxBoots = 4096;
constexpr std::uint32_t kMaxBatch = 6;

// What the main loop was doing; read at the next boot to show where resets landed.
enum Phase : std::uint32_t {
  kInit, kMainSpan, kClaim, kDeliver, kCommit, kRelease, kIdle, kPhases
};
const char* const kPhaseNames[kPhases] = {"init/adopt", "main span", "peek_batch", "check+tally",
                                          "commit",     "release",   "loop"};

struct ProducerTally {
  std::uint32_t started;    // spans begun in that boot: the next sequence number
  std::uint32_t completed;  // spans whose end() had returned
  std::uint32_t delivered;  // spans the exporter delivered: the next sequence number it expects
};
struct BootTally {
  ProducerTally producer[kProducers];
  std::uint32_t init_done;
  std::uint32_t adopted;
  std::uint32_t kept;              // spans adopt() kept at the start of this boot
  std::uint32_t dropped_at_reset;  // records adopt() found half-written
  std::uint32_t duplicates;        // records delivered again (a batch not committed at a reset)
  std::uint32_t settled;           // every record of this boot has left the ring: checked
};
struct RunState {
  std::uint32_t magic;
  std::uint32_t resets_wanted;
  std::uint32_t boot;           // 1-based; boot resets_wanted + 1 drains and reports
  std::uint32_t random;         // xorshift32 state, from seed=
  std::uint32_t phase;          // Phase of the main loop
  std::uint32_t isr_span;       // 1 while the interrupt records a span
  std::uint32_t settled_below;  // boots below this one are settled
  std::uint32_t reset_in[kPhases];
  std::uint32_t reset_in_isr_span;
  BootTally boots[kMaxBoots];
};
constexpr std::uint32_t kMagic = 0x52535431u;  // "RST1"
// volatile: every tally store happens where the code puts it, so a reset sees them in order.
__attribute__((section(".noinit"))) volatile RunState g_run;

__attribute__((section(".noinit"))) alignas(8) std::uint8_t g_ring_memory[8192];
// As in spans_warm_reset_target_test.cpp: raw storage used as the Tracer without constructing
// it, since a constructor would wipe the adopted state.
__attribute__((section(".noinit"))) alignas(tracelet::Tracer) unsigned char g_tracer_storage[sizeof(tracelet::Tracer)];
tracelet::Tracer& g_tracer = *reinterpret_cast<tracelet::Tracer*>(g_tracer_storage);

// Per boot (.bss).
std::uint32_t g_boot = 0;
bool g_delivered_new = false;  // a record not delivered before: duplicates must come first
volatile bool g_isr_records = false;

std::uint32_t next_random() {
  std::uint32_t x = g_run.random;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  g_run.random = x;
  return x;
}

void barrier() { __atomic_signal_fence(__ATOMIC_SEQ_CST); }

[[noreturn]] void fail(const char* what, std::uint32_t boot, std::uint32_t producer, std::uint64_t seq) {
  board::write("FAILED: ");
  board::write(what);
  board::write(" (boot ");
  board::write_uint(boot);
  board::write(", producer ");
  board::write_uint(producer);
  board::write(", seq ");
  board::write_uint(seq);
  board::write(", current boot ");
  board::write_uint(g_boot);
  board::write(")\n");
  board::exit(1);
}

// ---- the spans --------------------------------------------------------------------------------
std::int64_t check_of(std::uint32_t boot, std::uint32_t producer, std::uint32_t seq) {
  std::uint64_t h = (std::uint64_t{boot} << 32 | seq) * 0x9E3779B97F4A7C15ull;
  h ^= (h >> 29) + producer * 0xBF58476D1CE4E5B9ull;
  return static_cast<std::int64_t>(h ^ (h >> 31));
}
// A string whose length and letters depend on the span, so records differ in size and content.
std::string_view fill_of(std::uint32_t boot, std::uint32_t seq, char (&buf)[32]) {
  const std::uint32_t len = (seq * 7u + boot) % 29u;
  for (std::uint32_t i = 0; i < len; ++i) buf[i] = static_cast<char>('a' + (seq + i * 13u + boot) % 26u);
  return std::string_view(buf, len);
}

void record_span(std::uint32_t producer) {
  volatile ProducerTally& tally = g_run.boots[g_boot].producer[producer];
  const std::uint32_t seq = tally.started;
  tally.started = seq + 1;
  barrier();
  {
    char buf[32];
    auto span = g_tracer.start_span(producer == kMain ? "main" : "isr");
    span.set_attribute("boot", g_boot);
    span.set_attribute("producer", producer);
    span.set_attribute("seq", seq);
    span.set_attribute("check", check_of(g_boot, producer, seq));
    span.set_attribute("fill", fill_of(g_boot, seq, buf));
    span.end();
  }
  barrier();
  tally.completed = seq + 1;
}

void timer_handler() {
  board::timer0_clear();
  if (!g_isr_records) return;
  g_run.isr_span = 1;
  barrier();
  record_span(kIsr);
  barrier();
  g_run.isr_span = 0;
}

// ---- the exporter: check and tally --------------------------------------------------------------
struct Decoded {
  std::uint32_t boot = 0;
  std::uint32_t producer = 0;
  std::uint32_t seq = 0;
};

bool decode(const std::uint8_t* data, std::size_t len, Decoded& out) {
  tracelet::detail::SpanRecordReader reader;
  if (!reader.parse(data, len)) return false;
  if (reader.head().start_unix_ns > reader.head().end_unix_ns) return false;
  std::int64_t values[4] = {-1, -1, -1, 0};
  std::string_view fill;
  bool have_fill = false;
  auto attributes = reader.attributes();
  tracelet::detail::AttributeEntry entry;
  static constexpr std::string_view kKeys[4] = {"boot", "producer", "seq", "check"};
  std::size_t count = 0;
  while (attributes.next(entry)) {
    ++count;
    bool known = false;
    for (std::size_t k = 0; k < 4; ++k) {
      if (entry.key == kKeys[k] && entry.value.type() == tracelet::AttributeValue::Type::kInt) {
        values[k] = entry.value.as_int();
        known = true;
      }
    }
    if (entry.key == "fill" && entry.value.type() == tracelet::AttributeValue::Type::kString) {
      fill = entry.value.as_string();
      have_fill = known = true;
    }
    if (!known) return false;
  }
  if (count != 5 || !have_fill) return false;
  for (std::size_t k = 0; k < 3; ++k) {  // boot, producer, seq: 32-bit counts
    if (values[k] < 0 || values[k] > 0xFFFFFFFF) return false;
  }
  out.boot = static_cast<std::uint32_t>(values[0]);
  out.producer = static_cast<std::uint32_t>(values[1]);
  out.seq = static_cast<std::uint32_t>(values[2]);
  if (out.producer >= kProducers || reader.name() != (out.producer == kMain ? "main" : "isr")) return false;
  if (values[3] != check_of(out.boot, out.producer, out.seq)) return false;
  char buf[32];
  return fill == fill_of(out.boot, out.seq, buf);
}

// One record handed to the "collector": checked, then counted once per (boot, producer, seq).
// Returns true if it was recorded in this boot.
bool deliver(const std::uint8_t* data, std::size_t len) {
  Decoded d;
  if (!decode(data, len, d)) fail("corrupt record", 0, 0, len);
  if (d.boot == 0 || d.boot > g_boot) fail("record of a boot that has not happened", d.boot, d.producer, d.seq);
  volatile BootTally& boot = g_run.boots[d.boot];
  if (boot.settled != 0) fail("record of a settled boot came back", d.boot, d.producer, d.seq);
  volatile ProducerTally& tally = boot.producer[d.producer];
  if (d.seq >= tally.started) fail("record never started", d.boot, d.producer, d.seq);
  if (d.seq > tally.delivered) fail("LOST record(s) before this one", d.boot, d.producer, tally.delivered);
  if (d.seq < tally.delivered) {
    if (g_delivered_new) fail("duplicate after new records", d.boot, d.producer, d.seq);
    g_run.boots[g_boot].duplicates = g_run.boots[g_boot].duplicates + 1;
  } else {
    tally.delivered = d.seq + 1;
    g_delivered_new = true;
  }
  return d.boot == g_boot;
}

// Boots before this one whose records have all left the ring: their tallies are final.
void settle_older_boots() {
  for (std::uint32_t b = g_run.settled_below; b < g_boot; ++b) {
    volatile BootTally& boot = g_run.boots[b];
    for (std::uint32_t p = 0; p < kProducers; ++p) {
      volatile ProducerTally& t = boot.producer[p];
      if (t.delivered < t.completed) fail("LOST completed span(s)", b, p, t.delivered);
      if (t.delivered > t.started || t.completed > t.started || t.started > t.completed + 1) {
        fail("inconsistent tally", b, p, t.started);
      }
    }
    boot.settled = 1;
    g_run.settled_below = b + 1;
  }
}

// One exporter pass. Returns false when the ring was empty.
bool export_step() {
  tracelet::Ring& ring = g_tracer.ring();
  if (g_tracer.counters().spans_dropped_full != 0) fail("ring full: the exporter fell behind", g_boot, 0, 0);
  g_run.phase = kClaim;
  tracelet::Batch batch;
  const Status status = ring.peek_batch(batch, 1 + next_random() % kMaxBatch);
  if (status == Status::kUnavailable) {
    g_run.phase = kIdle;
    settle_older_boots();  // nothing left in the ring from earlier boots
    return false;
  }
  if (status != Status::kOk) fail("peek_batch failed", g_boot, 0, static_cast<std::uint32_t>(status));
  if (next_random() % 4 == 0) {  // the send failed: keep the batch for a retry
    g_run.phase = kRelease;
    ring.release(batch);
    g_run.phase = kIdle;
    return true;
  }
  g_run.phase = kDeliver;
  bool reached_this_boot = false;
  tracelet::RecordCursor cursor = ring.cursor(batch);
  const std::uint8_t* data = nullptr;
  std::size_t len = 0;
  std::size_t records = 0;
  while (ring.next(cursor, data, len)) {
    reached_this_boot = deliver(data, len) || reached_this_boot;
    ++records;
  }
  if (records != batch.count) fail("batch shorter than claimed", g_boot, 0, records);
  g_run.phase = kCommit;
  ring.commit(batch);
  g_run.phase = kIdle;
  if (reached_this_boot) settle_older_boots();  // one lane: the ring is in recording order
  return true;
}

// ---- boot -------------------------------------------------------------------------------------
tracelet::Options options() {
  tracelet::Options o;
  o.service_name = "random-reset-test";
  o.ring_memory = tracelet::ByteSpan{g_ring_memory, sizeof g_ring_memory};
  return o;
}

// Starts the watchdog for this boot. It resets 2 x `ticks` ticks later, 80 instructions per tick
// under -icount shift=0: one boot in eight within the first 8000 instructions (adopt() and the
// rest of init), the others after init (about 80000 instructions, mostly seeding the ids) and
// up to ~100 spans later (the ring holds about 45).
void arm_reset() {
  const std::uint32_t r = next_random();
  const std::uint32_t ticks = (r & 7u) == 0 ? 1u + (r >> 8) % 100u : 1000u + (r >> 8) % 6000u;
  watchdog_start(ticks);
  // A few instructions more or less, so the reset lands at every offset of the clock's tick.
  for (volatile std::uint32_t spin = (r >> 3) % 41u; spin != 0; spin = spin - 1) {
  }
}

// One line per boot, printed at the next boot (before the watchdog runs again), so a reset
// never cuts a line or falls between the line and the tally it shows.
void print_boot(std::uint32_t number, const char* reset_in) {
  volatile BootTally& boot = g_run.boots[number];
  board::write("boot ");
  board::write_uint(number);
  if (boot.init_done == 0) {
    board::write(": reset during init");
  } else if (number == 1) {
    board::write(": new ring");
  } else {
    board::write(boot.adopted != 0 ? ": adopted " : ": NOT adopted ");
    board::write_uint(boot.kept);
    board::write(" spans, dropped_at_reset ");
    board::write_uint(boot.dropped_at_reset);
  }
  if (reset_in != nullptr) {
    board::write("; reset in ");
    board::write(reset_in);
  }
  board::write("\n");
}

void report() {
  std::uint64_t completed = 0, delivered = 0, in_flight = 0, in_flight_delivered = 0, kept = 0;
  std::uint64_t dropped_at_reset = 0, duplicates = 0, init_done = 0, adopted = 0, half_written = 0;
  std::uint64_t lost = 0;  // completed spans never delivered
  for (std::uint32_t b = 1; b <= g_boot; ++b) {
    volatile BootTally& boot = g_run.boots[b];
    if (b > 1 && boot.init_done != 0) {
      ++init_done;
      adopted += boot.adopted;
      kept += boot.kept;
      dropped_at_reset += boot.dropped_at_reset;
      half_written += boot.dropped_at_reset != 0 ? 1u : 0u;
    }
    duplicates += boot.duplicates;
    for (std::uint32_t p = 0; p < kProducers; ++p) {
      volatile ProducerTally& t = boot.producer[p];
      completed += t.completed;
      delivered += t.delivered;
      in_flight += t.started - t.completed;
      if (t.delivered < t.completed) {
        lost += t.completed - t.delivered;
      } else {
        in_flight_delivered += t.delivered - t.completed;
      }
    }
  }
  const std::uint32_t resets = g_boot - 1;
  board::write("where the resets hit:");
  for (std::uint32_t p = 0; p < kPhases; ++p) {
    board::write(" ");
    board::write(kPhaseNames[p]);
    board::write(" ");
    board::write_uint(g_run.reset_in[p]);
  }
  board::write("; an interrupt's span in flight ");
  board::write_uint(g_run.reset_in_isr_span);
  board::write("\nrandom resets: ");
  board::write_uint(resets);
  board::write(" resets, ring adopted at ");
  board::write_uint(adopted);
  board::write(" of ");
  board::write_uint(init_done);
  board::write(" boots that finished init, ");
  board::write_uint(kept);
  board::write(" spans adopted, ");
  board::write_uint(completed);
  board::write(" spans completed, ");
  board::write_uint(delivered);
  board::write(" delivered, lost ");
  board::write_uint(lost);
  board::write(", ");
  board::write_uint(in_flight);
  board::write(" in flight at a reset (");
  board::write_uint(in_flight_delivered);
  board::write(" of them delivered), dropped_at_reset ");
  board::write_uint(dropped_at_reset);
  board::write(" (at ");
  board::write_uint(half_written);
  board::write(" resets), duplicates ");
  board::write_uint(duplicates);
  board::write("\n");
  CHECK_EQ(resets, g_run.resets_wanted);
  CHECK_EQ(g_run.settled_below, g_boot);  // every earlier boot's records left the ring, checked
  CHECK(init_done != 0);
  CHECK_EQ(adopted, init_done);
  CHECK_EQ(lost, 0u);
  CHECK_EQ(delivered, completed + in_flight_delivered);
  CHECK(dropped_at_reset <= in_flight - in_flight_delivered);
  CHECK(duplicates <= std::uint64_t{kMaxBatch} * resets);
  CHECK(completed > 0);
}

}  // namespace

// The watchdog's first expiry (its interrupt) comes half-way to the reset: nothing to do.
extern "C" void NMI_Handler(void) {}

int main() {
  if (g_run.magic != kMagic) {  // power-on (a fresh QEMU): start the run
    const std::uint32_t resets = board::command_line_uint("resets", 100);
    if (resets + 2 > kMaxBoots) {
      board::write("FAILED: resets= is above the tally's capacity\n");
      return 1;
    }
    for (auto& boot : g_run.boots) {
      for (auto& p : boot.producer) {
        p.started = 0;
        p.completed = 0;
        p.delivered = 0;
      }
      boot.init_done = 0;
      boot.adopted = 0;
      boot.kept = 0;
      boot.dropped_at_reset = 0;
      boot.duplicates = 0;
      boot.settled = 0;
    }
    for (auto& n : g_run.reset_in) n = 0;
    g_run.reset_in_isr_span = 0;
    g_run.resets_wanted = resets;
    // xorshift32 must not start at 0; neighbouring seeds start far apart.
    const std::uint32_t seed = board::command_line_uint("seed", 1);
    std::uint32_t state = seed * 0x9E3779B9u;
    state ^= state >> 16;
    g_run.random = state != 0 ? state : 1u;
    g_run.boot = 0;
    g_run.phase = kIdle;
    g_run.isr_span = 0;
    g_run.settled_below = 1;
    g_run.magic = kMagic;
    board::write("random reset test: ");
    board::write_uint(resets);
    board::write(" resets, seed ");
    board::write_uint(seed);
    board::write("\n");
  } else {  // a warm reset: note where it hit
    const std::uint32_t phase = g_run.phase < kPhases ? g_run.phase : kIdle;
    g_run.reset_in[phase] = g_run.reset_in[phase] + 1;
    g_run.reset_in_isr_span = g_run.reset_in_isr_span + g_run.isr_span;
    print_boot(g_run.boot, kPhaseNames[phase]);
  }
  g_boot = g_run.boot + 1;
  g_run.boot = g_boot;
  g_run.phase = kInit;
  g_run.isr_span = 0;
  const bool last = g_boot > g_run.resets_wanted;
  if (!last && g_boot > 1) arm_reset();  // the first boot has no ring yet: arm after attach

  if (tracelet::cortex_m::init(board::kCoreClockHz) != Status::kOk) fail("cortex_m::init", g_boot, 0, 0);
  if (g_tracer.init_keeping_ring(options()) != Status::kOk) fail("Tracer::init_keeping_ring", g_boot, 0, 0);
  volatile BootTally& boot = g_run.boots[g_boot];
  const tracelet::TracerCounters at_start = g_tracer.counters();
  boot.adopted = g_tracer.adopted_ring() ? 1u : 0u;
  boot.kept = static_cast<std::uint32_t>(at_start.spans_recorded);
  boot.dropped_at_reset = static_cast<std::uint32_t>(at_start.spans_dropped_at_reset);
  boot.init_done = 1;
  if (g_boot > 1 && boot.adopted == 0) fail("ring NOT adopted", g_boot, 0, 0);
  if (g_boot == 1) arm_reset();
  g_run.phase = kIdle;

  if (last) {  // drain what the last reset left, settle every boot, report
    print_boot(g_boot, nullptr);
    while (export_step()) {
    }
    report();
    g_run.magic = 0;
    return check::finish();
  }
  board::set_irq_handler(board::kTimer0Irq, timer_handler, 0x40);
  g_isr_records = true;
  board::timer0_start(499);  // every ~20000 instructions under -icount shift=0
  for (;;) {
    g_run.phase = kMainSpan;
    record_span(kMain);
    g_run.phase = kIdle;
    (void)export_step();
  }
}
