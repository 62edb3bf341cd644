#include "support/http_exchange.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "tracelet/port.h"

namespace tracelet::test {
namespace {

long now_ms() { return static_cast<long>(port::monotonic_ns() / 1000000); }

std::uint32_t left_ms(long deadline) {
  const long left = deadline - now_ms();
  return left > 0 ? static_cast<std::uint32_t>(left) : 0;
}

// Reads more bytes into `buf`. kOk when something arrived.
Status read_more(const Transport& t, std::string& buf, long deadline) {
  std::uint8_t chunk[4096];
  for (;;) {
    const std::uint32_t left = left_ms(deadline);
    if (left == 0) return Status::kTimeout;
    const std::int32_t n = t.recv(t.ctx, chunk, sizeof chunk, left);
    if (n > 0) {
      buf.append(reinterpret_cast<const char*>(chunk), static_cast<std::size_t>(n));
      return Status::kOk;
    }
    if (n < 0) return static_cast<Status>(n);
  }
}

}  // namespace

const std::string* HttpResponse::header(const char* name) const {
  for (const auto& h : headers) {
    if (h.first == name) return &h.second;
  }
  return nullptr;
}

Status send_all(const Transport& t, const std::string& data, std::uint32_t timeout_ms) {
  const long deadline = now_ms() + timeout_ms;
  std::size_t done = 0;
  while (done < data.size()) {
    const std::int32_t n = t.send(t.ctx, reinterpret_cast<const std::uint8_t*>(data.data()) + done,
                                  data.size() - done);
    if (n < 0) return static_cast<Status>(n);
    if (n == 0 && left_ms(deadline) == 0) return Status::kTimeout;
    done += static_cast<std::size_t>(n);
  }
  return Status::kOk;
}

Status read_response(const Transport& t, HttpResponse& out, std::uint32_t timeout_ms) {
  const long deadline = now_ms() + timeout_ms;
  std::string buf;
  for (;;) {
    out = HttpResponse{};
    std::size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (Status s = read_more(t, buf, deadline); s != Status::kOk) return s;
    }
    const std::string head = buf.substr(0, head_end);
    buf.erase(0, head_end + 4);
    std::size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return Status::kDataLoss;
    out.status = std::atoi(status_line.c_str() + 9);
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) return Status::kDataLoss;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      out.headers.emplace_back(name, value);
    }
    if (out.status >= 100 && out.status < 200) continue;  // interim (100 Continue)
    const std::string* length = out.header("content-length");
    const std::size_t want = length != nullptr ? static_cast<std::size_t>(std::atoll(length->c_str())) : 0;
    while (buf.size() < want) {
      if (Status s = read_more(t, buf, deadline); s != Status::kOk) return s;
    }
    out.body = buf.substr(0, want);
    return Status::kOk;
  }
}

Status post(const Transport& t, const std::string& path, const std::string& content_type,
            const std::string& body, HttpResponse& out, std::uint32_t timeout_ms,
            const std::vector<std::string>& extra_headers) {
  std::string req = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + content_type +
                    "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& h : extra_headers) req += h + "\r\n";
  req += "\r\n" + body;
  if (Status s = send_all(t, req, timeout_ms); s != Status::kOk) return s;
  return read_response(t, out, timeout_ms);
}

}  // namespace tracelet::test
