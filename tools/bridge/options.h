#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tracelet::bridge {

/// Everything the command line of tracelet-bridge can set.
struct Options {
  std::string input;              // --input PATH: file, FIFO, serial device, or "-" (stdin)
  bool follow = false;            // --follow: at the end of a regular file, wait for more
  std::uint32_t idle_exit_ms = 0; // --idle-exit-ms MS: end after MS without input (0 = never)
  std::uint32_t stall_ms = 1000;  // --stall-ms MS: a frame that stops arriving is cut
  std::uint32_t baud = 115200;    // --baud N: line speed when the input is a serial device
  std::uint32_t max_frame = 1u << 20;  // --max-frame BYTES: largest payload accepted

  std::string endpoint;           // --endpoint URL (https://host:port/v1/traces)
  std::string ca_file;            // --ca FILE: trusted CA (PEM); empty = system bundle
  std::string tls_server_name;    // --tls-server-name NAME: name the certificate must carry
  std::vector<std::pair<std::string, std::string>> headers;  // --header 'Name: value'
  std::vector<std::pair<std::string, std::string>> logs_headers;  // --logs-header, log records only
  bool allow_plain_http = false;  // --allow-plain-http
  std::uint32_t timeout_ms = 10000;         // --timeout-ms MS: one HTTP attempt
  std::uint32_t max_attempts = 8;           // --max-attempts N: per frame
  std::uint32_t initial_backoff_ms = 200;   // --initial-backoff-ms MS (doubles per retry)
  std::uint32_t max_backoff_ms = 5000;      // --max-backoff-ms MS
  std::uint32_t drain_timeout_ms = 10000;   // --drain-timeout-ms MS: after input ends or SIGTERM
  std::uint64_t max_queue_bytes = 64u << 20;  // --max-queue-bytes: frames waiting to be sent
};

/// Parses argv into `out`. On a bad command line returns false and sets `error`.
/// `help` is set when --help was given (then nothing else is checked).
bool parse_options(int argc, char** argv, Options& out, std::string& error, bool& help);

/// The full usage text.
const char* usage_text();

}  // namespace tracelet::bridge
