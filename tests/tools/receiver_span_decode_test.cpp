// tools/receiver: decoding spans. The device's shape is read by a walk over the bytes in
// memory, the usual shape by a hand walk over nanopb's stream, anything else by nanopb from the
// span's first byte; all must give the same tree, and odd or broken spans must keep nanopb's
// results and messages. Requests are written byte by byte here, so each
// case says exactly what is on the wire.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "otlp_decode.h"
#include "report.h"

namespace tracelet::receiver {
namespace {

using Bytes = std::string;

Bytes varint(std::uint64_t v) {
  Bytes out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}
Bytes key(std::uint32_t field, std::uint32_t wire_type) { return varint(field << 3 | wire_type); }
Bytes field_varint(std::uint32_t field, std::uint64_t v) { return key(field, 0) + varint(v); }
Bytes field_bytes(std::uint32_t field, const Bytes& b) { return key(field, 2) + varint(b.size()) + b; }
Bytes field_fixed64(std::uint32_t field, std::uint64_t v) {
  Bytes out = key(field, 1);
  for (int i = 0; i < 8; ++i) out += static_cast<char>(v >> (8 * i));
  return out;
}
Bytes field_fixed32(std::uint32_t field, std::uint32_t v) {
  Bytes out = key(field, 5);
  for (int i = 0; i < 4; ++i) out += static_cast<char>(v >> (8 * i));
  return out;
}
Bytes ids(char first, std::size_t n) {
  Bytes out;
  for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(first + static_cast<char>(i));
  return out;
}

// ExportTraceServiceRequest { resource_spans { scope_spans { spans: each of `spans` } } }
Bytes request(const std::vector<Bytes>& spans) {
  Bytes scope_spans;
  for (const Bytes& s : spans) scope_spans += field_bytes(2, s);
  return field_bytes(1, field_bytes(2, scope_spans));
}

// A span with every field the device sends and then some: attributes, an event, a link and a
// status.
Bytes full_span() {
  const Bytes attribute = field_bytes(1, "unit") + field_bytes(2, field_bytes(1, "celsius"));
  const Bytes int_attribute = field_bytes(1, "sensor.id") + field_bytes(2, field_varint(3, 7));
  const Bytes event = field_fixed64(1, 1500) + field_bytes(2, "retry") + field_bytes(3, attribute);
  const Bytes link = field_bytes(1, ids('L', 16)) + field_bytes(2, ids('l', 8)) + field_bytes(3, "k=v");
  return field_bytes(1, ids('A', 16)) + field_bytes(2, ids('a', 8)) + field_bytes(3, "vendor=1") +
         field_bytes(4, ids('p', 8)) + field_bytes(5, "read-sensor") + field_varint(6, 3) +
         field_fixed64(7, 1000) + field_fixed64(8, 2000) + field_bytes(9, int_attribute) +
         field_bytes(9, attribute) + field_varint(10, 2) + field_bytes(11, event) + field_varint(12, 1) +
         field_bytes(13, link) + field_varint(14, 4) + field_bytes(15, field_bytes(2, "bad") + field_varint(3, 2)) +
         field_fixed32(16, 0x301);
}

// A span as the device sends it: nothing the walk over memory leaves to the others.
Bytes device_span() {
  return field_bytes(1, ids('A', 16)) + field_bytes(2, ids('a', 8)) + field_bytes(5, "read-sensor") +
         field_varint(6, 1) + field_fixed64(7, 1000) + field_fixed64(8, 2000) +
         field_bytes(9, field_bytes(1, "sensor.id") + field_bytes(2, field_varint(3, 7))) +
         field_bytes(9, field_bytes(1, "unit") + field_bytes(2, field_bytes(1, "celsius"))) + field_fixed32(16, 0x101);
}

bool decode(const Bytes& body, ExportRequest& out, std::string& error) {
  return decode_export_request(reinterpret_cast<const std::uint8_t*>(body.data()), body.size(), out, error);
}

const Span& only_span(const ExportRequest& r) { return r.resource_spans.at(0).scope_spans.at(0).spans.at(0); }

TEST(SpanDecode, EveryFieldOfTheUsualShape) {
  ExportRequest r;
  std::string error;
  ASSERT_TRUE(decode(request({full_span()}), r, error)) << error;
  const Span& s = only_span(r);
  EXPECT_EQ(std::string(s.trace_id.begin(), s.trace_id.end()), ids('A', 16));
  EXPECT_EQ(std::string(s.span_id.begin(), s.span_id.end()), ids('a', 8));
  EXPECT_EQ(std::string(s.parent_span_id.begin(), s.parent_span_id.end()), ids('p', 8));
  EXPECT_EQ(s.trace_state, "vendor=1");
  EXPECT_EQ(s.name, "read-sensor");
  EXPECT_EQ(s.kind, 3);
  EXPECT_EQ(s.start_time_unix_nano, 1000u);
  EXPECT_EQ(s.end_time_unix_nano, 2000u);
  ASSERT_EQ(s.attributes.items.size(), 2u);
  EXPECT_EQ(s.attributes.items[0].key, "sensor.id");
  EXPECT_EQ(s.attributes.items[0].value.type, AnyValue::Type::kInt);
  EXPECT_EQ(s.attributes.items[0].value.int_value, 7);
  EXPECT_EQ(s.attributes.items[1].value.bytes, "celsius");
  EXPECT_EQ(s.attributes.dropped, 2u);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].name, "retry");
  EXPECT_EQ(s.events[0].time_unix_nano, 1500u);
  ASSERT_EQ(s.events[0].attributes.items.size(), 1u);
  EXPECT_EQ(s.dropped_events_count, 1u);
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(std::string(s.links[0].trace_id.begin(), s.links[0].trace_id.end()), ids('L', 16));
  EXPECT_EQ(s.links[0].trace_state, "k=v");
  EXPECT_EQ(s.dropped_links_count, 4u);
  EXPECT_EQ(s.status_code, 2);
  EXPECT_EQ(s.status_message, "bad");
  EXPECT_EQ(s.flags, 0x301u);
}

