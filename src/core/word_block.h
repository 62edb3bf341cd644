#pragma once
// Fixed-size copies of aligned words that a small core does as load/store-multiple
// instructions. At -Os, GCC turns a memcpy of 16 or 24 bytes into a loop (or a call to a
// byte-wise library memcpy); a struct assignment of whole words stays a few instructions.
#include <cstddef>
#include <cstdint>

#include "tracelet/internal/short_copy.h"  // kWideWords

namespace tracelet::detail {

/// may_alias: the words are copied between byte arrays and structs of other types.
template <std::size_t kWords>
struct [[gnu::may_alias]] WordBlock {
  std::uint32_t words[kWords];
};

/// Copies `kBytes` (whole words) from `from` to `to`, both 4-byte aligned.
template <std::size_t kBytes>
[[gnu::always_inline]] inline void copy_block(void* to, const void* from) noexcept {
  static_assert(kBytes % 4 == 0, "whole words");
  using Block = WordBlock<kBytes / 4>;
  *static_cast<Block*>(to) = *static_cast<const Block*>(from);
}

/// Copies `words` (at least 1) 4-byte words from `from` to `to`, both 4-byte aligned: in
/// pairs on a 64-bit core (half the loop).
/// (Tested at the end of each step: GCC at -Os compiles the word loop to four instructions
/// per word, a for loop to five.)
[[gnu::always_inline]] inline void copy_words(void* to, const void* from, std::size_t words) noexcept {
  auto* out = static_cast<WordBlock<1>*>(to);
  const auto* in = static_cast<const WordBlock<1>*>(from);
  if constexpr (kWideWords) {
    for (; words >= 2; words -= 2, out += 2, in += 2) {
      *reinterpret_cast<WordBlock<2>*>(out) = *reinterpret_cast<const WordBlock<2>*>(in);
    }
    if (words != 0) *out = *in;
  } else {
    do {
      *out++ = *in++;
    } while (--words != 0);
  }
}

}  // namespace tracelet::detail
