#include "forwarder.h"

#include <cstring>
#include <ctime>

#include "tracelet/otlp_post.h"
#include "tracelet/port.h"
#include "tracelet/version.h"

namespace tracelet::bridge {
namespace {

std::uint64_t monotonic_ms() { return port::monotonic_ns() / 1000000u; }

}  // namespace

bool Forwarder::init(const ForwarderConfig& config, std::string& error) {
  config_ = config;
  char reason[200];
  if (parse_endpoint(config_.endpoint.c_str(), url_, reason, sizeof reason) != Status::kOk) {
    error = std::string("--endpoint: ") + reason;
    return false;
  }
  if (!url_.tls && !config_.allow_plain_http) {
    error = "--endpoint " + config_.endpoint +
            " is plain http: spans would travel unencrypted. Use https:// or --allow-plain-http";
    return false;
  }
  logs_url_ = logs_endpoint_beside(url_);
  header_views_.clear();
  logs_header_views_.clear();
  for (const auto* list : {&config_.headers, &config_.logs_headers}) {
    for (const auto& h : *list) {
      if (h.first.find_first_of(":\r\n \t") != std::string::npos ||
          h.second.find_first_of("\r\n") != std::string::npos) {
        error = "malformed header " + h.first;
        return false;
      }
      if (list == &config_.headers) header_views_.push_back(HttpHeader{h.first.c_str(), h.second.c_str()});
      logs_header_views_.push_back(HttpHeader{h.first.c_str(), h.second.c_str()});
    }
  }
  request_signer_ = RequestSigner{};
  if (config_.aws != nullptr) {
    if (signer_.init(*config_.aws) != Status::kOk) {  // logged, without the secret
      error = "AWS SigV4: incomplete credentials (see above)";
      return false;
    }
    request_signer_ = signer_.request_signer();
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

Forwarder::Outcome Forwarder::post(const std::uint8_t* body, std::size_t len, bool logs) {
  Outcome outcome;
  const std::uint64_t start = monotonic_ms();
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

  // timeout_ms covers the connect too: the request gets what is left of it.
  const std::uint64_t spent = monotonic_ms() - start;
  OtlpPostOptions options;
  options.user_agent = "tracelet-bridge/" TRACELET_VERSION_STRING;
  options.headers = logs ? logs_header_views_.data() : header_views_.data();
  options.header_count = logs ? logs_header_views_.size() : header_views_.size();
  if (request_signer_.sign != nullptr) {
    options.signer = &request_signer_;
    options.signal = logs ? SignedSignal::kLogs : SignedSignal::kTraces;
  }
  options.timeout_ms = spent < config_.timeout_ms ? static_cast<std::uint32_t>(config_.timeout_ms - spent) : 1;
  options.now_unix_s = static_cast<std::uint64_t>(std::time(nullptr));
  OtlpPostResult result;
  Status s = otlp_post(transport_, logs ? logs_url_ : url_, options, body, len, result);
  if (s == Status::kOk && result.resign_now && !result.close_connection) {
    // The signer took the server's clock from this refusal: the same body, signed again.
    s = otlp_post(transport_, logs ? logs_url_ : url_, options, body, len, result);
  }
  if (result.close_connection) close();
  if (s != Status::kOk) {
    outcome.detail = result.sent ? std::string("no valid answer within ") + std::to_string(config_.timeout_ms) +
                                       " ms (" + result.reason + ")"
                                 : std::string("sending failed (") + result.reason + ")";
    return outcome;
  }
  outcome.http_status = result.http_status;
  switch (result.outcome) {
    case OtlpPostOutcome::kDelivered:
      outcome.kind = Outcome::Kind::kDelivered;
      outcome.rejected_spans = result.rejected_spans;
      if (result.rejected_spans > 0 || result.reason[0] != '\0') {
        outcome.detail = "partial success: " + std::to_string(result.rejected_spans) +
                         " spans rejected: " + result.reason;
      }
      return outcome;
    case OtlpPostOutcome::kRetryable:
      outcome.kind = Outcome::Kind::kRetry;
      outcome.retry_after_ms = result.retry_after_ms;
      break;
    case OtlpPostOutcome::kRejected:
      outcome.kind = Outcome::Kind::kRefused;
      break;
  }
  outcome.detail = std::string("HTTP ") + std::to_string(result.http_status) +
                   (result.reason[0] ? ": " : "") + result.reason;
  return outcome;
}

}  // namespace tracelet::bridge
