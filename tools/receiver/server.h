#pragma once
#include <atomic>
#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>

#include "connection.h"
#include "http.h"
#include "options.h"
#include "report.h"
#include "sampling_api.h"
#include "sigv4_check.h"
#include "tls_server.h"

namespace tracelet::receiver {

class Store;

/// The receiver: listens on 127.0.0.1, one thread per connection (at most --max-connections),
/// HTTP/1.1 keep-alive, OTLP/HTTP trace export with the fault injection chosen in Options.
/// Memory per connection is bounded (see usage_text()): a 16 KiB head, the body, the body
/// inflated, and decoded spans up to 4 x max(--max-body, 4 MiB): under 16 x that in all.
class Server {
 public:
  /// `store` (may be null; owned by the caller, outlives the server) receives every accepted
  /// request after it is answered, and makes the page and the /api/ queries available.
  Server(const Options& options, const std::atomic<bool>& stop, Store* store = nullptr);

  /// Loads certificates, opens the JSONL file, binds and writes the port file.
  bool start(std::string& error);

  /// Accepts and serves until `stop` becomes true; then waits for every connection thread.
  /// `wake_fd` becomes readable when a signal arrives (self-pipe), so accept() is not stuck.
  void run(int wake_fd);

  std::uint16_t port() const { return port_; }

 private:
  struct Reply {
    int status = 200;
    std::string content_type;
    std::string body;
    std::vector<std::string> headers;
    std::string note;  // for the log line
  };

  void serve_connection(int fd, std::uint64_t conn_id);
  // Reads one request and answers it. False when the connection must end.
  bool serve_request(Connection& conn, std::string& buffer, std::uint64_t conn_id);
  // Answers one OTLP export. `body` is as framed on the wire (chunked coding already
  // removed); its Content-Encoding (gzip) is undone here, within --max-body.
  Reply handle_logs(const RequestHead& head, const std::string& plain, std::uint64_t seq,
                    const std::string& coding_note);
  Reply undecodable(const RequestHead& head, const char* message_name, const std::string& error, bool too_large,
                    const std::string& coding_note);
  std::string export_answer(std::size_t count, const char* what, std::string& note) const;
  Reply handle(const RequestHead& head, const std::string& body, std::uint64_t seq,
               std::size_t& spans);
  Reply error_reply(int status, const std::string& reason, const RequestHead* head);
  // Answers error_reply(...) with Connection: close, for a request whose end is unknown.
  // Returns false: the connection must end.
  bool reject(Connection& conn, int status, const std::string& reason, const RequestHead* head);
  // Closes a connection the receiver will not serve, saying why in the log (and, over plain
  // HTTP, in a 503 answer).
  void refuse_connection(int fd, std::uint64_t conn_id, const std::string& why);
  void log(const std::string& line);
  bool sleep_unless_stopped(std::uint32_t ms);

  const Options& options_;
  SigV4Key aws_key_;        // --aws-sigv4: the key requests must be signed with
  bool aws_sigv4_ = false;
  SamplingRules sampling_rules_;  // --xray-sampling-rules
  bool sampling_api_ = false;
  Reply sampling_reply(const RequestHead& head, const std::string& body);
  const std::atomic<bool>& stop_;
  Store* store_;
  TlsServer tls_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<std::uint64_t> request_seq_{0};
  std::mutex output_mutex_;  // stdout, stderr and the JSONL file
  std::ofstream jsonl_;
  SpanNames span_names_;  // spans seen, so log records print under their span's name
};

}  // namespace tracelet::receiver
