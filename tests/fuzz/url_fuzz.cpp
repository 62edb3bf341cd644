// Fuzz target: the endpoint URL parser (src/export/url.cpp, tracelet/endpoint.h), which reads
// OTEL_EXPORTER_OTLP_ENDPOINT, ExporterConfig::endpoint and the bridge's --endpoint. Checks
// that a refusal is one printable line; that an accepted URL holds only what can go on the
// wire (a host with no space, control character, '@', '/' or bracket, an IPv6 literal of hex
// digits, ':' and '.'; a path starting with '/' with no space, control character or '#');
// that writing it back and parsing again gives the same endpoint; and that the POST head
// built from it has exactly its own lines: nothing in the URL can add a header.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "export/otlp_http.h"
#include "tracelet/endpoint.h"

namespace {

using tracelet::Endpoint;
using tracelet::Status;

bool same(const Endpoint& a, const Endpoint& b) {
  return a.tls == b.tls && a.port == b.port && a.ipv6_literal == b.ipv6_literal &&
         std::strcmp(a.host, b.host) == 0 && std::strcmp(a.path, b.path) == 0;
}

std::string to_text(const Endpoint& e, bool always_port) {
  std::string text = e.tls ? "https://" : "http://";
  text += e.ipv6_literal ? "[" + std::string(e.host) + "]" : std::string(e.host);
  if (always_port || e.port != (e.tls ? 443 : 80)) text += ":" + std::to_string(e.port);
  return text + e.path;
}

std::string g_sent;

std::int32_t collect(void*, const std::uint8_t* data, std::size_t len) {
  g_sent.append(reinterpret_cast<const char*>(data), len);
  return static_cast<std::int32_t>(len);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);  // parsed up to a NUL
  Endpoint url;
  char error[96];
  std::memset(error, 'x', sizeof error);
  if (tracelet::parse_endpoint(text.c_str(), url, error, sizeof error) != Status::kOk) {
    if (std::memchr(error, '\0', sizeof error) == nullptr || error[0] == '\0') std::abort();
    for (const char* c = error; *c != '\0'; ++c) {
      if (static_cast<unsigned char>(*c) < 0x20 || *c == 0x7f) std::abort();  // one log line
    }
    return 0;
  }
  const std::size_t host_len = std::strlen(url.host);
  if (host_len == 0 || host_len >= sizeof url.host || url.port == 0) std::abort();
  for (std::size_t i = 0; i < host_len; ++i) {
    const auto c = static_cast<unsigned char>(url.host[i]);
    if (url.ipv6_literal) {
      const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') std::abort();
    } else if (c <= 0x20 || c == 0x7f || std::strchr("@/?#:[]", c) != nullptr) {
      std::abort();
    }
  }
  if (url.path[0] != '/') std::abort();
  for (const char* p = url.path; *p != '\0'; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c <= 0x20 || c == 0x7f || c == '#') std::abort();
  }

  // Written back (with and without the port) it parses to the same endpoint.
  for (const bool always_port : {false, true}) {
    Endpoint again;
    if (tracelet::parse_endpoint(to_text(url, always_port).c_str(), again, nullptr, 0) != Status::kOk ||
        !same(url, again)) {
      std::abort();
    }
  }

  // The request head: request line, Host, User-Agent, Content-Type, Content-Length, blank.
  g_sent.clear();
  tracelet::Transport transport;
  transport.send = collect;
  tracelet::detail::TransportWriter writer(transport, UINT64_MAX);
  if (!tracelet::otlp::write_post_head(writer, url.host, url.port, url.tls, url.path, "fuzz/1", 10,
                                       nullptr, 0) ||
      !writer.flush()) {
    std::abort();
  }
  std::size_t lines = 0;
  for (std::size_t i = 0; i < g_sent.size(); ++i) {
    if (g_sent[i] == '\n' || g_sent[i] == '\r') {
      if (g_sent[i] != '\r' || i + 1 >= g_sent.size() || g_sent[i + 1] != '\n') std::abort();
      ++lines;
      ++i;
    }
  }
  if (lines != 6 || g_sent.compare(0, 5 + std::strlen(url.path) + 1, "POST " + std::string(url.path) + " ") != 0) {
    std::abort();
  }
  return 0;
}
