#pragma once
// A tracer's buffered spans through tracelet's OTLP encoder and back through tools/receiver's
// decoder, for tests that check what reaches a collector. Header-only; the test program also
// compiles tools/receiver/otlp_decode.cpp and has tools/receiver on its include path.
#include <gtest/gtest.h>
#include <pb_encode.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "otlp/encode.h"
#include "otlp_decode.h"
#include "tracelet/tracer.h"

namespace tracelet::test {

/// What one request of up to `max_spans` buffered spans decodes to. `written` and `sized` are
/// the encoder's writing and sizing passes (equal when they agree). With `remove` the spans
/// leave the ring (committed), else they stay (released).
struct OtlpRoundTrip {
  receiver::ExportRequest request;
  std::size_t sized = 0;
  std::size_t written = 0;
};

inline OtlpRoundTrip otlp_round_trip(Tracer& tracer, std::size_t max_spans, bool remove) {
  OtlpRoundTrip out;
  Batch batch;
  EXPECT_EQ(tracer.ring().peek_batch(batch, max_spans), Status::kOk);
  otlp::RequestSource source;
  source.ring = &tracer.ring();
  source.batch = batch;
  source.resource = tracer.resource();
  EXPECT_TRUE(otlp::request_size(source, out.sized));
  std::vector<std::uint8_t> body(out.sized);
  pb_ostream_t stream = pb_ostream_from_buffer(body.data(), body.size());
  EXPECT_TRUE(otlp::encode_request(source, &stream));
  out.written = stream.bytes_written;
  if (remove) {
    tracer.ring().commit(batch);
  } else {
    tracer.ring().release(batch);
  }
  std::string error;
  EXPECT_TRUE(receiver::decode_export_request(body.data(), body.size(), out.request, error)) << error;
  return out;
}

}  // namespace tracelet::test
