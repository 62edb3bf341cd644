#include "forwarder.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "http_request.h"
#include "http_response.h"
#include "otlp/response.h"
#include "tracelet/version.h"

namespace tracelet::bridge {
namespace {

bool is_retryable(int status) { return status == 429 || status == 502 || status == 503 || status == 504; }

std::string printable(const std::uint8_t* data, std::size_t len) {
  std::string out;
  for (std::size_t i = 0; i < len && out.size() < 160; ++i) {
    const char c = static_cast<char>(data[i]);
    out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  }
  return out;
}

}  // namespace

bool Forwarder::init(const ForwarderConfig& config, std::string& error) {
  config_ = config;
  char reason[200];
  if (detail::parse_url(config_.endpoint.c_str(), url_, reason, sizeof reason) != Status::kOk) {
    error = std::string("--endpoint: ") + reason;
    return false;
  }
  if (!url_.tls && !config_.allow_plain_http) {
    error = "--endpoint " + config_.endpoint +
            " is plain http: spans would travel unencrypted. Use https:// or --allow-plain-http";
    return false;
  }
  for (const auto& h : config_.headers) {
    if (h.first.find_first_of(":\r\n \t") != std::string::npos ||
        h.second.find_first_of("\r\n") != std::string::npos) {
      error = "malformed header " + h.first;
      return false;
    }
  }
  net_config_ = ExporterConfig{};
  net_config_.ca_file = config_.ca_file.empty() ? nullptr : config_.ca_file.c_str();
  net_config_.tls_server_name =
      config_.tls_server_name.empty() ? nullptr : config_.tls_server_name.c_str();
  connector_.configure(net_config_);
  return true;
}

void Forwarder::close() {
  if (connected_) connector_.close();
  connected_ = false;
}

Forwarder::Outcome Forwarder::post(const std::uint8_t* body, std::size_t len) {
  Outcome outcome;
  const std::uint64_t deadline = detail::monotonic_ms() + config_.timeout_ms;
  if (!connected_) {
    Connector c = connector_.connector();
    char error[200] = {};
    const Status s = c.open(c.ctx, url_.host, url_.port, url_.tls, config_.timeout_ms,
                            &transport_, error, sizeof error);
    if (s != Status::kOk) {
      outcome.detail = std::string("cannot reach ") + url_.host + ":" + std::to_string(url_.port) +
                       " (" + to_string(s) + "): " + error;
      return outcome;
    }
    connected_ = true;
  }

  detail::TransportWriter writer(transport_, deadline);
  std::string head = std::string("POST ") + url_.path + " HTTP/1.1\r\nHost: " +
                     (url_.ipv6_literal ? "[" : "") + url_.host + (url_.ipv6_literal ? "]" : "");
  if (url_.port != (url_.tls ? 443 : 80)) head += ":" + std::to_string(url_.port);
  head += "\r\nUser-Agent: tracelet-bridge/" TRACELET_VERSION_STRING
          "\r\nContent-Type: application/x-protobuf\r\nContent-Length: " +
          std::to_string(len) + "\r\n";
  for (const auto& h : config_.headers) head += h.first + ": " + h.second + "\r\n";
  head += "\r\n";
  const bool sent = writer.write(head.data(), head.size()) && writer.write(body, len) && writer.flush();
  if (!sent) {
    close();
    outcome.detail = std::string("sending failed (") + to_string(writer.status()) + ")";
    return outcome;
  }

  detail::HttpResponseParser response;
  const auto result = detail::receive_response(transport_, deadline, response);
  if (result != detail::HttpResponseParser::Result::kDone) {
    close();
    outcome.detail = std::string("no valid answer within ") + std::to_string(config_.timeout_ms) +
                     " ms (" +
                     (result == detail::HttpResponseParser::Result::kError ? response.error() : "timeout") +
                     ")";
    return outcome;
  }
  if (response.connection_close()) close();
  outcome.http_status = response.status();
  const int status = response.status();
  if (status >= 200 && status < 300) {
    otlp::ExportResponse answer;
    if (response.body_len() != 0 && response.body_total() == response.body_len() &&
        otlp::decode_export_response(response.body(), response.body_len(), answer)) {
      outcome.rejected_spans = answer.rejected_spans;
      if (answer.rejected_spans > 0 || answer.error_message[0] != '\0') {
        outcome.detail = "partial success: " + std::to_string(answer.rejected_spans) +
                         " spans rejected: " + answer.error_message;
      }
    }
    outcome.kind = Outcome::Kind::kDelivered;
    return outcome;
  }
  char reason[160] = {};
  if (response.body_is_protobuf()) {
    (void)otlp::decode_status_message(response.body(), response.body_len(), reason, sizeof reason);
  } else {
    std::snprintf(reason, sizeof reason, "%s", printable(response.body(), response.body_len()).c_str());
  }
  outcome.detail = std::string("HTTP ") + std::to_string(status) + (reason[0] ? ": " : "") + reason;
  if (is_retryable(status)) {
    std::uint32_t seconds = 0;
    if (response.has_retry_after() &&
        detail::parse_retry_after(response.retry_after(),
                                  static_cast<std::uint64_t>(std::time(nullptr)), seconds)) {
      outcome.retry_after_ms = seconds == 0 ? 1 : seconds * 1000;
    }
    outcome.kind = Outcome::Kind::kRetry;
    return outcome;
  }
  outcome.kind = Outcome::Kind::kRefused;
  return outcome;
}

}  // namespace tracelet::bridge
