// tracelet on a device with IP: MPS2-AN386 records spans from its main loop (nested three deep)
// and from the CMSDK timer 0 interrupt, and ships them itself as OTLP/HTTP over TLS: the
// exporter polled from the main loop, Mbed TLS in a fixed arena, lwIP (port/lwip) on the
// LAN9118. The collector's CA is compiled in (collector_ca.h), its name is checked and sent as
// SNI; the collector is reached by address (no DNS).
//
// Under QEMU the collector is `tracelet-receiver` on the host, reached through user-mode
// networking with restrict=on and one guestfwd rule (tests/cortex_m/lwip_e2e.cmake):
//   qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none
//     -semihosting-config enable=on,target=native,arg=tls_demo,arg=record-ms=300
//     -nic user,model=lan9118,restrict=on,guestfwd=tcp:10.0.2.100:4318-cmd:CONNECTOR
//     -kernel mps2_an386_tls_demo.elf
//
// Runs `record-ms` of recording, then keeps polling until every span was acknowledged or
// `drain-ms` passed, then records and ships one more full batch back to back to measure the
// per-span cost on the open connection; prints a summary and figures (TLS heap peak, handshake
// and per-span CPU, boot to first acknowledged batch, stack high-water mark) over semihosting
// and exits 0 only if every recorded span was delivered.
#include <mbedtls/memory_buffer_alloc.h>

#include <cstdint>

#include "board.h"
#include "collector_ca.h"
#include "command_line.h"
#include "demo_workload.h"
#include "ethernet.h"
#include "tracelet/exporter.h"
#include "tracelet/net_connector.h"
#include "tracelet/port.h"
#include "tracelet/tracelet.h"
#include "tracelet_cortex_m.h"
#include "tracelet_lwip.h"

extern "C" std::uint32_t __stack_limit;  // mps2_an386.ld
extern "C" std::uint32_t __stack_top;

namespace {

alignas(8) std::uint8_t g_ring[16384];
// Mbed TLS's heap: the CA, two record buffers (16 KB in, 4 KB out) and the handshake state.
alignas(8) unsigned char g_tls_arena[48 * 1024];
volatile std::uint32_t g_ticks = 0;
// End of the recording window. The interrupt checks it itself: an export that blocks the main
// loop (a handshake, a retry) must not let the interrupt record past the window.
volatile std::uint64_t g_record_end_ns = 0;

constexpr std::uint32_t kStackPaint = 0xA5A5A5A5u;
constexpr std::uint32_t kTickMs = 20;
constexpr std::uint32_t kRoundMs = 20;
constexpr std::uint32_t kMeasuredBatch = 64;  // = max_export_batch_size: one request

std::uint64_t now_ns() { return tracelet::port::monotonic_ns(); }

// Fills the unused part of the stack with a pattern, so the deepest use can be read at the end.
// Stops 256 bytes below the current stack pointer (this function's own frame and the caller's).
__attribute__((noinline)) void paint_stack() {
  std::uint32_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (std::uint32_t* word = &__stack_limit; reinterpret_cast<std::uint32_t>(word) < sp - 256; ++word) {
    *word = kStackPaint;
  }
}

std::uint32_t stack_peak_bytes() {
  const std::uint32_t* word = &__stack_limit;
  while (word < &__stack_top && *word == kStackPaint) ++word;
  return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(&__stack_top) -
                                    reinterpret_cast<std::uintptr_t>(word));
}

void log_line(void*, tracelet::LogLevel, const char* line) {
  board::write("tls-demo: log: ");
  board::write(line);
  board::write("\n");
}

void write_field(const char* name, std::uint64_t value) {
  board::write(" ");
  board::write(name);
  board::write("=");
  board::write_uint(value);
}

// The first successful connect (TCP + full TLS handshake), measured: elapsed monotonic time and
// the part the CPU worked (elapsed minus the port's idle waits for the network). Under QEMU's
// -icount shift=0 both are instruction counts.
struct MeasuredConnector {
  tracelet::Connector inner;
  bool measured = false;
  std::uint64_t elapsed_ns = 0;
  std::uint64_t busy_ns = 0;
  std::size_t heap_peak = 0;
  std::size_t heap_after = 0;
};
MeasuredConnector g_measured;

