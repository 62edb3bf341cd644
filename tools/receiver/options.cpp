#include "options.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tracelet::receiver {
namespace {

bool to_int(const char* text, std::int64_t min, std::int64_t max, std::int64_t& out) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max) return false;
  out = v;
  return true;
}

}  // namespace

const char* usage_text() {
  return
      "usage:\n"
      "  tracelet-receiver --make-ca DIR\n"
      "      Write a fresh ECDSA P-256 CA (ca.crt, ca.key), a server certificate signed by it\n"
      "      (server.crt, server.key; SAN DNS:localhost, DNS:127.0.0.1, IP:127.0.0.1, IP:::1)\n"
      "      and a client certificate signed by it for mutual TLS (client.crt, client.key;\n"
      "      CN=tracelet-client, extKeyUsage clientAuth) to DIR.\n"
      "  tracelet-receiver query KIND --db FILE [--table] [--PARAM VALUE ...]\n"
      "      Answer a query from a store file (see README: percentiles, heatmap, groupby,\n"
      "      traces, slowest, trace, errors, stats) as JSON, or as a text table (--table).\n"
      "  tracelet-receiver (--certs DIR | --cert FILE --key FILE | --plain) [options]\n"
      "      Serve OTLP/HTTP POST /v1/traces and /v1/logs (application/x-protobuf) on 127.0.0.1;\n"
      "      log records print under the span they belong to (once it has arrived). Bodies may\n"
      "      be sent with Content-Length or Transfer-Encoding: chunked, and with\n"
      "      Content-Encoding: gzip (when built with zlib) or none.\n"
      "      --certs DIR            use DIR/server.crt and DIR/server.key (as --make-ca writes)\n"
      "      --cert FILE --key FILE PEM server certificate and key\n"
      "      --plain                plain HTTP, no TLS (must be asked for explicitly)\n"
      "      --client-ca FILE       mutual TLS: require a client certificate signed by a CA in\n"
      "                             FILE (PEM); handshakes without one, or with one it does\n"
      "                             not verify, are refused and logged\n"
      "      --listen ADDR          loopback address to listen on: 127.0.0.1 (default) or ::1\n"
      "      --port N               port to listen on; 0 = any free port (default 4318)\n"
      "      --port-file FILE       write the bound port number to FILE once listening\n"
      "      --jsonl FILE           append one JSON object per received span to FILE\n"
      "      --quiet                do not print span trees on stdout\n"
      "      --db FILE              store every accepted span in the SQLite file FILE (WAL mode,\n"
      "                             created on first use) and serve the trace page at / and the\n"
      "                             query API at /api/... on the same port\n"
      "      --keep HOURS           delete stored spans that started more than HOURS ago\n"
      "      --max-rows N           keep at most the newest N stored spans\n"
      "      --store-queue-mb MB    decoded spans waiting for the disk (default 64); when full,\n"
      "                             requests are still answered 200 but not stored, and counted\n"
      "      --aws-sigv4 FILE       require AWS SigV4 signatures for the key in FILE\n"
      "      --xray-sampling-rules FILE  play the X-Ray sampling API: POST /GetSamplingRules\n"
      "                             answers FILE (a GetSamplingRules answer), POST /SamplingTargets\n"
      "                             gives each reported rule its ReservoirSize as quota\n"
      "                             ('<service> <region> <key id> <secret> [<token>]')\n"
      "      --max-body BYTES       larger request bodies get 413 (default 8388608); the limit\n"
      "                             holds for chunked bodies and for gzip bodies once inflated\n"
      "      --idle-timeout-ms MS   close keep-alive connections idle this long (default 30000)\n"
      "      --head-timeout-ms MS   a request head must be complete MS after its first byte,\n"
      "                             else 408 and the connection closes (default 10000)\n"
      "      --body-timeout-ms MS   a body must be complete MS after its head (default 30000)\n"
      "      --max-connections N    connections served at once (default 16); more are closed\n"
      "                             at once (plain HTTP: with a 503 answer)\n"
      "    memory: a request head is at most 16384 bytes (else 431); a request holds its body,\n"
      "      the body inflated (<= --max-body) and its decoded spans, which may take 4 x\n"
      "      --max-body but at least 16 MiB (vectors counted at twice their size; else 413):\n"
      "      with B = max(--max-body, 4 MiB), under 16 x B per connection and 16 x B x\n"
      "      --max-connections in all (the defaults: 128 MiB and 2 GiB at most).\n"
      "    fault injection (requests are numbered from 1 across all connections):\n"
      "      --fail-status CODE     answer CODE (400..599) instead of processing the request\n"
      "      --fail-count N         ... for the first N requests only (default: all)\n"
      "      --retry-after SECONDS  add Retry-After to 429/503 answers\n"
      "      --delay-ms MS          wait MS before answering\n"
      "      --delay-count N        ... for the first N requests only (default: all)\n"
      "      --reset-after-headers N  first N requests: read the request, send response\n"
      "                             headers, then reset the connection (no body, no TLS close)\n"
      "      --partial-reject N     answer 200 with partial_success.rejected_spans = N\n"
      "  Spans of requests answered with a fault or reset are not written to --jsonl.\n"
      "  SIGTERM or SIGINT stop the receiver cleanly (exit status 0).\n";
}

