#include "tracelet/sigv4.h"

#include <mbedtls/sha256.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "export/http_response.h"
#include "export/log_line.h"
#include "tracelet/port.h"

// HMAC is written here over mbedtls_sha256 (RFC 2104) rather than taken from mbedtls/md.h:
// mbedtls_md_setup() allocates the HMAC pads on the heap, and the exporter signs every request.
namespace tracelet {
namespace sigv4 {
namespace {

constexpr const char* kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::size_t kMaxHeaders = 8;
constexpr std::size_t kMaxPathSegments = 64;

class Sha256 {
 public:
  Sha256() noexcept {
    mbedtls_sha256_init(&ctx_);
    (void)mbedtls_sha256_starts_ret(&ctx_, 0);
  }
  ~Sha256() { mbedtls_sha256_free(&ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void add(const void* data, std::size_t len) noexcept {
    if (len != 0) (void)mbedtls_sha256_update_ret(&ctx_, static_cast<const unsigned char*>(data), len);
  }
  void add(const char* text) noexcept { add(text, std::strlen(text)); }
  void add(char c) noexcept { add(&c, 1); }
  void finish(std::uint8_t out[32]) noexcept { (void)mbedtls_sha256_finish_ret(&ctx_, out); }

 private:
  mbedtls_sha256_context ctx_;
};

class HmacSha256 {
 public:
  HmacSha256(const void* key, std::size_t key_len) noexcept {
    std::uint8_t block[64] = {};
    if (key_len > sizeof block) {
      Sha256 h;
      h.add(key, key_len);
      h.finish(block);
    } else {
      std::memcpy(block, key, key_len);
    }
    std::uint8_t pad[64];
    for (std::size_t i = 0; i < 64; ++i) pad[i] = static_cast<std::uint8_t>(block[i] ^ 0x36);
    inner_.add(pad, sizeof pad);
    for (std::size_t i = 0; i < 64; ++i) opad_[i] = static_cast<std::uint8_t>(block[i] ^ 0x5c);
    std::memset(block, 0, sizeof block);
  }
  ~HmacSha256() { std::memset(opad_, 0, sizeof opad_); }
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;
  void add(const void* data, std::size_t len) noexcept { inner_.add(data, len); }
  void add(const char* text) noexcept { inner_.add(text); }
  void finish(std::uint8_t out[32]) noexcept {
    std::uint8_t inner_hash[32];
    inner_.finish(inner_hash);
    Sha256 outer;
    outer.add(opad_, sizeof opad_);
    outer.add(inner_hash, sizeof inner_hash);
    outer.finish(out);
  }

 private:
  Sha256 inner_;
  std::uint8_t opad_[64];
};

void hmac(const std::uint8_t* key, std::size_t key_len, const char* text, std::uint8_t out[32]) noexcept {
  HmacSha256 h(key, key_len);
  h.add(text);
  h.finish(out);
}

bool unreserved(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void add_encoded_byte(Sha256& h, unsigned char c) noexcept {
  static const char kHex[] = "0123456789ABCDEF";
  if (unreserved(c)) {
    h.add(static_cast<char>(c));
  } else {
    const char esc[3] = {'%', kHex[c >> 4], kHex[c & 15]};
    h.add(esc, 3);
  }
}

// ---- query: decoded, re-encoded, sorted; encoded text is produced a byte at a time ----

struct Text {
  const char* p = nullptr;
  std::size_t n = 0;
};

struct QueryParam {
  Text name;
  Text value;
};

// Yields the canonical (decoded, then encoded) bytes of one raw query component.
class EncodedReader {
 public:
  explicit EncodedReader(Text raw) noexcept : p_(raw.p), end_(raw.p + raw.n) {}
  bool next(char& c) noexcept {
    if (pos_ < len_) {
      c = pending_[pos_++];
      return true;
    }
    if (p_ == end_) return false;
    unsigned char b = static_cast<unsigned char>(*p_);
    if (b == '%' && end_ - p_ >= 3) {
      b = static_cast<unsigned char>(hex_value(p_[1]) * 16 + hex_value(p_[2]));
      p_ += 3;
    } else {
      ++p_;
    }
    static const char kHex[] = "0123456789ABCDEF";
    if (unreserved(b)) {
      pending_[0] = static_cast<char>(b);
      len_ = 1;
    } else {
      pending_[0] = '%';
      pending_[1] = kHex[b >> 4];
      pending_[2] = kHex[b & 15];
      len_ = 3;
    }
    pos_ = 0;
    c = pending_[pos_++];
    return true;
  }

 private:
  const char* p_;
  const char* end_;
  char pending_[3] = {};
  int len_ = 0;
  int pos_ = 0;
};

int compare_encoded(Text a, Text b) noexcept {
  EncodedReader ra(a), rb(b);
  for (;;) {
    char ca = 0, cb = 0;
    const bool ha = ra.next(ca), hb = rb.next(cb);
    if (!ha || !hb) return ha == hb ? 0 : (ha ? 1 : -1);
    if (ca != cb) return static_cast<unsigned char>(ca) < static_cast<unsigned char>(cb) ? -1 : 1;
  }
}

bool escapes_valid(Text t) noexcept {
  for (std::size_t i = 0; i < t.n; ++i) {
    if (t.p[i] != '%') continue;
    if (i + 2 >= t.n) return false;
    if (hex_value(t.p[i + 1]) < 0 || hex_value(t.p[i + 2]) < 0) return false;
    i += 2;
  }
  return true;
}

void add_encoded(Sha256& h, Text t) noexcept {
  EncodedReader r(t);
  char c;
  while (r.next(c)) h.add(c);
}

bool add_canonical_query(Sha256& h, const char* query) noexcept {
  QueryParam params[TRACELET_SIGV4_MAX_QUERY_PARAMS];
  std::size_t count = 0;
  const char* p = query;
  while (*p != '\0') {
    const char* amp = std::strchr(p, '&');
    const std::size_t len = amp != nullptr ? static_cast<std::size_t>(amp - p) : std::strlen(p);
    if (len != 0) {
      if (count == TRACELET_SIGV4_MAX_QUERY_PARAMS) return false;
      const char* eq = static_cast<const char*>(std::memchr(p, '=', len));
      QueryParam& q = params[count++];
      q.name = Text{p, eq != nullptr ? static_cast<std::size_t>(eq - p) : len};
      q.value = eq != nullptr ? Text{eq + 1, len - q.name.n - 1} : Text{p + len, 0};
      if (!escapes_valid(q.name) || !escapes_valid(q.value)) return false;
    }
    p += len;
    if (*p == '&') ++p;
  }
  for (std::size_t i = 1; i < count; ++i) {  // insertion sort: a handful of parameters
    const QueryParam key = params[i];
    std::size_t j = i;
    while (j > 0) {
      int c = compare_encoded(params[j - 1].name, key.name);
      if (c == 0) c = compare_encoded(params[j - 1].value, key.value);
      if (c <= 0) break;
      params[j] = params[j - 1];
      --j;
    }
    params[j] = key;
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (i != 0) h.add('&');
    add_encoded(h, params[i].name);
    h.add('=');
    add_encoded(h, params[i].value);
  }
  return true;
}

// ---- path: segments normalised ("." and empty dropped, ".." pops), each byte encoded ----

bool add_canonical_path(Sha256& h, const char* path, std::size_t len) noexcept {
  Text segments[kMaxPathSegments];
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < len) {
    while (i < len && path[i] == '/') ++i;
    const std::size_t start = i;
    while (i < len && path[i] != '/') ++i;
    const Text seg{path + start, i - start};
    if (seg.n == 0 || (seg.n == 1 && seg.p[0] == '.')) continue;
    if (seg.n == 2 && seg.p[0] == '.' && seg.p[1] == '.') {
      if (count != 0) --count;
      continue;
    }
    if (count == kMaxPathSegments) return false;
    segments[count++] = seg;
  }
  h.add('/');
  for (std::size_t s = 0; s < count; ++s) {
    if (s != 0) h.add('/');
    for (std::size_t k = 0; k < segments[s].n; ++k) add_encoded_byte(h, static_cast<unsigned char>(segments[s].p[k]));
  }
  if (count != 0 && len > 1 && path[len - 1] == '/') h.add('/');
  return true;
}

// RFC 9110 token characters: what a header name may hold (so never ';', ':' or a space,
// which would corrupt the signed-header list).
bool is_token(const char* s) noexcept {
  if (*s == '\0') return false;
  for (; *s != '\0'; ++s) {
    const unsigned char c = static_cast<unsigned char>(*s);
    if (c <= 0x20 || c >= 0x7f || std::strchr("\"(),/:;<=>?@[\\]{}", c) != nullptr) return false;
  }
  return true;
}

bool is_field_value(const char* s) noexcept {
  for (; *s != '\0'; ++s) {
    const unsigned char c = static_cast<unsigned char>(*s);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int compare_names(const char* a, const char* b) noexcept {
  for (;; ++a, ++b) {
    const unsigned char ca = static_cast<unsigned char>(lower(*a)), cb = static_cast<unsigned char>(lower(*b));
    if (ca != cb) return ca < cb ? -1 : 1;
    if (ca == 0) return 0;
  }
}

void add_trimmed_value(Sha256& h, const char* v) noexcept {
  while (*v == ' ' || *v == '\t') ++v;
  bool space = false;
  for (; *v != '\0'; ++v) {
    if (*v == ' ' || *v == '\t') {
      space = true;
      continue;
    }
    if (space) h.add(' ');
    space = false;
    h.add(*v);
  }
}

}  // namespace

void to_hex(const std::uint8_t* data, std::size_t len, char* out) noexcept {
  static const char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < len; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  out[2 * len] = '\0';
}

void sha256(const std::uint8_t* data, std::size_t len, std::uint8_t out[32]) noexcept {
  Sha256 h;
  h.add(data, len);
  h.finish(out);
}

bool derive_signing_key(const char* secret, const char* date8, const char* region, const char* service,
                        std::uint8_t out[32]) noexcept {
  const std::size_t n = std::strlen(secret);
  std::uint8_t key[4 + 128];
  if (n > 128) return false;
  std::memcpy(key, "AWS4", 4);
  std::memcpy(key + 4, secret, n);
  std::uint8_t k[32];
  hmac(key, 4 + n, date8, k);
  std::memset(key, 0, sizeof key);
  hmac(k, sizeof k, region, k);
  hmac(k, sizeof k, service, k);
  hmac(k, sizeof k, "aws4_request", out);
  std::memset(k, 0, sizeof k);
  return true;
}

bool format_amz_date(std::uint64_t unix_s, char out[17]) noexcept {
  // Civil date from days since 1970 (Howard Hinnant's algorithm, inverse of days_from_civil).
  const std::uint64_t days = unix_s / 86400;
  const std::uint64_t secs = unix_s % 86400;
  const std::uint64_t z = days + 719468;
  const std::uint64_t era = z / 146097;
  const std::uint64_t doe = z - era * 146097;
  const std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::uint64_t y = yoe + era * 400;
  const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::uint64_t mp = (5 * doy + 2) / 153;
  const std::uint64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::uint64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  if (y > 9999) return false;
  char text[48];  // room for any unsigned values, so no compiler sees a possible truncation
  std::snprintf(text, sizeof text, "%04u%02u%02uT%02u%02u%02uZ", static_cast<unsigned>(y), static_cast<unsigned>(m),
                static_cast<unsigned>(d), static_cast<unsigned>(secs / 3600),
                static_cast<unsigned>(secs / 60 % 60), static_cast<unsigned>(secs % 60));
  std::memcpy(out, text, 17);
  return true;
}

bool canonical_request_hash(const char* method, const char* target, const HttpHeader* headers,
                            std::size_t header_count, const char* payload_sha256_hex,
                            std::uint8_t out[32], char* signed_headers, std::size_t signed_cap) noexcept {
  if (method == nullptr || target == nullptr || target[0] != '/' || header_count > kMaxHeaders ||
      (header_count != 0 && headers == nullptr) || payload_sha256_hex == nullptr || signed_cap == 0) {
    return false;
  }
  std::size_t order[kMaxHeaders];
  for (std::size_t i = 0; i < header_count; ++i) {
    if (headers[i].name == nullptr || headers[i].value == nullptr || !is_token(headers[i].name) ||
        !is_field_value(headers[i].value)) {
      return false;
    }
    std::size_t j = i;
    while (j > 0 && compare_names(headers[order[j - 1]].name, headers[i].name) > 0) {
      order[j] = order[j - 1];
      --j;
    }
    order[j] = i;
  }
  Sha256 h;
  h.add(method);
  h.add('\n');
  const char* query = std::strchr(target, '?');
  const std::size_t path_len = query != nullptr ? static_cast<std::size_t>(query - target) : std::strlen(target);
  if (!add_canonical_path(h, target, path_len)) return false;
  h.add('\n');
  if (query != nullptr && !add_canonical_query(h, query + 1)) return false;
  h.add('\n');
  std::size_t used = 0;
  for (std::size_t i = 0; i < header_count; ++i) {
    const char* name = headers[order[i]].name;
    for (const char* c = name; *c != '\0'; ++c) h.add(lower(*c));
    h.add(':');
    add_trimmed_value(h, headers[order[i]].value);
    h.add('\n');
    const std::size_t n = std::strlen(name);
    if (used + n + (i != 0 ? 1 : 0) + 1 > signed_cap) return false;
    if (i != 0) signed_headers[used++] = ';';
    for (std::size_t k = 0; k < n; ++k) signed_headers[used++] = lower(name[k]);
  }
  signed_headers[used] = '\0';
  h.add('\n');
  h.add(signed_headers);
  h.add('\n');
  h.add(payload_sha256_hex);
  h.finish(out);
  return true;
}

void signature(const std::uint8_t signing_key[32], const char* amz_date, const char* scope,
               const std::uint8_t canonical_hash[32], char out_hex[65]) noexcept {
  char hash_hex[65];
  to_hex(canonical_hash, 32, hash_hex);
  HmacSha256 h(signing_key, 32);
  h.add(kAlgorithm);
  h.add("\n");
  h.add(amz_date);
  h.add("\n");
  h.add(scope);
  h.add("\n");
  h.add(hash_hex);
  std::uint8_t mac[32];
  h.finish(mac);
  to_hex(mac, sizeof mac, out_hex);
}

}  // namespace sigv4

// ---- the exporter's signer ------------------------------------------------------------------

static_assert(sizeof(mbedtls_sha256_context) <= 128,
              "SigV4Signer::body_hash_state_ must hold an mbedtls_sha256_context");

namespace {

mbedtls_sha256_context* body_hash(std::uint8_t* state) noexcept {
  return reinterpret_cast<mbedtls_sha256_context*>(state);
}

bool printable(const char* s, std::size_t max) noexcept {
  if (s == nullptr || s[0] == '\0') return false;
  std::size_t n = 0;
  for (; s[n] != '\0'; ++n) {
    if (n >= max || static_cast<unsigned char>(s[n]) <= 0x20 || static_cast<unsigned char>(s[n]) >= 0x7f) return false;
  }
  return true;
}

}  // namespace

void SigV4Signer::logf(LogLevel level, const char* format, ...) const noexcept {
  char line[256];
  va_list args;
  va_start(args, format);
  detail::log_line(credentials_.log, credentials_.log_ctx, level, line, sizeof line, format, args);
  va_end(args);
}

Status SigV4Signer::init(const SigV4Credentials& credentials) noexcept {
  credentials_ = credentials;
  ready_ = false;
  // Lengths keep the Authorization header within authorization_; a secret longer than 128
  // bytes does not exist (AWS's are 40).
  const char* missing = !printable(credentials.access_key_id, 128)       ? "access key id (AWS_ACCESS_KEY_ID)"
                        : !printable(credentials.secret_access_key, 128) ? "secret access key (AWS_SECRET_ACCESS_KEY)"
                        : !printable(credentials.region, 32)             ? "region (AWS_REGION)"
                        : !printable(credentials.service, 32)            ? "service (TRACELET_AWS_SIGV4)"
                        : credentials.logs_service != nullptr && credentials.logs_service[0] != '\0' &&
                                  !printable(credentials.logs_service, 32)
                            ? "logs service"
                            : nullptr;
  if (missing == nullptr && credentials.session_token != nullptr && credentials.session_token[0] != '\0' &&
      !printable(credentials.session_token, 8192)) {
    missing = "session token (AWS_SESSION_TOKEN)";
  }
  if (missing != nullptr) {
    logf(LogLevel::kError, "sigv4: the %s is missing, too long or not printable ASCII; requests stay unsigned",
         missing);
    return Status::kInvalidArgument;
  }
  clock_set_ = false;
  last_signed_blind_ = false;
  date_offset_s_ = 0;
  signing_date_[0] = '\0';
  signing_service_ = nullptr;
  ready_ = true;
  return Status::kOk;
}

RequestSigner SigV4Signer::request_signer() noexcept {
  RequestSigner s;
  s.ctx = this;
  s.begin = &SigV4Signer::on_begin;
  s.body = &SigV4Signer::on_body;
  s.sign = &SigV4Signer::on_sign;
  s.on_answer = &SigV4Signer::on_answer;
  return s;
}

std::uint64_t SigV4Signer::now_unix_s() const noexcept {
  std::uint64_t base = 0;
  if (credentials_.now_unix_s != nullptr) {
    base = credentials_.now_unix_s(credentials_.now_ctx);
  } else {
    const std::int64_t offset = port::unix_offset_ns();
    if (offset != 0) base = (port::monotonic_ns() + static_cast<std::uint64_t>(offset)) / 1000000000u;
  }
  if (base == 0) base = port::monotonic_ns() / 1000000000u;  // no wall clock: a Date answer fixes it
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(base) + date_offset_s_);
}

void SigV4Signer::on_begin(void* ctx) noexcept {
  auto* self = static_cast<SigV4Signer*>(ctx);
  mbedtls_sha256_init(body_hash(self->body_hash_state_));
  (void)mbedtls_sha256_starts_ret(body_hash(self->body_hash_state_), 0);
}

void SigV4Signer::on_body(void* ctx, const std::uint8_t* data, std::size_t len) noexcept {
  auto* self = static_cast<SigV4Signer*>(ctx);
  if (len != 0) (void)mbedtls_sha256_update_ret(body_hash(self->body_hash_state_), data, len);
}

std::size_t SigV4Signer::on_sign(void* ctx, const SignedRequest& request, HttpHeader* out, std::size_t cap) noexcept {
  auto* self = static_cast<SigV4Signer*>(ctx);
  const SigV4Credentials& c = self->credentials_;
  const bool token = c.session_token != nullptr && c.session_token[0] != '\0';
  if (!self->ready_ || cap < (token ? 4u : 3u) || request.host == nullptr || request.target == nullptr) return 0;
  std::uint8_t digest[32];
  (void)mbedtls_sha256_finish_ret(body_hash(self->body_hash_state_), digest);
  mbedtls_sha256_free(body_hash(self->body_hash_state_));
  sigv4::to_hex(digest, sizeof digest, self->content_sha256_);
  const std::uint64_t now = self->now_unix_s();
  if (!sigv4::format_amz_date(now, self->amz_date_)) return 0;
  self->last_signed_blind_ = now < 946684800u;  // before 2000: no clock yet
  const char* const service = request.signal == SignedSignal::kLogs
                                  ? (c.logs_service != nullptr && c.logs_service[0] != '\0' ? c.logs_service : "logs")
                                  : c.service;
  if (std::strncmp(self->signing_date_, self->amz_date_, 8) != 0 || self->signing_service_ != service) {
    char date8[9];
    std::memcpy(date8, self->amz_date_, 8);
    date8[8] = '\0';
    if (!sigv4::derive_signing_key(c.secret_access_key, date8, c.region, service, self->signing_key_)) return 0;
    std::memcpy(self->signing_date_, date8, sizeof date8);
    self->signing_service_ = service;
  }
  const HttpHeader canonical[5] = {
      {"content-type", request.content_type != nullptr ? request.content_type : ""},
      {"host", request.host},
      {"x-amz-content-sha256", self->content_sha256_},
      {"x-amz-date", self->amz_date_},
      {"x-amz-security-token", token ? c.session_token : ""},
  };
  char signed_headers[96];
  std::uint8_t canonical_hash[32];
  if (!sigv4::canonical_request_hash(request.method, request.target, canonical, token ? 5 : 4,
                                     self->content_sha256_, canonical_hash, signed_headers, sizeof signed_headers)) {
    self->logf(LogLevel::kError, "sigv4: cannot sign a request for %s (more than %u query parameters or a "
               "bad %%-escape in the endpoint)", request.target, static_cast<unsigned>(TRACELET_SIGV4_MAX_QUERY_PARAMS));
    return 0;
  }
  char scope[128];
  std::snprintf(scope, sizeof scope, "%.8s/%s/%s/aws4_request", self->amz_date_, c.region, service);
  char signature_hex[65];
  sigv4::signature(self->signing_key_, self->amz_date_, scope, canonical_hash, signature_hex);
  std::snprintf(self->authorization_, sizeof self->authorization_,
                "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s", c.access_key_id, scope,
                signed_headers, signature_hex);
  std::size_t n = 0;
  out[n++] = HttpHeader{"X-Amz-Date", self->amz_date_};
  out[n++] = HttpHeader{"X-Amz-Content-Sha256", self->content_sha256_};
  if (token) out[n++] = HttpHeader{"X-Amz-Security-Token", c.session_token};
  out[n++] = HttpHeader{"Authorization", self->authorization_};
  return n;
}

bool SigV4Signer::on_answer(void* ctx, int status, const char* date) noexcept {
  auto* self = static_cast<SigV4Signer*>(ctx);
  std::int64_t server_s = 0;
  if (date == nullptr || !detail::parse_http_date(date, server_s)) return false;
  const std::int64_t ours = static_cast<std::int64_t>(self->now_unix_s());
  const std::int64_t off = server_s - ours;
  // AWS accepts a request time within 15 minutes of its own. Only a refusal with a Date far
  // from ours moves the clock: a Date is whole seconds plus the answer's travel time, so
  // following every answer would only add jitter.
  const bool far = off > 300 || off < -300;
  if (status == 403 && (far || self->last_signed_blind_)) {
    self->date_offset_s_ += off;
    self->clock_set_ = true;
    self->logf(LogLevel::kWarning, "sigv4: request refused (403) with the server's clock %ld s from ours; "
               "signing with the server's time from now on and sending again", static_cast<long>(off));
    return true;
  }
  return false;
}

}  // namespace tracelet
