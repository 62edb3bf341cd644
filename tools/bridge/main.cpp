// tracelet-bridge: forwards tracelet serial frames (from a UART, a file or a pipe) to an
// OTLP/HTTP collector. See usage_text() in options.cpp.
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "tracelet/env_config.h"

#include "bridge.h"
#include "forwarder.h"
#include "input.h"
#include "options.h"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) { g_stop.store(true); }

const char* aws_variable_only(void*, const char* name) {
  const bool aws = std::strcmp(name, "TRACELET_AWS_SIGV4") == 0 || std::strncmp(name, "AWS_", 4) == 0;
  return aws ? std::getenv(name) : nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tracelet::bridge;
  Options options;
  std::string error;
  bool help = false;
  if (!parse_options(argc, argv, options, error, help)) {
    std::cerr << "tracelet-bridge: " << error << "\n\n" << usage_text();
    return 2;
  }
  if (help) {
    std::cout << usage_text();
    return 0;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ForwarderConfig fc;
  fc.endpoint = options.endpoint;
  fc.ca_file = options.ca_file;
  fc.tls_server_name = options.tls_server_name;
  fc.headers = options.headers;
  fc.logs_headers = options.logs_headers;
  // TRACELET_AWS_SIGV4=xray|logs with the AWS_* credentials: frames go straight to AWS, signed.
  // The library's loader reads them, with its checks; only those variables are shown to it,
  // since the bridge's other settings come from its command line, not from OTEL_*.
  static tracelet::EnvSettings env;
  tracelet::ExporterConfig unused_exporter;
  tracelet::Options unused_tracer;
  tracelet::load_env_config(env, unused_exporter, unused_tracer, nullptr, nullptr, aws_variable_only);
  fc.aws = env.aws_sigv4();
  fc.allow_plain_http = options.allow_plain_http;
  fc.timeout_ms = options.timeout_ms;
  Forwarder forwarder;
  if (!forwarder.init(fc, error)) {
    std::cerr << "tracelet-bridge: " << error << '\n';
    return 3;
  }
  ByteInput input;
  if (!input.open(options.input, options.follow, options.baud, error)) {
    std::cerr << "tracelet-bridge: " << error << '\n';
    return 3;
  }
  Bridge bridge(options, g_stop, std::cerr);
  return bridge.run(input, forwarder);
}
