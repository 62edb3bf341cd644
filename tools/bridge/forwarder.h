#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tracelet/endpoint.h"
#include "tracelet/exporter_config.h"
#include "tracelet/net_connector.h"
#include "tracelet/sigv4.h"
#include "tracelet/transport.h"

namespace tracelet::bridge {

/// Settings of the OTLP/HTTP side of the bridge.
struct ForwarderConfig {
  std::string endpoint;         // https://host[:port]/path
  std::string ca_file;          // empty = the platform bundle
  std::string tls_server_name;  // empty = the endpoint's host
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> logs_headers;  // log-record requests only
  const SigV4Credentials* aws = nullptr;  // sign every request (AWS SigV4); nullptr = unsigned
  bool allow_plain_http = false;
  std::uint32_t timeout_ms = 10000;
};

/// POSTs ready-made OTLP protobuf bodies to a collector with tracelet's public pieces: the
/// NetConnector (port TCP + Mbed TLS client with certificate and host-name checks, session
/// resumption) and otlp_post() (HTTP request, response parser, OTLP answer rules). Keeps the
/// connection alive between requests and reopens it after any failure.
/// One thread at a time.
class Forwarder {
 public:
  /// How one attempt ended.
  struct Outcome {
    enum class Kind : std::uint8_t { kDelivered, kRetry, kRefused };
    Kind kind = Kind::kRetry;
    int http_status = 0;             // 0 when no answer arrived
    std::uint32_t retry_after_ms = 0;  // from Retry-After, 0 if none
    std::int64_t rejected_spans = 0;   // 2xx with partial_success
    std::string detail;              // one line for the log
  };

  /// Validates the endpoint. Returns false with `error` set.
  bool init(const ForwarderConfig& config, std::string& error);
  /// One attempt: connect if needed, send, read the answer (all within timeout_ms). `logs`:
  /// the body is an ExportLogsServiceRequest, posted to the same collector with the
  /// endpoint's final "/v1/traces" replaced by "/v1/logs" (else to "/v1/logs").
  Outcome post(const std::uint8_t* body, std::size_t len, bool logs = false);
  void close();
  const char* endpoint() const { return config_.endpoint.c_str(); }

 private:
  ForwarderConfig config_;
  std::vector<HttpHeader> header_views_;  // config_.headers as the exporter's header type
  std::vector<HttpHeader> logs_header_views_;  // config_.headers + config_.logs_headers
  SigV4Signer signer_;
  RequestSigner request_signer_{};  // functions set when config_.aws is
  ExporterConfig net_config_{};
  Endpoint url_{};
  Endpoint logs_url_{};  // url_ with the logs path
  NetConnector connector_;
  bool connected_ = false;
  Transport transport_{};
};

}  // namespace tracelet::bridge
