#include "forwarder.h"

#include <ctime>

#include "export/otlp_http.h"
#include "tracelet/version.h"

namespace tracelet::bridge {
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
  header_views_.clear();
  for (const auto& h : config_.headers) {
    if (h.first.find_first_of(":\r\n \t") != std::string::npos ||
        h.second.find_first_of("\r\n") != std::string::npos) {
      error = "malformed header " + h.first;
      return false;
    }
    header_views_.push_back(HttpHeader{h.first.c_str(), h.second.c_str()});
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
      // No status name, as in the exporter: a refused certificate is kDataLoss, and
      // "(data-loss)" would read as if the batch had been lost; `error` says what failed.
      outcome.detail = std::string("cannot reach ") + url_.host + ":" + std::to_string(url_.port) +
                       ": " + error;
      return outcome;
    }
    connected_ = true;
  }

  detail::TransportWriter writer(transport_, deadline);
  const bool sent = otlp::write_post_head(writer, url_.host, url_.port, url_.tls, url_.path,
                                          "tracelet-bridge/" TRACELET_VERSION_STRING, len,
                                          header_views_.data(), header_views_.size()) &&
                    writer.write(body, len) && writer.flush();
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
    if (otlp::read_success(response, answer)) {
      outcome.rejected_spans = answer.rejected_spans;
      if (answer.rejected_spans > 0 || answer.error_message[0] != '\0') {
        outcome.detail = "partial success: " + std::to_string(answer.rejected_spans) +
                         " spans rejected: " + answer.error_message;
      }
    }
    outcome.kind = Outcome::Kind::kDelivered;
    return outcome;
  }
  char reason[160];
  otlp::failure_reason(response, reason, sizeof reason);
  outcome.detail = std::string("HTTP ") + std::to_string(status) + (reason[0] ? ": " : "") + reason;
  if (otlp::is_retryable(status)) {
    outcome.retry_after_ms = otlp::retry_after_ms(response, static_cast<std::uint64_t>(std::time(nullptr)));
    outcome.kind = Outcome::Kind::kRetry;
    return outcome;
  }
  outcome.kind = Outcome::Kind::kRefused;
  return outcome;
}

}  // namespace tracelet::bridge
