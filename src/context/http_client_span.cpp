#include "tracelet/http_client_span.h"

#include <cstdio>

namespace tracelet {
namespace {

// Host and port of an absolute http(s) URL; port 0 if none was given and the scheme is unknown.
void split_authority(std::string_view url, std::string_view& host, std::int64_t& port) noexcept {
  host = {};
  port = 0;
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return;
  std::string_view scheme = url.substr(0, scheme_end);
  port = equals_ignore_case(scheme, "https") ? 443 : (equals_ignore_case(scheme, "http") ? 80 : 0);
  std::string_view rest = url.substr(scheme_end + 3);
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::size_t colon = std::string_view::npos;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return;
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') colon = close + 1;
  } else {
    colon = authority.rfind(':');
    host = authority.substr(0, colon);
  }
  if (colon != std::string_view::npos) {
    std::int64_t value = 0;
    std::string_view digits = authority.substr(colon + 1);
    for (char c : digits) {
      if (c < '0' || c > '9' || value > 65535) return;
      value = value * 10 + (c - '0');
    }
    if (!digits.empty() && value <= 65535) port = value;
  }
}

StartOptions client_options(const SpanContext* parent, const Attribute* attributes,
                            std::size_t count) noexcept {
  StartOptions options;
  options.kind = SpanKind::kClient;
  options.parent = parent;
  options.attributes = attributes;
  options.attribute_count = count;
  return options;
}

struct StartAttributes {
  std::string_view host;
  std::int64_t port = 0;
  Attribute list[4];
  std::size_t count = 0;
  StartAttributes(std::string_view method, std::string_view url) noexcept
      : list{{"http.request.method", method}, {"url.full", url}, {"server.address", ""},
             {"server.port", 0}} {
    split_authority(url, host, port);
    count = 2;
    if (!host.empty()) list[count++] = Attribute{"server.address", host};
    if (port != 0) list[count++] = Attribute{"server.port", port};
  }
};

}  // namespace

HttpClientSpan::HttpClientSpan(Tracer& tracer, std::string_view method, std::string_view url,
                               const SpanContext* parent) noexcept
    : span_([&]() noexcept -> Span {
        StartAttributes start(method, url);  // samplers see them at start
        return tracer.start_span(method, client_options(parent, start.list, start.count));
      }()) {}

Status HttpClientSpan::inject(const CarrierWriter& carrier, const TraceState* state) noexcept {
  return tracelet::inject(span_.context(), state, carrier);
}

void HttpClientSpan::set_response_status(int status_code) noexcept {
  span_.set_attribute("http.response.status_code", status_code);
  if (status_code >= 400) {
    char type[12];
    std::snprintf(type, sizeof type, "%d", status_code);
    span_.set_attribute("error.type", type);
    span_.set_status(StatusCode::kError);
  }
}

void HttpClientSpan::set_failure(std::string_view error_type, std::string_view message) noexcept {
  span_.set_attribute("error.type", error_type);
  span_.record_error(error_type, message);
}

}  // namespace tracelet
