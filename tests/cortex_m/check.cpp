#include "check.h"

#include "board.h"

namespace check {
namespace {
unsigned g_passed = 0;
unsigned g_failed = 0;
}  // namespace

bool record(bool ok, const char* expr, const char* file, int line) noexcept {
  if (ok) {
    ++g_passed;
    return true;
  }
  ++g_failed;
  board::write("FAILED ");
  board::write(file);
  board::write(":");
  board::write_uint(static_cast<std::uint64_t>(line));
  board::write(": ");
  board::write(expr);
  board::write("\n");
  return false;
}

bool record_eq(std::uint64_t actual, std::uint64_t expected, const char* expr, const char* file,
               int line) noexcept {
  if (record(actual == expected, expr, file, line)) return true;
  board::write("    actual ");
  board::write_uint(actual);
  board::write(", expected ");
  board::write_uint(expected);
  board::write("\n");
  return false;
}

void section(const char* name) noexcept {
  board::write("[ ");
  board::write(name);
  board::write(" ]\n");
}

int finish() noexcept {
  board::write_uint(g_passed);
  board::write(" passed, ");
  board::write_uint(g_failed);
  board::write(" failed\n");
  return (g_failed == 0 && g_passed != 0) ? 0 : 1;
}

}  // namespace check
