// tracelet-receiver: a local OTLP/HTTP(S) trace receiver for development and tests.
// See usage_text() in options.cpp for the command line.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>

#include "make_ca.h"
#include "options.h"
#include "server.h"

namespace {

std::atomic<bool> g_stop{false};
int g_wake_pipe[2] = {-1, -1};

extern "C" void on_signal(int) {
  g_stop.store(true);
  const char byte = 1;
  // The self-pipe wakes the accept loop at once; nothing else is safe in a handler.
  ssize_t ignored = write(g_wake_pipe[1], &byte, 1);
  (void)ignored;
}

}  // namespace

int main(int argc, char** argv) {
  using tracelet::receiver::Options;
  Options options;
  std::string error;
  bool help = false;
  if (!tracelet::receiver::parse_options(argc, argv, options, error, help)) {
    std::cerr << "tracelet-receiver: " << error << "\n\n" << tracelet::receiver::usage_text();
    return 2;
  }
  if (help) {
    std::cout << tracelet::receiver::usage_text();
    return 0;
  }
  if (!options.make_ca_dir.empty()) {
    if (!tracelet::receiver::make_ca(options.make_ca_dir, error)) {
      std::cerr << "tracelet-receiver: --make-ca: " << error << '\n';
      return 1;
    }
    std::cerr << "tracelet-receiver: wrote ca.crt ca.key server.crt server.key client.crt client.key to "
              << options.make_ca_dir << '\n';
    return 0;
  }

  if (pipe2(g_wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    std::perror("tracelet-receiver: pipe");
    return 1;
  }
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  tracelet::receiver::Server server(options, g_stop);
  if (!server.start(error)) {
    std::cerr << "tracelet-receiver: " << error << '\n';
    return 1;
  }
  server.run(g_wake_pipe[0]);
  return 0;
}
