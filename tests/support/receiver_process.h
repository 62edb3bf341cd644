#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "support/process.h"

namespace tracelet::test {

/// The command that runs tracelet-receiver: its path, preceded by the cross-build emulator
/// when there is one (set by tests/support/support.cmake). Append arguments to it.
std::vector<std::string> receiver_command();

/// Runs `tracelet-receiver --make-ca dir`. Returns an empty string on success, else the
/// receiver's error output.
std::string make_test_ca(const std::string& dir);

/// A tracelet-receiver started on a free 127.0.0.1 port by a test, stopped by it (by PID,
/// SIGTERM, then waited for). Its files live in the directory given to start().
class ReceiverProcess {
 public:
  /// Starts the receiver with `args` (e.g. {"--certs", ca_dir} or {"--plain"}) plus
  /// --port 0 --port-file --jsonl in `work_dir`, and waits until it listens. `wrapper` is a
  /// command put in front (e.g. {"prlimit", "--as=...", "--"}).
  bool start(const std::string& work_dir, const std::vector<std::string>& args, std::string& error,
             const std::vector<std::string>& wrapper = {});

  /// Sends `signal` (default SIGTERM) and waits; returns the exit code (0 on a clean
  /// shutdown).
  int stop(int signal = 15) { return child_.stop(signal); }

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return child_.pid(); }

  /// The JSONL file, one element per line.
  std::vector<std::string> jsonl_lines() const;
  /// Everything the receiver logged (stderr) / printed (stdout) so far.
  std::string log() const { return read_file(stderr_path_); }
  std::string trees() const { return read_file(stdout_path_); }
  /// Polls the log until it contains `needle` (log lines are written after each answer).
  bool wait_for_log(const std::string& needle, int timeout_ms = 3000) const;

 private:
  ChildProcess child_;
  std::uint16_t port_ = 0;
  std::string jsonl_path_;
  std::string stdout_path_;
  std::string stderr_path_;
};

}  // namespace tracelet::test
