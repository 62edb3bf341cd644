// Array attribute values (OTLP ArrayValue): the span API, the record format and its limits,
// event and link attributes, the OTLP encoder (decoded back by the receiver's decoder) and
// the console exporter's line.
#include <gtest/gtest.h>


#include <cstring>
#include <string>
#include <vector>

#include "core/span_record.h"
#include "support/otlp_roundtrip.h"
#include "tracelet/console_exporter.h"
#include "tracelet/fake_port.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

class ArrayAttributes : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.service_name = "arrays";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    ASSERT_EQ(tracer_.init(options), Status::kOk);
  }

  // The OTLP body of everything in the ring, decoded by tools/receiver's decoder. Also checks
  // that the sizing pass and the writing pass agree.
  receiver::ExportRequest encode_and_decode() {
    test::OtlpRoundTrip trip = test::otlp_round_trip(tracer_, 100, true);
    EXPECT_EQ(trip.written, trip.sized) << "sizing and writing passes disagree";
    return trip.request;
  }

  static const receiver::AnyValue* find(const receiver::Attributes& attributes, const std::string& key) {
    for (const auto& kv : attributes.items) {
      if (kv.key == key) return &kv.value;
    }
    return nullptr;
  }

  alignas(8) std::uint8_t memory_[16 * 1024];
  Tracer tracer_;
};

using AnyType = receiver::AnyValue::Type;

TEST_F(ArrayAttributes, EveryElementTypeFromBracedListsAndPointers) {
  {
    auto span = tracer_.start_span("arrays");
    span.set_attribute("s", {"a", "bc", ""});
    span.set_attribute("b", {true, false, true});
    span.set_attribute("i", {1, -2, 3});
    span.set_attribute("d", {0.5, -1.25});
    const std::int64_t big[] = {INT64_MIN, 0, INT64_MAX};
    span.set_attribute("i64", big, 3);
    const std::string owned[] = {"x", "yz"};
    span.set_attribute("strings", owned, 2);  // std::string elements, viewed at the call
    const float floats[] = {1.5f};
    span.set_attribute("f", floats, 1);
    span.set_attribute("empty", static_cast<const int*>(nullptr), 0);
  }
  receiver::ExportRequest request = encode_and_decode();
  ASSERT_EQ(request.span_count(), 1u);
  const receiver::Span& span = request.resource_spans[0].scope_spans[0].spans[0];
  EXPECT_EQ(span.attributes.dropped, 0u);
  ASSERT_EQ(span.attributes.items.size(), 8u);

  const receiver::AnyValue* s = find(span.attributes, "s");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->type, AnyType::kArray);
  ASSERT_EQ(s->array.size(), 3u);
  EXPECT_EQ(s->array[0].type, AnyType::kString);
  EXPECT_EQ(s->array[0].bytes, "a");
  EXPECT_EQ(s->array[1].bytes, "bc");
  EXPECT_EQ(s->array[2].type, AnyType::kString) << "an empty string element is still a string";
  EXPECT_EQ(s->array[2].bytes, "");

  const receiver::AnyValue* b = find(span.attributes, "b");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->array.size(), 3u);
  EXPECT_EQ(b->array[0].type, AnyType::kBool);
  EXPECT_TRUE(b->array[0].bool_value);
  EXPECT_FALSE(b->array[1].bool_value);
  EXPECT_TRUE(b->array[2].bool_value);

  const receiver::AnyValue* i = find(span.attributes, "i");
  ASSERT_NE(i, nullptr);
  ASSERT_EQ(i->array.size(), 3u);
  EXPECT_EQ(i->array[0].type, AnyType::kInt);
  EXPECT_EQ(i->array[1].int_value, -2);

  const receiver::AnyValue* i64 = find(span.attributes, "i64");
  ASSERT_NE(i64, nullptr);
  ASSERT_EQ(i64->array.size(), 3u);
  EXPECT_EQ(i64->array[0].int_value, INT64_MIN);
  EXPECT_EQ(i64->array[2].int_value, INT64_MAX);

  const receiver::AnyValue* d = find(span.attributes, "d");
  ASSERT_NE(d, nullptr);
  ASSERT_EQ(d->array.size(), 2u);
  EXPECT_EQ(d->array[0].type, AnyType::kDouble);
  EXPECT_EQ(d->array[1].double_value, -1.25);

  const receiver::AnyValue* strings = find(span.attributes, "strings");
  ASSERT_NE(strings, nullptr);
  ASSERT_EQ(strings->array.size(), 2u);
  EXPECT_EQ(strings->array[1].bytes, "yz");

  const receiver::AnyValue* f = find(span.attributes, "f");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->array.size(), 1u);
  EXPECT_EQ(f->array[0].type, AnyType::kDouble);
  EXPECT_EQ(f->array[0].double_value, 1.5);

  const receiver::AnyValue* empty = find(span.attributes, "empty");
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->type, AnyType::kArray) << "an empty array is still an array value";
  EXPECT_TRUE(empty->array.empty());
}

