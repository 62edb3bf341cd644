// W3C Baggage (include/tracelet/baggage.h): the spec's examples, invalid members, limits,
// set/get, carrier inject/extract, and the current baggage of a thread (BaggageScope) next to
// the current span. Limits are written against TRACELET_BAGGAGE_MAX_ENTRIES/_BYTES, so
// tests/baggage.cmake builds this file twice: with the defaults and with the spec's maxima
// (64 list-members, 8192 bytes).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "tracelet/baggage.h"
#include "tracelet/current_span.h"
#include "tracelet/fatal_error.h"
#include "tracelet/tracer.h"

namespace tracelet {
namespace {

static_assert(std::is_trivially_copyable_v<Baggage>, "a Baggage is copied to add an entry");
static_assert((Baggage(), true), "Baggage must be constant-initialisable");

constexpr std::size_t kMaxEntries = TRACELET_BAGGAGE_MAX_ENTRIES;
constexpr std::size_t kBytes = TRACELET_BAGGAGE_BYTES;

std::string formatted(const Baggage& b) {
  std::string out(kBytes, '\0');
  std::size_t len = 0;
  EXPECT_EQ(b.format(out.data(), out.size(), len), Status::kOk);
  EXPECT_EQ(len, b.formatted_size());
  out.resize(len);
  return out;
}

std::string props(const Baggage& b, std::string_view key) {
  BaggageEntry e;
  return b.find(key, e) ? std::string(e.properties) : std::string("<absent>");
}

// parse -> format -> parse -> format gives the same members and the same bytes.
void expect_stable(const Baggage& b) {
  const std::string once = formatted(b);
  Baggage again;
  EXPECT_EQ(again.parse(once), Status::kOk) << once;
  ASSERT_EQ(again.size(), b.size()) << once;
  BaggageEntry x;
  BaggageEntry y;
  for (std::size_t i = 0; b.entry(i, x); ++i) {
    ASSERT_TRUE(again.entry(i, y));
    EXPECT_EQ(x.key, y.key);
    EXPECT_EQ(x.value, y.value);
    EXPECT_EQ(x.properties, y.properties);
  }
  EXPECT_EQ(formatted(again), once);
}

// ---- the spec's examples -----------------------------------------------------------------

TEST(BaggageParse, SpecExampleWithPropertiesAndWhitespace) {
  Baggage b;
  EXPECT_EQ(b.parse("key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue"),
            Status::kOk);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b.get("key1"), "value1");
  EXPECT_EQ(props(b, "key1"), "property1;property2");
  EXPECT_EQ(b.get("key2"), "value2");
  EXPECT_EQ(props(b, "key2"), "");
  EXPECT_EQ(b.get("key3"), "value3");
  EXPECT_EQ(props(b, "key3"), "propertyKey=propertyValue");
  EXPECT_EQ(b.dropped(), 0u);
  EXPECT_EQ(formatted(b), "key1=value1;property1;property2,key2=value2,key3=value3;propertyKey=propertyValue");
  expect_stable(b);
}

TEST(BaggageParse, SpecExamplePercentEncodedValues) {
  Baggage b;
  EXPECT_EQ(b.parse("userId=alice,serverNode=DF%2028,isProduction=false"), Status::kOk);
  EXPECT_EQ(b.get("userId"), "alice");
  EXPECT_EQ(b.get("serverNode"), "DF 28");
  EXPECT_EQ(b.get("isProduction"), "false");
  EXPECT_EQ(b.parse("userId=Am%C3%A9lie,city=Z%c3%bcrich"), Status::kOk) << "hex digits of either case";
  EXPECT_EQ(b.get("userId"), "Am\xc3\xa9lie");
  EXPECT_EQ(b.get("city"), "Z\xc3\xbcrich");
  EXPECT_EQ(formatted(b), "userId=Am%C3%A9lie,city=Z%C3%BCrich");
  expect_stable(b);
}

TEST(BaggageParse, EscapesThatAreNotUtf8BecomeReplacementCharacters) {
  Baggage b;
  EXPECT_EQ(b.parse("a=%FF,b=x%C3,c=%C3%A9%80,d=%ED%A0%80,e=%F0%9F%98%80"), Status::kOk);
  EXPECT_EQ(b.get("a"), "\xef\xbf\xbd");
  EXPECT_EQ(b.get("b"), "x\xef\xbf\xbd") << "a sequence cut off by the end";
  EXPECT_EQ(b.get("c"), "\xc3\xa9\xef\xbf\xbd") << "a stray continuation byte";
  EXPECT_EQ(b.get("d"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd") << "a UTF-16 surrogate, byte by byte";
  EXPECT_EQ(b.get("e"), "\xf0\x9f\x98\x80") << "a 4-byte sequence is kept";
  expect_stable(b);
}

TEST(BaggageParse, PercentWithoutTwoHexDigitsIsALiteralPercent) {
  Baggage b;
  EXPECT_EQ(b.parse("ratio=50%,x=%4,y=%zz"), Status::kOk);
  EXPECT_EQ(b.get("ratio"), "50%");
  EXPECT_EQ(b.get("x"), "%4");
  EXPECT_EQ(b.get("y"), "%zz");
  EXPECT_EQ(formatted(b), "ratio=50%25,x=%254,y=%25zz");
  expect_stable(b);
}

TEST(BaggageParse, EmptyValuesEmptyMembersAndOws) {
  Baggage b;
  EXPECT_EQ(b.parse(" \t, a = ,, b=2 ;  p = x  ;q , "), Status::kOk);
  ASSERT_EQ(b.size(), 2u);
  BaggageEntry e;
  ASSERT_TRUE(b.find("a", e));
  EXPECT_EQ(e.value, "");
  EXPECT_EQ(b.get("b"), "2");
  EXPECT_EQ(props(b, "b"), "p=x;q");
  EXPECT_EQ(formatted(b), "a=,b=2;p=x;q");
  expect_stable(b);
  EXPECT_EQ(b.parse(""), Status::kOk);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(formatted(b), "");
}

// ---- invalid members: only the bad member goes -------------------------------------------

TEST(BaggageParse, InvalidMembersAreDroppedAndTheRestKept) {
  const std::vector<std::string> bad = {
      "novalue",           // no '='
      "=v",                // empty key
      "k y=v",             // space inside the key
      "k(=v",              // '(' is not a token character
      "k\"=v",             // nor is DQUOTE
      "k=a b",             // space inside the value
      "k=\"quoted\"",      // DQUOTE in the value
      "k=back\\slash",     // backslash in the value
      "k=v;",              // ';' without a property
      "k=v;;p",            // empty property
      "k=v;=x",            // property without a key
      "k=v;p=a b",         // property value with a space
      "k=v;p(=1",          // property key not a token
      "k=caf\xc3\xa9",     // raw non-ASCII (must be percent-encoded)
      "k=tab\there",       // control character inside the value
  };
  for (const std::string& member : bad) {
    Baggage b;
    EXPECT_EQ(b.parse("first=1," + member + ",last=2"), Status::kInvalidArgument) << member;
    EXPECT_EQ(b.size(), 2u) << member;
    EXPECT_EQ(b.get("first"), "1") << member;
    EXPECT_EQ(b.get("last"), "2") << member;
    BaggageEntry e;
    EXPECT_FALSE(b.find("k", e)) << member;
    EXPECT_EQ(b.dropped(), 1u) << member;
  }
}

TEST(BaggageParse, TokenKeysAreCaseSensitiveAndAllowTheirPunctuation) {
  Baggage b;
  EXPECT_EQ(b.parse("Key=1,key=2,a!#$%&'*+-.^_`|~9=3"), Status::kOk);
  EXPECT_EQ(b.get("Key"), "1");
  EXPECT_EQ(b.get("key"), "2");
  EXPECT_EQ(b.get("a!#$%&'*+-.^_`|~9"), "3");
  EXPECT_TRUE(Baggage::is_valid_key("device.id"));
  EXPECT_FALSE(Baggage::is_valid_key("device id"));
  EXPECT_FALSE(Baggage::is_valid_key(""));
}

TEST(BaggageParse, AKeySentTwiceKeepsItsLastValue) {
  Baggage b;
  EXPECT_EQ(b.parse("a=1,b=2,a=3;p"), Status::kOk);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.get("a"), "3");
  EXPECT_EQ(props(b, "a"), "p");
  EXPECT_EQ(formatted(b), "b=2,a=3;p");
}

TEST(BaggageParse, SeveralFieldsAreOneList) {
  Baggage b;
  const std::string_view fields[] = {"a=1, b=2", "", "c=3"};
  EXPECT_EQ(b.parse_fields(fields, 3), Status::kOk);
  EXPECT_EQ(formatted(b), "a=1,b=2,c=3");
}

// ---- limits ------------------------------------------------------------------------------

TEST(BaggageLimits, MembersPastTheCountLimitAreDroppedAndCounted) {
  std::string header;
  for (std::size_t i = 0; i <= kMaxEntries + 2; ++i) header += (i ? "," : "") + ("k" + std::to_string(i)) + "=v";
  if (header.size() > kBytes) GTEST_SKIP() << "byte limit too small for this count";
  Baggage b;
  EXPECT_EQ(b.parse(header), Status::kResourceExhausted);
  EXPECT_EQ(b.size(), kMaxEntries);
  EXPECT_EQ(b.dropped(), 3u);
  EXPECT_EQ(b.get("k0"), "v");
  EXPECT_EQ(b.get("k" + std::to_string(kMaxEntries - 1)), "v");
  EXPECT_TRUE(b.get("k" + std::to_string(kMaxEntries)).empty());
  expect_stable(b);
}

TEST(BaggageLimits, AHeaderOfExactlyTheByteLimitFitsAndOneMoreByteDropsAWholeMember) {
  // "a=" + filler + ",b=1": exactly kBytes.
  const std::string tail = ",b=1";
  const std::string exact = "a=" + std::string(kBytes - 2 - tail.size(), 'x') + tail;
  ASSERT_EQ(exact.size(), kBytes);
  Baggage b;
  EXPECT_EQ(b.parse(exact), Status::kOk);
  EXPECT_EQ(b.formatted_size(), kBytes);
  EXPECT_EQ(formatted(b), exact);

  const std::string over = "a=" + std::string(kBytes - 1 - tail.size(), 'x') + tail + ",c=2";
  EXPECT_EQ(b.parse(over), Status::kResourceExhausted);
  EXPECT_EQ(b.size(), 1u) << "b does not fit after a; never cut, dropped whole";
  EXPECT_EQ(b.get("a").size(), kBytes - 1 - tail.size());
  EXPECT_TRUE(b.get("b").empty());
  EXPECT_TRUE(b.get("c").empty()) << "c=2 needs 4 bytes, only 1 is left";
  EXPECT_EQ(b.dropped(), 2u);
  EXPECT_LE(b.formatted_size(), kBytes);

  // A member too large on its own goes; smaller ones after it are still kept.
  const std::string big_first = "big=" + std::string(kBytes, 'y') + ",small=1";
  EXPECT_EQ(b.parse(big_first), Status::kResourceExhausted);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(b.get("small"), "1");
}

TEST(BaggageLimits, TheByteLimitCountsTheEncodedForm) {
  // Each %FF decodes to U+FFFD, which is sent as %EF%BF%BD: 9 bytes for 3 received.
  const std::size_t escapes = kBytes / 9 + 1;
  std::string header = "a=";
  for (std::size_t i = 0; i < escapes; ++i) header += "%FF";
  ASSERT_LE(header.size(), kBytes);
  Baggage b;
  EXPECT_EQ(b.parse(header), Status::kResourceExhausted);
  EXPECT_TRUE(b.empty());
}

// ---- set / get / erase -------------------------------------------------------------------

TEST(BaggageSet, ValuesAreEncodedOnlyWhereNeeded) {
  Baggage b;
  EXPECT_EQ(b.set("device.id", "sensor-node-01"), Status::kOk);
  EXPECT_EQ(b.set("note", "a b,c;d\\e\"f%g=h"), Status::kOk);
  EXPECT_EQ(b.set("city", "Z\xc3\xbcrich", "ttl = 30 ; secret"), Status::kOk);
  EXPECT_EQ(formatted(b), "device.id=sensor-node-01,note=a%20b%2Cc%3Bd%5Ce%22f%25g=h,city=Z%C3%BCrich;ttl=30;secret");
  EXPECT_EQ(b.get("note"), "a b,c;d\\e\"f%g=h");
  EXPECT_EQ(props(b, "city"), "ttl=30;secret");
  expect_stable(b);
}

TEST(BaggageSet, ReplacingMovesToTheEndAndEraseRemoves) {
  Baggage b;
  ASSERT_EQ(b.set("a", "1"), Status::kOk);
  ASSERT_EQ(b.set("b", "2"), Status::kOk);
  ASSERT_EQ(b.set("a", "3"), Status::kOk);
  EXPECT_EQ(formatted(b), "b=2,a=3");
  EXPECT_TRUE(b.erase("b"));
  EXPECT_FALSE(b.erase("b"));
  EXPECT_EQ(formatted(b), "a=3");
  EXPECT_TRUE(b.erase("a"));
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.formatted_size(), 0u);
}

TEST(BaggageSet, RefusalsLeaveTheBaggageUnchanged) {
  Baggage b;
  ASSERT_EQ(b.set("keep", "1"), Status::kOk);
  EXPECT_EQ(b.set("bad key", "v"), Status::kInvalidArgument);
  EXPECT_EQ(b.set("", "v"), Status::kInvalidArgument);
  EXPECT_EQ(b.set("k", "\xff"), Status::kInvalidArgument) << "values must be UTF-8";
  EXPECT_EQ(b.set("k", "v", "a b"), Status::kInvalidArgument);
  EXPECT_EQ(b.set("k", "v", ";"), Status::kInvalidArgument);
  EXPECT_EQ(b.set("keep", std::string(kBytes, 'x')), Status::kResourceExhausted);
  EXPECT_EQ(formatted(b), "keep=1");
  for (std::size_t i = 1; i < kMaxEntries; ++i) {
    ASSERT_EQ(b.set("k" + std::to_string(i), ""), Status::kOk) << i;
  }
  const std::string before = formatted(b);
  EXPECT_EQ(b.set("one.more", "v"), Status::kResourceExhausted);
  EXPECT_EQ(b.set("keep", "2"), Status::kOk) << "replacing needs no extra member";
  EXPECT_EQ(b.size(), kMaxEntries);
  EXPECT_NE(formatted(b), before);
}

// ---- carriers ----------------------------------------------------------------------------

using Fields = std::vector<std::pair<std::string, std::string>>;

bool field_at(void* ctx, std::size_t i, std::string_view* n, std::string_view* v) noexcept {
  const auto* f = static_cast<const Fields*>(ctx);
  if (i >= f->size()) return false;
  *n = (*f)[i].first;
  *v = (*f)[i].second;
  return true;
}

bool get_named(void* ctx, std::string_view name, std::size_t index, std::string_view* v) noexcept {
  const auto* f = static_cast<const Fields*>(ctx);
  std::size_t seen = 0;
  for (const auto& [n, value] : *f) {
    if (equals_ignore_case(n, name) && seen++ == index) {
      *v = value;
      return true;
    }
  }
  return false;
}

Status set_field(void* ctx, std::string_view name, std::string_view value) noexcept {
  static_cast<Fields*>(ctx)->emplace_back(std::string(name), std::string(value));
  return Status::kOk;
}

TEST(BaggageCarrier, ExtractIgnoresNameCaseAndJoinsFieldsInOrder) {
  Fields in = {{"Baggage", "a=1"}, {"traceparent", "garbage"}, {"BAGGAGE", "b=2, c=3"}, {"x-baggage", "z=9"}};
  for (const bool use_get : {false, true}) {
    CarrierReader reader;
    reader.ctx = &in;
    if (use_get) {
      reader.get = &get_named;
    } else {
      reader.field = &field_at;
    }
    Baggage b;
    EXPECT_EQ(extract_baggage(reader, b), Status::kOk);
    EXPECT_EQ(formatted(b), "a=1,b=2,c=3") << (use_get ? "get" : "field");
    // The traceparent is invalid: trace context restarts, the baggage is still there.
    SpanContext context;
    EXPECT_EQ(extract(reader, context, nullptr), Status::kInvalidArgument);
  }
}

TEST(BaggageCarrier, ExtractReportsMissingAndBrokenReaders) {
  Fields none = {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}};
  CarrierReader reader;
  reader.ctx = &none;
  reader.field = &field_at;
  Baggage b;
  ASSERT_EQ(b.set("stale", "1"), Status::kOk);
  EXPECT_EQ(extract_baggage(reader, b), Status::kUnavailable);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(extract_baggage(CarrierReader{}, b), Status::kFailedPrecondition);
  Fields bad = {{"baggage", "ok=1,bad"}};
  reader.ctx = &bad;
  EXPECT_EQ(extract_baggage(reader, b), Status::kInvalidArgument);
  EXPECT_EQ(formatted(b), "ok=1");
}