tracelet::Status measured_open(void* ctx, const char* host, std::uint16_t port, bool tls,
                               std::uint32_t timeout_ms, tracelet::Transport* out, char* error,
                               std::size_t error_cap) {
  auto* m = static_cast<MeasuredConnector*>(ctx);
  const std::uint64_t start = now_ns();
  const std::uint64_t idle = tracelet::lwip::idle_wait_ns();
  const tracelet::Status status =
      m->inner.open(m->inner.ctx, host, port, tls, timeout_ms, out, error, error_cap);
  if (status == tracelet::Status::kOk && !m->measured) {
    m->measured = true;
    m->elapsed_ns = now_ns() - start;
    m->busy_ns = m->elapsed_ns - (tracelet::lwip::idle_wait_ns() - idle);
    std::size_t blocks = 0;
    mbedtls_memory_buffer_alloc_max_get(&m->heap_peak, &blocks);
    mbedtls_memory_buffer_alloc_cur_get(&m->heap_after, &blocks);
  }
  return status;
}

void measured_close(void* ctx) {
  auto* m = static_cast<MeasuredConnector*>(ctx);
  m->inner.close(m->inner.ctx);
}

void on_timer() {
  board::timer0_clear();
  if (tracelet::port::monotonic_ns() >= g_record_end_ns) {
    board::timer0_stop();
    return;
  }
  const std::uint32_t tick = g_ticks;
  demo::record_tick(tick, board::kTimer0Irq);
  g_ticks = tick + 1;
}

// Waits while keeping lwIP and the exporter running, as a firmware's idle loop would.
std::uint64_t g_first_ack_ns = 0;
void idle_until(std::uint64_t until, tracelet::Exporter& exporter) {
  while (now_ns() < until) {
    (void)exporter.poll();
    (void)tracelet::lwip::service();
    if (g_first_ack_ns == 0 && exporter.counters().exports_succeeded > 0) g_first_ack_ns = now_ns();
  }
}

// CPU work of exports on a connection that was already open (encoding, HTTP, TLS records, TCP,
// reading the answer), without the polls that found nothing to do.
struct ExportCost {
  std::uint64_t busy_ns = 0;
  std::uint64_t spans = 0;
  std::uint64_t requests = 0;
};

// Polls until nothing is pending or `until` passes; adds what it measured to `cost`.
void drain(tracelet::Exporter& exporter, std::uint64_t until, ExportCost& cost) {
  while (exporter.pending_spans() > 0 && now_ns() < until) {
    const std::uint64_t start = now_ns();
    const std::uint64_t idle = tracelet::lwip::idle_wait_ns();
    const tracelet::ExporterCounters before = exporter.counters();
    (void)exporter.poll();
    const tracelet::ExporterCounters after = exporter.counters();
    if (after.spans_exported > before.spans_exported && after.connects == before.connects) {
      cost.busy_ns += (now_ns() - start) - (tracelet::lwip::idle_wait_ns() - idle);
      cost.spans += after.spans_exported - before.spans_exported;
      cost.requests += after.exports_succeeded - before.exports_succeeded;
    }
    if (g_first_ack_ns == 0 && after.exports_succeeded > 0) g_first_ack_ns = now_ns();
    (void)tracelet::lwip::service();
  }
}

}  // namespace

