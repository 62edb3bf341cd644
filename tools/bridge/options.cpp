#include "options.h"

#include <cerrno>
#include <cstdlib>

namespace tracelet::bridge {
namespace {

bool to_uint(const char* text, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
  if (text == nullptr || *text < '0' || *text > '9') return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max) return false;
  out = v;
  return true;
}

std::string trim(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return std::string();
  const std::size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

}  // namespace

const char* usage_text() {
  return
      "usage: tracelet-bridge --input PATH --endpoint URL [options]\n"
      "  Reads tracelet serial frames (see docs/design.md, \"Serial frames\") from PATH, checks\n"
      "  each frame's length and CRC-32, resynchronises on the next sync marker after noise or\n"
      "  damage, and forwards every good payload (an OTLP ExportTraceServiceRequest) as\n"
      "  OTLP/HTTP POST, with retries. One log line per frame on stderr.\n"
      "  input:\n"
      "    --input PATH            a file, a FIFO, a serial device (e.g. /dev/ttyUSB0), or - (stdin)\n"
      "    --follow                at the end of a regular file wait for more (like tail -f)\n"
      "    --idle-exit-ms MS       stop after MS without new bytes (default 0 = never)\n"
      "    --stall-ms MS           a frame whose bytes stop for MS is treated as cut (default 1000)\n"
      "    --baud N                line speed for a serial device, set to raw 8N1 (default 115200)\n"
      "    --max-frame BYTES       largest payload accepted (default 1048576)\n"
      "  output:\n"
      "    --endpoint URL          https://host[:port]/v1/traces (http:// needs --allow-plain-http);\n"
      "                            log-record frames go to the same collector's /v1/logs\n"
      "    --ca FILE               PEM CA the collector's certificate must chain to\n"
      "                            (default: the system bundle)\n"
      "    --tls-server-name NAME  name the certificate must carry (default: the URL's host)\n"
      "    --header 'Name: value'  extra HTTP header on every request (repeatable)\n"
      "    --logs-header 'Name: value'  extra header on log-record requests only (repeatable),\n"
      "                            e.g. 'x-aws-log-group: fleet' for CloudWatch Logs\n"
      "    With TRACELET_AWS_SIGV4=xray and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,\n"
      "    AWS_SESSION_TOKEN (temporary credentials) and AWS_REGION in the environment, every\n"
      "    request is signed with AWS SigV4 (spans for X-Ray, log records for CloudWatch Logs)\n"
      "    --allow-plain-http      permit an http:// endpoint (no encryption)\n"
      "    --timeout-ms MS         one HTTP attempt, connect included (default 10000)\n"
      "    --max-attempts N        attempts per frame on 429/502/503/504 or network errors (default 8)\n"
      "    --initial-backoff-ms MS first retry delay, doubled each time (default 200)\n"
      "    --max-backoff-ms MS     longest retry delay (default 5000); Retry-After is honoured\n"
      "    --drain-timeout-ms MS   after the input ends or SIGTERM, time left to deliver what is\n"
      "                            queued (default 10000)\n"
      "    --max-queue-bytes N     frames waiting for the collector, at most (default 67108864);\n"
      "                            the oldest is dropped (and counted lost) beyond it\n"
      "  Exit status: 0 all frames delivered; 1 frames were lost (sequence gaps, damaged frames\n"
      "  never received intact, frames the collector refused or that ran out of attempts) or\n"
      "  reading the input failed (e.g. a serial adapter unplugged);\n"
      "  2 bad command line; 3 the input or the endpoint/CA could not be set up.\n"
      "  SIGTERM or SIGINT: stop reading, deliver what is queued, exit.\n";
}

bool parse_options(int argc, char** argv, Options& out, std::string& error, bool& help) {
  help = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      return true;
    }
    if (arg == "--follow") {
      out.follow = true;
      continue;
    }
    if (arg == "--allow-plain-http") {
      out.allow_plain_http = true;
      continue;
    }
    if (i + 1 >= argc) {
      error = "option " + arg + " needs a value";
      return false;
    }
    const char* value = argv[++i];
    std::uint64_t n = 0;
    auto number = [&](std::uint64_t min, std::uint64_t max) {
      if (to_uint(value, min, max, n)) return true;
      error = "option " + arg + ": '" + value + "' is not a number in " + std::to_string(min) +
              ".." + std::to_string(max);
      return false;
    };
    if (arg == "--input") {
      out.input = value;
    } else if (arg == "--idle-exit-ms") {
      if (!number(0, 86400000)) return false;
      out.idle_exit_ms = static_cast<std::uint32_t>(n);
    } else if (arg == "--stall-ms") {
      if (!number(1, 3600000)) return false;
      out.stall_ms = static_cast<std::uint32_t>(n);
    } else if (arg == "--baud") {
      if (!number(50, 4000000)) return false;
      out.baud = static_cast<std::uint32_t>(n);
    } else if (arg == "--max-frame") {
      if (!number(64, 256u << 20)) return false;
      out.max_frame = static_cast<std::uint32_t>(n);
    } else if (arg == "--endpoint") {
      out.endpoint = value;
    } else if (arg == "--ca") {
      out.ca_file = value;
    } else if (arg == "--tls-server-name") {
      out.tls_server_name = value;
    } else if (arg == "--header" || arg == "--logs-header") {
      const std::string h = value;
      const std::size_t colon = h.find(':');
      const std::string name = colon == std::string::npos ? std::string() : trim(h.substr(0, colon));
      if (name.empty() || name.find_first_of(" \t\r\n") != std::string::npos ||
          h.find_first_of("\r\n") != std::string::npos) {
        error = "option " + arg + ": '" + h + "' is not 'Name: value'";
        return false;
      }
      (arg == "--header" ? out.headers : out.logs_headers).emplace_back(name, trim(h.substr(colon + 1)));
    } else if (arg == "--timeout-ms") {
      if (!number(1, 600000)) return false;
      out.timeout_ms = static_cast<std::uint32_t>(n);
    } else if (arg == "--max-attempts") {
      if (!number(1, 1000000)) return false;
      out.max_attempts = static_cast<std::uint32_t>(n);
    } else if (arg == "--initial-backoff-ms") {
      if (!number(1, 600000)) return false;
      out.initial_backoff_ms = static_cast<std::uint32_t>(n);
    } else if (arg == "--max-backoff-ms") {
      if (!number(1, 3600000)) return false;
      out.max_backoff_ms = static_cast<std::uint32_t>(n);
    } else if (arg == "--drain-timeout-ms") {
      if (!number(0, 3600000)) return false;
      out.drain_timeout_ms = static_cast<std::uint32_t>(n);
    } else if (arg == "--max-queue-bytes") {
      if (!number(1024, std::uint64_t{1} << 40)) return false;
      out.max_queue_bytes = n;
    } else {
      error = "unknown option " + arg;
      return false;
    }
  }
  if (out.input.empty()) {
    error = "--input PATH is required (- for stdin)";
    return false;
  }
  if (out.endpoint.empty()) {
    error = "--endpoint URL is required";
    return false;
  }
  if (out.max_backoff_ms < out.initial_backoff_ms) out.max_backoff_ms = out.initial_backoff_ms;
  return true;
}

}  // namespace tracelet::bridge