// Shapes the hand walk leaves to nanopb: the result is what nanopb makes of them.
TEST(SpanDecode, UnknownFieldsAreSkipped) {
  ExportRequest r;
  std::string error;
  ASSERT_TRUE(decode(request({full_span() + field_varint(99, 5) + field_bytes(100, "x")}), r, error)) << error;
  EXPECT_EQ(only_span(r).name, "read-sensor");
  EXPECT_EQ(only_span(r).attributes.items.size(), 2u);
  EXPECT_EQ(only_span(r).flags, 0x301u);
}

TEST(SpanDecode, AnEmptyTraceIdIsAllZeroes) {
  ExportRequest r;
  std::string error;
  ASSERT_TRUE(decode(request({field_bytes(1, "") + field_bytes(5, "n")}), r, error)) << error;
  for (std::uint8_t b : only_span(r).trace_id) EXPECT_EQ(b, 0);
  EXPECT_EQ(only_span(r).name, "n");
}

TEST(SpanDecode, ASecondStatusIsMergedIntoTheFirst) {
  ExportRequest r;
  std::string error;
  const Bytes span = field_bytes(15, field_bytes(2, "first") + field_varint(3, 2)) +
                     field_bytes(15, field_bytes(2, "second"));
  ASSERT_TRUE(decode(request({span}), r, error)) << error;
  EXPECT_EQ(only_span(r).status_message, "second");
  EXPECT_EQ(only_span(r).status_code, 2);
}

