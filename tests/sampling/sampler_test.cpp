// Samplers: the OpenTelemetry built-ins against hand-computed expectations, configuration from
// the OTEL_TRACES_SAMPLER strings, ratios measured over many trace ids, and the X-Ray style
// rule sampler's matching and per-second reservoir on a simulated clock.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "sampling/glob.h"
#include "tracelet/rule_sampler.h"
#include "tracelet/samplers.h"

namespace tracelet {
namespace {

constexpr std::uint64_t kSecond = 1'000'000'000;

// A Tracer keeps these as members next to its constexpr constructor: they must be
// constant-initialisable (no static-initialisation-order risk) and trivially destructible.
struct TracerLikeMembers {
  constexpr TracerLikeMembers() noexcept {}
  ConfiguredSampler sampler;
  SamplerCounters counters;
  RuleSampler rules;
};
static_assert((TracerLikeMembers(), true), "sampler state must be constant-initialisable");
static_assert(std::is_trivially_destructible_v<TracerLikeMembers>);

TraceId trace_id_from_hex(const char* hex32) {
  TraceId id;
  for (int i = 0; i < 16; ++i) {
    unsigned v = 0;
    std::sscanf(hex32 + 2 * i, "%2x", &v);
    id.bytes[i] = static_cast<std::uint8_t>(v);
  }
  return id;
}

// Trace id whose rightmost 7 bytes hold `r56` (byte 8 = `byte8`, the rest fixed non-zero).
TraceId trace_id_with_r56(std::uint64_t r56, std::uint8_t byte8 = 0xff) {
  TraceId id;
  for (int i = 0; i < 8; ++i) id.bytes[i] = 0x11;
  id.bytes[8] = byte8;
  for (int i = 15; i >= 9; --i) {
    id.bytes[i] = static_cast<std::uint8_t>(r56 & 0xff);
    r56 >>= 8;
  }
  return id;
}

// splitmix64: a fixed, seeded stream of random trace ids so the measurements repeat exactly.
struct IdStream {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  TraceId trace_id() {
    TraceId id;
    std::uint64_t a = next();
    std::uint64_t b = next();
    for (int i = 7; i >= 0; --i) {
      id.bytes[i] = static_cast<std::uint8_t>(a);
      id.bytes[8 + i] = static_cast<std::uint8_t>(b);
      a >>= 8;
      b >>= 8;
    }
    return id;
  }
};

SamplingParams root_params(const TraceId& id, std::uint64_t now_ns = 0) {
  SamplingParams p;
  p.trace_id = id;
  p.name = "op";
  p.now_ns = now_ns;
  return p;
}

SpanContext parent(bool remote, bool sampled) {
  SpanContext c;
  c.trace_id = trace_id_from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  c.span_id.bytes[7] = 1;
  c.trace_flags = sampled ? kTraceFlagSampled : 0;
  c.is_remote = remote;
  return c;
}

// ---- built-ins ---------------------------------------------------------------------------

TEST(Sampler, AlwaysOnAndOff) {
  const SamplingParams p = root_params(trace_id_with_r56(1));
  EXPECT_EQ(sample(always_on_sampler(), p), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(sample(always_off_sampler(), p), SamplingDecision::kDrop);
  // AlwaysOn/Off ignore the parent.
  const SpanContext unsampled = parent(true, false);
  SamplingParams child = p;
  child.parent = &unsampled;
  EXPECT_EQ(sample(always_on_sampler(), child), SamplingDecision::kRecordAndSample);
}

TEST(Sampler, EmptySamplerIsTheSpecDefaultParentBasedAlwaysOn) {
  const Sampler none{};
  SamplingParams p = root_params(trace_id_with_r56(0));
  EXPECT_EQ(sample(none, p), SamplingDecision::kRecordAndSample);
  const SpanContext unsampled = parent(false, false);
  p.parent = &unsampled;
  EXPECT_EQ(sample(none, p), SamplingDecision::kDrop);
  const SpanContext sampled = parent(true, true);
  p.parent = &sampled;
  EXPECT_EQ(sample(none, p), SamplingDecision::kRecordAndSample);
  const SpanContext invalid{};  // an invalid parent counts as none
  p.parent = &invalid;
  EXPECT_EQ(sample(none, p), SamplingDecision::kRecordAndSample);
}

// The spec's reference ProbabilityToThreshold at the recommended precision 4 (its table in
// tracestate-probability-sampling.md, "precision 4" column): T is the hex digits shown, padded
// with zeros to 14 hex digits (56 bits).
TEST(TraceIdRatio, ThresholdsMatchTheSpecTable) {
  EXPECT_EQ(ratio_to_threshold56(1.0), 0u);
  EXPECT_EQ(ratio_to_threshold56(0.5), 0x8ULL << 52);                 // "8"
  EXPECT_EQ(ratio_to_threshold56(1.0 / 3.0), 0xaaabULL << 40);        // "aaab"
  EXPECT_EQ(ratio_to_threshold56(0.25), 0xcULL << 52);                // "c"
  EXPECT_EQ(ratio_to_threshold56(0.2), 0xcccdULL << 40);              // "cccd"
  EXPECT_EQ(ratio_to_threshold56(0.125), 0xeULL << 52);               // "e"
  EXPECT_EQ(ratio_to_threshold56(0.1), 0xe666ULL << 40);              // "e666"
  EXPECT_EQ(ratio_to_threshold56(0.0625), 0xfULL << 52);              // "f"
  EXPECT_EQ(ratio_to_threshold56(0.01), 0xfd70aULL << 36);            // "fd70a" (5 digits)
  EXPECT_EQ(ratio_to_threshold56(0.001), 0xffbe77ULL << 32);          // "ffbe77"
  EXPECT_EQ(ratio_to_threshold56(0.0001), 0xfff9724ULL << 28);        // "fff9724"
  EXPECT_EQ(ratio_to_threshold56(0.00001), 0xffff583aULL << 24);      // "ffff583a"
  EXPECT_EQ(ratio_to_threshold56(0.000001), 0xffffef39ULL << 24);     // "ffffef39"
  EXPECT_EQ(ratio_to_threshold56(0.0), 1ULL << 56);                   // never
  EXPECT_EQ(ratio_to_threshold56(std::nan("")), 1ULL << 56);
}

TEST(TraceIdRatio, DecidesOnTheRightmost56Bits) {
  TraceIdRatioSampler half;
  ASSERT_EQ(half.set_ratio(0.5), Status::kOk);
  // T(0.5) = 0x80000000000000: R >= T is sampled, R = T - 1 is not. Byte 8 (outside R) and the
  // upper 8 bytes do not matter.
  EXPECT_TRUE(half.would_sample(trace_id_with_r56(0x80000000000000ULL, 0x00)));
  EXPECT_FALSE(half.would_sample(trace_id_with_r56(0x7fffffffffffffULL, 0xff)));
  EXPECT_TRUE(half.would_sample(trace_id_with_r56(0xffffffffffffffULL)));
  EXPECT_FALSE(half.would_sample(trace_id_with_r56(0)));

  // The W3C example id 4bf92f3577b34da6a3ce929d0e0e4736 has R = 0xce929d0e0e4736 (bytes 9..15).
  const TraceId example = trace_id_from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(trace_id_randomness56(example), 0xce929d0e0e4736ULL);
  struct Case {
    double ratio;
    bool sampled;  // R >= T(ratio)?
  } cases[] = {
      {0.1, false},   // T = 0xe6660000000000 > R
      {0.125, false}, // T = 0xe0000000000000 > R
      {0.2, true},    // T = 0xcccd0000000000 <= R
      {0.25, true},   // T = 0xc0000000000000 <= R
      {0.19, false},  // 2 - 0.19 = 1.81 = 0x1.cf5c...: T = 0xcf5c0000000000 > R
      {0.5, true},
      {1.0, true},
      {0.0, false},
  };
  for (const Case& c : cases) {
    TraceIdRatioSampler s;
    ASSERT_EQ(s.set_ratio(c.ratio), Status::kOk);
    EXPECT_EQ(s.would_sample(example), c.sampled) << c.ratio;
    EXPECT_EQ(sample(s.sampler(), root_params(example)),
              c.sampled ? SamplingDecision::kRecordAndSample : SamplingDecision::kDrop);
  }
}

TEST(TraceIdRatio, LegacyLow64Algorithm) {
  // opentelemetry-python 1.x: low 64 bits < round(ratio * 2^64).
  // low64(example) = 0xa3ce929d0e0e4736 = 11803532876627986230.
  // round(0.6 * 2^64) = 11068046444225730560 (0x9999999999999800) -> not sampled;
  // round(0.65 * 2^64) = 11990383647911208960 (0xa666666666666800) -> sampled.
  const TraceId example = trace_id_from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  TraceIdRatioSampler s;
  ASSERT_EQ(s.set_ratio(0.6, RatioAlgorithm::kLegacyLow64), Status::kOk);
  EXPECT_FALSE(s.would_sample(example));
  ASSERT_EQ(s.set_ratio(0.65, RatioAlgorithm::kLegacyLow64), Status::kOk);
  EXPECT_TRUE(s.would_sample(example));
  ASSERT_EQ(s.set_ratio(1.0, RatioAlgorithm::kLegacyLow64), Status::kOk);
  TraceId all_ones;
  for (auto& b : all_ones.bytes) b = 0xff;
  EXPECT_TRUE(s.would_sample(all_ones));
  ASSERT_EQ(s.set_ratio(0.0, RatioAlgorithm::kLegacyLow64), Status::kOk);
  EXPECT_FALSE(s.would_sample(trace_id_with_r56(0, 0)));
}

TEST(TraceIdRatio, RejectsBadRatiosAndKeepsThePreviousOne) {
  TraceIdRatioSampler s;
  ASSERT_EQ(s.set_ratio(0.25), Status::kOk);
  EXPECT_EQ(s.set_ratio(1.5), Status::kInvalidArgument);
  EXPECT_EQ(s.set_ratio(-0.1), Status::kInvalidArgument);
  EXPECT_EQ(s.set_ratio(std::nan("")), Status::kInvalidArgument);
  EXPECT_DOUBLE_EQ(s.ratio(), 0.25);
}

TEST(TraceIdRatio, HigherRatiosSampleASuperset) {
  // The spec's requirement: anything sampled at p is sampled at every p' >= p.
  IdStream ids{42};
  const double ratios[] = {0.0, 0.001, 0.01, 0.1, 0.25, 1.0 / 3.0, 0.5, 0.9, 1.0};
  TraceIdRatioSampler s[9];
  for (int i = 0; i < 9; ++i) ASSERT_EQ(s[i].set_ratio(ratios[i]), Status::kOk);
  for (int n = 0; n < 20000; ++n) {
    const TraceId id = ids.trace_id();
    for (int i = 1; i < 9; ++i) {
      if (s[i - 1].would_sample(id)) {
        ASSERT_TRUE(s[i].would_sample(id)) << ratios[i];
      }
    }
  }
}

// Measured fraction over 100000 random trace ids. The target is the brief's 1 percentage point;
// the binomial bound (4 standard deviations) is the statistically meaningful check.
TEST(TraceIdRatio, MeasuredRatiosOver100000TraceIds) {
  constexpr int kIds = 100000;
  for (const double target : {0.01, 0.1, 0.5}) {
    TraceIdRatioSampler s;
    ASSERT_EQ(s.set_ratio(target), Status::kOk);
    IdStream ids{0x5eed};
    int sampled = 0;
    for (int i = 0; i < kIds; ++i) sampled += s.would_sample(ids.trace_id()) ? 1 : 0;
    const double measured = static_cast<double>(sampled) / kIds;
    const double sigma = std::sqrt(target * (1 - target) / kIds);
    std::printf("[ measured ] ratio %.2f: %d of %d sampled = %.5f (error %+.5f, %.2f sigma)\n",
                target, sampled, kIds, measured, measured - target, (measured - target) / sigma);
    EXPECT_NEAR(measured, target, 0.01);
    EXPECT_NEAR(measured, target, 4 * sigma);
  }
}

// ---- ParentBased ---------------------------------------------------------------------------

TEST(ParentBased, DefaultsFollowTheParentsSampledFlag) {
  TraceIdRatioSampler never;
  ASSERT_EQ(never.set_ratio(0.0), Status::kOk);
  ParentBasedSampler pb;
  pb.root = never.sampler();
  const Sampler s = pb.sampler();
  SamplingParams p = root_params(trace_id_with_r56(0xffffffffffffffULL));
  EXPECT_EQ(sample(s, p), SamplingDecision::kDrop);  // no parent: root() decides

  const SpanContext rs = parent(true, true);
  const SpanContext rn = parent(true, false);
  const SpanContext ls = parent(false, true);
  const SpanContext ln = parent(false, false);
  p.parent = &rs;
  EXPECT_EQ(sample(s, p), SamplingDecision::kRecordAndSample);
  p.parent = &rn;
  EXPECT_EQ(sample(s, p), SamplingDecision::kDrop);
  p.parent = &ls;
  EXPECT_EQ(sample(s, p), SamplingDecision::kRecordAndSample);
  p.parent = &ln;
  EXPECT_EQ(sample(s, p), SamplingDecision::kDrop);
}

TEST(ParentBased, EachCaseUsesItsDelegate) {
  struct Tag {
    SamplingDecision answer;
    int calls = 0;
  };
  auto fn = [](void* ctx, const SamplingParams&) noexcept {
    auto* t = static_cast<Tag*>(ctx);
    ++t->calls;
    return t->answer;
  };
  Tag root{SamplingDecision::kRecordOnly};
  Tag rs{SamplingDecision::kDrop};
  Tag rn{SamplingDecision::kRecordAndSample};
  Tag ls{SamplingDecision::kRecordOnly};
  Tag ln{SamplingDecision::kRecordAndSample};
  ParentBasedSampler pb{{&root, fn}, {&rs, fn}, {&rn, fn}, {&ls, fn}, {&ln, fn}};
  const Sampler s = pb.sampler();
  SamplingParams p = root_params(trace_id_with_r56(5));
  EXPECT_EQ(sample(s, p), SamplingDecision::kRecordOnly);
  const SpanContext c_rs = parent(true, true);
  const SpanContext c_rn = parent(true, false);
  const SpanContext c_ls = parent(false, true);
  const SpanContext c_ln = parent(false, false);
  p.parent = &c_rs;
  EXPECT_EQ(sample(s, p), SamplingDecision::kDrop);
  p.parent = &c_rn;
  EXPECT_EQ(sample(s, p), SamplingDecision::kRecordAndSample);
  p.parent = &c_ls;
  EXPECT_EQ(sample(s, p), SamplingDecision::kRecordOnly);
  p.parent = &c_ln;
  EXPECT_EQ(sample(s, p), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(root.calls + rs.calls + rn.calls + ls.calls + ln.calls, 5);
  EXPECT_EQ(root.calls, 1);
  EXPECT_EQ(ln.calls, 1);
}

TEST(SamplerCounters, CountEveryDecision) {
  SamplerCounters counters;
  const SamplingParams p = root_params(trace_id_with_r56(1));
  for (int i = 0; i < 3; ++i) (void)sample(always_on_sampler(), p, &counters);
  for (int i = 0; i < 5; ++i) (void)sample(always_off_sampler(), p, &counters);
  auto record_only = [](void*, const SamplingParams&) noexcept { return SamplingDecision::kRecordOnly; };
  (void)sample(Sampler{nullptr, record_only}, p, &counters);
  SamplerStats s = counters.snapshot();
  EXPECT_EQ(s.sampled, 3u);
  EXPECT_EQ(s.dropped, 5u);
  EXPECT_EQ(s.record_only, 1u);
  counters.reset();
  s = counters.snapshot();
  EXPECT_EQ(s.sampled + s.dropped + s.record_only, 0u);
}

// ---- configuration strings -------------------------------------------------------------------

TEST(SamplerConfig, ParseRatio) {
  struct Case {
    const char* text;
    double value;
  } ok[] = {{"0", 0.0},     {"1", 1.0},       {"0.25", 0.25},   {"1.0", 1.0},
            {".5", 0.5},    {"5e-1", 0.5},    {"2.5E-1", 0.25}, {" 0.1 ", 0.1},
            {"0.10", 0.1},  {"000.5", 0.5},   {"1e0", 1.0},     {"0.0001", 0.0001},
            {"100e-2", 1.0}, {"0.333333333333333333333", 0.333333333333333333333}};
  for (const Case& c : ok) {
    double v = -1;
    ASSERT_EQ(parse_ratio(c.text, v), Status::kOk) << c.text;
    EXPECT_DOUBLE_EQ(v, c.value) << c.text;
  }
  // Exactly the nearest double, as strtod gives (so ratios match other SDKs bit for bit).
  double v = 0;
  ASSERT_EQ(parse_ratio("0.1", v), Status::kOk);
  EXPECT_EQ(v, 0.1);
  ASSERT_EQ(parse_ratio("0.3", v), Status::kOk);
  EXPECT_EQ(v, 0.3);
  for (const char* bad : {"", " ", "-0.5", "+0.5", "1.5", "2", "abc", "0.5x", "0x1p-1", "nan",
                          "inf", ".", "e5", "1e", "1e+", "0.5 0.5", "1e400", "0,5"}) {
    double w = 7;
    EXPECT_EQ(parse_ratio(bad, w), Status::kInvalidArgument) << bad;
    EXPECT_EQ(w, 7) << bad;
  }
}

TEST(SamplerConfig, KnownNames) {
  struct Case {
    const char* name;
    SamplerKind kind;
  } cases[] = {
      {"always_on", SamplerKind::kAlwaysOn},
      {"always_off", SamplerKind::kAlwaysOff},
      {"traceidratio", SamplerKind::kTraceIdRatio},
      {"parentbased_always_on", SamplerKind::kParentBasedAlwaysOn},
      {"parentbased_always_off", SamplerKind::kParentBasedAlwaysOff},
      {"parentbased_traceidratio", SamplerKind::kParentBasedTraceIdRatio},
      {" ParentBased_TraceIdRatio ", SamplerKind::kParentBasedTraceIdRatio},
  };
  for (const Case& c : cases) {
    SamplerConfig cfg;
    char msg[160] = "untouched";
    EXPECT_EQ(parse_sampler_config(c.name, "", cfg, msg, sizeof(msg)), Status::kOk) << c.name;
    EXPECT_EQ(cfg.kind, c.kind) << c.name;
    EXPECT_EQ(cfg.ratio, 1.0);
    EXPECT_STREQ(msg, "");
  }
  SamplerConfig cfg;
  ASSERT_EQ(parse_sampler_config("traceidratio", "0.25", cfg), Status::kOk);
  EXPECT_EQ(cfg.kind, SamplerKind::kTraceIdRatio);
  EXPECT_EQ(cfg.ratio, 0.25);
  ASSERT_EQ(parse_sampler_config("", "", cfg), Status::kOk);  // unset: the spec default
  EXPECT_EQ(cfg.kind, SamplerKind::kParentBasedAlwaysOn);
}

TEST(SamplerConfig, BadInputGivesAMessageAndTheSpecDefault) {
  SamplerConfig cfg;
  char msg[200];
  EXPECT_EQ(parse_sampler_config("traceidratio", "1.5", cfg, msg, sizeof(msg)),
            Status::kInvalidArgument);
  EXPECT_EQ(cfg.kind, SamplerKind::kTraceIdRatio);
  EXPECT_EQ(cfg.ratio, 1.0);  // "behave as if OTEL_TRACES_SAMPLER_ARG is not set"
  EXPECT_STREQ(msg, "OTEL_TRACES_SAMPLER_ARG='1.5' is not a sampling ratio in [0..1]; using 1.0");

  EXPECT_EQ(parse_sampler_config("parentbased_traceidratio", "half", cfg, msg, sizeof(msg)),
            Status::kInvalidArgument);
  EXPECT_EQ(cfg.kind, SamplerKind::kParentBasedTraceIdRatio);
  EXPECT_EQ(cfg.ratio, 1.0);

  EXPECT_EQ(parse_sampler_config("sometimes", "", cfg, msg, sizeof(msg)), Status::kInvalidArgument);
  EXPECT_EQ(cfg.kind, SamplerKind::kParentBasedAlwaysOn);
  EXPECT_STREQ(msg, "OTEL_TRACES_SAMPLER='sometimes' is not a known sampler; using parentbased_always_on");

  EXPECT_EQ(parse_sampler_config("xray", "", cfg, msg, sizeof(msg)), Status::kInvalidArgument);
  EXPECT_EQ(cfg.kind, SamplerKind::kParentBasedAlwaysOn);
  EXPECT_NE(std::strstr(msg, "not supported by tracelet"), nullptr) << msg;

  EXPECT_EQ(parse_sampler_config("always_on", "0.5", cfg, msg, sizeof(msg)), Status::kInvalidArgument);
  EXPECT_EQ(cfg.kind, SamplerKind::kAlwaysOn);
  EXPECT_STREQ(msg, "OTEL_TRACES_SAMPLER_ARG='0.5' is ignored: always_on takes no argument");

  EXPECT_EQ(parse_sampler_config("", "0.5", cfg, msg, sizeof(msg)), Status::kInvalidArgument);
  EXPECT_EQ(cfg.kind, SamplerKind::kParentBasedAlwaysOn);

  // A tiny message buffer is truncated, still NUL-terminated; nullptr is allowed.
  char small[8];
  EXPECT_EQ(parse_sampler_config("bogus", "", cfg, small, sizeof(small)), Status::kInvalidArgument);
  EXPECT_EQ(std::strlen(small), 7u);
  EXPECT_EQ(parse_sampler_config("bogus", "", cfg, nullptr, 0), Status::kInvalidArgument);
}

TEST(SamplerConfig, ControlCharactersOfTheInputAreEscapedInTheMessage) {
  // The message is logged: a value must not be able to end the line and forge another.
  SamplerConfig cfg;
  char msg[200];
  EXPECT_EQ(parse_sampler_config("always\n\x1b[2J", "", cfg, msg, sizeof(msg)), Status::kInvalidArgument);
  EXPECT_STREQ(msg, "OTEL_TRACES_SAMPLER='always\\x0a\\x1b[2J' is not a known sampler; using parentbased_always_on");
}

TEST(ConfiguredSampler, BuildsEachKindAndDescribesIt) {
  const TraceId high = trace_id_with_r56(0xffffffffffffffULL);  // passes any ratio > 0
  const TraceId low = trace_id_with_r56(0);                     // passes only ratio 1
  const SpanContext sampled_parent = parent(true, true);
  struct Case {
    const char* name;
    const char* arg;
    const char* description;
    bool root_high, root_low, child_of_sampled;
  } cases[] = {
      {"always_on", "", "AlwaysOnSampler", true, true, true},
      {"always_off", "", "AlwaysOffSampler", false, false, false},
      // TraceIdRatioBased ignores the parent: the low id stays unsampled under a sampled parent.
      {"traceidratio", "0.5", "TraceIdRatioBased{0.500000}", true, false, false},
      {"parentbased_always_on", "", "ParentBased{root=AlwaysOnSampler}", true, true, true},
      {"parentbased_always_off", "", "ParentBased{root=AlwaysOffSampler}", false, false, true},
      {"parentbased_traceidratio", "0.0001", "ParentBased{root=TraceIdRatioBased{0.000100}}",
       true, false, true},
  };
  for (const Case& c : cases) {
    SamplerConfig cfg;
    ASSERT_EQ(parse_sampler_config(c.name, c.arg, cfg), Status::kOk);
    ConfiguredSampler cs;
    ASSERT_EQ(cs.configure(cfg), Status::kOk);
    char desc[96];
    const std::size_t n = cs.describe(desc, sizeof(desc));
    EXPECT_STREQ(desc, c.description);
    EXPECT_EQ(n, std::strlen(c.description));
    const Sampler s = cs.sampler();
    auto on = [](SamplingDecision d) { return d == SamplingDecision::kRecordAndSample; };
    EXPECT_EQ(on(sample(s, root_params(high))), c.root_high) << c.name;
    EXPECT_EQ(on(sample(s, root_params(low))), c.root_low) << c.name;
    SamplingParams child = root_params(low);
    child.parent = &sampled_parent;
    EXPECT_EQ(on(sample(s, child)), c.child_of_sampled) << c.name;
  }
  ConfiguredSampler def;  // unconfigured: parentbased_always_on
  char desc[64];
  (void)def.describe(desc, sizeof(desc));
  EXPECT_STREQ(desc, "ParentBased{root=AlwaysOnSampler}");
  SamplerConfig bad;
  bad.kind = SamplerKind::kTraceIdRatio;
  bad.ratio = 2.0;
  EXPECT_EQ(def.configure(bad), Status::kInvalidArgument);
  EXPECT_EQ(def.config().kind, SamplerKind::kParentBasedAlwaysOn);
}

// ---- rule sampler ----------------------------------------------------------------------------

TEST(Glob, Patterns) {
  EXPECT_TRUE(detail::glob_match("*", ""));
  EXPECT_TRUE(detail::glob_match("*", "anything"));
  EXPECT_TRUE(detail::glob_match("", ""));
  EXPECT_FALSE(detail::glob_match("", "a"));
  EXPECT_TRUE(detail::glob_match("/api/*", "/api/move/1"));
  EXPECT_FALSE(detail::glob_match("/api/*", "/apx/move"));
  EXPECT_TRUE(detail::glob_match("/api/?", "/api/7"));
  EXPECT_FALSE(detail::glob_match("/api/?", "/api/"));
  EXPECT_FALSE(detail::glob_match("/api/?", "/api/77"));
  EXPECT_TRUE(detail::glob_match("GET", "get"));  // X-Ray SDKs ignore case
  EXPECT_TRUE(detail::glob_match("*.example.com", "Shop.Example.COM"));
  EXPECT_TRUE(detail::glob_match("a*b*c", "aXXbYYbZZc"));
  EXPECT_FALSE(detail::glob_match("a*b*c", "aXXbYYbZZ"));
  EXPECT_TRUE(detail::glob_match("**?", "x"));
  EXPECT_FALSE(detail::glob_match("**?", ""));
  EXPECT_TRUE(detail::glob_match("*a*a*a*a*a*b", std::string(40, 'a') + "b"));
  EXPECT_FALSE(detail::glob_match("*a*a*a*a*a*b", std::string(60, 'a')));
}

TEST(RuleValidation, Errors) {
  char msg[128];
  auto check = [&](const SamplingRule& r, const char* expected) {
    EXPECT_EQ(validate_sampling_rule(r, msg, sizeof(msg)), Status::kInvalidArgument);
    EXPECT_STREQ(msg, expected);
  };
  check(SamplingRule::make("", 1, 0.1, 1), "rule '': RuleName must be 1 to 32 characters");
  check(SamplingRule::make(std::string_view("x123456789012345678901234567890123"), 1, 0.1, 1),
        "rule 'x1234567890123456789012345678901...': RuleName must be 1 to 32 characters");
  check(SamplingRule::make("r", 0, 0.1, 1), "rule 'r': Priority must be 1 to 10000");
  check(SamplingRule::make("r", 10001, 0.1, 1), "rule 'r': Priority must be 1 to 10000");
  check(SamplingRule::make("r", 1, 1.01, 1), "rule 'r': FixedRate must be a number from 0 to 1");
  check(SamplingRule::make("r", 1, std::nan(""), 1), "rule 'r': FixedRate must be a number from 0 to 1");
  check(SamplingRule::make("r", 1, 0.1, 16384), "rule 'r': ReservoirSize must be 0 to 16383 per second");
  check(SamplingRule::make("r", 1, 0.1, 1).with_http_method("PROPFINDXYZ"),
        "rule 'r': HTTPMethod is longer than 10 characters");
  check(SamplingRule::make("r", 1, 0.1, 1).with_attribute("k", ""),
        "rule 'r': attribute value must be 1 to 32 characters");
  EXPECT_EQ(validate_sampling_rule(SamplingRule::make("Default", 10000, 0.05, 1)), Status::kOk);
}

// A firmware-style constant table.
constexpr SamplingRule kRules[] = {
    SamplingRule::make("health", 10, 0.0, 0).with_url_path("/health*"),
    SamplingRule::make("checkout", 5, 1.0, 0).with_http_method("POST").with_url_path("/api/checkout"),
    SamplingRule::make("tenant-vip", 20, 1.0, 0).with_attribute("tenant.tier", "gold"),
    SamplingRule::make("mqtt", 30, 0.0, 2).with_span_name("mqtt publish *"),
    SamplingRule::make("other-service", 1, 1.0, 100).with_service_name("billing"),
    SamplingRule::make("by-host", 40, 1.0, 0).with_host("*.example.com"),
    SamplingRule::make("retries", 50, 1.0, 0).with_attribute("retry.count", "?"),
    SamplingRule::make("Default", 10000, 0.0, 1),
};

class RuleSamplerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RuleSamplerOptions o;
    o.service_name = "thermostat";
    char msg[128];
    ASSERT_EQ(sampler_.init(kRules, std::size(kRules), o, msg, sizeof(msg)), Status::kOk) << msg;
  }
  SamplingDecision decide(std::string_view name, std::initializer_list<Attribute> attrs,
                          std::uint64_t now_ns, const TraceId& id) {
    std::vector<Attribute> a(attrs);
    SamplingParams p = root_params(id, now_ns);
    p.name = name;
    p.attributes = a.data();
    p.attribute_count = a.size();
    return sampler_.should_sample(p);
  }
  std::string matched_rule() {
    // The rule whose `matched` counter moved since the last call.
    std::string name;
    for (std::size_t i = 0; i < sampler_.rule_count(); ++i) {
      const RuleStats s = sampler_.stats(i);
      if (s.matched != last_[i]) name = std::string(s.name);
      last_[i] = s.matched;
    }
    return name;
  }
  StaticRuleSampler<8> sampler_;
  std::uint32_t last_[8] = {};
};

TEST_F(RuleSamplerTest, EvaluatesInPriorityOrder) {
  const std::string order[] = {"other-service", "checkout", "health", "tenant-vip",
                               "mqtt", "by-host", "retries", "Default"};
  ASSERT_EQ(sampler_.rule_count(), 8u);
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(sampler_.stats(i).name, order[i]);
}

TEST_F(RuleSamplerTest, MatchesRequestsToTheRightRule) {
  const TraceId id = trace_id_with_r56(0x12345678);
  const std::uint64_t t = 100 * kSecond;
  EXPECT_EQ(decide("GET /health", {{"http.request.method", "GET"}, {"url.path", "/healthz"}}, t, id),
            SamplingDecision::kDrop);
  EXPECT_EQ(matched_rule(), "health");
  // Old semantic conventions: http.method and http.target (query ignored).
  EXPECT_EQ(decide("POST", {{"http.method", "post"}, {"http.target", "/api/checkout?x=1"}}, t, id),
            SamplingDecision::kRecordAndSample);
  EXPECT_EQ(matched_rule(), "checkout");
  EXPECT_EQ(decide("GET", {{"http.request.method", "GET"}, {"url.path", "/api/checkout"}}, t, id),
            SamplingDecision::kRecordAndSample);  // not checkout (POST only): Default's reservoir
  EXPECT_EQ(matched_rule(), "Default");
  EXPECT_EQ(decide("x", {{"tenant.tier", "Gold"}}, t, id), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(matched_rule(), "tenant-vip");
  EXPECT_EQ(decide("x", {{"server.address", "api.example.com"}}, t, id),
            SamplingDecision::kRecordAndSample);
  EXPECT_EQ(matched_rule(), "by-host");
  EXPECT_EQ(decide("x", {{"retry.count", 3}}, t, id), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(matched_rule(), "retries");  // integer attribute matched as text
  EXPECT_EQ(decide("x", {{"retry.count", 12}}, t, id), SamplingDecision::kDrop);
  EXPECT_EQ(matched_rule(), "Default");  // "12" is two characters; Default's 1/s is spent
  EXPECT_EQ(decide("mqtt publish sensors/temp", {}, t, id), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(matched_rule(), "mqtt");
  // "other-service" (priority 1) never applies: its ServiceName is billing, ours thermostat.
  EXPECT_EQ(sampler_.stats(0).matched, 0u);
  EXPECT_EQ(sampler_.unmatched(), 0u);  // Default matches everything
}

TEST_F(RuleSamplerTest, ReservoirThenFixedRateOnTheSimulatedClock) {
  // "mqtt": 2 per second, FixedRate 0: exactly 2 traces per second, whatever the load.
  IdStream ids{7};
  int per_second[10] = {};
  for (int sec = 0; sec < 10; ++sec) {
    for (int i = 0; i < 500; ++i) {
      const std::uint64_t now =
          (1000 + static_cast<std::uint64_t>(sec)) * kSecond + static_cast<std::uint64_t>(i) * 1'000'000u;
      if (decide("mqtt publish x", {}, now, ids.trace_id()) == SamplingDecision::kRecordAndSample) {
        ++per_second[sec];
      }
    }
  }
  for (int sec = 0; sec < 10; ++sec) EXPECT_EQ(per_second[sec], 2) << "second " << sec;
  const RuleStats s = sampler_.stats(4);
  ASSERT_EQ(s.name, "mqtt");
  EXPECT_EQ(s.matched, 5000u);
  EXPECT_EQ(s.reservoir_sampled, 20u);
  EXPECT_EQ(s.rate_sampled, 0u);
}

TEST(RuleSampler, ReservoirHoldsItsRateAndFixedRateAppliesAfterIt) {
  // 5 per second from the reservoir, then 10 % of the rest by trace id; 1000 spans per simulated
  // second for 60 seconds, clock readings spread through each second.
  const SamplingRule rules[] = {SamplingRule::make("api", 1, 0.1, 5)};
  StaticRuleSampler<1> rs;
  ASSERT_EQ(rs.init(rules, 1, RuleSamplerOptions{}), Status::kOk);
  IdStream ids{99};
  constexpr int kSeconds = 60;
  constexpr int kPerSecond = 1000;
  int min_sampled = kPerSecond;
  int max_sampled = 0;
  int total = 0;
  for (int sec = 0; sec < kSeconds; ++sec) {
    int sampled = 0;
    for (int i = 0; i < kPerSecond; ++i) {
      const std::uint64_t now = static_cast<std::uint64_t>(sec) * kSecond +
                                static_cast<std::uint64_t>(i) * (kSecond / kPerSecond);
      sampled += rs.should_sample(root_params(ids.trace_id(), now)) ==
                         SamplingDecision::kRecordAndSample ? 1 : 0;
    }
    min_sampled = std::min(min_sampled, sampled);
    max_sampled = std::max(max_sampled, sampled);
    total += sampled;
  }
  const RuleStats st = rs.stats(0);
  std::printf("[ measured ] reservoir 5/s + FixedRate 0.1, %d spans/s for %d s: %u from the "
              "reservoir (%.2f/s), %u by rate (%.4f of the rest), per second min %d max %d\n",
              kPerSecond, kSeconds, st.reservoir_sampled,
              static_cast<double>(st.reservoir_sampled) / kSeconds, st.rate_sampled,
              static_cast<double>(st.rate_sampled) / (kSeconds * (kPerSecond - 5)), min_sampled,
              max_sampled);
  EXPECT_EQ(st.reservoir_sampled, 5u * kSeconds);  // exactly 5 per second
  EXPECT_EQ(st.matched, static_cast<std::uint32_t>(kSeconds * kPerSecond));
  const double rate = static_cast<double>(st.rate_sampled) / (kSeconds * (kPerSecond - 5));
  EXPECT_NEAR(rate, 0.1, 0.01);
  EXPECT_EQ(static_cast<std::uint32_t>(total), st.reservoir_sampled + st.rate_sampled);
}

TEST(RuleSampler, ReservoirAcrossLongGapsAndStaleClockReadings) {
  const SamplingRule rules[] = {SamplingRule::make("r", 1, 0.0, 1)};
  StaticRuleSampler<1> rs;
  ASSERT_EQ(rs.init(rules, 1, RuleSamplerOptions{}), Status::kOk);
  const TraceId id = trace_id_with_r56(1);
  auto at = [&](std::uint64_t ns) { return rs.should_sample(root_params(id, ns)); };
  EXPECT_EQ(at(5 * kSecond), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(at(5 * kSecond + 999'999'999), SamplingDecision::kDrop);  // same second: spent
  EXPECT_EQ(at(6 * kSecond), SamplingDecision::kRecordAndSample);
  // A reading from the previous second arriving late must not refill the current one.
  EXPECT_EQ(at(5 * kSecond + 10), SamplingDecision::kDrop);
  EXPECT_EQ(at(6 * kSecond + 10), SamplingDecision::kDrop);
  // Hours later (past the 2^18-second tag wrap) it refills again.
  const std::uint64_t later = (6 + (1ULL << 18) + 3) * kSecond;
  EXPECT_EQ(at(later), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(at(later + 1), SamplingDecision::kDrop);
}

TEST(RuleSampler, ConcurrentCallersNeverExceedTheReservoir) {
  const SamplingRule rules[] = {SamplingRule::make("r", 1, 0.0, 50)};
  StaticRuleSampler<1> rs;
  ASSERT_EQ(rs.init(rules, 1, RuleSamplerOptions{}), Status::kOk);
  std::atomic<int> sampled{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      IdStream ids{static_cast<std::uint64_t>(t)};
      for (int i = 0; i < 5000; ++i) {
        if (rs.should_sample(root_params(ids.trace_id(), 42 * kSecond)) ==
            SamplingDecision::kRecordAndSample) {
          sampled.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(sampled.load(), 50);
  EXPECT_EQ(rs.stats(0).matched, 20000u);
}

TEST(RuleSampler, FallbackForUnmatchedSpans) {
  const SamplingRule rules[] = {SamplingRule::make("only-get", 1, 1.0, 0).with_http_method("GET")};
  RuleState state[1];
  RuleSampler rs;
  ASSERT_EQ(rs.init(rules, 1, state, 1, RuleSamplerOptions{}), Status::kOk);
  const SamplingParams p = root_params(trace_id_with_r56(1));
  EXPECT_EQ(rs.should_sample(p), SamplingDecision::kDrop);  // default fallback: AlwaysOff
  EXPECT_EQ(rs.unmatched(), 1u);
  RuleSamplerOptions o;
  o.fallback = always_on_sampler();
  ASSERT_EQ(rs.init(rules, 1, state, 1, o), Status::kOk);
  EXPECT_EQ(rs.should_sample(p), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(rs.unmatched(), 1u);  // init reset the counter
}

TEST(RuleSampler, InitErrors) {
  RuleState state[2];
  RuleSampler rs;
  char msg[128];
  const SamplingRule dup[] = {SamplingRule::make("a", 1, 0.1, 1), SamplingRule::make("a", 2, 0.1, 1)};
  EXPECT_EQ(rs.init(dup, 2, state, 2, {}, msg, sizeof(msg)), Status::kInvalidArgument);
  EXPECT_STREQ(msg, "rule 'a': RuleName is used twice");
  const SamplingRule three[] = {SamplingRule::make("a", 1, 0.1, 1), SamplingRule::make("b", 1, 0.1, 1),
                                SamplingRule::make("c", 1, 0.1, 1)};
  EXPECT_EQ(rs.init(three, 3, state, 2, {}, msg, sizeof(msg)), Status::kResourceExhausted);
  EXPECT_STREQ(msg, "3 rules do not fit the state storage for 2");
  const SamplingRule bad[] = {SamplingRule::make("a", 1, 2.0, 1)};
  EXPECT_EQ(rs.init(bad, 1, state, 2, {}, msg, sizeof(msg)), Status::kInvalidArgument);
  EXPECT_STREQ(msg, "rule 'a': FixedRate must be a number from 0 to 1");
  EXPECT_EQ(rs.rule_count(), 0u);
  // Equal priorities are ordered by name.
  const SamplingRule tie[] = {SamplingRule::make("b", 7, 0.1, 1), SamplingRule::make("a", 7, 0.1, 1)};
  ASSERT_EQ(rs.init(tie, 2, state, 2, {}), Status::kOk);
  EXPECT_EQ(rs.stats(0).name, "a");
  EXPECT_EQ(rs.stats(2).name, "");  // past the end: zeros
}

TEST(RuleSampler, AsTheRootOfParentBasedChildrenFollowTheParent) {
  // The reservoir counts traces: child spans of a sampled trace reuse the parent's decision.
  const SamplingRule rules[] = {SamplingRule::make("r", 1, 0.0, 1)};
  StaticRuleSampler<1> rs;
  ASSERT_EQ(rs.init(rules, 1, RuleSamplerOptions{}), Status::kOk);
  ConfiguredSampler cs;
  cs.set_root(rs.sampler());
  char desc[64];
  (void)cs.describe(desc, sizeof(desc));
  EXPECT_STREQ(desc, "ParentBased{root=custom}");
  const Sampler s = cs.sampler();
  SamplingParams root = root_params(trace_id_with_r56(3), kSecond);
  ASSERT_EQ(sample(s, root), SamplingDecision::kRecordAndSample);
  const SpanContext p = parent(false, true);
  SamplingParams child = root;
  child.parent = &p;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(sample(s, child), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(rs.stats(0).matched, 1u);
  EXPECT_EQ(sample(s, root), SamplingDecision::kDrop);  // a second root in the same second
}

TEST(RuleSampler, FixedRateIsDeterministicOnTheTraceId) {
  // Same ids, same decisions as TraceIdRatioBased at the same ratio: device and cloud agree.
  const SamplingRule rules[] = {SamplingRule::make("r", 1, 0.25, 0)};
  StaticRuleSampler<1> rs;
  ASSERT_EQ(rs.init(rules, 1, RuleSamplerOptions{}), Status::kOk);
  TraceIdRatioSampler ratio;
  ASSERT_EQ(ratio.set_ratio(0.25), Status::kOk);
  IdStream ids{3};
  for (int i = 0; i < 10000; ++i) {
    const TraceId id = ids.trace_id();
    ASSERT_EQ(rs.should_sample(root_params(id)) == SamplingDecision::kRecordAndSample,
              ratio.would_sample(id));
  }
}

}  // namespace
}  // namespace tracelet
