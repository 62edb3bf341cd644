// AWS X-Ray's X-Amzn-Trace-Id (src/context/xray_propagation.cpp): parse and format, field
// order, unknown fields and Lineage, strict ids, carriers, and the combination with W3C. The
// official OpenTelemetry propagator reads and writes the same headers in
// tests/aws/xray_cross_process_test.cpp.
#include <gtest/gtest.h>

#include <cstdio>
#include <iterator>
#include <map>
#include <string>

#include "tracelet/fake_port.h"
#include "tracelet/tracelet.h"
#include "tracelet/xray_propagation.h"

namespace tracelet {
namespace {

std::string hex(const std::uint8_t* b, std::size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[b[i] >> 4];
    out += kDigits[b[i] & 15];
  }
  return out;
}

constexpr const char* kHeader = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

TEST(XrayHeader, ParsesTheDocumentedExample) {
  SpanContext c;
  ASSERT_EQ(parse_xray_header(kHeader, c), Status::kOk);
  EXPECT_EQ(hex(c.trace_id.bytes, 16), "5759e988bd862e3fe1be46a994272793");
  EXPECT_EQ(hex(c.span_id.bytes, 8), "53995c3f42cd8ad8");
  EXPECT_TRUE(c.is_sampled());
  EXPECT_TRUE(c.is_remote);
}

TEST(XrayHeader, ToleratesOrderSpacesUnknownFieldsLineageAndUpperCaseHex) {
  for (const char* v : {
           "Sampled=1;Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793",
           " Root = 1-5759e988-bd862e3fe1be46a994272793 ; Parent=53995c3f42cd8ad8 ;Sampled=1 ",
           "Root=1-5759e988-bd862e3fe1be46a994272793;Self=1-67891234-12456789abcdef012345678;"
           "Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1|68fd508a:5|c512fbe3:2;Foo=bar",
           "Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8;Sampled=1;;",
       }) {
    SpanContext c;
    ASSERT_EQ(parse_xray_header(v, c), Status::kOk) << v;
    EXPECT_EQ(hex(c.trace_id.bytes, 16), "5759e988bd862e3fe1be46a994272793") << v;
    EXPECT_EQ(hex(c.span_id.bytes, 8), "53995c3f42cd8ad8") << v;
    EXPECT_TRUE(c.is_sampled()) << v;
  }
  SpanContext c;
  ASSERT_EQ(parse_xray_header("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0", c),
            Status::kOk);
  EXPECT_FALSE(c.is_sampled());
}

TEST(XrayHeader, RejectsMalformedIdsWithAReason) {
  const struct {
    const char* value;
    const char* reason;
  } cases[] = {
      {"", "no Root field"},
      {"Parent=53995c3f42cd8ad8;Sampled=1", "no Root field"},
      {"Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", "no Parent field"},
      {"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", "no Sampled field"},
      {"Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
       "Root is not 1-<8 hex digits>-<24 hex digits>"},
      {"Root=1-5759e98-bd862e3fe1be46a9942727933;Parent=53995c3f42cd8ad8;Sampled=1",
       "Root is not 1-<8 hex digits>-<24 hex digits>"},
      {"Root=1-5759e988-bd862e3fe1be46a99427279;Parent=53995c3f42cd8ad8;Sampled=1",
       "Root is not 1-<8 hex digits>-<24 hex digits>"},
      {"Root=1-5759e988-bd862e3fe1be46a99427279g;Parent=53995c3f42cd8ad8;Sampled=1",
       "Root is not 1-<8 hex digits>-<24 hex digits>"},
      {"Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8;Sampled=1",
       "Root is an all-zero trace id"},
      {"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad;Sampled=1", "Parent is not 16 hex digits"},
      {"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8adx;Sampled=1", "Parent is not 16 hex digits"},
      {"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000;Sampled=1",
       "Parent is an all-zero span id"},
      {"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?", "Sampled is not 0 or 1"},
      {"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=", "Sampled is not 0 or 1"},
      {"Root=1-5759e988-bd862e3fe1be46a994272793;Root=1-5759e988-bd862e3fe1be46a994272794;"
       "Parent=53995c3f42cd8ad8;Sampled=1",
       "Root, Parent or Sampled given twice"},
  };
  for (const auto& c : cases) {
    SpanContext ctx;
    ctx.trace_flags = 1;
    const char* reason = nullptr;
    EXPECT_EQ(parse_xray_header(c.value, ctx, &reason), Status::kInvalidArgument) << c.value;
    EXPECT_STREQ(reason, c.reason) << c.value;
    EXPECT_FALSE(ctx.is_valid()) << c.value;
    EXPECT_EQ(ctx.trace_flags, 0) << c.value;
  }
  std::string many;
  for (int i = 0; i < 70; ++i) many += "X=1;";
  const char* reason = nullptr;
  SpanContext ctx;
  EXPECT_EQ(parse_xray_header(many, ctx, &reason), Status::kInvalidArgument);
  EXPECT_STREQ(reason, "more than 64 fields");
}

TEST(XrayHeader, FormatRoundTrips) {
  SpanContext c;
  ASSERT_EQ(parse_xray_header(kHeader, c), Status::kOk);
  char out[kXrayHeaderLength];
  std::size_t len = 0;
  ASSERT_EQ(format_xray_header(c, out, sizeof out, len), Status::kOk);
  EXPECT_EQ(std::string(out, len), kHeader);
  c.trace_flags = 0;
  ASSERT_EQ(format_xray_header(c, out, sizeof out, len), Status::kOk);
  EXPECT_EQ(std::string(out, len).substr(len - 10), ";Sampled=0");
  EXPECT_EQ(format_xray_header(c, out, sizeof out - 1, len), Status::kResourceExhausted);
  EXPECT_EQ(format_xray_header(SpanContext{}, out, sizeof out, len), Status::kInvalidArgument);
}

struct MapCarrier {
  std::multimap<std::string, std::string> fields;
  static bool field(void* ctx, std::size_t index, std::string_view* name, std::string_view* value) noexcept {
    auto* self = static_cast<MapCarrier*>(ctx);
    if (index >= self->fields.size()) return false;
    auto it = std::next(self->fields.begin(), static_cast<long>(index));
    *name = it->first;
    *value = it->second;
    return true;
  }
  static Status set(void* ctx, std::string_view name, std::string_view value) noexcept {
    static_cast<MapCarrier*>(ctx)->fields.emplace(std::string(name), std::string(value));
    return Status::kOk;
  }
  CarrierReader reader() { return CarrierReader{this, &field, nullptr}; }
  CarrierWriter writer() { return CarrierWriter{this, &set}; }
};

TEST(XrayCarrier, InjectAndExtractAloneAndWithW3c) {
  SpanContext parent;
  ASSERT_EQ(parse_xray_header(kHeader, parent), Status::kOk);
  MapCarrier out;
  ASSERT_EQ(inject_context(parent, nullptr, TraceFormats{true, true}, out.writer()), Status::kOk);
  ASSERT_EQ(out.fields.size(), 2u);
  EXPECT_EQ(out.fields.find("X-Amzn-Trace-Id")->second, kHeader);
  EXPECT_EQ(out.fields.find("traceparent")->second, "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01");

  MapCarrier in;
  in.fields.emplace("x-amzn-trace-id", kHeader);
  SpanContext got;
  EXPECT_EQ(extract_context(in.reader(), TraceFormats{true, false}, got, nullptr), Status::kUnavailable);
  ASSERT_EQ(extract_context(in.reader(), TraceFormats{true, true}, got, nullptr), Status::kOk);
  EXPECT_EQ(got.trace_id, parent.trace_id);
  ASSERT_EQ(extract_xray(in.reader(), got), Status::kOk);
  // W3C wins when both are there and valid.
  in.fields.emplace("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  ASSERT_EQ(extract_context(in.reader(), TraceFormats{true, true}, got, nullptr), Status::kOk);
  EXPECT_EQ(hex(got.trace_id.bytes, 16), "0af7651916cd43dd8448eb211c80319c");
  // A malformed X-Ray header alone: rejected, no context.
  MapCarrier bad;
  bad.fields.emplace("X-Amzn-Trace-Id", "Root=1-xyz;Parent=1;Sampled=1");
  EXPECT_EQ(extract_context(bad.reader(), TraceFormats{false, true}, got, nullptr), Status::kInvalidArgument);
  EXPECT_FALSE(got.is_valid());
  EXPECT_EQ(extract_xray(CarrierReader{}, got), Status::kFailedPrecondition);
  EXPECT_EQ(inject_xray(SpanContext{}, out.writer()), Status::kInvalidArgument);
}

TEST(XrayIds, TraceIdsStartWithTheEpochSeconds) {
  fake_port::set_unix_offset_ns(1796342399ll * 1000000000ll);  // 2026-12-03T23:59:59Z = 0x6b11ae7f
  alignas(8) static std::uint8_t ring[16 * 1024];
  Options options;
  options.service_name = "xray-ids";
  options.ring_memory = ByteSpan{ring, sizeof ring};
  options.xray_trace_ids = true;
  Tracer tracer;
  ASSERT_EQ(tracer.init(options), Status::kOk);
  const std::uint64_t seconds = tracer.now_unix_ns() / 1000000000u;
  char expected[9];
  std::snprintf(expected, sizeof expected, "%08x", static_cast<unsigned>(seconds));
  auto span = tracer.start_span("root");
  EXPECT_EQ(hex(span.context().trace_id.bytes, 4), expected);
  EXPECT_EQ(hex(tracer.new_trace_id().bytes, 4), expected);
  const TraceId a = tracer.new_trace_id(), b = tracer.new_trace_id();
  EXPECT_NE(a, b);  // the other 12 bytes stay random
  span.end();
  tracer.shutdown();

  Tracer plain;
  options.xray_trace_ids = false;
  ASSERT_EQ(plain.init(options), Status::kOk);
  int stamped = 0;
  for (int i = 0; i < 8; ++i) stamped += hex(plain.new_trace_id().bytes, 4) == expected;
  EXPECT_LT(stamped, 8);
  plain.shutdown();
  fake_port::set_unix_offset_ns(0);
}

}  // namespace
}  // namespace tracelet
