#include "support/receiver_process.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <sstream>

namespace tracelet::test {

std::vector<std::string> receiver_command() {
#ifdef TRACELET_RECEIVER_COMMAND
  const std::string joined = TRACELET_RECEIVER_COMMAND;
#else
  const std::string joined = "tracelet-receiver";
#endif
  return split_command(joined);
}

std::string make_test_ca(const std::string& dir) {
  std::string err;
  std::vector<std::string> argv = receiver_command();
  argv.insert(argv.end(), {"--make-ca", dir});
  const int rc = run_to_completion(argv, 20000, err);
  if (rc == 0) return std::string();
  return "make-ca exited " + std::to_string(rc) + ": " + err;
}

bool ReceiverProcess::start(const std::string& work_dir, const std::vector<std::string>& args,
                            std::string& error, const std::vector<std::string>& wrapper) {
  static std::atomic<int> counter{0};
  const std::string stem = work_dir + "/receiver" + std::to_string(++counter);
  const std::string port_file = stem + ".port";
  jsonl_path_ = stem + ".jsonl";
  stdout_path_ = stem + ".out";
  stderr_path_ = stem + ".err";
  std::vector<std::string> argv = wrapper;
  const std::vector<std::string> receiver = receiver_command();
  argv.insert(argv.end(), receiver.begin(), receiver.end());
  argv.insert(argv.end(), {"--port", "0", "--port-file", port_file, "--jsonl", jsonl_path_});
  argv.insert(argv.end(), args.begin(), args.end());
  if (!child_.start(argv, stdout_path_, stderr_path_, error)) return false;
  // Polls for the port file while the receiver runs: one that refuses its arguments exits at
  // once, and the test hears why without waiting out the start-up timeout.
  bool started = false;
  int rc = -2;
  for (int waited = 0; waited < 10000 && rc == -2; waited += 10) {
    if (wait_for_file(port_file, 10)) {
      started = true;
      break;
    }
    rc = child_.wait(0);
  }
  if (!started) {
    if (rc == -2) rc = child_.stop();
    error = "receiver did not start (exit " + std::to_string(rc) + "): " + read_file(stderr_path_);
    return false;
  }
  port_ = static_cast<std::uint16_t>(std::atoi(read_file(port_file).c_str()));
  if (port_ == 0) {
    error = "bad port file";
    return false;
  }
  return true;
}

std::vector<std::string> ReceiverProcess::jsonl_lines() const {
  std::vector<std::string> lines;
  std::istringstream in(read_file(jsonl_path_));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

bool ReceiverProcess::wait_for_log(const std::string& needle, int timeout_ms) const {
  for (int waited = 0; waited <= timeout_ms; waited += 10) {
    if (log().find(needle) != std::string::npos) return true;
    usleep(10000);
  }
  return false;
}

}  // namespace tracelet::test