TEST(SpanDecode, BrokenSpansFailTheRequestWhereverTheyStand) {
  const Bytes broken[] = {
      field_bytes(1, ids('A', 15)),                      // trace_id of 15 bytes
      field_bytes(4, ids('p', 9)),                       // parent_span_id of 9 bytes
      field_varint(10, 1ull << 32),                      // a uint32 count past 32 bits
      field_fixed64(5, 1) + field_bytes(9, "\x0a\x01"),  // an attribute key cut short
      field_varint(7, 1),                                // start time as a varint
      // An attribute's string value claims 5 bytes and has 2.
      field_bytes(5, "n") + field_bytes(9, field_bytes(1, "k") + key(2, 2) + varint(5) + "ab"),
      field_bytes(2, ids('a', 8)) + key(5, 2) + varint(40) + "short",  // a name cut short
      field_bytes(5, "n") + "\x80\x80\x80\x80\x80\x80\x01",          // a key past 32 bits
      field_bytes(5, "n") + field_fixed32(8, 1),                       // end time as 32 bits
  };
  for (const Bytes& span : broken) {
    ExportRequest alone;
    std::string alone_error;
    EXPECT_FALSE(decode(request({span}), alone, alone_error));
    EXPECT_FALSE(alone_error.empty());
    // After a span of the usual shape it fails too, and nothing of the good span is kept.
    // (The reason is then nanopb's "end-of-stream" left over from the good span's attributes,
    // as it was before spans had a hand walk: nanopb keeps the first error text it saw.)
    ExportRequest r;
    std::string error;
    EXPECT_FALSE(decode(request({full_span(), span}), r, error));
    EXPECT_FALSE(error.empty());
    EXPECT_TRUE(r.resource_spans.empty());
    // After a span of the device's shape (read from memory, which leaves no error text behind)
    // the reason is the broken span's own.
    ExportRequest after_device_span;
    std::string after_error;
    EXPECT_FALSE(decode(request({device_span(), span}), after_device_span, after_error));
    EXPECT_EQ(after_error, alone_error);
    EXPECT_TRUE(after_device_span.resource_spans.empty());
  }
}

TEST(SpanDecode, AnOddSpanAmongUsualOnesKeepsItsNeighbours) {
  ExportRequest r;
  std::string error;
  ASSERT_TRUE(decode(request({full_span(), full_span() + field_varint(99, 1), full_span()}), r, error)) << error;
  const auto& spans = r.resource_spans.at(0).scope_spans.at(0).spans;
  ASSERT_EQ(spans.size(), 3u);
  for (const Span& s : spans) {
    EXPECT_EQ(s.name, "read-sensor");
    EXPECT_EQ(s.attributes.items.size(), 2u);
    EXPECT_EQ(s.events.size(), 1u);
    EXPECT_EQ(s.status_message, "bad");
  }
}

// Every case of the device's shape is decoded twice: as it is (the walk over memory) and with an
// unknown field at its end (which sends the whole span to nanopb). The JSON Lines of both, which
// show every decoded field, must be the same.
std::string decoded_jsonl(const Bytes& span, std::string& error) {
  ExportRequest r;
  if (!decode(request({span}), r, error)) return "(failed)";
  std::string out;
  write_jsonl(out, r, 1);
  return out;
}

TEST(SpanDecode, TheWalkOverMemoryReadsWhatNanopbReads) {
  const auto attribute = [](const Bytes& k, const Bytes& value) {
    return field_bytes(9, field_bytes(1, k) + field_bytes(2, value));
  };
  const Bytes cases[] = {
      device_span(),
      Bytes(),  // an empty span
      field_bytes(5, "n") + field_bytes(4, ids('p', 8)) + field_bytes(3, "k=v") + field_varint(10, 3) +
          field_varint(12, 4) + field_varint(14, 5),
      field_bytes(5, "n") + field_bytes(4, ""),                            // an empty parent id
      field_bytes(5, "first") + field_bytes(5, "second"),                  // the last name wins
      field_bytes(1, ids('A', 16)) + field_bytes(1, ids('B', 16)),         // the last id wins
      field_bytes(5, "n") + key(6, 0) + Bytes("\x85\x80\x80\x00", 4),              // an overlong varint
      field_bytes(5, "n") + field_varint(6, 0xFFFFFFFFull),                // an enum past int32
      field_bytes(5, "n") + Bytes("\xaa\x80\x80\x00", 4) + varint(1) + "x",           // an overlong key
      field_bytes(5, "n") + attribute("b", field_varint(2, 1)) + attribute("f", field_varint(2, 0)) +
          attribute("d", field_fixed64(4, 0x400921FB54442D18ull)) + attribute("x", field_bytes(7, "\x01\xff")) +
          attribute("neg", field_varint(3, 0xFFFFFFFFFFFFFFFFull)) + attribute("e", "") +
          attribute("", field_bytes(1, "")) + attribute("u", field_bytes(1, "\xc3\xa9\"\n")),
      field_bytes(5, "n") + attribute("twice", field_bytes(1, "a") + field_varint(3, 2)),  // last wins
      field_bytes(9, field_bytes(2, field_bytes(1, "v")) + field_bytes(1, "key after value")),
      field_bytes(15, field_varint(3, 1)) + field_bytes(5, "status first"),
      field_bytes(15, field_bytes(2, "only a message")),
      field_bytes(15, "") + field_fixed32(16, 0xFFFFFFFF),
  };
  for (const Bytes& span : cases) {
    std::string error, nanopb_error;
    const std::size_t walked = spans_decoded_in_memory();
    const std::string in_memory = decoded_jsonl(span, error);
    EXPECT_EQ(spans_decoded_in_memory(), walked + 1) << "case " << (&span - cases) << " left the walk";
    EXPECT_EQ(in_memory, decoded_jsonl(span + field_varint(99, 5), nanopb_error)) << error << nanopb_error;
    EXPECT_EQ(spans_decoded_in_memory(), walked + 1) << "an unknown field stayed in the walk";
    EXPECT_NE(in_memory, "(failed)") << error << " case " << (&span - cases);
  }
}

