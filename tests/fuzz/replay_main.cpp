// Runs a libFuzzer entry point without libFuzzer: every corpus file, plus deterministic
// mutations of it (bit flips, truncations, byte insertions), so the fuzz targets are exercised
// by every build, including g++ and cross builds.
// Usage: <target>_replay [-mutations=N] corpus_dir_or_file...
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::uint64_t g_state = 0x9e3779b97f4a7c15ULL;
std::uint64_t next_random() {
  g_state ^= g_state << 13;
  g_state ^= g_state >> 7;
  g_state ^= g_state << 17;
  return g_state;
}

// A random index below `n` (n > 0), in the platform's size type (32 bits on armhf).
std::size_t pick(std::size_t n) { return static_cast<std::size_t>(next_random() % n); }

std::string mutate(const std::string& in) {
  std::string out = in;
  switch (next_random() % 4) {
    case 0:
      if (!out.empty()) out[pick(out.size())] ^= static_cast<char>(1u << (next_random() % 8));
      break;
    case 1:
      if (!out.empty()) out.resize(pick(out.size()));
      break;
    case 2:
      out.insert(out.begin() + static_cast<long>(out.empty() ? 0 : pick(out.size())),
                 static_cast<char>(next_random()));
      break;
    default:
      if (!out.empty()) out[pick(out.size())] = static_cast<char>(next_random());
      break;
  }
  return out;
}

void collect(const std::string& path, std::vector<std::string>& files) {
  std::error_code error;
  if (!std::filesystem::is_directory(path, error)) {
    files.push_back(path);
    return;
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path, error)) {
    if (entry.is_regular_file(error)) files.push_back(entry.path().string());
  }
}

}  // namespace

int main(int argc, char** argv) {
  int mutations = 200;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "-mutations=", 11) == 0) {
      mutations = std::atoi(argv[i] + 11);
    } else {
      collect(argv[i], files);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s [-mutations=N] corpus_dir_or_file...\n", argv[0]);
    return 2;
  }
  std::size_t inputs = 0;
  for (const std::string& path : files) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "cannot read %s\n", path.c_str());
      return 2;
    }
    const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::string current = bytes;
    for (int m = 0; m <= mutations; ++m) {
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(current.data()), current.size());
      ++inputs;
      current = (next_random() % 4 == 0) ? mutate(bytes) : mutate(current);
    }
  }
  std::printf("replayed %zu inputs from %zu corpus files: no check failed\n", inputs, files.size());
  return 0;
}
