// Fuzz target: the ring record reader. Ring memory adopted after a warm reset may hold any
// bytes; parsing, walking attributes/events/links, formatting and OTLP-encoding a record
// must never read out of bounds.
#include <pb_encode.h>

#include <cstdint>
#include <cstring>

#include "otlp/encode.h"
#include "core/span_record.h"
#include "tracelet/console_exporter.h"
#include "tracelet/ring.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tracelet;
  detail::SpanRecordReader reader;
  if (reader.parse(data, size)) {
    detail::AttributeReader attributes = reader.attributes();
    detail::AttributeEntry entry;
    while (attributes.next(entry)) {
    }
    const std::uint8_t* cursor = nullptr;
    detail::EventEntry event;
    while (reader.next_event(cursor, event)) {
      detail::AttributeReader ea(event.attributes, event.attributes_end, event.attribute_count);
      while (ea.next(entry)) {
      }
    }
    cursor = nullptr;
    detail::LinkEntry link;
    while (reader.next_link(cursor, link)) {
    }
  }
  char line[256];
  (void)format_span_line(data, size, line, sizeof line);
  // The same bytes as a record in a ring, encoded to OTLP (corrupt records are skipped).
  alignas(8) static std::uint8_t memory[8192];
  Ring ring;
  if (ring.attach(ByteSpan{memory, sizeof memory}) != Status::kOk) return 0;
  if (ring.push(data, size, nullptr, 0)) {
    Batch batch;
    if (ring.peek_batch(batch, 1) == Status::kOk) {
      otlp::RequestSource source;
      source.ring = &ring;
      source.batch = batch;
      // Both requests: the record is a span or a log record (kRecordFlagLog), or corrupt.
      for (const otlp::Signal signal : {otlp::Signal::kTraces, otlp::Signal::kLogs}) {
        source.signal = signal;
        std::size_t encoded = 0;
        pb_ostream_t sink = PB_OSTREAM_SIZING;
        std::size_t skipped = 0;
        if (!otlp::request_size(source, encoded) || !otlp::encode_request(source, &sink, &skipped) ||
            sink.bytes_written != encoded) {
          __builtin_trap();  // sizing and writing must agree on any input
        }
      }
      ring.commit(batch);
    }
  }
  return 0;
}
