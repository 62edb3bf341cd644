#pragma once
#include <cstdint>
#include <string>

namespace tracelet::receiver {

/// Everything the command line can set. -1 in a count means "every request".
struct Options {
  std::string make_ca_dir;  // --make-ca DIR: write a CA and a server certificate, then exit

  std::string cert_file;  // --cert FILE (PEM server certificate)
  std::string key_file;   // --key FILE (PEM private key of the server certificate)
  bool plain = false;     // --plain: HTTP without TLS
  std::string client_ca_file;  // --client-ca FILE: require client certificates signed by it
  std::string listen_address = "127.0.0.1";  // --listen ADDR: 127.0.0.1 or ::1 (loopback only)

  std::uint16_t port = 4318;  // --port N; 0 picks a free port
  std::string port_file;      // --port-file FILE: the port actually bound, written once listening
  std::string jsonl_file;     // --jsonl FILE: one JSON object per received span, appended
  std::string db_file;        // --db FILE: store spans in this SQLite file (WAL), serve the page
  double keep_hours = 0;       // --keep HOURS: delete stored spans older than this (0 = keep all)
  std::int64_t max_rows = 0;   // --max-rows N: keep at most N stored spans (0 = no limit)
  std::uint32_t store_queue_mb = 64;  // --store-queue-mb MB: decoded spans waiting for the disk
  bool quiet = false;         // --quiet: no span trees on stdout (log lines still go to stderr)
  std::uint64_t max_body = 8u << 20;   // --max-body BYTES: larger bodies get 413
  std::uint32_t idle_timeout_ms = 30000;  // --idle-timeout-ms MS: keep-alive idle limit
  /// --head-timeout-ms MS: the whole request head must arrive within MS of its first byte
  /// (else 408), however slowly it trickles in.
  std::uint32_t head_timeout_ms = 10000;
  /// --body-timeout-ms MS: the whole body must arrive within MS of the head (else 408).
  std::uint32_t body_timeout_ms = 30000;
  /// --max-connections N: connections served at once; more are refused (plain HTTP: 503).
  std::uint32_t max_connections = 16;
  /// --aws-sigv4 FILE: play an AWS OTLP endpoint offline; requests must carry a valid SigV4
  /// signature for the key in FILE (see sigv4_check.h), else 403 with the reason and a Date.
  std::string aws_sigv4_file;
  /// --xray-sampling-rules FILE: play the X-Ray sampling API (sampling_api.h).
  std::string xray_sampling_rules_file;

  // Fault injection for tests. Requests are numbered from 1 in arrival order over all
  // connections; each "first N" counts from request 1.
  int fail_status = 0;            // --fail-status CODE (400..599)
  std::int64_t fail_count = -1;   // --fail-count N: how many requests get CODE (default all)
  int retry_after_s = -1;         // --retry-after SECONDS: header on 429/503 answers
  std::uint32_t delay_ms = 0;     // --delay-ms MS: wait before answering
  std::int64_t delay_count = -1;  // --delay-count N: only the first N requests wait (default all)
  std::int64_t reset_after_headers = 0;  // --reset-after-headers N: first N requests: read it,
                                         // send response headers, then reset the connection
  std::int64_t partial_reject = -1;      // --partial-reject N: 200 with rejected_spans=N
};

/// Parses argv into `out`. On a bad command line returns false and sets `error`.
/// `help` is set when --help was given (then nothing else is checked).
bool parse_options(int argc, char** argv, Options& out, std::string& error, bool& help);

/// The full usage text.
const char* usage_text();

}  // namespace tracelet::receiver
