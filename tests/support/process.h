#pragma once
#include <string>
#include <sys/types.h>
#include <vector>

namespace tracelet::test {

/// A child process started by a test and always stopped by it, by PID. The destructor kills
/// (SIGKILL) and reaps a child that is still running, so a failing test leaves nothing behind.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Starts argv[0] (a path, or a name looked up in PATH) with `argv`, stdout and stderr redirected to the given files (truncated).
  /// Returns false with `error` set if the program could not be started.
  bool start(const std::vector<std::string>& argv, const std::string& stdout_path,
             const std::string& stderr_path, std::string& error);

  /// Sends `signal` (SIGTERM by default) and waits up to `timeout_ms` for the exit. If it has
  /// not exited by then it is killed with SIGKILL. Returns the exit code (0..255), 128+N if
  /// it died from signal N, or -1 if it was not running.
  int stop(int signal = 15, int timeout_ms = 5000);

  /// Waits up to `timeout_ms` for the child to exit on its own. Returns the exit code as
  /// stop() does, or -2 if it is still running.
  int wait(int timeout_ms);

  /// True while the child has been started and not yet reaped.
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

/// Runs argv to completion (up to `timeout_ms`), capturing stderr into `err`. Returns the
/// exit code, or -1 if it could not start / had to be killed.
int run_to_completion(const std::vector<std::string>& argv, int timeout_ms, std::string& err);

/// Splits a '|'-separated command (emulator words + program, as the CMake files pass
/// commands through compile definitions) into argv words.
std::vector<std::string> split_command(const std::string& joined);

/// Reads a whole file; empty if it does not exist.
std::string read_file(const std::string& path);

/// Polls for `path` to exist and be non-empty, up to `timeout_ms`.
bool wait_for_file(const std::string& path, int timeout_ms);

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace tracelet::test
