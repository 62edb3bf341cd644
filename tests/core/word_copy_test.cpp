// The span's short copies (include/tracelet/internal/short_copy.h, src/core/word_block.h):
// every byte asked for arrives, and no byte outside the range is read or written. Sources
// end exactly at the end of a heap block, so an over-read shows under AddressSanitizer.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/word_block.h"
#include "tracelet/internal/short_copy.h"

namespace tracelet::detail {
namespace {

constexpr std::uint8_t kGuard = 0xA5;

TEST(WordCopy, CopyShortCopiesEverySizeAndTouchesNothingAround) {
  for (std::size_t size = 0; size <= 40; ++size) {
    std::unique_ptr<char[]> source(new char[size == 0 ? 1 : size]);
    for (std::size_t i = 0; i < size; ++i) source[i] = static_cast<char>('a' + i % 26);
    std::vector<std::uint8_t> out(size + 16, kGuard);
    copy_short(out.data() + 8, source.get(), size);
    for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(out[i], kGuard) << "size " << size;
    for (std::size_t i = 0; i < size; ++i) {
      EXPECT_EQ(out[8 + i], static_cast<std::uint8_t>(source[i])) << "size " << size << " byte " << i;
    }
    for (std::size_t i = size + 8; i < out.size(); ++i) EXPECT_EQ(out[i], kGuard) << "size " << size;
  }
}

TEST(WordCopy, CopyWordsCopiesEveryCountAndTouchesNothingAround) {
  for (std::size_t words = 1; words <= 9; ++words) {
    std::unique_ptr<std::uint32_t[]> source(new std::uint32_t[words]);
    for (std::size_t i = 0; i < words; ++i) source[i] = 0x01020304u * static_cast<std::uint32_t>(i + 1);
    std::vector<std::uint32_t> out(words + 4, 0xA5A5A5A5u);
    copy_words(out.data() + 2, source.get(), words);
    EXPECT_EQ(out[0], 0xA5A5A5A5u);
    EXPECT_EQ(out[1], 0xA5A5A5A5u);
    for (std::size_t i = 0; i < words; ++i) EXPECT_EQ(out[2 + i], source[i]) << words << " words";
    EXPECT_EQ(out[words + 2], 0xA5A5A5A5u) << words << " words";
    EXPECT_EQ(out[words + 3], 0xA5A5A5A5u) << words << " words";
  }
}

}  // namespace
}  // namespace tracelet::detail