bool parse_options(int argc, char** argv, Options& out, std::string& error, bool& help) {
  help = false;
  std::string certs_dir;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      return true;
    }
    if (arg == "--plain") {
      out.plain = true;
      continue;
    }
    if (arg == "--quiet") {
      out.quiet = true;
      continue;
    }
    if (i + 1 >= argc) {
      error = "option " + arg + " needs a value";
      return false;
    }
    const char* value = argv[++i];
    std::int64_t n = 0;
    auto number = [&](std::int64_t min, std::int64_t max) {
      if (to_int(value, min, max, n)) return true;
      error = "option " + arg + ": '" + value + "' is not a number in " + std::to_string(min) +
              ".." + std::to_string(max);
      return false;
    };
    if (arg == "--make-ca") {
      out.make_ca_dir = value;
    } else if (arg == "--certs") {
      certs_dir = value;
    } else if (arg == "--cert") {
      out.cert_file = value;
    } else if (arg == "--key") {
      out.key_file = value;
    } else if (arg == "--client-ca") {
      out.client_ca_file = value;
    } else if (arg == "--aws-sigv4") {
      out.aws_sigv4_file = value;
    } else if (arg == "--xray-sampling-rules") {
      out.xray_sampling_rules_file = value;
    } else if (arg == "--listen") {
      if (std::strcmp(value, "127.0.0.1") != 0 && std::strcmp(value, "::1") != 0) {
        error = std::string("option --listen: '") + value + "' is not 127.0.0.1 or ::1 (the receiver "
                "is a local test tool and listens on loopback only)";
        return false;
      }
      out.listen_address = value;
    } else if (arg == "--port") {
      if (!number(0, 65535)) return false;
      out.port = static_cast<std::uint16_t>(n);
    } else if (arg == "--port-file") {
      out.port_file = value;
    } else if (arg == "--jsonl") {
      out.jsonl_file = value;
    } else if (arg == "--db") {
      out.db_file = value;
    } else if (arg == "--keep") {
      char* end = nullptr;
      errno = 0;
      const double hours = std::strtod(value, &end);
      if (errno != 0 || end == value || *end != '\0' || !(hours > 0) || hours > 1e6) {
        error = std::string("option --keep: '") + value + "' is not a number of hours > 0";
        return false;
      }
      out.keep_hours = hours;
    } else if (arg == "--max-rows") {
      if (!number(1, INT64_MAX)) return false;
      out.max_rows = n;
    } else if (arg == "--store-queue-mb") {
      if (!number(1, 4096)) return false;
      out.store_queue_mb = static_cast<std::uint32_t>(n);
    } else if (arg == "--max-body") {
      if (!number(0, INT32_MAX)) return false;
      out.max_body = static_cast<std::uint64_t>(n);
    } else if (arg == "--idle-timeout-ms") {
      if (!number(1, 3600000)) return false;
      out.idle_timeout_ms = static_cast<std::uint32_t>(n);
    } else if (arg == "--head-timeout-ms") {
      if (!number(1, 3600000)) return false;
      out.head_timeout_ms = static_cast<std::uint32_t>(n);
    } else if (arg == "--body-timeout-ms") {
      if (!number(1, 3600000)) return false;
      out.body_timeout_ms = static_cast<std::uint32_t>(n);
    } else if (arg == "--max-connections") {
      if (!number(1, 4096)) return false;
      out.max_connections = static_cast<std::uint32_t>(n);
    } else if (arg == "--fail-status") {
      if (!number(400, 599)) return false;
      out.fail_status = static_cast<int>(n);
    } else if (arg == "--fail-count") {
      if (!number(0, INT32_MAX)) return false;
      out.fail_count = n;
    } else if (arg == "--retry-after") {
      if (!number(0, 86400)) return false;
      out.retry_after_s = static_cast<int>(n);
    } else if (arg == "--delay-ms") {
      if (!number(0, 600000)) return false;
      out.delay_ms = static_cast<std::uint32_t>(n);
    } else if (arg == "--delay-count") {
      if (!number(0, INT32_MAX)) return false;
      out.delay_count = n;
    } else if (arg == "--reset-after-headers") {
      if (!number(0, INT32_MAX)) return false;
      out.reset_after_headers = n;
    } else if (arg == "--partial-reject") {
      if (!number(0, INT32_MAX)) return false;
      out.partial_reject = n;
    } else {
      error = "unknown option " + arg;
      return false;
    }
  }

  if (!out.make_ca_dir.empty()) return true;
  if (!certs_dir.empty()) {
    if (!out.cert_file.empty() || !out.key_file.empty()) {
      error = "give either --certs DIR or --cert/--key, not both";
      return false;
    }
    out.cert_file = certs_dir + "/server.crt";
    out.key_file = certs_dir + "/server.key";
  }
  const bool tls = !out.cert_file.empty() || !out.key_file.empty();
  if (tls && out.plain) {
    error = "--plain cannot be combined with a certificate";
    return false;
  }
  if (!tls && !out.plain) {
    error = "choose TLS with --certs DIR (or --cert FILE --key FILE), or plain HTTP with --plain";
    return false;
  }
  if (!tls && !out.client_ca_file.empty()) {
    error = "--client-ca needs TLS (--certs DIR or --cert/--key)";
    return false;
  }
  if (tls && (out.cert_file.empty() || out.key_file.empty())) {
    error = "--cert and --key must be given together";
    return false;
  }
  if (out.fail_count >= 0 && out.fail_status == 0) {
    error = "--fail-count needs --fail-status CODE";
    return false;
  }
  if (out.db_file.empty() && (out.keep_hours > 0 || out.max_rows > 0)) {
    error = "--keep and --max-rows need --db FILE";
    return false;
  }
  if (out.delay_count >= 0 && out.delay_ms == 0) {
    error = "--delay-count needs --delay-ms MS";
    return false;
  }
  return true;
}

}  // namespace tracelet::receiver
