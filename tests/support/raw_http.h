#pragma once
// Raw HTTP over plain TCP to a tracelet-receiver on 127.0.0.1, for the attack tests in
// tests/tools/ (receiver_limits_test, receiver_memory_test): every call is bounded in time.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "support/otlp_builder.h"
#include "support/process.h"
#include "support/receiver_process.h"

namespace tracelet::test {

using Clock = std::chrono::steady_clock;


inline long ms_since(Clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// A plain TCP client; every call is bounded in time.
class RawClient {
 public:
  ~RawClient() { close(); }
  bool connect(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  bool send(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Everything the server sends until it closes, or until `timeout_ms` passes.
  std::string read_until_close(int timeout_ms) {
    std::string out;
    const auto start = Clock::now();
    char buf[4096];
    while (ms_since(start) < timeout_ms) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  // True once the server has sent something or closed (without waiting longer than `ms`).
  bool answered_within(int ms) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

inline std::string request(const std::string& body) {
  return "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

inline int status_of(const std::string& response) {
  return response.size() >= 12 && response.compare(0, 9, "HTTP/1.1 ") == 0 ? std::atoi(response.c_str() + 9) : 0;
}

// One valid export on a new connection; returns the HTTP status (0 = no answer).
inline int valid_export(std::uint16_t port) {
  RawClient c;
  if (!c.connect(port)) return 0;
  const std::string body = encode_request(sample_batch(1));
  std::string r = request(body);
  r.insert(r.find("\r\n\r\n"), "\r\nConnection: close");
  if (!c.send(r)) return 0;
  return status_of(c.read_until_close(5000));
}

// Peak resident memory of a process, in KiB (VmHWM), or 0 if unreadable.
inline long peak_rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

inline void append_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

inline void append_field(std::string& out, std::uint8_t tag, const std::string& bytes) {
  out.push_back(static_cast<char>(tag));
  append_varint(out, bytes.size());
  out += bytes;
}

// A legal ExportTraceServiceRequest of `spans` empty spans: 2 bytes on the wire each.
inline std::string empty_spans_request(std::size_t spans) {
  std::string scope;
  scope.reserve(spans * 2);
  for (std::size_t i = 0; i < spans; ++i) scope.append("\x12\x00", 2);  // ScopeSpans.spans = {}
  std::string resource;
  append_field(resource, 0x12, scope);  // ResourceSpans.scope_spans
  std::string request;
  append_field(request, 0x0a, resource);  // ExportTraceServiceRequest.resource_spans
  return request;
}


// A receiver (plain HTTP, --quiet) started per test and stopped by PID.
class ReceiverAttackTest : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& extra, const std::vector<std::string>& wrapper = {}) {
    std::vector<std::string> args = {"--plain", "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string error;
    ASSERT_TRUE(rx_.start(dir_.path(), args, error, wrapper)) << error;
  }
  void TearDown() override {
    if (rx_.pid() > 0) {
      EXPECT_EQ(rx_.stop(), 0) << rx_.log();
    }
  }

  TempDir dir_;
  ReceiverProcess rx_;
};

}  // namespace tracelet::test
