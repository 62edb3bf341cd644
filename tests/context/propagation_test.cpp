// W3C Trace Context: traceparent/tracestate parsing and formatting, and inject/extract through
// carriers. Case lists follow the Level 1 recommendation and the W3C test suite
// (w3c/trace-context test/test.py), which a harness runs against a service over HTTP; here the
// same inputs go straight to the parser, and "the service restarts the trace" becomes
// "parse_traceparent/extract report no context".
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tracelet/propagation.h"

namespace tracelet {
namespace {

constexpr const char* kSpecExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
// A TraceState travels by value with a span context and may be a constant-initialised global.
static_assert(std::is_trivially_copyable_v<TraceState>);
static_assert((TraceState(), true), "TraceState must be constant-initialisable");

const std::string kTid = "12345678901234567890123456789012";
const std::string kSid = "1234567890123456";

std::string hex(const std::uint8_t* b, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += d[b[i] >> 4];
    s += d[b[i] & 15];
  }
  return s;
}

SpanContext parse_ok(const std::string& v) {
  SpanContext c;
  const char* reason = nullptr;
  EXPECT_EQ(parse_traceparent(v, c, &reason), Status::kOk) << v << ": " << (reason ? reason : "");
  EXPECT_TRUE(c.is_valid());
  EXPECT_TRUE(c.is_remote);
  return c;
}

void expect_invalid(const std::string& v) {
  SpanContext c;
  c.trace_flags = 0x55;  // must be reset
  const char* reason = nullptr;
  EXPECT_EQ(parse_traceparent(v, c, &reason), Status::kInvalidArgument) << "accepted: '" << v << "'";
  EXPECT_FALSE(c.is_valid()) << v;
  EXPECT_EQ(c.trace_flags, 0) << v;
  EXPECT_NE(reason, nullptr) << v;
}

// ---- traceparent: valid ----------------------------------------------------------------------

TEST(Traceparent, SpecExampleSampled) {
  const SpanContext c = parse_ok(kSpecExample);
  EXPECT_EQ(hex(c.trace_id.bytes, 16), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(hex(c.span_id.bytes, 8), "00f067aa0ba902b7");
  EXPECT_EQ(c.trace_flags, 0x01);
  EXPECT_TRUE(c.is_sampled());
}

TEST(Traceparent, SpecExampleNotSampled) {
  const SpanContext c = parse_ok("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  EXPECT_FALSE(c.is_sampled());
}

TEST(Traceparent, Version00KeepsUnknownFlagsButFormatClearsThem) {
  // "09" = sampled plus an undefined bit: bitwise test, not value test (spec 3.2.2.5).
  const SpanContext c = parse_ok("00-" + kTid + "-" + kSid + "-09");
  EXPECT_EQ(c.trace_flags, 0x09);
  EXPECT_TRUE(c.is_sampled());
  char buf[64];
  std::size_t len = 0;
  ASSERT_EQ(format_traceparent(c, buf, sizeof(buf), len), Status::kOk);
  // Vendors MUST set the reserved flags to zero when sending.
  EXPECT_EQ(std::string(buf, len), "00-" + kTid + "-" + kSid + "-01");
}

TEST(Traceparent, HeaderOwsIsIgnored) {  // test_traceparent_ows_handling
  const std::string v = "00-" + kTid + "-" + kSid + "-01";
  for (const std::string& s : {" " + v, "\t" + v, v + " ", v + "\t", "\t " + v + " \t"}) {
    EXPECT_EQ(hex(parse_ok(s).trace_id.bytes, 16), kTid);
  }
}

TEST(Traceparent, FutureVersionIsParsedWithTheVersion00Layout) {  // test_traceparent_version_0xcc
  EXPECT_EQ(hex(parse_ok("cc-" + kTid + "-" + kSid + "-01").trace_id.bytes, 16), kTid);
  const SpanContext c = parse_ok("cc-" + kTid + "-" + kSid + "-01-what-the-future-will-be-like");
  EXPECT_EQ(hex(c.span_id.bytes, 8), kSid);
  EXPECT_TRUE(c.is_sampled());
  // Only the flags this version knows survive ("set all unparsed trace-flags to 0").
  EXPECT_EQ(parse_ok("cc-" + kTid + "-" + kSid + "-ff").trace_flags, 0x01);
  EXPECT_EQ(parse_ok("01-" + kTid + "-" + kSid + "-02-").trace_flags, 0x00);
}

// ---- traceparent: invalid (each W3C test-suite case) ----------------------------------------

TEST(Traceparent, Version00WithExtraCharactersIsInvalid) {  // test_traceparent_version_0x00
  expect_invalid("00-" + kTid + "-" + kSid + "-01.");
  expect_invalid("00-" + kTid + "-" + kSid + "-01-what-the-future-will-be-like");
}

TEST(Traceparent, FutureVersionExtraFieldsNeedADash) {
  expect_invalid("cc-" + kTid + "-" + kSid + "-01.what-the-future-will-be-like");
  expect_invalid("cc-" + kTid + "-" + kSid + "-0");  // shorter than 55 characters
}

TEST(Traceparent, VersionFfIsForbidden) {  // test_traceparent_version_0xff
  expect_invalid("ff-" + kTid + "-" + kSid + "-01");
}

TEST(Traceparent, VersionFormat) {  // illegal characters, too long, too short, upper case
  expect_invalid(".0-" + kTid + "-" + kSid + "-01");
  expect_invalid("0.-" + kTid + "-" + kSid + "-01");
  expect_invalid("000-" + kTid + "-" + kSid + "-01");
  expect_invalid("0000-" + kTid + "-" + kSid + "-01");
  expect_invalid("0-" + kTid + "-" + kSid + "-01");
  expect_invalid("0A-" + kTid + "-" + kSid + "-01");
  expect_invalid("CC-" + kTid + "-" + kSid + "-01");
}

TEST(Traceparent, TraceId) {
  expect_invalid("00-00000000000000000000000000000000-" + kSid + "-01");  // all zero
  expect_invalid("00-.2345678901234567890123456789012-" + kSid + "-01");  // illegal characters
  expect_invalid("00-1234567890123456789012345678901.-" + kSid + "-01");
  expect_invalid("00-123456789012345678901234567890123-" + kSid + "-01");  // too long
  expect_invalid("00-1234567890123456789012345678901-" + kSid + "-01");    // too short
  expect_invalid("00-4BF92F3577B34DA6A3CE929D0E0E4736-" + kSid + "-01");   // upper-case hex
  expect_invalid("00-4bf92f3577b34da6a3ce929d0e0e473G-" + kSid + "-01");   // not hex
}

TEST(Traceparent, ParentId) {
  expect_invalid("00-" + kTid + "-0000000000000000-01");   // all zero
  expect_invalid("00-" + kTid + "-.234567890123456-01");   // illegal characters
  expect_invalid("00-" + kTid + "-123456789012345.-01");
  expect_invalid("00-" + kTid + "-12345678901234567-01");  // too long
  expect_invalid("00-" + kTid + "-123456789012345-01");    // too short
  expect_invalid("00-" + kTid + "-00F067AA0BA902B7-01");   // upper-case hex
}

TEST(Traceparent, TraceFlags) {
  expect_invalid("00-" + kTid + "-" + kSid + "-.0");
  expect_invalid("00-" + kTid + "-" + kSid + "-0.");
  expect_invalid("00-" + kTid + "-" + kSid + "-001");  // too long
  expect_invalid("00-" + kTid + "-" + kSid + "-1");    // too short
  expect_invalid("00-" + kTid + "-" + kSid + "-0A");   // upper-case hex
}

TEST(Traceparent, SeparatorsAndShapes) {
  expect_invalid("");
  expect_invalid("   ");
  expect_invalid("00");
  expect_invalid("00-");
  expect_invalid("00_" + kTid + "-" + kSid + "-01");
  expect_invalid("00-" + kTid + "_" + kSid + "-01");
  expect_invalid("00-" + kTid + "-" + kSid + "_01");
  expect_invalid("00-" + kTid + "--" + kSid + "01");
  expect_invalid("00-" + kTid + "-" + kSid + std::string("-0\0", 3));  // NUL in the flags
  expect_invalid("00 -" + kTid + "-" + kSid + "-01");       // whitespace inside
  expect_invalid("00-" + kTid + "-" + kSid + "-01\r\n");   // only SP and HTAB are OWS
}

TEST(Traceparent, FormatRoundTripAndErrors) {
  const SpanContext c = parse_ok(kSpecExample);
  char buf[kTraceparentLength];
  std::size_t len = 99;
  ASSERT_EQ(format_traceparent(c, buf, sizeof(buf), len), Status::kOk);
  EXPECT_EQ(std::string(buf, len), kSpecExample);

  EXPECT_EQ(format_traceparent(c, buf, kTraceparentLength - 1, len), Status::kResourceExhausted);
  EXPECT_EQ(len, 0u);
  SpanContext no_span = c;
  no_span.span_id = SpanId{};
  EXPECT_EQ(format_traceparent(no_span, buf, sizeof(buf), len), Status::kInvalidArgument);
  EXPECT_EQ(format_traceparent(SpanContext{}, buf, sizeof(buf), len), Status::kInvalidArgument);

  // A future version is sent downgraded to 00 (the spec's "downgrade the version" mutation).
  const SpanContext f = parse_ok("cc-" + kTid + "-" + kSid + "-01-extra");
  ASSERT_EQ(format_traceparent(f, buf, sizeof(buf), len), Status::kOk);
  EXPECT_EQ(std::string(buf, len), "00-" + kTid + "-" + kSid + "-01");
}

// ---- tracestate ------------------------------------------------------------------------------

std::string canon(const TraceState& s) { return std::string(s.view()); }

TraceState parse_state_ok(const std::vector<std::string>& fields) {
  std::vector<std::string_view> views(fields.begin(), fields.end());
  TraceState s;
  EXPECT_EQ(s.parse_fields(views.data(), views.size()), Status::kOk);
  return s;
}

void expect_state_invalid(const std::vector<std::string>& fields) {
  std::vector<std::string_view> views(fields.begin(), fields.end());
  TraceState s;
  ASSERT_EQ(s.set("pre", "existing"), Status::kOk);
  EXPECT_EQ(s.parse_fields(views.data(), views.size()), Status::kInvalidArgument)
      << "accepted: '" << (fields.empty() ? "" : fields[0]) << "'";
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.size(), 0u);
}

TEST(Tracestate, SpecExamples) {
  TraceState s;
  ASSERT_EQ(s.parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"), Status::kOk);
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.get("rojo"), "00f067aa0ba902b7");
  EXPECT_EQ(s.get("congo"), "t61rcWkgMzE");
  EXPECT_EQ(s.get("missing"), "");
  std::string_view k;
  std::string_view v;
  ASSERT_TRUE(s.member(1, k, v));
  EXPECT_EQ(k, "congo");
  EXPECT_FALSE(s.member(2, k, v));
  EXPECT_FALSE(s.truncated());
}

TEST(Tracestate, EmptyHeadersAndEmptyMembersAreAccepted) {  // test_tracestate_empty_header
  EXPECT_TRUE(parse_state_ok({""}).empty());
  EXPECT_TRUE(parse_state_ok({" \t , ,, \t"}).empty());
  EXPECT_EQ(canon(parse_state_ok({"foo=1", ""})), "foo=1");
  EXPECT_EQ(canon(parse_state_ok({"", "foo=1"})), "foo=1");
  EXPECT_EQ(canon(parse_state_ok({"foo=1,,  ,bar=2,"})), "foo=1,bar=2");
  EXPECT_TRUE(parse_state_ok({}).empty());
}

TEST(Tracestate, OwsAroundMembers) {  // test_tracestate_ows_handling
  EXPECT_EQ(canon(parse_state_ok({"foo=1 \t , \t bar=2, \t baz=3"})), "foo=1,bar=2,baz=3");
  EXPECT_EQ(canon(parse_state_ok({"foo=1\t \t,\t \tbar=2,\t \tbaz=3"})), "foo=1,bar=2,baz=3");
  for (const char* v : {" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t"}) {
    EXPECT_EQ(parse_state_ok({v}).get("foo"), "1") << v;
  }
  // A value keeps its inner and leading spaces; only trailing OWS is outside it.
  EXPECT_EQ(parse_state_ok({"foo= a b ,x=1"}).get("foo"), " a b");
}

TEST(Tracestate, MultipleFieldsCombineInOrder) {  // test_tracestate_multiple_headers_different_keys
  EXPECT_EQ(canon(parse_state_ok({"foo=1,bar=2", "rojo=1,congo=2", "baz=3"})),
            "foo=1,bar=2,rojo=1,congo=2,baz=3");
}

TEST(Tracestate, DuplicatedKeysDiscardTheHeader) {  // test_tracestate_duplicated_keys
  expect_state_invalid({"foo=1,foo=1"});
  expect_state_invalid({"foo=1,foo=2"});
  expect_state_invalid({"foo=1", "foo=1"});
  expect_state_invalid({"foo=1", "foo=2"});
}

TEST(Tracestate, AllAllowedCharacters) {  // test_tracestate_all_allowed_characters
  std::string key;
  for (char c = 'a'; c <= 'z'; ++c) key += c;
  key += "0123456789_-*/";
  const std::string key_with_vendor = key + "@a-z0-9_-*/";
  std::string value;
  for (int c = 0x20; c <= 0x7e; ++c) {
    if (c != ',' && c != '=') value += static_cast<char>(c);
  }
  EXPECT_EQ(parse_state_ok({key + "=" + value}).get(key), value);
  EXPECT_EQ(parse_state_ok({key_with_vendor + "=" + value}).get(key_with_vendor), value);
}

TEST(Tracestate, IllegalKeyCharacters) {  // test_tracestate_key_illegal_characters
  expect_state_invalid({"foo =1"});
  expect_state_invalid({"FOO=1"});
  expect_state_invalid({"foo.bar=1"});
  expect_state_invalid({"1foo=1"});  // a simple key starts with a letter
  expect_state_invalid({"=1"});
  expect_state_invalid({"foo"});     // no '='
  expect_state_invalid({"foo=1,bar"});
}

TEST(Tracestate, IllegalVendorFormat) {  // test_tracestate_key_illegal_vendor_format
  expect_state_invalid({"foo@=1,bar=2"});
  expect_state_invalid({"@foo=1,bar=2"});
  expect_state_invalid({"foo@@bar=1,bar=2"});
  expect_state_invalid({"foo@bar@baz=1,bar=2"});
  expect_state_invalid({"foo@1bar=1"});  // system-id starts with a letter
  EXPECT_EQ(parse_state_ok({"1foo@bar=1"}).get("1foo@bar"), "1");  // tenant-id may start with a digit
  EXPECT_EQ(parse_state_ok({"fw529a3039@dt=x"}).size(), 1u);
}

TEST(Tracestate, MemberCountLimit) {  // test_tracestate_member_count_limit
  std::vector<std::string> fields;
  std::string field;
  for (int i = 1; i <= 32; ++i) {
    char m[32];
    std::snprintf(m, sizeof(m), "bar%02d=%02d", i, i);
    field += (field.empty() ? "" : ",") + std::string(m);
    if (i % 10 == 0) {
      fields.push_back(field);
      field.clear();
    }
  }
  fields.push_back(field);
  const TraceState s = parse_state_ok(fields);
  EXPECT_EQ(s.size(), 32u);
  EXPECT_EQ(s.get("bar01"), "01");
  fields.back() += ",bar33=33";
  expect_state_invalid(fields);
}

TEST(Tracestate, KeyLengthLimits) {  // test_tracestate_key_length_limit
  const TraceState s256 = parse_state_ok({"foo=1", std::string(256, 'z') + "=1"});
  EXPECT_EQ(s256.get("foo"), "1");
  expect_state_invalid({"foo=1", std::string(257, 'z') + "=1"});
  const TraceState mt = parse_state_ok({"foo=1", std::string(241, 't') + "@" + std::string(14, 'v') + "=1"});
  EXPECT_EQ(mt.get("foo"), "1");
  expect_state_invalid({"foo=1", std::string(242, 't') + "@v=1"});
  expect_state_invalid({"foo=1", "t@" + std::string(15, 'v') + "=1"});
}

TEST(Tracestate, IllegalValues) {  // test_tracestate_value_illegal_characters
  expect_state_invalid({"foo=bar=baz"});
  expect_state_invalid({"foo=,bar=3"});
  expect_state_invalid({"foo=   ,bar=3"});       // only spaces: empty after OWS
  expect_state_invalid({"foo=a\tb"});            // tab is not a value character
  expect_state_invalid({"foo=caf\xc3\xa9"});     // not ASCII
  expect_state_invalid({std::string("foo=a\x7f")});
  EXPECT_EQ(parse_state_ok({"foo=" + std::string(256, 'v')}).get("foo").size(), 256u);
  expect_state_invalid({"foo=" + std::string(257, 'v')});
}

TEST(Tracestate, OversizeTruncatesLargeEntriesFirst) {
  static_assert(TRACELET_TRACESTATE_BYTES == 512, "expectations below assume the default");
  // a, B1 (150 chars), b, B2 (150 chars), c, then small entries: 5 + 150 + ... > 512.
  const std::string big1 = "big1=" + std::string(145, 'x');  // 150 characters
  const std::string big2 = "big2=" + std::string(145, 'y');
  std::string header = "a=1," + big1 + ",b=2," + big2 + ",c=3";
  for (int i = 0; i < 20; ++i) header += ",k" + std::to_string(10 + i) + "=" + std::string(10, 'v');
  // Total: 3+150+3+150+3 + 20*14 + 24 commas = 613 > 512. Dropping big2 (the last >128 entry)
  // leaves 462, which fits: nothing else goes.
  const TraceState s = parse_state_ok({header});
  EXPECT_TRUE(s.truncated());
  EXPECT_EQ(s.size(), 24u);
  EXPECT_EQ(s.get("big2"), "");
  EXPECT_EQ(s.get("big1").size(), 145u);
  EXPECT_EQ(s.get("k29"), std::string(10, 'v'));
  EXPECT_LE(s.size_bytes(), 512u);
}

TEST(Tracestate, OversizeTruncatesFromTheEnd) {
  std::string header;
  for (int i = 0; i < 32; ++i) {
    header += (i ? "," : "") + ("k" + std::to_string(10 + i)) + "=" + std::string(16, 'v');
  }
  // 32 entries of 20 characters: 32*20 + 31 = 671. 24 entries take 24*20 + 23 = 503 <= 512.
  const TraceState s = parse_state_ok({header});
  EXPECT_TRUE(s.truncated());
  EXPECT_EQ(s.size(), 24u);
  EXPECT_EQ(s.size_bytes(), 503u);
  EXPECT_NE(s.get("k33"), "");
  EXPECT_EQ(s.get("k34"), "");
}

TEST(Tracestate, SetMovesToTheFrontAndEraseRemoves) {
  TraceState s;
  ASSERT_EQ(s.parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"), Status::kOk);
  ASSERT_EQ(s.set("congo", "ucfJifl5GOE"), Status::kOk);  // the spec's re-entry example
  EXPECT_EQ(canon(s), "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7");
  ASSERT_EQ(s.set("tracelet", "abc"), Status::kOk);
  EXPECT_EQ(canon(s), "tracelet=abc,congo=ucfJifl5GOE,rojo=00f067aa0ba902b7");
  EXPECT_EQ(s.set("Bad", "x"), Status::kInvalidArgument);
  EXPECT_EQ(s.set("ok", "bad,value"), Status::kInvalidArgument);
  EXPECT_EQ(s.set("ok", ""), Status::kInvalidArgument);
  EXPECT_EQ(canon(s), "tracelet=abc,congo=ucfJifl5GOE,rojo=00f067aa0ba902b7");
  EXPECT_TRUE(s.erase("congo"));
  EXPECT_EQ(canon(s), "tracelet=abc,rojo=00f067aa0ba902b7");
  EXPECT_TRUE(s.erase("rojo"));
  EXPECT_EQ(canon(s), "tracelet=abc");
  EXPECT_FALSE(s.erase("rojo"));
  EXPECT_TRUE(s.erase("tracelet"));
  EXPECT_TRUE(s.empty());
  ASSERT_EQ(s.set("a", "1"), Status::kOk);
  EXPECT_EQ(canon(s), "a=1");
}

TEST(Tracestate, SetOnAFullListDropsTheLastEntry) {
  std::string header;
  for (int i = 0; i < 32; ++i) header += (i ? "," : "") + ("k" + std::to_string(10 + i)) + "=v";
  TraceState s;
  ASSERT_EQ(s.parse(header), Status::kOk);
  ASSERT_EQ(s.size(), 32u);
  ASSERT_EQ(s.set("new", "1"), Status::kOk);
  EXPECT_EQ(s.size(), 32u);
  EXPECT_TRUE(s.truncated());
  EXPECT_EQ(s.get("k41"), "");
  std::string_view k;
  std::string_view v;
  ASSERT_TRUE(s.member(0, k, v));
  EXPECT_EQ(k, "new");
  // A grammatically valid entry that alone exceeds the 512-byte buffer (256 + 1 + 256) is
  // refused, and the state is left as it was.
  const std::string before(s.view());
  EXPECT_EQ(s.set(std::string(256, 'k'), std::string(256, 'v')), Status::kInvalidArgument);
  EXPECT_EQ(canon(s), before);
}

TEST(Tracestate, SetMakesRoomByDroppingLargeEntriesFirst) {
  TraceState s;
  const std::string big = std::string(200, 'b');
  ASSERT_EQ(s.parse("big=" + big + ",a=1,c=" + std::string(250, 'c')), Status::kOk);  // 204+4+252
  ASSERT_FALSE(s.truncated());
  ASSERT_EQ(s.set("new", std::string(60, 'n')), Status::kOk);  // 64 more: > 512
  EXPECT_TRUE(s.truncated());
  EXPECT_EQ(s.get("c"), "");  // the last >128 entry went first
  EXPECT_EQ(s.get("big"), big);
  EXPECT_EQ(s.get("a"), "1");
}

TEST(Tracestate, FormatNeedsRoom) {
  TraceState s;
  ASSERT_EQ(s.parse("a=1,b=2"), Status::kOk);
  char buf[16];
  std::size_t len = 0;
  ASSERT_EQ(s.format(buf, sizeof(buf), len), Status::kOk);
  EXPECT_EQ(std::string(buf, len), "a=1,b=2");
  EXPECT_EQ(s.format(buf, 6, len), Status::kResourceExhausted);
  EXPECT_EQ(len, 0u);
  TraceState empty;
  ASSERT_EQ(empty.format(nullptr, 0, len), Status::kOk);
  EXPECT_EQ(len, 0u);
}

// ---- carriers ------------------------------------------------------------------------------

// An HTTP header list (or MQTT 5 user properties: the same ordered name/value pairs).
struct HeaderList {
  std::vector<std::pair<std::string, std::string>> fields;
  Status fail_with = Status::kOk;

  CarrierReader reader() {
    CarrierReader r;
    r.ctx = this;
    r.field = [](void* ctx, std::size_t i, std::string_view* n, std::string_view* v) noexcept {
      auto* self = static_cast<HeaderList*>(ctx);
      if (i >= self->fields.size()) return false;
      *n = self->fields[i].first;
      *v = self->fields[i].second;
      return true;
    };
    return r;
  }
  CarrierWriter writer() {
    CarrierWriter w;
    w.ctx = this;
    w.set = [](void* ctx, std::string_view n, std::string_view v) noexcept {
      auto* self = static_cast<HeaderList*>(ctx);
      if (self->fail_with != Status::kOk) return self->fail_with;
      for (auto& f : self->fields) {
        if (equals_ignore_case(f.first, n)) {
          f.second = std::string(v);
          return Status::kOk;
        }
      }
      self->fields.emplace_back(std::string(n), std::string(v));
      return Status::kOk;
    };
    return w;
  }
};

// A lookup-only carrier, as a CoAP option table mapped to names would be: it matches names
// itself (ignoring case) and returns the index-th match.
struct LookupCarrier {
  std::vector<std::pair<std::string, std::string>> options;
  CarrierReader reader() {
    CarrierReader r;
    r.ctx = this;
    r.get = [](void* ctx, std::string_view name, std::size_t index, std::string_view* v) noexcept {
      auto* self = static_cast<LookupCarrier*>(ctx);
      for (const auto& o : self->options) {
        if (equals_ignore_case(o.first, name) && index-- == 0) {
          *v = o.second;
          return true;
        }
      }
      return false;
    };
    return r;
  }
};

const std::string kParent = "00-" + kTid + "-" + kSid + "-01";

TEST(Carrier, HeaderNamesAnyCase) {  // test_traceparent_header_name_valid_casing & tracestate's
  for (const char* tp : {"traceparent", "TraceParent", "TrAcEpArEnT", "TRACEPARENT"}) {
    for (const char* ts : {"tracestate", "TraceState", "TrAcEsTaTe", "TRACESTATE"}) {
      HeaderList h{{{tp, kParent}, {ts, "foo=1"}}};
      SpanContext c;
      TraceState s;
      ASSERT_EQ(extract(h.reader(), c, &s), Status::kOk) << tp;
      EXPECT_EQ(hex(c.trace_id.bytes, 16), kTid);
      EXPECT_TRUE(c.is_remote);
      EXPECT_EQ(s.get("foo"), "1") << ts;
    }
  }
}

TEST(Carrier, WrongHeaderNamesAreNotTraceContext) {  // test_traceparent_header_name & tracestate's
  for (const char* name : {"trace-parent", "trace.parent", "traceparent ", "xtraceparent"}) {
    HeaderList h{{{name, kParent}}};
    SpanContext c;
    EXPECT_EQ(extract(h.reader(), c, nullptr), Status::kUnavailable) << name;
    EXPECT_FALSE(c.is_valid());
  }
  for (const char* name : {"trace-state", "trace.state"}) {
    HeaderList h{{{"traceparent", kParent}, {name, "foo=1"}}};
    SpanContext c;
    TraceState s;
    ASSERT_EQ(extract(h.reader(), c, &s), Status::kOk);
    EXPECT_TRUE(s.empty()) << name;
  }
}

TEST(Carrier, DuplicatedTraceparentRestartsTheTrace) {  // test_traceparent_duplicated
  HeaderList h{{{"traceparent", "00-12345678901234567890123456789011-" + kSid + "-01"},
                {"traceparent", "00-12345678901234567890123456789012-" + kSid + "-01"},
                {"tracestate", "foo=1"}}};
  SpanContext c;
  TraceState s;
  EXPECT_EQ(extract(h.reader(), c, &s), Status::kInvalidArgument);
  EXPECT_FALSE(c.is_valid());
  EXPECT_TRUE(s.empty());
}

TEST(Carrier, TracestateWithoutValidTraceparentIsDiscarded) {
  // test_tracestate_included_traceparent_missing
  HeaderList missing{{{"tracestate", "foo=1,bar=2"}}};
  SpanContext c;
  TraceState s;
  ASSERT_EQ(s.set("stale", "1"), Status::kOk);
  EXPECT_EQ(extract(missing.reader(), c, &s), Status::kUnavailable);
  EXPECT_TRUE(s.empty());
  // An invalid traceparent: tracestate is not even parsed (spec 3.3).
  HeaderList invalid{{{"traceparent", "00-00000000000000000000000000000000-" + kSid + "-01"},
                      {"tracestate", "foo=1"}}};
  EXPECT_EQ(extract(invalid.reader(), c, &s), Status::kInvalidArgument);
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(c.is_valid());
}

TEST(Carrier, InvalidTracestateNeverAffectsTraceparent) {
  HeaderList h{{{"traceparent", kParent}, {"tracestate", "foo=1"}, {"tracestate", "FOO=2"}}};
  SpanContext c;
  TraceState s;
  ASSERT_EQ(extract(h.reader(), c, &s), Status::kOk);
  EXPECT_TRUE(c.is_valid());
  EXPECT_TRUE(s.empty());
}

TEST(Carrier, TracestateFieldsAreCombined) {  // test_tracestate_multiple_headers_different_keys
  HeaderList h{{{"tracestate", "foo=1,bar=2"},
                {"traceparent", kParent},
                {"TraceState", "rojo=1,congo=2"},
                {"tracestate", ""},
                {"tracestate", "baz=3"}}};
  SpanContext c;
  TraceState s;
  ASSERT_EQ(extract(h.reader(), c, &s), Status::kOk);
  EXPECT_EQ(canon(s), "foo=1,bar=2,rojo=1,congo=2,baz=3");
  // Duplicates across fields discard the whole tracestate (test_tracestate_duplicated_keys).
  HeaderList dup{{{"traceparent", kParent}, {"tracestate", "foo=1"}, {"tracestate", "foo=2"}}};
  ASSERT_EQ(extract(dup.reader(), c, &s), Status::kOk);
  EXPECT_TRUE(s.empty());
}

TEST(Carrier, TooManyTracestateFieldsAreDiscarded) {
  HeaderList h{{{"traceparent", kParent}}};
  for (int i = 0; i < 33; ++i) h.fields.emplace_back("tracestate", "k" + std::to_string(i) + "=1");
  SpanContext c;
  TraceState s;
  ASSERT_EQ(extract(h.reader(), c, &s), Status::kOk);
  EXPECT_TRUE(s.empty());
  h.fields.pop_back();  // 32 members in 32 fields is fine
  ASSERT_EQ(extract(h.reader(), c, &s), Status::kOk);
  EXPECT_EQ(s.size(), 32u);
}

TEST(Carrier, LookupOnlyCarrier) {
  LookupCarrier coap{{{"TraceParent", kParent}, {"tracestate", "a=1"}, {"tracestate", "b=2"}}};
  SpanContext c;
  TraceState s;
  ASSERT_EQ(extract(coap.reader(), c, &s), Status::kOk);
  EXPECT_EQ(canon(s), "a=1,b=2");
  LookupCarrier twice{{{"traceparent", kParent}, {"TRACEPARENT", kParent}}};
  EXPECT_EQ(extract(twice.reader(), c, &s), Status::kInvalidArgument);
  LookupCarrier none{{{"x", "y"}}};
  EXPECT_EQ(extract(none.reader(), c, &s), Status::kUnavailable);
}

TEST(Carrier, ReaderWithoutCallbacks) {
  SpanContext c;
  EXPECT_EQ(extract(CarrierReader{}, c, nullptr), Status::kFailedPrecondition);
  EXPECT_EQ(inject(parse_ok(kParent), nullptr, CarrierWriter{}), Status::kFailedPrecondition);
}

TEST(Carrier, InjectWritesLowerCaseFields) {
  HeaderList out;
  const SpanContext c = parse_ok(kSpecExample);
  TraceState s;
  ASSERT_EQ(s.parse("rojo=00f067aa0ba902b7"), Status::kOk);
  ASSERT_EQ(inject(c, &s, out.writer()), Status::kOk);
  ASSERT_EQ(out.fields.size(), 2u);
  EXPECT_EQ(out.fields[0].first, "traceparent");
  EXPECT_EQ(out.fields[0].second, kSpecExample);
  EXPECT_EQ(out.fields[1].first, "tracestate");
  EXPECT_EQ(out.fields[1].second, "rojo=00f067aa0ba902b7");

  // Round trip through the carrier.
  SpanContext back;
  TraceState back_state;
  ASSERT_EQ(extract(out.reader(), back, &back_state), Status::kOk);
  EXPECT_EQ(back.trace_id, c.trace_id);
  EXPECT_EQ(back.span_id, c.span_id);
  EXPECT_EQ(canon(back_state), "rojo=00f067aa0ba902b7");

  HeaderList only_parent;
  TraceState empty;
  ASSERT_EQ(inject(c, &empty, only_parent.writer()), Status::kOk);
  EXPECT_EQ(only_parent.fields.size(), 1u);
}

TEST(Carrier, InjectErrors) {
  HeaderList out;
  EXPECT_EQ(inject(SpanContext{}, nullptr, out.writer()), Status::kInvalidArgument);
  EXPECT_TRUE(out.fields.empty());
  out.fail_with = Status::kResourceExhausted;
  EXPECT_EQ(inject(parse_ok(kParent), nullptr, out.writer()), Status::kResourceExhausted);
}

TEST(Carrier, EqualsIgnoreCase) {
  EXPECT_TRUE(equals_ignore_case("TraceParent", "traceparent"));
  EXPECT_FALSE(equals_ignore_case("traceparen", "traceparent"));
  EXPECT_FALSE(equals_ignore_case("trace-parent", "traceparent"));
  EXPECT_TRUE(equals_ignore_case("", ""));
}

}  // namespace
}  // namespace tracelet