TEST_F(ArrayAttributes, LongArraysAreCutToTheElementCapAndLongStringsToTheByteCap) {
  std::vector<std::int64_t> many(TRACELET_MAX_ARRAY_ELEMENTS + 5);
  for (std::size_t n = 0; n < many.size(); ++n) many[n] = static_cast<std::int64_t>(n);
  const std::string long_text(TRACELET_MAX_STRING_BYTES + 10, 'q');
  const std::string_view texts[] = {long_text, "short"};
  {
    auto span = tracer_.start_span("limits");
    span.set_attribute("many", many.data(), many.size());
    span.set_attribute("texts", texts, 2);
  }
  receiver::ExportRequest request = encode_and_decode();
  const receiver::Span& span = request.resource_spans[0].scope_spans[0].spans[0];
  EXPECT_EQ(span.attributes.dropped, 0u) << "a cut array is kept, not dropped";
  const receiver::AnyValue* kept = find(span.attributes, "many");
  ASSERT_NE(kept, nullptr);
  ASSERT_EQ(kept->array.size(), static_cast<std::size_t>(TRACELET_MAX_ARRAY_ELEMENTS));
  for (std::size_t n = 0; n < kept->array.size(); ++n) {
    EXPECT_EQ(kept->array[n].int_value, static_cast<std::int64_t>(n)) << "the first elements are kept";
  }
  const receiver::AnyValue* cut = find(span.attributes, "texts");
  ASSERT_NE(cut, nullptr);
  ASSERT_EQ(cut->array.size(), 2u);
  EXPECT_EQ(cut->array[0].bytes, std::string(TRACELET_MAX_STRING_BYTES, 'q'));
  EXPECT_EQ(cut->array[1].bytes, "short");
}

TEST_F(ArrayAttributes, AnArrayThatDoesNotFitTheSpanDataIsDroppedAndCounted) {
  // TRACELET_MAX_ARRAY_ELEMENTS strings of TRACELET_MAX_STRING_BYTES: more than the data bytes.
  const std::string element(TRACELET_MAX_STRING_BYTES, 'z');
  std::vector<std::string_view> elements(TRACELET_MAX_ARRAY_ELEMENTS, element);
  ASSERT_GT(elements.size() * (1 + element.size()), static_cast<std::size_t>(TRACELET_SPAN_DATA_BYTES))
      << "this test needs an array larger than a span's data bytes";
  {
    auto span = tracer_.start_span("too-big");
    span.set_attribute("before", 1);
    span.set_attribute("huge", elements.data(), elements.size());
    span.set_attribute("after", {2, 3});
  }
  receiver::ExportRequest request = encode_and_decode();
  const receiver::Span& span = request.resource_spans[0].scope_spans[0].spans[0];
  EXPECT_EQ(span.attributes.dropped, 1u);
  EXPECT_EQ(find(span.attributes, "huge"), nullptr);
  ASSERT_NE(find(span.attributes, "after"), nullptr);
  EXPECT_EQ(find(span.attributes, "after")->array.size(), 2u);
}

TEST_F(ArrayAttributes, ReplacingKeepsOneValuePerKeyAcrossScalarsAndArrays) {
  {
    auto span = tracer_.start_span("replace");
    span.set_attribute("k", 7);
    span.set_attribute("k", {1, 2});          // scalar -> array (different size)
    span.set_attribute("k", {3, 4});          // array -> array of the same size: in place
    span.set_attribute("m", {"a", "b"});
    span.set_attribute("m", "scalar again");  // array -> scalar
  }
  receiver::ExportRequest request = encode_and_decode();
  const receiver::Span& span = request.resource_spans[0].scope_spans[0].spans[0];
  ASSERT_EQ(span.attributes.items.size(), 2u);
  const receiver::AnyValue* k = find(span.attributes, "k");
  ASSERT_NE(k, nullptr);
  ASSERT_EQ(k->array.size(), 2u);
  EXPECT_EQ(k->array[0].int_value, 3);
  EXPECT_EQ(k->array[1].int_value, 4);
  const receiver::AnyValue* m = find(span.attributes, "m");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->type, AnyType::kString);
  EXPECT_EQ(m->bytes, "scalar again");
  EXPECT_EQ(span.attributes.dropped, 0u);
}

