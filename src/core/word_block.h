#pragma once
// Fixed-size copies of aligned words that a small core does as load/store-multiple
// instructions. At -Os, GCC turns a memcpy of 16 or 24 bytes into a loop (or a call to a
// byte-wise library memcpy); a struct assignment of whole words stays a few instructions.
#include <cstddef>
#include <cstdint>

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

}  // namespace tracelet::detail
