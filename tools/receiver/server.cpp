#include "server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <list>
#include <sstream>
#include <thread>

#include "chunked_decoder.h"
#include "content_coding.h"
#include "otlp_decode.h"
#include "report.h"
#if TRACELET_RECEIVER_HAVE_STORE
#include "api.h"
#include "store.h"
#endif

namespace tracelet::receiver {
namespace {

constexpr std::size_t kMaxHeadBytes = 16 * 1024;
constexpr int kPollSliceMs = 200;          // how often blocked threads look at the stop flag
constexpr int kBodyStallTimeoutMs = 10000;  // a body with no byte for this long gets 408
constexpr int kHandshakeTimeoutMs = 10000;
// Decoded spans may take this many bytes per byte of --max-body (see usage_text()).
constexpr std::size_t kDecodedBytesPerBodyByte = 4;

// Small --max-body values still leave room for a normal request's decoded tree.
constexpr std::uint64_t kMinDecodedBytes = 16u << 20;

std::size_t decoded_limit(std::uint64_t max_body) {
  const std::uint64_t cap = SIZE_MAX / kDecodedBytesPerBodyByte;
  const std::uint64_t limit = (max_body < cap ? max_body : cap) * kDecodedBytesPerBodyByte;
  return static_cast<std::size_t>(limit > kMinDecodedBytes ? limit : kMinDecodedBytes);
}

// gRPC code for the google.rpc.Status body of an HTTP error (OTLP/HTTP spec).
int grpc_code(int http_status) {
  switch (http_status) {
    case 400: return 3;   // INVALID_ARGUMENT
    case 404: return 5;   // NOT_FOUND
    case 405: return 12;  // UNIMPLEMENTED
    case 413: return 8;   // RESOURCE_EXHAUSTED
    case 415: return 3;
    case 431: return 3;
    case 429: return 8;
    case 501: return 12;
    case 503: return 14;  // UNAVAILABLE
    case 504: return 4;   // DEADLINE_EXCEEDED
    default: return http_status >= 500 ? 13 : 9;  // INTERNAL / FAILED_PRECONDITION
  }
}

bool first_n(std::int64_t n, std::uint64_t seq) {
  return n < 0 || seq <= static_cast<std::uint64_t>(n);
}

}  // namespace

Server::Server(const Options& options, const std::atomic<bool>& stop, Store* store)
    : options_(options), stop_(stop), store_(store) {}

void Server::log(const std::string& line) {
  std::lock_guard<std::mutex> lock(output_mutex_);
  std::cerr << "tracelet-receiver: " << line << std::endl;
}

bool Server::start(std::string& error) {
  if (!options_.aws_sigv4_file.empty()) {
    if (!read_sigv4_key(options_.aws_sigv4_file, aws_key_, error)) return false;
    aws_sigv4_ = true;
  }
  if (!options_.xray_sampling_rules_file.empty()) {
    if (!load_sampling_rules(options_.xray_sampling_rules_file, sampling_rules_, error)) return false;
    sampling_api_ = true;
  }
  if (!options_.plain &&
      !tls_.load(options_.cert_file, options_.key_file, options_.client_ca_file, error)) {
    return false;
  }
  if (!options_.jsonl_file.empty()) {
    jsonl_.open(options_.jsonl_file, std::ios::app);
    if (!jsonl_) {
      error = "cannot open --jsonl file " + options_.jsonl_file + ": " + std::strerror(errno);
      return false;
    }
  }
  const bool v6 = options_.listen_address == "::1";
  listen_fd_ = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  const int one = 1;
  (void)setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage storage{};
  socklen_t len = 0;
  if (v6) {
    auto* addr = reinterpret_cast<sockaddr_in6*>(&storage);
    addr->sin6_family = AF_INET6;
    addr->sin6_port = htons(options_.port);
    addr->sin6_addr = in6addr_loopback;
    len = sizeof *addr;
  } else {
    auto* addr = reinterpret_cast<sockaddr_in*>(&storage);
    addr->sin_family = AF_INET;
    addr->sin_port = htons(options_.port);
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *addr;
  }
  const std::string host = v6 ? "[::1]" : "127.0.0.1";
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&storage), len) != 0) {
    error = "bind " + host + ":" + std::to_string(options_.port) + ": " + std::strerror(errno);
    return false;
  }
  if (listen(listen_fd_, 64) != 0) {
    error = std::string("listen: ") + std::strerror(errno);
    return false;
  }
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&storage), &len);
  port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                   : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);

  const std::string base = std::string(options_.plain ? "http" : "https") + "://" + host + ":" + std::to_string(port_);
  log("listening on " + base + "/v1/traces" + (options_.plain ? " (plain HTTP, no TLS)" : "") +
      (options_.client_ca_file.empty() ? "" : " (client certificates required)"));
  if (store_ != nullptr) log("trace page on " + base + "/ (spans stored in " + options_.db_file + ")");
  if (!options_.port_file.empty()) {
    // Written under a temporary name and renamed, so a test polling for the file never
    // reads half a number.
    const std::string tmp = options_.port_file + ".tmp";
    std::ofstream f(tmp, std::ios::trunc);
    f << port_ << '\n';
    f.close();
    if (!f || std::rename(tmp.c_str(), options_.port_file.c_str()) != 0) {
      error = "cannot write --port-file " + options_.port_file + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

void Server::run(int wake_fd) {
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<Worker> workers;
  std::uint64_t next_conn = 1;
  while (!stop_.load()) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    const int rc = poll(fds, wake_fd >= 0 ? 2 : 1, 500);
    // Join finished connection threads as we go, so a long run does not pile them up.
    for (auto it = workers.begin(); it != workers.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = workers.erase(it);
      } else {
        ++it;
      }
    }
    if (rc <= 0 || !(fds[0].revents & POLLIN)) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const std::uint64_t id = next_conn++;
    if (workers.size() >= options_.max_connections) {
      refuse_connection(fd, id, std::to_string(workers.size()) + " connections open (--max-connections " +
                                    std::to_string(options_.max_connections) + ")");
      continue;
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    try {
      workers.push_back({std::thread([this, fd, id, done] {
                           serve_connection(fd, id);
                           done->store(true);
                         }),
                         done});
    } catch (const std::exception& e) {
      // No thread (or no memory for one): refuse this connection and keep serving the others.
      refuse_connection(fd, id, std::string("cannot start a thread for it: ") + e.what());
    }
  }
  close(listen_fd_);
  listen_fd_ = -1;
  for (auto& w : workers) w.thread.join();
  log("stopped after " + std::to_string(request_seq_.load()) + " request(s)");
}

void Server::refuse_connection(int fd, std::uint64_t conn_id, const std::string& why) {
  log("conn " + std::to_string(conn_id) + ": refused: " + why);
  if (options_.plain) {
    // Plain HTTP can still say why; a TLS client would first need a handshake.
    const std::string body = "too many connections: " + why + "\n";
    const std::string resp = build_response(503, "text/plain; charset=utf-8", body, false,
                                            {"Retry-After: 1"});
    (void)send(fd, resp.data(), resp.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  close(fd);
}

bool Server::sleep_unless_stopped(std::uint32_t ms) {
  const long end = now_ms() + static_cast<long>(ms);
  while (!stop_.load()) {
    const long left = end - now_ms();
    if (left <= 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long>(left, kPollSliceMs)));
  }
  return false;
}

void Server::serve_connection(int fd, std::uint64_t conn_id) {
  const int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval send_timeout{10, 0};  // a client that never reads must not pin this thread forever
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);

  std::unique_ptr<Connection> conn;
  if (options_.plain) {
    conn = std::make_unique<PlainConnection>(fd);
  } else {
    bool resumed = false;
    std::string error;
    const long start = now_ms();
    std::string client;
    conn = tls_.handshake(fd, kHandshakeTimeoutMs, stop_, resumed, client, error);
    if (!conn) {
      log("conn " + std::to_string(conn_id) + ": " + error);
      return;
    }
    log("conn " + std::to_string(conn_id) + ": TLS handshake ok (" +
        (resumed ? "resumed session" : "full") + ", " + std::to_string(now_ms() - start) + " ms)" +
        (client.empty() ? "" : ", client certificate " + client));
  }
  std::string buffer;
  while (!stop_.load() && serve_request(*conn, buffer, conn_id)) {
  }
  if (conn) conn->close_gracefully();
}

bool Server::serve_request(Connection& conn, std::string& buffer, std::uint64_t conn_id) {
  const std::string tag = "conn " + std::to_string(conn_id) + ": ";
  std::uint8_t chunk[16384];

  // ---- head ----
  HeadScan scan = scan_request_head(buffer, kMaxHeadBytes);
  long idle_since = now_ms();
  // The head's deadline runs from its first byte: a client trickling a byte at a time
  // (slowloris) resets the stall timer but not this.
  long head_started = buffer.empty() ? -1 : now_ms();
  while (scan.state == HeadScan::State::kNeedMore) {
    if (head_started >= 0 && now_ms() - head_started > static_cast<long>(options_.head_timeout_ms)) {
      const std::string reason = "request head not complete within " +
                                 std::to_string(options_.head_timeout_ms) + " ms (--head-timeout-ms)";
      log(tag + "408 " + reason);
      return reject(conn, 408, reason, nullptr);
    }
    if (stop_.load()) return false;
    const long n = conn.read(chunk, sizeof chunk, kPollSliceMs);
    if (n < 0) {
      if (!conn.error().empty()) log(tag + "closed: " + conn.error());
      return false;
    }
    if (n == 0) {
      if (buffer.empty() && now_ms() - idle_since > static_cast<long>(options_.idle_timeout_ms)) {
        return false;  // an idle keep-alive connection: closed without a word, as HTTP allows
      }
      continue;
    }
    idle_since = now_ms();
    if (head_started < 0) head_started = idle_since;
    buffer.append(reinterpret_cast<const char*>(chunk), static_cast<std::size_t>(n));
    scan = scan_request_head(buffer, kMaxHeadBytes);
  }
  if (scan.state == HeadScan::State::kError) {
    log(tag + std::to_string(scan.error.status) + " " + scan.error.reason);
    return reject(conn, scan.error.status, scan.error.reason, nullptr);
  }
  const std::size_t head_end = scan.head_end;
  const long started = now_ms();
  RequestHead head;
  HeadError herr;
  if (!parse_request_head(buffer.substr(0, head_end), head, herr)) {
    log(tag + std::to_string(herr.status) + " " + herr.reason);
    return reject(conn, herr.status, herr.reason, nullptr);
  }
  buffer.erase(0, head_end + 4);

  // ---- body framing ----
  const BodyFraming framing = decide_framing(head, options_.max_body, herr);
  if (!framing.ok) {
    // The body cannot be skipped reliably, so the connection ends after the answer.
    log(tag + head.method + " " + head.target + " -> " + std::to_string(herr.status) + " rejected: " + herr.reason);
    return reject(conn, herr.status, herr.reason, &head);
  }
  if (framing.expect_continue && buffer.empty() && (framing.chunked || framing.length > 0)) {
    static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    if (!conn.write_all(kContinue, sizeof kContinue - 1)) return false;
  }

  // ---- body ----
  // Appends the next input to `buffer`. False when the client closed, stalled or we stop;
  // `progress` says how far the body got, for the log.
  idle_since = now_ms();
  const long body_started = idle_since;
  auto read_more = [&](const std::string& progress) {
    for (;;) {
      if (stop_.load()) return false;
      const long now = now_ms();
      const bool stalled = now - idle_since > kBodyStallTimeoutMs;
      if (stalled || now - body_started > static_cast<long>(options_.body_timeout_ms)) {
        const std::string reason =
            stalled ? "body stalled for " + std::to_string(kBodyStallTimeoutMs) + " ms after " + progress
                    : "body not complete within " + std::to_string(options_.body_timeout_ms) +
                          " ms (--body-timeout-ms) after " + progress;
        log(tag + "408 " + reason);
        (void)reject(conn, 408, reason, &head);
        return false;
      }
      const long n = conn.read(chunk, sizeof chunk, kPollSliceMs);
      if (n < 0) {
        log(tag + "closed mid-body after " + progress + (conn.error().empty() ? "" : ": " + conn.error()));
        return false;
      }
      if (n == 0) continue;
      idle_since = now_ms();
      buffer.append(reinterpret_cast<const char*>(chunk), static_cast<std::size_t>(n));
      return true;
    }
  };
  std::string body;
  if (framing.chunked) {
    ChunkedDecoder decoder(options_.max_body);
    for (;;) {
      std::size_t used = 0;
      const ChunkedDecoder::Result result = decoder.feed(buffer.data(), buffer.size(), used, body);
      buffer.erase(0, used);  // whatever follows the last chunk is the next (pipelined) request
      if (result == ChunkedDecoder::Result::kDone) break;
      if (result == ChunkedDecoder::Result::kError) {
        // The end of the body is unknown now, so the connection ends after the answer.
        const HeadError& e = decoder.error();
        log(tag + head.method + " " + head.target + " -> " + std::to_string(e.status) +
            " rejected: " + e.reason);
        return reject(conn, e.status, e.reason, &head);
      }
      if (!read_more(std::to_string(decoder.decoded()) + " decoded bytes of a chunked body")) return false;
    }
  } else {
    // Room for the announced body up front, so it arrives without the buffer being regrown
    // (and copied) on the way; capped, so a client announcing a large body and sending
    // nothing does not make every connection hold --max-body.
    constexpr std::uint64_t kMaxReserve = 256 * 1024;
    const auto reserve = static_cast<std::size_t>(framing.length < kMaxReserve ? framing.length : kMaxReserve);
    if (buffer.capacity() < reserve) buffer.reserve(reserve);
    while (buffer.size() < framing.length) {
      if (!read_more(std::to_string(buffer.size()) + " of " + std::to_string(framing.length) + " bytes")) {
        return false;
      }
    }
    // framing.length <= --max-body <= INT32_MAX, so it fits a size_t on 32-bit hosts too.
    const auto length = static_cast<std::size_t>(framing.length);
    if (buffer.size() == length) {
      body.swap(buffer);  // the usual case, nothing pipelined behind it: taken, not copied
    } else {
      body = buffer.substr(0, length);
      buffer.erase(0, length);  // anything after it is the next (pipelined) request
    }
  }

  // ---- answer, with the faults the options ask for ----
  const std::uint64_t seq = ++request_seq_;
  const std::string what = tag + "#" + std::to_string(seq) + " " + head.method + " " + head.target;
  if (options_.delay_ms > 0 && first_n(options_.delay_count, seq)) {
    if (!sleep_unless_stopped(options_.delay_ms)) return false;
  }
  if (static_cast<std::int64_t>(seq) <= options_.reset_after_headers) {
    // Headers of a success that promise a body, then RST: the client sees a response begin
    // and the connection die under it.
    const std::string headers =
        "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 64\r\n\r\n";
    (void)conn.write_all(headers.data(), headers.size());
    log(what + " -> reset after response headers (--reset-after-headers) bytes=" +
        std::to_string(body.size()));
    conn.abort();
    return false;
  }

  std::size_t spans = 0;
  Reply reply;
  if (options_.fail_status != 0 && first_n(options_.fail_count, seq)) {
    // Spans are counted for the log only, so a body that does not decode just counts 0.
    ExportRequest decoded;
    std::string plain;
    HeadError ignored_coding;
    std::string ignored;
    if (decode_content(head.header("content-encoding"), body, options_.max_body, plain, ignored_coding) &&
        decode_export_request(reinterpret_cast<const std::uint8_t*>(plain.data()), plain.size(), decoded, ignored,
                              decoded_limit(options_.max_body))) {
      spans = decoded.span_count();
    }
    reply = error_reply(options_.fail_status, "injected failure (--fail-status)", &head);
    if (options_.retry_after_s >= 0 && (options_.fail_status == 429 || options_.fail_status == 503)) {
      reply.headers.push_back("Retry-After: " + std::to_string(options_.retry_after_s));
    }
    reply.note = "injected, spans not recorded";
  } else {
    reply = handle(head, body, seq, spans);
  }
  const std::string resp = build_response(reply.status, reply.content_type, reply.body,
                                          framing.keep_alive, reply.headers);
  const bool sent = conn.write_all(resp.data(), resp.size());
  log(what + " -> " + std::to_string(reply.status) + " spans=" + std::to_string(spans) +
      " bytes=" + std::to_string(body.size()) + (framing.chunked ? " chunked" : "") + " " +
      std::to_string(now_ms() - started) + "ms" +
      (reply.note.empty() ? "" : " (" + reply.note + ")") + (sent ? "" : " [answer not delivered: " + conn.error() + "]"));
  return sent && framing.keep_alive;
}

bool Server::reject(Connection& conn, int status, const std::string& reason,
                    const RequestHead* head) {
  const Reply r = error_reply(status, reason, head);
  const std::string resp = build_response(r.status, r.content_type, r.body, false, r.headers);
  (void)conn.write_all(resp.data(), resp.size());
  return false;
}

Server::Reply Server::error_reply(int status, const std::string& reason, const RequestHead* head) {
  Reply r;
  r.status = status;
  r.note = reason;
  // OTLP/HTTP: error bodies are a google.rpc.Status in the request's encoding. Clients that
  // did not send protobuf get the reason as text.
  const std::string* type = head != nullptr ? head->header("content-type") : nullptr;
  if (type != nullptr && media_type(*type) == "application/x-protobuf") {
    r.content_type = "application/x-protobuf";
    r.body = encode_rpc_status(grpc_code(status), reason);
  } else {
    r.content_type = "text/plain; charset=utf-8";
    r.body = reason + "\n";
  }
  return r;
}

// The X-Ray sampling API (--xray-sampling-rules), signed like the rest with --aws-sigv4.
// Reached after handle()'s method and signature checks, which it shares with the exports.
Server::Reply Server::sampling_reply(const RequestHead& head, const std::string& body) {
  Reply r;
  r.status = 200;
  r.content_type = "application/json";
  r.body = head.path == "/GetSamplingRules" ? sampling_rules_.answer
                                            : sampling_targets_answer(sampling_rules_, body, std::time(nullptr));
  r.note = head.path == "/GetSamplingRules" ? "sampling rules" : "sampling targets";
  return r;
}

Server::Reply Server::handle(const RequestHead& head, const std::string& body, std::uint64_t seq,
                             std::size_t& spans) {
#if TRACELET_RECEIVER_HAVE_STORE
  ApiAnswer page;
  if (store_ != nullptr && answer_page_or_api(head, options_.db_file, store_, page)) {
    Reply r;
    r.status = page.status;
    r.content_type = page.content_type;
    r.body = head.method == "HEAD" ? std::string() : std::move(page.body);
    r.headers.push_back("Cache-Control: no-store");
    r.note = "page";
    return r;
  }
#endif
  const bool sampling = sampling_api_ && (head.path == "/GetSamplingRules" || head.path == "/SamplingTargets");
  const bool logs = head.path == "/v1/logs";
  if (!sampling && head.path != "/v1/traces" && !logs) {
    return error_reply(404, "no such endpoint " + head.path + " (only /v1/traces and /v1/logs)", &head);
  }
  if (head.method != "POST") {
    Reply r = error_reply(405, "method " + head.method + " not allowed on " + head.path + " (use POST)", &head);
    r.headers.push_back("Allow: POST");
    return r;
  }
  std::string refused;
  if (aws_sigv4_ && !check_sigv4(head, body, aws_key_, std::time(nullptr), refused)) {
    Reply r = error_reply(403, "AWS SigV4: " + refused, &head);
    r.headers.push_back("Date: " + http_date(std::time(nullptr)));  // clients without a clock
    return r;
  }
  if (sampling) return sampling_reply(head, body);
  const std::string* type = head.header("content-type");
  if (type == nullptr || media_type(*type) != "application/x-protobuf") {
    return error_reply(415, "Content-Type " + (type ? "'" + *type + "'" : std::string("(missing)")) +
                                " not supported; use application/x-protobuf", &head);
  }
  const std::string* coding = head.header("content-encoding");
  std::string decoded;
  HeadError coding_error;
  // Without Content-Encoding the body is decoded where it is, not copied first.
  if (coding != nullptr && !decode_content(coding, body, options_.max_body, decoded, coding_error)) {
    Reply r = error_reply(coding_error.status, coding_error.reason, &head);
    if (coding_error.status == 415) {
      // RFC 9110 15.5.16: name the codings that would have been accepted.
      r.headers.push_back(std::string("Accept-Encoding: ") + accepted_encodings());
    }
    return r;
  }
  const std::string& plain = coding != nullptr ? decoded : body;
  std::string coding_note;
  if (coding != nullptr && !split_codings(*coding).empty()) {
    coding_note = "Content-Encoding " + *coding + ": " + std::to_string(body.size()) + " -> " +
                  std::to_string(plain.size()) + " bytes";
  }
  if (logs) return handle_logs(head, plain, seq, coding_note);
  ExportRequest request;
  std::string error;
  bool too_large = false;
  if (!decode_export_request(reinterpret_cast<const std::uint8_t*>(plain.data()), plain.size(), request, error,
                             decoded_limit(options_.max_body), &too_large)) {
    return undecodable(head, "ExportTraceServiceRequest", error, too_large, coding_note);
  }
  spans = request.span_count();
  // The names are only for printing log records under their span, which --quiet skips.
  if (!options_.quiet) span_names_.remember(request);
  std::string jsonl;  // built outside the lock: connections on other threads only wait for the write
  if (!options_.jsonl_file.empty()) write_jsonl(jsonl, request, seq);
  {
    std::lock_guard<std::mutex> lock(output_mutex_);
    if (!options_.quiet) print_trees(std::cout, request, seq);
    if (jsonl_.is_open()) {
      jsonl_.write(jsonl.data(), static_cast<std::streamsize>(jsonl.size()));
      jsonl_.flush();
    }
  }
  Reply r;
#if TRACELET_RECEIVER_HAVE_STORE
  // After printing: the store takes the decoded request over (moved, not copied), and its
  // writer thread commits it, so this answer does not wait for the disk.
  if (store_ != nullptr && !store_->enqueue(std::move(request))) {
    r.note = "store queue full (--store-queue-mb): " + std::to_string(spans) + " span(s) not stored";
  }
#endif
  r.content_type = "application/x-protobuf";
  r.body = export_answer(spans, "span(s)", r.note);
  if (!coding_note.empty()) r.note += (r.note.empty() ? "" : "; ") + coding_note;
  return r;
}

// A body that did not decode: 413 when decoding it would take more memory than allowed, else 400.
Server::Reply Server::undecodable(const RequestHead& head, const char* message_name, const std::string& error,
                                  bool too_large, const std::string& coding_note) {
  Reply r = too_large ? error_reply(413, error, &head)
                      : error_reply(400, std::string("undecodable ") + message_name + ": " + error, &head);
  if (!coding_note.empty()) r.note += " (" + coding_note + ")";
  return r;
}

// The body of a 200 answer to `count` spans or log records: an empty success, or with
// --partial-reject a partial_success, which is also added to `note`.
std::string Server::export_answer(std::size_t count, const char* what, std::string& note) const {
  if (options_.partial_reject < 0) return encode_export_response(-1, std::string());
  const std::string message = "rejected " + std::to_string(options_.partial_reject) + " of " + std::to_string(count) +
                              " " + what + " (--partial-reject)";
  note += (note.empty() ? "" : "; ") + message;
  return encode_export_response(options_.partial_reject, message);
}

// POST /v1/logs, after the checks it shares with /v1/traces: decoded, printed under the spans
// they belong to, answered with an ExportLogsServiceResponse. Log records are not stored.
Server::Reply Server::handle_logs(const RequestHead& head, const std::string& plain, std::uint64_t seq,
                                  const std::string& coding_note) {
  LogsRequest request;
  std::string error;
  bool too_large = false;
  if (!decode_logs_request(reinterpret_cast<const std::uint8_t*>(plain.data()), plain.size(), request, error,
                           decoded_limit(options_.max_body), &too_large)) {
    return undecodable(head, "ExportLogsServiceRequest", error, too_large, coding_note);
  }
  const std::size_t records = request.log_record_count();
  std::string jsonl;
  if (!options_.jsonl_file.empty()) write_logs_jsonl(jsonl, request, seq);
  {
    std::lock_guard<std::mutex> lock(output_mutex_);
    if (!options_.quiet) print_logs(std::cout, request, seq, span_names_);
    if (jsonl_.is_open()) {
      jsonl_.write(jsonl.data(), static_cast<std::streamsize>(jsonl.size()));
      jsonl_.flush();
    }
  }
  Reply r;
  r.content_type = "application/x-protobuf";
  // ExportLogsServiceResponse has the wire shape of the traces answer (see otlp_decode.h).
  r.body = export_answer(records, "log record(s)", r.note);
  r.note += (r.note.empty() ? "" : "; ") + std::to_string(records) + " log record(s)";
  if (!coding_note.empty()) r.note += "; " + coding_note;
  return r;
}

}  // namespace tracelet::receiver
