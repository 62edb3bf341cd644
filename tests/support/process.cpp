#include "support/process.h"

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "tracelet/port.h"

extern char** environ;

namespace tracelet::test {
namespace {

long now_ms() { return static_cast<long>(port::monotonic_ns() / 1000000); }

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ChildProcess::~ChildProcess() {
  if (pid_ > 0) (void)stop(SIGKILL, 2000);
}

bool ChildProcess::start(const std::vector<std::string>& argv, const std::string& stdout_path,
                         const std::string& stderr_path, std::string& error) {
  if (pid_ > 0 || argv.empty()) {
    error = "already running or empty argv";
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    error = "cannot start " + argv[0] + ": " + std::strerror(rc);
    return false;
  }
  pid_ = pid;
  return true;
}

int ChildProcess::wait(int timeout_ms) {
  if (pid_ <= 0) return -1;
  const long deadline = now_ms() + timeout_ms;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return decode_status(status);
    }
    if (r < 0 && errno != EINTR) {
      pid_ = -1;
      return -1;
    }
    if (now_ms() >= deadline) return -2;
    usleep(5000);
  }
}

int ChildProcess::stop(int signal, int timeout_ms) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  const int rc = wait(timeout_ms);
  if (rc != -2) return rc;
  kill(pid_, SIGKILL);
  return wait(5000);
}

int run_to_completion(const std::vector<std::string>& argv, int timeout_ms, std::string& err) {
  char path[] = "/tmp/tracelet-run-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return -1;
  close(fd);
  ChildProcess child;
  std::string error;
  if (!child.start(argv, "/dev/null", path, error)) {
    err = error;
    unlink(path);
    return -1;
  }
  int rc = child.wait(timeout_ms);
  if (rc == -2) {
    (void)child.stop(SIGKILL, 1000);
    rc = -1;
  }
  err = read_file(path);
  unlink(path);
  return rc;
}

std::vector<std::string> split_command(const std::string& joined) {
  std::vector<std::string> words;
  std::size_t start = 0;
  for (;;) {
    const std::size_t bar = joined.find('|', start);
    words.push_back(joined.substr(start, bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return words;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool wait_for_file(const std::string& path, int timeout_ms) {
  const long deadline = now_ms() + timeout_ms;
  while (now_ms() < deadline) {
    if (!read_file(path).empty()) return true;
    usleep(5000);
  }
  return false;
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/tracelet-test-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) != nullptr) path_ = buf.data();
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  nftw(
      path_.c_str(),
      [](const char* p, const struct stat*, int, struct FTW*) { return remove(p); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

}  // namespace tracelet::test