// Values and fields the walk over memory leaves to the others are still read in full.
TEST(SpanDecode, ArraysKvlistsEventsAndLinksAmongDeviceFields) {
  const Bytes array = field_bytes(5, field_bytes(1, field_bytes(1, "a")) + field_bytes(1, field_varint(3, 2)));
  const Bytes kvlist = field_bytes(6, field_bytes(1, field_bytes(1, "k") + field_bytes(2, field_bytes(1, "v"))));
  const Bytes span = device_span() + field_bytes(9, field_bytes(1, "list") + field_bytes(2, array)) +
                     field_bytes(9, field_bytes(1, "map") + field_bytes(2, kvlist)) +
                     field_bytes(11, field_fixed64(1, 5) + field_bytes(2, "ev"));
  ExportRequest r;
  std::string error;
  ASSERT_TRUE(decode(request({device_span(), span, device_span()}), r, error)) << error;
  const auto& spans = r.resource_spans.at(0).scope_spans.at(0).spans;
  ASSERT_EQ(spans.size(), 3u);
  const Span& s = spans[1];
  ASSERT_EQ(s.attributes.items.size(), 4u);
  EXPECT_EQ(s.attributes.items[2].value.type, AnyValue::Type::kArray);
  ASSERT_EQ(s.attributes.items[2].value.array.size(), 2u);
  EXPECT_EQ(s.attributes.items[2].value.array[1].int_value, 2);
  EXPECT_EQ(s.attributes.items[3].value.type, AnyValue::Type::kKvList);
  ASSERT_EQ(s.attributes.items[3].value.kvlist.size(), 1u);
  EXPECT_EQ(s.attributes.items[3].value.kvlist[0].value.bytes, "v");
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].name, "ev");
  for (const Span& neighbour : {spans[0], spans[2]}) {
    EXPECT_EQ(neighbour.name, "read-sensor");
    EXPECT_EQ(neighbour.attributes.items.size(), 2u);
    EXPECT_EQ(neighbour.flags, 0x101u);
  }
}

// The decode budget is charged alike on every path: a limit refuses the same requests whether
// the spans are read from memory or by nanopb.
TEST(SpanDecode, TheBudgetIsChargedAlikeOnEveryPath) {
  std::vector<Bytes> spans(20, device_span()), odd(20, device_span() + field_varint(99, 5));
  const Bytes body = request(spans), odd_body = request(odd);
  int refused = 0;
  for (std::size_t limit = 0; limit < 40000; limit += 250) {
    ExportRequest r;
    std::string error;
    bool too_large = false, odd_too_large = false;
    const bool ok = decode_export_request(reinterpret_cast<const std::uint8_t*>(body.data()), body.size(), r,
                                          error, limit, &too_large);
    const bool odd_ok = decode_export_request(reinterpret_cast<const std::uint8_t*>(odd_body.data()),
                                              odd_body.size(), r, error, limit, &odd_too_large);
    EXPECT_EQ(ok, odd_ok) << limit;
    EXPECT_EQ(too_large, odd_too_large) << limit;
    EXPECT_EQ(ok, !too_large) << limit;
    refused += ok ? 0 : 1;
  }
  EXPECT_GT(refused, 0);
  EXPECT_LT(refused, 160);  // the largest limits take the request
}

}  // namespace
}  // namespace tracelet::receiver
