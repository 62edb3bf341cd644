// The semihosting command line (SYS_GET_CMDLINE), read once into a static buffer.
#include "command_line.h"

#include <cstring>

#include "semihosting.h"

namespace board {
namespace {

constexpr std::uint32_t kSysGetCmdline = 0x15;
char g_line[256];
bool g_read = false;

const char* line() noexcept {
  if (!g_read) {
    g_read = true;
    struct {
      char* buffer;
      std::uint32_t size;
    } block = {g_line, sizeof g_line - 1};
    if (semihosting::call(kSysGetCmdline, &block) != 0) g_line[0] = '\0';
  }
  return g_line;
}

}  // namespace

std::uint32_t command_line_uint(const char* key, std::uint32_t fallback) noexcept {
  const std::size_t key_len = std::strlen(key);
  for (const char* at = line(); *at != '\0';) {
    while (*at == ' ') ++at;
    const char* word = at;
    while (*at != '\0' && *at != ' ') ++at;
    if (static_cast<std::size_t>(at - word) > key_len + 1 && std::strncmp(word, key, key_len) == 0 &&
        word[key_len] == '=') {
      std::uint32_t value = 0;
      for (const char* d = word + key_len + 1; d < at; ++d) {
        if (*d < '0' || *d > '9') return fallback;
        value = value * 10u + static_cast<std::uint32_t>(*d - '0');
      }
      return value;
    }
  }
  return fallback;
}

}  // namespace board
