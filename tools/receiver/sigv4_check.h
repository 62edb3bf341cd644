#pragma once
// The receiver playing an AWS OTLP endpoint offline (--aws-sigv4 FILE): every request must
// carry a valid AWS SigV4 signature for the key in FILE, as X-Ray's /v1/traces requires. The
// check is tracelet's own SigV4 code (src/aws/sigv4.cpp) run from the server's side; the
// proof against the AWS SDK's signer is tests/aws/sigv4_official_test.cpp.
#include <ctime>
#include <string>

#include "http.h"

namespace tracelet::receiver {

/// One key, read from a file of whitespace-separated words:
///   <service> <region> <access key id> <secret access key> [<session token>]
/// (a file, not the command line, so the secret does not show in the process list).
struct SigV4Key {
  std::string service, region, access_key_id, secret, session_token;
};

/// Reads `path` into `out`; false with `error` (never quoting the secret).
bool read_sigv4_key(const std::string& path, SigV4Key& out, std::string& error);

/// Checks the request's SigV4 signature against `key`: the Authorization header's form,
/// key id and scope, X-Amz-Date within 15 minutes of `now`, X-Amz-Content-Sha256 = SHA-256 of
/// `body` (the bytes received, still compressed), the session token, and the signature over
/// the headers the request says it signed. Requests to .../v1/logs play CloudWatch Logs: signed
/// for the service "logs", with x-aws-log-group and x-aws-log-stream. False with the reason AWS
/// would give.
bool check_sigv4(const RequestHead& head, const std::string& body, const SigV4Key& key, std::time_t now,
                 std::string& reason);

/// An IMF-fixdate ("Thu, 03 Dec 2026 10:00:00 GMT") for a Date header.
std::string http_date(std::time_t t);

}  // namespace tracelet::receiver
