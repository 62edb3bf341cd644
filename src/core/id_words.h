#pragma once
// The random-word generator behind span and trace ids on cores without lock-free 64-bit
// atomics: Marsaglia's xorshift128 ("Xorshift RNGs", Journal of Statistical Software 8(14),
// 2003). 128 bits of state, period 2^128 - 1, and nothing but shifts and xors, which an ARM
// core folds into 4 instructions per 32-bit word: a root span's ids cost a few dozen
// instructions, where a 64-bit mixer needs a dozen multiply steps per word.
// Four consecutive words are the generator's whole next state, so a 128-bit trace id drawn
// as one block is never all zero. Not for secrets: W3C ids need to be random enough not to
// collide, and every id bit here is. (always_inline: -Os would otherwise call a 4-instruction
// step.)
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/critical.h"

namespace tracelet::detail {

/// One xorshift128 step: `oldest` and `newest` are the state's first and last words; the
/// result is the new last word (and the output).
[[gnu::always_inline]] inline constexpr std::uint32_t xorshift128_step(std::uint32_t oldest, std::uint32_t newest) noexcept {
  const std::uint32_t t = oldest ^ (oldest << 11);
  return newest ^ (newest >> 19) ^ t ^ (t >> 8);
}

/// Writes `blocks` blocks of 4 words to `out` and advances `state` (four words, never all
/// zero) by as many whole states. The caller keeps other contexts out of `state` meanwhile.
[[gnu::always_inline]] inline void xorshift128_blocks(std::uint32_t* state, std::uint32_t* out, std::size_t blocks) noexcept {
  // Whole blocks keep the four words in place, so they stay in registers with no shuffling.
  std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  for (std::size_t i = 0; i < blocks; ++i) {
    a = xorshift128_step(a, d);
    b = xorshift128_step(b, a);
    c = xorshift128_step(c, b);
    d = xorshift128_step(d, c);
    out[0] = a;
    out[1] = b;
    out[2] = c;
    out[3] = d;
    out += 4;
  }
  state[0] = a;
  state[1] = b;
  state[2] = c;
  state[3] = d;
}

/// Writes the next 2 words to `out` (a span id) and advances `state` by them: the state's
/// four words stay ordered oldest first, so pairs and blocks may follow each other in any
/// order and give the same sequence as xorshift128_blocks. Not never-zero (a pair is half a
/// state): the caller checks.
[[gnu::always_inline]] inline void xorshift128_pair(std::uint32_t* state, std::uint32_t* out) noexcept {
  const std::uint32_t c = state[2], d = state[3];
  const std::uint32_t a = xorshift128_step(state[0], d);
  const std::uint32_t b = xorshift128_step(state[1], a);
  state[0] = c;
  state[1] = d;
  state[2] = a;
  state[3] = b;
  out[0] = a;
  out[1] = b;
}

/// The ids of a new span, written into `ids` (a SpanContext's first 24 bytes, word-aligned):
/// for a root (`root`), the trace id is the generator's whole next state (never all zero),
/// then the span id is the pair after it; a child draws only the pair. The same sequence as
/// xorshift128_blocks then xorshift128_pair. Returns false if the span id came out all zero
/// (draw again). The caller keeps other contexts out of `state` meanwhile.
[[gnu::always_inline]] inline bool xorshift128_span_ids(std::uint32_t* state, std::uint8_t* ids,
                                                        bool root) noexcept {
  auto put = [ids](std::size_t word, std::uint32_t value) {
    std::memcpy(ids + 4 * word, &value, 4);
  };
  std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  if (root) {
    a = xorshift128_step(a, d);
    b = xorshift128_step(b, a);
    c = xorshift128_step(c, b);
    d = xorshift128_step(d, c);
    put(0, a);
    put(1, b);
    put(2, c);
    put(3, d);
  }
  const std::uint32_t e = xorshift128_step(a, d);
  const std::uint32_t f = xorshift128_step(b, e);
  state[0] = c;
  state[1] = d;
  state[2] = e;
  state[3] = f;
  put(4, e);
  put(5, f);
  return (e | f) != 0;
}

/// xorshift128_span_ids under the port's critical section (ISRs start spans too), drawn again
/// in the 2^-64 case of an all-zero span id: how a 32-bit core gives a span its ids.
[[gnu::always_inline]] inline void xorshift128_span_ids_masked(std::uint32_t* state, std::uint8_t* ids,
                                                               bool root) noexcept {
  for (;;) {
    const std::uint32_t saved = enter_critical();
    const bool valid = xorshift128_span_ids(state, ids, root);
    exit_critical(saved);
    if (valid) return;
  }
}

/// Fills a generator state from 16 seed bytes; an all-zero seed (the one state the generator
/// cannot leave) becomes a fixed non-zero one.
inline void xorshift128_seed(std::uint32_t* state, const std::uint8_t* seed) noexcept {
  std::memcpy(state, seed, 16);
  if ((state[0] | state[1] | state[2] | state[3]) == 0) state[0] = 0x9e3779b9u;
}

}  // namespace tracelet::detail
