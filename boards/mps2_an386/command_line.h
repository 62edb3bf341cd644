#pragma once
#include <cstdint>

/// Run parameters of a firmware image under QEMU, from the semihosting command line
/// (`-semihosting-config enable=on,target=native,arg=NAME,arg=key=value,...`).
namespace board {

/// Value of the `key=N` word of the semihosting command line, or `fallback` when there is no
/// such word, no command line, or the value is not a decimal number.
/// ISR-safe: no. Blocks: one semihosting call (first use only). Allocates: no.
std::uint32_t command_line_uint(const char* key, std::uint32_t fallback) noexcept;

}  // namespace board
