#include "sigv4_check.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "tracelet/sigv4.h"

namespace tracelet::receiver {
namespace {

// "20261203T235959Z" -> Unix seconds; false when it is not that form.
bool parse_amz_date(const std::string& text, std::time_t& out) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return false;
  for (std::size_t i = 0; i < 15; ++i) {
    if (i != 8 && (text[i] < '0' || text[i] > '9')) return false;
  }
  std::tm tm{};
  tm.tm_year = std::atoi(text.substr(0, 4).c_str()) - 1900;
  tm.tm_mon = std::atoi(text.substr(4, 2).c_str()) - 1;
  tm.tm_mday = std::atoi(text.substr(6, 2).c_str());
  tm.tm_hour = std::atoi(text.substr(9, 2).c_str());
  tm.tm_min = std::atoi(text.substr(11, 2).c_str());
  tm.tm_sec = std::atoi(text.substr(13, 2).c_str());
  out = timegm(&tm);
  return true;
}

std::string field(const std::string& auth, const char* name) {
  const std::size_t at = auth.find(name);
  if (at == std::string::npos) return "";
  const std::size_t start = at + std::strlen(name);
  const std::size_t end = auth.find(',', start);
  return auth.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

bool read_sigv4_key(const std::string& path, SigV4Key& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "--aws-sigv4 " + path + ": cannot read the file";
    return false;
  }
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.size() != 4 && words.size() != 5) {
    error = "--aws-sigv4 " + path + ": expected '<service> <region> <access key id> <secret> [<session token>]'";
    return false;
  }
  out = SigV4Key{words[0], words[1], words[2], words[3], words.size() == 5 ? words[4] : ""};
  return true;
}

std::string http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

bool check_sigv4(const RequestHead& head, const std::string& body, const SigV4Key& key, std::time_t now,
                 std::string& reason) {
  const std::string* auth = head.header("authorization");
  const std::string prefix = "AWS4-HMAC-SHA256 ";
  if (auth == nullptr || auth->compare(0, prefix.size(), prefix) != 0) {
    reason = "missing AWS SigV4 Authorization header";
    return false;
  }
  const std::string credential = field(*auth, "Credential=");
  const std::string signed_list = field(*auth, "SignedHeaders=");
  const std::string signature = field(*auth, "Signature=");
  const std::string* amz_date = head.header("x-amz-date");
  std::time_t when = 0;
  if (amz_date == nullptr || !parse_amz_date(*amz_date, when)) {
    reason = "missing or malformed X-Amz-Date";
    return false;
  }
  // Log records go to CloudWatch Logs: their own service, and the group and stream it needs.
  const std::string& path = head.path;
  const bool logs = path.size() >= 8 && path.compare(path.size() - 8, 8, "/v1/logs") == 0;
  const std::string service = logs ? "logs" : key.service;
  if (logs && (head.header("x-aws-log-group") == nullptr || head.header("x-aws-log-stream") == nullptr)) {
    reason = "CloudWatch Logs needs the x-aws-log-group and x-aws-log-stream headers";
    return false;
  }
  const std::string scope = amz_date->substr(0, 8) + "/" + key.region + "/" + service + "/aws4_request";
  if (credential != key.access_key_id + "/" + scope) {
    reason = "credential " + credential + " is not " + key.access_key_id + "/" + scope;
    return false;
  }
  if (when > now + 900 || when < now - 900) {
    reason = "Signature expired: X-Amz-Date " + *amz_date + " is more than 15 minutes from the server time";
    return false;
  }
  const std::string* token = head.header("x-amz-security-token");
  if ((token != nullptr ? *token : std::string()) != key.session_token) {
    reason = "the security token does not match";
    return false;
  }
  std::uint8_t digest[32];
  char hex[65];
  sigv4::sha256(reinterpret_cast<const std::uint8_t*>(body.data()), body.size(), digest);
  sigv4::to_hex(digest, sizeof digest, hex);
  const std::string* content_sha = head.header("x-amz-content-sha256");
  if (content_sha == nullptr || *content_sha != hex) {
    reason = "X-Amz-Content-Sha256 is not the SHA-256 of the body received";
    return false;
  }
  std::vector<std::string> names;
  std::stringstream list(signed_list);
  for (std::string name; std::getline(list, name, ';');) names.push_back(name);
  if (names.empty() || names.size() > 8) {
    reason = "SignedHeaders names no header, or more than 8";
    return false;
  }
  std::vector<HttpHeader> headers;
  for (const std::string& name : names) {
    const std::string* value = head.header(name.c_str());
    if (value == nullptr) {
      reason = "signed header " + name + " is missing";
      return false;
    }
    headers.push_back(HttpHeader{name.c_str(), value->c_str()});
  }
  std::uint8_t canonical[32];
  char computed_list[512];
  std::uint8_t signing_key[32];
  char computed[65];
  if (!sigv4::canonical_request_hash(head.method.c_str(), head.target.c_str(), headers.data(), headers.size(), hex,
                                     canonical, computed_list, sizeof computed_list) ||
      !sigv4::derive_signing_key(key.secret.c_str(), amz_date->substr(0, 8).c_str(), key.region.c_str(),
                                 service.c_str(), signing_key)) {
    reason = "the request cannot be canonicalised (bad target or header)";
    return false;
  }
  sigv4::signature(signing_key, amz_date->c_str(), scope.c_str(), canonical, computed);
  if (signed_list != computed_list || signature != computed) {
    reason = "signature mismatch";
    return false;
  }
  return true;
}

}  // namespace tracelet::receiver
