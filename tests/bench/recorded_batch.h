#pragma once
// One batch of demo-like spans recorded into a tracer and claimed, as the exporter sees it,
// plus the floor every body benchmark is measured against: the request encoded as the exporter
// does it (sizing pass for Content-Length, then the writing pass) into a buffer. Shared by
// gzip_bench and sigv4_bench.
#include <pb_encode.h>

#include <cstdlib>

#include "otlp/encode.h"
#include "tracelet/tracelet.h"

namespace bench {

struct RecordedBatch {
  tracelet::Tracer tracer;
  tracelet::otlp::RequestSource source;
};

/// Records `cycles` cycles of boards/demo/sensor_node (sensor-cycle, read-sensor, filter,
/// publish: 4 spans, 10 attributes) and claims them as one batch. Aborts if that fails.
inline void record_demo_cycles(RecordedBatch& r, std::size_t cycles) {
  static std::uint8_t memory[4 << 20];
  tracelet::Options options;
  options.service_name = "sensor-node";
  options.ring_memory = tracelet::ByteSpan{memory, sizeof memory};
  if (r.tracer.init(options) != tracelet::Status::kOk) std::abort();
  for (std::size_t c = 0; c < cycles; ++c) {
    auto cycle = r.tracer.start_span("sensor-cycle");
    cycle.set_attribute("cycle", static_cast<std::int64_t>(c));
    {
      auto read = r.tracer.start_span("read-sensor");
      read.set_attribute("sensor.id", "thermistor-0");
      read.set_attribute("bus", "i2c-1");
      read.set_attribute("sensor.raw_celsius", 21.0 + static_cast<double>(c % 17) * 0.13);
    }
    {
      auto filter = r.tracer.start_span("filter");
      filter.set_attribute("filter.kind", "ema");
      filter.set_attribute("filter.alpha", 0.2);
      filter.set_attribute("filter.samples", static_cast<std::int64_t>(c + 1));
    }
    {
      tracelet::StartOptions producer;
      producer.kind = tracelet::SpanKind::kProducer;
      auto publish = r.tracer.start_span("publish", producer);
      publish.set_attribute("messaging.system", "mqtt");
      publish.set_attribute("messaging.destination.name", "sensors/thermistor-0");
      publish.set_attribute("value", 21.0 + static_cast<double>(c % 13) * 0.07);
    }
  }
  tracelet::Batch batch;
  if (r.tracer.ring().peek_batch(batch, cycles * 4) != tracelet::Status::kOk || batch.count != cycles * 4) {
    std::abort();
  }
  r.source.ring = &r.tracer.ring();
  r.source.batch = batch;
  r.source.resource = r.tracer.resource();
}

/// The floor: sizes the request, then writes it into `out` (which must hold it). Returns the
/// bytes written, 0 on failure.
inline std::size_t encode_into(const tracelet::otlp::RequestSource& source, std::uint8_t* out,
                               std::size_t cap) {
  std::size_t size = 0;
  if (!tracelet::otlp::request_size(source, size) || size > cap) return 0;
  pb_ostream_t stream = pb_ostream_from_buffer(out, cap);
  if (!tracelet::otlp::encode_request(source, &stream)) return 0;
  return stream.bytes_written;
}

}  // namespace bench
