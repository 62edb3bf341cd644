#include "tracelet/net_connector.h"

#include <cstdio>
#include <cstring>

namespace tracelet {

Connector NetConnector::connector() noexcept {
  Connector c;
  c.ctx = this;
  c.open = &NetConnector::open;
  c.close = &NetConnector::close_cb;
  return c;
}

void NetConnector::close() noexcept {
  if (use_tls_) tls_.close();
  port::tcp_close(&tcp_);
  use_tls_ = false;
}

void NetConnector::close_cb(void* ctx) { static_cast<NetConnector*>(ctx)->close(); }

Status NetConnector::open(void* ctx, const char* host, std::uint16_t port, bool tls,
                          std::uint32_t timeout_ms, Transport* out, char* error,
                          std::size_t cap) {
  auto* self = static_cast<NetConnector*>(ctx);
  self->close();
  const char* verify_as = self->config_.tls_server_name != nullptr ? self->config_.tls_server_name : host;
  if (tls && (!self->tls_ready_ || std::strcmp(self->tls_host_, verify_as) != 0)) {
    TlsOptions options;
    options.server_name = verify_as;
    options.ca_file = self->config_.ca_file;
    options.ca_data = self->config_.ca_data;
    options.ca_size = self->config_.ca_size;
    options.client_cert_file = self->config_.client_cert_file;
    options.client_cert_data = self->config_.client_cert_data;
    options.client_cert_size = self->config_.client_cert_size;
    options.client_key_file = self->config_.client_key_file;
    options.client_key_data = self->config_.client_key_data;
    options.client_key_size = self->config_.client_key_size;
    options.handshake_timeout_ms = timeout_ms;
    Status s = self->tls_.init(options);
    if (s != Status::kOk) {
      char reason[200];
      std::snprintf(error, cap, "TLS %s", self->tls_.describe_error(reason, sizeof reason));
      return s;
    }
    std::snprintf(self->tls_host_, sizeof self->tls_host_, "%s", verify_as);
    self->tls_ready_ = true;
  }
  Status s = port::tcp_connect(&self->tcp_, host, port, timeout_ms);
  if (s != Status::kOk) {
    char reason[120];
    std::snprintf(error, cap, "%s", port::tcp_describe_error(&self->tcp_, reason, sizeof reason));
    return s;
  }
  if (!tls) {
    *out = port::tcp_transport(&self->tcp_);
    return Status::kOk;
  }
  s = self->tls_.handshake(port::tcp_transport(&self->tcp_));
  if (s != Status::kOk) {
    char reason[200];
    std::snprintf(error, cap, "TLS %s", self->tls_.describe_error(reason, sizeof reason));
    port::tcp_close(&self->tcp_);
    return s;
  }
  self->use_tls_ = true;
  *out = self->tls_.transport();
  return Status::kOk;
}

}  // namespace tracelet
