#pragma once
#include <string>

namespace tracelet::receiver {

/// Writes a fresh test PKI into `dir` (created if missing): ca.key + ca.crt (self-signed
/// ECDSA P-256 CA), server.key + server.crt (ECDSA P-256, signed by the CA, SAN
/// DNS:localhost, DNS:127.0.0.1, IP:127.0.0.1, IP:::1, valid from one day ago for ten years)
/// and client.key + client.crt (the same, CN=tracelet-client, extKeyUsage clientAuth, no SAN)
/// for mutual TLS tests.
/// Keys are written with mode 0600. Returns false with `error` set on any failure.
bool make_ca(const std::string& dir, std::string& error);

}  // namespace tracelet::receiver