TEST_F(ArrayAttributes, EventsLinksAndResourceCarryArrays) {
  tracer_.shutdown();
  static const std::string_view kZones[] = {"eu-1", "eu-2"};
  static const Attribute kResource[] = {{"deployment.zones", AttributeValue::array(kZones, 2)}};
  Options options;
  options.service_name = "arrays";
  options.resource_attributes = kResource;
  options.resource_attribute_count = 1;
  options.ring_memory = ByteSpan{memory_, sizeof memory_};
  ASSERT_EQ(tracer_.init(options), Status::kOk);
  SpanContext other;
  {
    auto first = tracer_.start_span("first");
    other = first.context();
  }
  {
    auto span = tracer_.start_span("second");
    const double readings[] = {20.5, 21.0, 21.5};
    span.add_event("sampled", {{"readings", AttributeValue::array(readings, 3)}, {"n", 3}});
    const bool flags[] = {true, false};
    span.add_link(other, {{"link.flags", AttributeValue::array(flags, 2)}});
  }
  receiver::ExportRequest request = encode_and_decode();
  ASSERT_EQ(request.span_count(), 2u);
  const receiver::AnyValue* zones = find(request.resource_spans[0].resource, "deployment.zones");
  ASSERT_NE(zones, nullptr);
  ASSERT_EQ(zones->array.size(), 2u);
  EXPECT_EQ(zones->array[1].bytes, "eu-2");
  const receiver::Span& span = request.resource_spans[0].scope_spans[0].spans[1];
  ASSERT_EQ(span.events.size(), 1u);
  const receiver::AnyValue* readings = find(span.events[0].attributes, "readings");
  ASSERT_NE(readings, nullptr);
  ASSERT_EQ(readings->array.size(), 3u);
  EXPECT_EQ(readings->array[2].double_value, 21.5);
  ASSERT_NE(find(span.events[0].attributes, "n"), nullptr);
  ASSERT_EQ(span.links.size(), 1u);
  const receiver::AnyValue* link_flags = find(span.links[0].attributes, "link.flags");
  ASSERT_NE(link_flags, nullptr);
  ASSERT_EQ(link_flags->array.size(), 2u);
  EXPECT_TRUE(link_flags->array[0].bool_value);
  EXPECT_FALSE(link_flags->array[1].bool_value);
}

TEST_F(ArrayAttributes, RecordReaderRejectsArraysRunningPastTheRecord) {
  std::uint8_t bytes[64];
  std::size_t used = 0;
  const std::int64_t values[] = {1, 2, 3};
  ASSERT_TRUE(detail::append_attribute(bytes, sizeof bytes, used, "k", AttributeValue::array(values, 3)));
  EXPECT_EQ(used, detail::attribute_size("k", AttributeValue::array(values, 3)));
  EXPECT_EQ(used, 2u + 1u + 2u + 3u * 8u);
  detail::AttributeEntry entry;
  EXPECT_EQ(detail::read_attribute(bytes, bytes + used, entry), used);
  EXPECT_EQ(entry.value.type(), AttributeValue::Type::kArray);
  EXPECT_EQ(entry.value.element_type(), AttributeValue::Type::kInt);
  ASSERT_EQ(entry.value.array_size(), 3u);
  EXPECT_EQ(entry.value.element(2).as_int(), 3);
  for (std::size_t cut = 0; cut < used; ++cut) {
    EXPECT_EQ(detail::read_attribute(bytes, bytes + cut, entry), 0u) << "cut at " << cut;
    EXPECT_EQ(detail::entry_size(bytes, bytes + cut), 0u) << "cut at " << cut;
  }
  bytes[4] = 'x';  // not an element type
  EXPECT_EQ(detail::read_attribute(bytes, bytes + used, entry), 0u);
  EXPECT_EQ(detail::entry_size(bytes, bytes + used), 0u);
}

TEST_F(ArrayAttributes, ConsoleLineShowsArraysInBrackets) {
  {
    auto span = tracer_.start_span("console");
    span.set_attribute("k", {"a", "b"});
    span.set_attribute("n", {1, 2});
    span.set_attribute("on", {true});
  }
  Batch batch;
  ASSERT_EQ(tracer_.ring().peek_batch(batch, 10), Status::kOk);
  RecordCursor cursor = tracer_.ring().cursor(batch);
  const std::uint8_t* record = nullptr;
  std::size_t len = 0;
  ASSERT_TRUE(tracer_.ring().next(cursor, record, len));
  char line[512];
  ASSERT_GT(format_span_line(record, len, line, sizeof line), 0u);
  const std::string text(line);
  EXPECT_NE(text.find("k=[\"a\",\"b\"]"), std::string::npos) << text;
  EXPECT_NE(text.find("n=[1,2]"), std::string::npos) << text;
  EXPECT_NE(text.find("on=[true]"), std::string::npos) << text;
}

}  // namespace
}  // namespace tracelet