TEST(BaggageCarrier, InjectWritesOneFieldAndNothingWhenEmpty) {
  Fields out;
  CarrierWriter writer;
  writer.ctx = &out;
  writer.set = &set_field;
  Baggage b;
  EXPECT_EQ(inject_baggage(b, writer), Status::kOk);
  EXPECT_TRUE(out.empty());
  ASSERT_EQ(b.set("device.id", "sensor-node-01"), Status::kOk);
  ASSERT_EQ(b.set("site", "hall 3"), Status::kOk);
  EXPECT_EQ(inject_baggage(b, writer), Status::kOk);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, "baggage");
  EXPECT_EQ(out[0].second, "device.id=sensor-node-01,site=hall%203");
  EXPECT_EQ(inject_baggage(b, CarrierWriter{}), Status::kFailedPrecondition);
  CarrierWriter full;
  full.set = [](void*, std::string_view, std::string_view) noexcept { return Status::kResourceExhausted; };
  EXPECT_EQ(inject_baggage(b, full), Status::kResourceExhausted);
}

// ---- the current baggage -----------------------------------------------------------------

TEST(BaggageScopeTest, ScopesNestAndRestoreThePreviousBaggage) {
  EXPECT_EQ(current_baggage(), nullptr);
  Baggage outer;
  ASSERT_EQ(outer.set("device.id", "sensor-node-01"), Status::kOk);
  {
    BaggageScope s1(outer);
    EXPECT_EQ(current_baggage(), &outer);
    // Adding an entry for deeper code: copy the current baggage, set, make the copy current.
    Baggage inner = *current_baggage();
    ASSERT_EQ(inner.set("request.id", "42"), Status::kOk);
    {
      BaggageScope s2(inner);
      ASSERT_NE(current_baggage(), nullptr);
      EXPECT_EQ(current_baggage()->get("device.id"), "sensor-node-01");
      EXPECT_EQ(current_baggage()->get("request.id"), "42");
    }
    EXPECT_EQ(current_baggage(), &outer);
    EXPECT_TRUE(current_baggage()->get("request.id").empty());
  }
  EXPECT_EQ(current_baggage(), nullptr);
}

