// The 32-bit id generator (src/core/id_words.h) that Cortex-M tracers draw ids from: tested
// here on the host, where the tracer itself uses the 64-bit atomic generator.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <utility>

#include "core/id_words.h"

namespace tracelet::detail {
namespace {

TEST(IdWords, MatchesTheReferenceSequence) {
  // Marsaglia's paper seeds xorshift128 with x=123456789, y=362436069, z=521288629,
  // w=88675123; its first outputs, computed by the paper's one-word-at-a-time form.
  std::uint32_t x = 123456789u, y = 362436069u, z = 521288629u, w = 88675123u;
  std::uint32_t expected[12];
  for (std::uint32_t& e : expected) {
    const std::uint32_t t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = w ^ (w >> 19) ^ (t ^ (t >> 8));
    e = w;
  }
  EXPECT_EQ(expected[0], 3701687786u) << "the paper's generator itself";
  std::uint32_t state[4] = {123456789u, 362436069u, 521288629u, 88675123u};
  std::uint32_t out[12];
  xorshift128_blocks(state, out, 1);
  xorshift128_blocks(state, out + 4, 2);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(out[i], expected[i]) << "word " << i;
  EXPECT_EQ(0, std::memcmp(state, out + 8, sizeof state)) << "a block is the next state";
}

TEST(IdWords, PairsContinueTheSameSequenceAsBlocks) {
  // A root span draws a block and a pair, a child a pair: any mix is one xorshift128 stream.
  std::uint32_t blocks_state[4] = {123456789u, 362436069u, 521288629u, 88675123u};
  std::uint32_t mixed_state[4] = {123456789u, 362436069u, 521288629u, 88675123u};
  std::uint32_t expected[16];
  xorshift128_blocks(blocks_state, expected, 4);
  std::uint32_t out[16];
  xorshift128_pair(mixed_state, out);
  xorshift128_blocks(mixed_state, out + 2, 1);
  xorshift128_pair(mixed_state, out + 6);
  xorshift128_pair(mixed_state, out + 8);
  xorshift128_pair(mixed_state, out + 10);
  xorshift128_blocks(mixed_state, out + 12, 1);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(out[i], expected[i]) << "word " << i;
  EXPECT_EQ(0, std::memcmp(mixed_state, blocks_state, sizeof mixed_state));
}

TEST(IdWords, AllZeroSeedIsReplacedAndBlocksAreNeverZero) {
  const std::uint8_t zero[16] = {};
  std::uint32_t state[4];
  xorshift128_seed(state, zero);
  EXPECT_NE(state[0] | state[1] | state[2] | state[3], 0u);
  std::set<std::pair<std::uint64_t, std::uint64_t>> trace_ids;
  int bit_ones[128] = {};
  constexpr int kDraws = 4096;
  for (int i = 0; i < kDraws; ++i) {
    std::uint32_t w[4];
    xorshift128_blocks(state, w, 1);
    ASSERT_NE(w[0] | w[1] | w[2] | w[3], 0u);
    trace_ids.insert({std::uint64_t{w[0]} << 32 | w[1], std::uint64_t{w[2]} << 32 | w[3]});
    for (int bit = 0; bit < 128; ++bit) bit_ones[bit] += (w[bit / 32] >> (bit % 32)) & 1u;
  }
  EXPECT_EQ(trace_ids.size(), static_cast<std::size_t>(kDraws));
  // Every one of the 128 bits varies, about half the time set (4096 draws: 5 sigma ~ 160).
  for (int bit = 0; bit < 128; ++bit) {
    EXPECT_GT(bit_ones[bit], kDraws / 2 - 200) << "bit " << bit;
    EXPECT_LT(bit_ones[bit], kDraws / 2 + 200) << "bit " << bit;
  }
}

TEST(IdWords, SeedBytesBecomeTheState) {
  std::uint8_t seed[16];
  for (int i = 0; i < 16; ++i) seed[i] = static_cast<std::uint8_t>(i + 1);
  std::uint32_t state[4];
  xorshift128_seed(state, seed);
  EXPECT_EQ(0, std::memcmp(state, seed, sizeof state));
}

}  // namespace
}  // namespace tracelet::detail
