// tracelet on a device without IP: MPS2-AN386 records spans from its main loop (nested three
// deep) and from the CMSDK timer 0 interrupt (a span with a child, every 5 ms), and ships them
// as framed OTLP requests over UART0 with the serial exporter. tools/bridge forwards the frames
// to an OTLP/HTTP collector. Runs 60 ms of emulated time, prints a summary line over
// semihosting, and exits 0 only if every recorded span was sent.
//
// Two things a real link does are reproduced on purpose, so the bridge's recovery is exercised
// end to end (tests/cortex_m/serial_e2e.cmake):
//   - a boot banner in plain text on the same UART before the first frame (noise to skip);
//   - one transmit error in the middle of a frame after ~2500 bytes (as a driver reporting an
//     overrun would): the exporter keeps the batch and sends it again in a fresh frame with the
//     same sequence number; the bridge drops the broken copy by its CRC.
//
//   qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none
//     -semihosting-config enable=on,target=native -icount shift=0
//     -serial file:uart.bin -kernel mps2_an386_serial_demo.elf
//   tracelet-bridge --input uart.bin --endpoint https://127.0.0.1:4318/v1/traces --ca ca.crt
#include <cstdint>
#include <cstring>

#include "board.h"
#include "demo_workload.h"
#include "tracelet/serial_exporter.h"
#include "tracelet/tracelet.h"
#include "tracelet_cortex_m.h"
#include "uart.h"

namespace {

alignas(8) std::uint8_t g_ring[16384];
volatile std::uint32_t g_ticks = 0;

constexpr std::uint32_t kFaultAfterBytes = 2500;

// UART0 with one injected transmit error. The frame that is being written when the byte count
// passes kFaultAfterBytes loses the last 4 bytes of the current write (so its header, and with
// it its sequence number, has reached the bridge), and the next write fails.
struct FaultyUart {
  std::uint32_t sent = 0;
  bool cutting = false;
  bool done = false;
};
FaultyUart g_uart;

std::int32_t uart_send(void* ctx, const std::uint8_t* data, std::size_t len) {
  auto* uart = static_cast<FaultyUart*>(ctx);
  if (uart->cutting) {
    uart->cutting = false;
    uart->done = true;
    return static_cast<std::int32_t>(tracelet::Status::kDataLoss);
  }
  if (!uart->done && uart->sent + len > kFaultAfterBytes && len > 24) {
    len -= 4;
    uart->cutting = true;
  }
  static const tracelet::Transport kUart = board::uart0_transport();
  const std::int32_t n = kUart.send(kUart.ctx, data, len);
  if (n > 0) uart->sent += static_cast<std::uint32_t>(n);
  return n;
}

void log_line(void*, tracelet::LogLevel, const char* line) {
  board::write("serial-demo: log: ");
  board::write(line);
  board::write("\n");
}

void on_timer() {
  board::timer0_clear();
  const std::uint32_t tick = g_ticks;
  demo::record_tick(tick, board::kTimer0Irq);
  g_ticks = tick + 1;
}

void busy_wait_us(std::uint32_t us) {
  const std::uint32_t start = board::reference_ticks();
  while (board::reference_ticks() - start < us * (board::kCoreClockHz / 1000000u)) {
  }
}

void write_field(const char* name, std::uint64_t value) {
  board::write(" ");
  board::write(name);
  board::write("=");
  board::write_uint(value);
}

}  // namespace

int main() {
  if (tracelet::cortex_m::init(board::kCoreClockHz) != tracelet::Status::kOk) return 1;
  static const tracelet::Attribute kResource[] = {{"device.id", "mps2-an386-qemu"},
                                                  {"link", "uart0"}};
  tracelet::Options options;
  options.service_name = "mps2-serial-demo";
  options.resource_attributes = kResource;
  options.resource_attribute_count = 2;
  options.ring_memory = tracelet::ByteSpan{g_ring, sizeof g_ring};
  if (tracelet::init(options) != tracelet::Status::kOk) return 1;

  board::uart0_init(115200);
  static const char kBanner[] = "serial-demo: booting, traces follow on this UART\r\n";
  (void)board::uart0_write(reinterpret_cast<const std::uint8_t*>(kBanner), sizeof kBanner - 1);

  tracelet::Transport link;
  link.ctx = &g_uart;
  link.send = &uart_send;
  tracelet::SerialExporterConfig config;
  config.max_batch_spans = 16;
  config.max_payload_bytes = 2048;
  config.retry_delay_ms = 1;
  config.log = &log_line;
  static tracelet::SerialExporter serial;
  if (serial.init(tracelet::default_tracer(), link, config) != tracelet::Status::kOk) return 1;

  board::set_irq_handler(board::kTimer0Irq, on_timer, 0x40);
  board::timer0_start(board::kCoreClockHz / 200u);  // 5 ms
  std::uint32_t rounds = 0;
  const std::uint32_t start = board::reference_ticks();
  while (board::reference_ticks() - start < board::kCoreClockHz / 1000u * 60u) {
    demo::record_round(rounds, &busy_wait_us);
    ++rounds;
    if (rounds % 4u == 0) (void)serial.poll();  // one frame of up to 16 spans
  }
  board::timer0_stop();
  const tracelet::Status flushed = serial.flush();

  const tracelet::TracerCounters tc = tracelet::default_tracer().counters();
  const tracelet::SerialExporterCounters sc = serial.counters();
  const std::uint64_t dropped = tc.spans_dropped_full + tc.spans_dropped_overwritten + tc.spans_dropped_too_large;
  board::write("serial-demo:");
  write_field("rounds", rounds);
  write_field("ticks", g_ticks);
  write_field("recorded", tc.spans_recorded);
  write_field("dropped", dropped);
  write_field("frames", sc.frames_sent);
  write_field("spans_sent", sc.spans_sent);
  write_field("bytes", sc.bytes_sent);
  write_field("write_failures", sc.write_failures);
  write_field("too_large", sc.spans_dropped_too_large);
  write_field("next_seq", serial.next_sequence());
  board::write("\n");
  const bool complete = flushed == tracelet::Status::kOk && dropped == 0 &&
                        sc.spans_sent == tc.spans_recorded && serial.pending_spans() == 0;
  board::write(complete ? "serial-demo: all recorded spans sent\n"
                        : "serial-demo: FAILED: not every recorded span was sent\n");
  tracelet::shutdown();
  return complete ? 0 : 1;
}