TEST(BaggageScopeTest, EachThreadHasItsOwnCurrentBaggage) {
  Baggage mine;
  ASSERT_EQ(mine.set("who", "main"), Status::kOk);
  BaggageScope scope(mine);
  const Baggage* seen_by_other = &mine;
  std::string other_value;
  std::thread other([&] {
    seen_by_other = current_baggage();
    Baggage theirs;
    (void)theirs.set("who", "worker");
    BaggageScope s(theirs);
    other_value = std::string(current_baggage()->get("who"));
  });
  other.join();
  EXPECT_EQ(seen_by_other, nullptr);
  EXPECT_EQ(other_value, "worker");
  EXPECT_EQ(current_baggage()->get("who"), "main");
}

class BaggageWithSpansTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.service_name = "baggage-test";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    ASSERT_EQ(tracer_.init(options), Status::kOk);
  }
  alignas(8) std::uint8_t memory_[16 * 1024];
  Tracer tracer_;
};

TEST_F(BaggageWithSpansTest, SpansAndScopesShareTheContextWithoutHidingEachOther) {
  Baggage b;
  ASSERT_EQ(b.set("tenant", "t1"), Status::kOk);
  auto outer = tracer_.start_span("outer");
  {
    BaggageScope scope(b);
    EXPECT_EQ(current_span_context().span_id, outer.context().span_id) << "a scope keeps the span current";
    {
      auto inner = tracer_.start_span("inner");
      EXPECT_EQ(current_baggage(), &b) << "a span keeps the baggage current";
      EXPECT_EQ(current_span_context().span_id, inner.context().span_id);
    }
    EXPECT_EQ(current_baggage(), &b);
    EXPECT_EQ(current_span_context().span_id, outer.context().span_id);
  }
  EXPECT_EQ(current_baggage(), nullptr);
  EXPECT_EQ(current_span_context().span_id, outer.context().span_id);
}

