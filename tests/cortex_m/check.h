#pragma once
// A tiny check framework for on-target firmware tests (GoogleTest does not run on bare metal):
// checks count passes and failures, failures print file:line and the expression through
// semihosting, and finish() prints "N passed, M failed" and returns the exit code. A run with
// no checks at all is a failure, so an image that skipped its work cannot pass.
#include <cstdint>

namespace check {

/// Records one check; prints a failure with `expr`, `file` and `line`. Returns `ok`.
bool record(bool ok, const char* expr, const char* file, int line) noexcept;
/// Like record() for an equality of unsigned values, printing both on failure.
bool record_eq(std::uint64_t actual, std::uint64_t expected, const char* expr, const char* file,
               int line) noexcept;
/// Starts a named group of checks (printed as it runs).
void section(const char* name) noexcept;
/// Prints "N passed, M failed" and returns 0 only if every check passed and there was one.
int finish() noexcept;

}  // namespace check

#define CHECK(cond) ::check::record(static_cast<bool>(cond), #cond, __FILE__, __LINE__)
#define CHECK_EQ(actual, expected)                                                          \
  ::check::record_eq(static_cast<std::uint64_t>(actual), static_cast<std::uint64_t>(expected), \
                     #actual " == " #expected, __FILE__, __LINE__)
