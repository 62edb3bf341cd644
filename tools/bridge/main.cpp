// tracelet-bridge: forwards tracelet serial frames (from a UART, a file or a pipe) to an
// OTLP/HTTP collector. See usage_text() in options.cpp.
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <iostream>

#include "bridge.h"
#include "forwarder.h"
#include "input.h"
#include "options.h"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) { g_stop.store(true); }

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
  // TRACELET_AWS_SIGV4=<service> with the AWS_* credentials, as the library's environment
  // loader reads them (include/tracelet/env_config.h): frames go straight to AWS, signed.
  static tracelet::SigV4Credentials aws;
  if (const char* service = std::getenv("TRACELET_AWS_SIGV4"); service != nullptr && service[0] != '\0') {
    aws.service = service;
    aws.access_key_id = std::getenv("AWS_ACCESS_KEY_ID");
    aws.secret_access_key = std::getenv("AWS_SECRET_ACCESS_KEY");
    aws.session_token = std::getenv("AWS_SESSION_TOKEN");
    aws.region = std::getenv("AWS_REGION") != nullptr ? std::getenv("AWS_REGION") : std::getenv("AWS_DEFAULT_REGION");
    fc.aws = &aws;
  }
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
