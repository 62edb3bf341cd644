// Demo device: a sensor node that reads a (simulated) sensor, filters the value and
// publishes it, with nested spans, attributes, events and an occasional error, and ships the
// spans as OTLP/HTTP over TLS. Configured like any OpenTelemetry SDK through OTEL_* variables:
//   OTEL_EXPORTER_OTLP_ENDPOINT=https://api.honeycomb.io OTEL_EXPORTER_OTLP_HEADERS=x-honeycomb-team=KEY
// Usage: sensor_node [--seconds N] [--cycle-ms N] [--console]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tracelet/console_exporter.h"
#include "tracelet/env_config.h"
#include "tracelet/exporter.h"
#include "tracelet/net_connector.h"
#include "tracelet/net_port.h"
#include "tracelet/tracelet.h"

namespace {

alignas(8) std::uint8_t g_ring[64 * 1024];

struct Reading {
  double celsius;
  bool ok;
};

// A thermistor on a noisy bus: a slow sine plus noise, and a NACK now and then.
Reading read_sensor(unsigned cycle) {
  auto span = tracelet::start_span("read-sensor");
  span.set_attribute("sensor.id", "thermistor-0");
  span.set_attribute("bus", "i2c-1");
  tracelet::port::sleep_ms(2);
  if (cycle % 7 == 3) {
    span.record_error("I2cNack", "device 0x48 did not acknowledge");
    return {0, false};
  }
  double value = 21.0 + 3.0 * std::sin(cycle / 10.0) + ((cycle * 7919) % 100) / 200.0;
  span.set_attribute("sensor.raw_celsius", value);
  return {value, true};
}

double filter(double value, double& state, unsigned samples) {
  auto span = tracelet::start_span("filter");
  state = samples == 0 ? value : state * 0.8 + value * 0.2;  // exponential moving average
  span.set_attribute("filter.kind", "ema");
  span.set_attribute("filter.alpha", 0.2);
  span.set_attribute("filter.samples", static_cast<std::int64_t>(samples + 1));
  return state;
}

void publish(double value, unsigned cycle) {
  tracelet::StartOptions producer;
  producer.kind = tracelet::SpanKind::kProducer;
  auto span = tracelet::start_span("publish", producer);
  span.set_attribute("messaging.system", "mqtt");
  span.set_attribute("messaging.destination.name", "sensors/thermistor-0");
  span.set_attribute("value", value);
  tracelet::port::sleep_ms(1);
  if (cycle % 11 == 5) {
    span.add_event("broker busy", {{"retry.delay_ms", 5}});
    tracelet::port::sleep_ms(5);
  }
}

void print_counters(const tracelet::TracerCounters& t, const tracelet::ExporterCounters& e) {
  std::printf("tracelet: spans recorded=%llu exported=%llu rejected=%llu dropped(ring full)=%llu "
              "dropped(overwritten)=%llu dropped(non-retryable)=%llu\n",
              static_cast<unsigned long long>(t.spans_recorded),
              static_cast<unsigned long long>(e.spans_exported),
              static_cast<unsigned long long>(e.spans_rejected),
              static_cast<unsigned long long>(t.spans_dropped_full),
              static_cast<unsigned long long>(t.spans_dropped_overwritten),
              static_cast<unsigned long long>(e.spans_dropped_non_retryable));
  std::printf("tracelet: export attempts=%llu ok=%llu failed=%llu retries=%llu connects=%llu "
              "connect failures=%llu body bytes=%llu last HTTP status=%d\n",
              static_cast<unsigned long long>(e.export_attempts),
              static_cast<unsigned long long>(e.exports_succeeded),
              static_cast<unsigned long long>(e.export_failures),
              static_cast<unsigned long long>(e.retries),
              static_cast<unsigned long long>(e.connects),
              static_cast<unsigned long long>(e.connect_failures),
              static_cast<unsigned long long>(e.bytes_sent), e.last_http_status);
}

}  // namespace

int main(int argc, char** argv) {
  unsigned seconds = 5;
  unsigned cycle_ms = 200;
  bool console = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
    } else if (std::strcmp(argv[i], "--cycle-ms") == 0 && i + 1 < argc) {
      cycle_ms = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
    } else if (std::strcmp(argv[i], "--console") == 0) {
      console = true;
    } else {
      std::fprintf(stderr, "usage: %s [--seconds N] [--cycle-ms N] [--console]\n", argv[0]);
      return 2;
    }
  }

  // Firmware defaults first; OTEL_* variables override them.
  static tracelet::Attribute device[] = {{"device.id", "sensor-node-01"}, {"host.arch", TRACELET_DEMO_ARCH}};
  tracelet::Options options;
  options.service_name = "sensor-node";
  options.service_version = "1.0.0";
  options.resource_attributes = device;
  options.resource_attribute_count = 2;
  options.ring_memory = tracelet::ByteSpan{g_ring, sizeof g_ring};
  tracelet::ExporterConfig exporter_config;
  exporter_config.schedule_delay_ms = 1000;
  static tracelet::EnvSettings env;
  std::size_t problems =
      tracelet::load_env_config(env, exporter_config, options, tracelet::log_to_stderr, nullptr);
  if (problems != 0) std::fprintf(stderr, "tracelet: %zu configuration problem(s), defaults used\n", problems);

  if (tracelet::init(options) != tracelet::Status::kOk) {
    std::fprintf(stderr, "tracelet: init failed\n");
    return 1;
  }
  static tracelet::NetConnector connector;
  static tracelet::Exporter exporter;
  if (!console) {
    connector.configure(exporter_config);
    if (exporter.init(tracelet::default_tracer(), exporter_config, connector.connector()) !=
            tracelet::Status::kOk ||
        exporter.start_background() != tracelet::Status::kOk) {
      std::fprintf(stderr, "tracelet: exporter could not start (see above)\n");
      return 1;
    }
    std::printf("sensor-node: shipping spans to %s for %u s\n",
                exporter_config.endpoint ? exporter_config.endpoint : "https://localhost:4318/v1/traces",
                seconds);
  }

  const unsigned cycles = seconds * 1000 / (cycle_ms ? cycle_ms : 1);
  double ema = 0;
  unsigned samples = 0;
  for (unsigned cycle = 0; cycle < cycles; ++cycle) {
    {
      auto span = tracelet::start_span("sensor-cycle");
      span.set_attribute("cycle", static_cast<std::int64_t>(cycle));
      Reading reading = read_sensor(cycle);
      if (!reading.ok) {
        span.set_status(tracelet::StatusCode::kError, "sensor read failed");
      } else {
        double smoothed = filter(reading.celsius, ema, samples++);
        publish(smoothed, cycle);
      }
    }
    if (console) tracelet::export_to_console(tracelet::default_tracer());
    tracelet::port::sleep_ms(cycle_ms);
  }

  tracelet::Status flushed = console ? tracelet::Status::kOk : exporter.shutdown(10000);
  print_counters(tracelet::default_tracer().counters(), exporter.counters());
  tracelet::shutdown();
  return flushed == tracelet::Status::kOk ? 0 : 3;
}