TEST_F(BaggageWithSpansTest, ASpanEndedInsideAScopeIsNoLongerCurrentNorLeftBehind) {
  Baggage b;
  ASSERT_EQ(b.set("k", "v"), Status::kOk);
  {
    auto parent = tracer_.start_span("parent");
    {
      auto span = tracer_.start_span("ended-early");
      BaggageScope scope(b);
      span.end();  // out of order: the scope opened after it is still open
      EXPECT_EQ(current_span_context().span_id, parent.context().span_id) << "the parent is active again";
      auto child = tracer_.start_span("child");
      EXPECT_EQ(current_span_context().span_id, child.context().span_id);
    }
    // The scope closed, then the ended span went out of scope: nothing points at it.
    EXPECT_EQ(current_span_context().span_id, parent.context().span_id);
    EXPECT_EQ(current_baggage(), nullptr);
  }
  EXPECT_FALSE(current_span_context().is_valid());
}

TEST_F(BaggageWithSpansTest, FatalErrorEndsSpansAcrossBaggageScopes) {
  Baggage b;
  ASSERT_EQ(b.set("k", "v"), Status::kOk);
  auto a = tracer_.start_span("a");
  BaggageScope scope(b);
  auto c = tracer_.start_span("c");
  EXPECT_EQ(fail_current_spans("HardFault", "bus error"), 2u);
  EXPECT_FALSE(current_span_context().is_valid());
  EXPECT_EQ(current_baggage(), nullptr);
  EXPECT_EQ(tracer_.counters().spans_recorded, 2u);
}

}  // namespace
}  // namespace tracelet
