#include "demo_workload.h"

#include "tracelet/tracelet.h"

namespace demo {

void record_round(std::uint32_t round, WorkFn work) noexcept {
  tracelet::Span loop = tracelet::start_span("control-loop");
  loop.set_attribute("round", static_cast<std::int64_t>(round));
  {
    tracelet::Span read = tracelet::start_span("read-sensor");
    read.set_attribute("sensor", "temperature");
    if (work != nullptr) work(300);
    read.set_attribute("celsius", 21.5 + 0.25 * static_cast<double>(round % 8u));
  }
  tracelet::Span act = tracelet::start_span("actuate");
  act.set_attribute("duty", static_cast<std::int64_t>(40u + round % 20u));
  {
    tracelet::Span pwm = tracelet::start_span("set-pwm");
    pwm.set_attribute("channel", static_cast<std::int64_t>(round % 2u));
    pwm.set_attribute("ok", true);
    if (work != nullptr) work(150);
  }
}

void record_tick(std::uint32_t tick, std::uint32_t irq) noexcept {
  tracelet::Span span = tracelet::start_span("timer-tick");
  span.set_attribute("tick", static_cast<std::int64_t>(tick));
  span.set_attribute("irq", static_cast<std::int64_t>(irq));
  {
    tracelet::Span adc = tracelet::start_span("sample-adc");
    adc.set_attribute("channel", static_cast<std::int64_t>(tick % 4u));
    adc.set_attribute("millivolts", static_cast<std::int64_t>(1200u + 37u * (tick % 11u)));
  }
}

}  // namespace demo
