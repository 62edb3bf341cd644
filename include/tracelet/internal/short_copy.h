#pragma once
// Not part of the API: the copy of a short string (a span name, an attribute key) into a
// span's bytes, inline on every span start and attribute.
#include <cstddef>
#include <cstdint>

namespace tracelet::detail {

/// Where a pointer is 64 bits, an 8-byte load or store costs what a 1-byte one does.
inline constexpr bool kWideWords = sizeof(void*) >= 8;

/// Copies `size` bytes of a short string. On a 64-bit core as overlapping 8- or 4-byte moves,
/// reading and writing no byte outside the `size` (a byte loop there is a chain of dependent
/// stores); on 32-bit cores byte by byte (a byte loop beats a library call's set-up; tested at
/// the end of each step, which GCC at -Os compiles to four instructions per byte).
[[gnu::always_inline]] inline void copy_short(std::uint8_t* to, const char* from,
                                              std::size_t size) noexcept {
  if (size == 0) return;
  if constexpr (kWideWords) {
    if (size >= 8) {
      std::uint64_t w;
      for (std::size_t at = 0; at + 8 < size; at += 8) {
        __builtin_memcpy(&w, from + at, 8);
        __builtin_memcpy(to + at, &w, 8);
      }
      __builtin_memcpy(&w, from + size - 8, 8);
      __builtin_memcpy(to + size - 8, &w, 8);
      return;
    }
    if (size >= 4) {
      std::uint32_t first;
      std::uint32_t last;
      __builtin_memcpy(&first, from, 4);
      __builtin_memcpy(&last, from + size - 4, 4);
      __builtin_memcpy(to, &first, 4);
      __builtin_memcpy(to + size - 4, &last, 4);
      return;
    }
  }
  const char* const end = from + size;
  do {
    *to++ = static_cast<std::uint8_t>(*from++);
  } while (from != end);
}

}  // namespace tracelet::detail