int main() {
  paint_stack();
  if (tracelet::cortex_m::init(board::kCoreClockHz) != tracelet::Status::kOk) return 1;
  const std::uint32_t record_ms = board::command_line_uint("record-ms", 300);
  const std::uint32_t drain_ms = board::command_line_uint("drain-ms", 30000);

  static const tracelet::Attribute kResource[] = {{"device.id", "mps2-an386-qemu"},
                                                  {"link", "lan9118"}};
  tracelet::Options options;
  options.service_name = "mps2-tls-demo";
  options.resource_attributes = kResource;
  options.resource_attribute_count = 2;
  options.ring_memory = tracelet::ByteSpan{g_ring, sizeof g_ring};
  if (tracelet::init(options) != tracelet::Status::kOk) return 1;
  mbedtls_memory_buffer_alloc_init(g_tls_arena, sizeof g_tls_arena);
  // QEMU user-mode network: the board is 10.0.2.15/24, the gateway 10.0.2.2.
  if (!board::ethernet::start("10.0.2.15", "255.255.255.0", "10.0.2.2")) return 1;

  tracelet::ExporterConfig config;
  config.endpoint = "https://10.0.2.100:4318/v1/traces";
  config.tls_server_name = "collector.tracelet.test";  // SNI and the name the certificate must carry
  config.ca_data = reinterpret_cast<const std::uint8_t*>(kCollectorCaPem);
  config.ca_size = sizeof kCollectorCaPem;
  config.timeout_ms = 5000;
  config.schedule_delay_ms = 200;
  config.max_export_batch_size = 64;
  config.initial_backoff_ms = 300;
  config.max_backoff_ms = 2000;
  config.log = &log_line;
  config.log_level = tracelet::LogLevel::kInfo;
  static tracelet::NetConnector net;
  net.configure(config);
  g_measured.inner = net.connector();
  static tracelet::Exporter exporter;
  if (exporter.init(tracelet::default_tracer(), config,
                    tracelet::Connector{&g_measured, &measured_open, &measured_close}) !=
      tracelet::Status::kOk) {
    return 1;
  }
  board::write("tls-demo: up at 10.0.2.15, exporting to https://10.0.2.100:4318 as collector.tracelet.test\n");

  std::uint32_t rounds = 0;
  const std::uint64_t record_end = now_ns() + std::uint64_t{record_ms} * 1000000u;
  g_record_end_ns = record_end;
  board::set_irq_handler(board::kTimer0Irq, on_timer, 0x40);
  board::timer0_start(board::kCoreClockHz / 1000u * kTickMs);
  while (now_ns() < record_end) {
    const std::uint64_t round_start = now_ns();
    demo::record_round(rounds, nullptr);
    ++rounds;
    idle_until(round_start + std::uint64_t{kRoundMs} * 1000000u, exporter);
  }
  board::timer0_stop();

  // Drain what the window recorded (retrying while the collector is down or refuses).
  const std::uint64_t drain_end = now_ns() + std::uint64_t{drain_ms} * 1000000u;
  ExportCost ignored;
  drain(exporter, drain_end, ignored);
  // Then one full batch on the open connection, for the per-span cost of shipping: recorded
  // back to back (no interrupt, no idle time) and exported as one request.
  ExportCost cost;
  if (exporter.pending_spans() == 0 && exporter.counters().exports_succeeded > 0) {
    for (std::uint32_t i = 0; i < kMeasuredBatch / 4; ++i) demo::record_round(rounds++, nullptr);
    drain(exporter, drain_end, cost);
  }

  const tracelet::TracerCounters tc = tracelet::default_tracer().counters();
  const tracelet::ExporterCounters ec = exporter.counters();
  const std::uint64_t dropped = tc.spans_dropped_full + tc.spans_dropped_overwritten + tc.spans_dropped_too_large;
  board::write("tls-demo:");
  write_field("rounds", rounds);
  write_field("ticks", g_ticks);
  write_field("recorded", tc.spans_recorded);
  write_field("dropped", dropped);
  write_field("exported", ec.spans_exported);
  write_field("pending", exporter.pending_spans());
  write_field("attempts", ec.export_attempts);
  write_field("succeeded", ec.exports_succeeded);
  write_field("failures", ec.export_failures);
  write_field("retries", ec.retries);
  write_field("connects", ec.connects);
  write_field("connect_failures", ec.connect_failures);
  write_field("last_http_status", static_cast<std::uint64_t>(ec.last_http_status));
  board::write("\n");
  board::write("tls-demo: figures");
  write_field("tls_heap_peak", g_measured.heap_peak);
  write_field("tls_heap_after_handshake", g_measured.heap_after);
  write_field("tls_arena", sizeof g_tls_arena);
  write_field("handshake_ns", g_measured.elapsed_ns);
  write_field("handshake_busy_ns", g_measured.busy_ns);
  write_field("export_busy_ns_per_span", cost.spans == 0 ? 0 : cost.busy_ns / cost.spans);
  write_field("export_spans_measured", cost.spans);
  write_field("export_requests_measured", cost.requests);
  write_field("first_ack_ms", g_first_ack_ns / 1000000u);
  write_field("stack_peak", stack_peak_bytes());
  write_field("stack_size", reinterpret_cast<std::uintptr_t>(&__stack_top) -
                                reinterpret_cast<std::uintptr_t>(&__stack_limit));
  board::write("\n");
  const bool complete = dropped == 0 && exporter.pending_spans() == 0 &&
                        ec.spans_exported == tc.spans_recorded;
  board::write(complete ? "tls-demo: all recorded spans delivered\n"
                        : "tls-demo: FAILED: not every recorded span was delivered\n");
  net.close();
  return complete ? 0 : 1;
}
