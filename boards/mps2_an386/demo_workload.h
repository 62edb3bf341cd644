#pragma once
// The spans both demo images record (serial_demo.cpp over UART, tls_demo.cpp over TLS), so the
// host tests check one workload (tests/support/demo_workload_check.h): a main-loop round of four
// spans nested three deep, and a timer interrupt's root span with a child.
#include <cstdint>

namespace demo {

/// Busy work inside a span, in microseconds; nullptr = none.
using WorkFn = void (*)(std::uint32_t us);

/// "control-loop" (round) > "read-sensor" (sensor, celsius), "actuate" (duty) > "set-pwm"
/// (channel, ok). `work` runs 300 µs inside read-sensor and 150 µs inside set-pwm.
void record_round(std::uint32_t round, WorkFn work) noexcept;

/// "timer-tick" (tick, irq) > "sample-adc" (channel, millivolts), from the interrupt handler.
/// An interrupt is its own execution context: timer-tick is a root span whatever the main loop
/// had open when the interrupt hit.
void record_tick(std::uint32_t tick, std::uint32_t irq) noexcept;

}  // namespace demo
