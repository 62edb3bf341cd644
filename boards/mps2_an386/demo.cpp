// tracelet on MPS2-AN386: a main loop that records nested spans while CMSDK timer 0 records a
// span from its interrupt every 5 ms; every 10 ms the main loop prints what the ring holds
// with the console exporter (semihosting). Runs 50 ms of emulated time, then exits 0.
//   qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none
//     -semihosting-config enable=on,target=native -icount shift=0 -kernel mps2_an386_demo.elf
#include <cstdint>

#include "board.h"
#include "tracelet/console_exporter.h"
#include "tracelet/tracelet.h"
#include "tracelet_cortex_m.h"

namespace {

alignas(8) std::uint8_t g_ring[4096];
volatile std::uint32_t g_ticks = 0;

void on_timer() {
  board::timer0_clear();
  // An interrupt handler is its own execution context: this span is a root, not a child of
  // whatever the main loop had open when the interrupt hit.
  tracelet::Span span = tracelet::start_span("timer-tick");
  span.set_attribute("tick", static_cast<std::int64_t>(g_ticks));
  g_ticks = g_ticks + 1;
}

void write_line(void*, const char* line, std::size_t) {
  board::write(line);
  board::write("\n");
}

void busy_wait_us(std::uint32_t us) {
  std::uint32_t start = board::reference_ticks();
  while (board::reference_ticks() - start < us * (board::kCoreClockHz / 1000000u)) {
  }
}

}  // namespace

int main() {
  if (tracelet::cortex_m::init(board::kCoreClockHz) != tracelet::Status::kOk) return 1;
  tracelet::Options options;
  options.service_name = "mps2-demo";
  options.ring_memory = tracelet::ByteSpan{g_ring, sizeof g_ring};
  if (tracelet::init(options) != tracelet::Status::kOk) return 1;

  board::set_irq_handler(board::kTimer0Irq, on_timer, 0x40);
  board::timer0_start(board::kCoreClockHz / 200u);  // 5 ms
  tracelet::ConsoleExporter console;
  console.write = write_line;
  std::uint32_t start = board::reference_ticks();
  for (int round = 0; board::reference_ticks() - start < board::kCoreClockHz / 20u; ++round) {
    {
      tracelet::Span loop = tracelet::start_span("control-loop");
      loop.set_attribute("round", round);
      {
        tracelet::Span read = tracelet::start_span("read-sensor");
        busy_wait_us(700);
        read.set_attribute("sensor", "temperature");
      }
      tracelet::Span act = tracelet::start_span("actuate");
      busy_wait_us(300);
    }
    if (round % 10 == 9) (void)tracelet::export_to_console(tracelet::default_tracer(), console);
  }
  board::timer0_stop();
  (void)tracelet::export_to_console(tracelet::default_tracer(), console);
  tracelet::TracerCounters counters = tracelet::default_tracer().counters();
  board::write("spans recorded ");
  board::write_uint(counters.spans_recorded);
  board::write(", dropped ");
  board::write_uint(counters.spans_dropped_full);
  board::write(", timer ticks ");
  board::write_uint(g_ticks);
  board::write("\n");
  tracelet::shutdown();
  return 0;
}
