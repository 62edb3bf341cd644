#pragma once
// AWS Signature Version 4 for the OTLP/HTTP exporter: OTLP straight to AWS (X-Ray traces at
// https://xray.<region>.amazonaws.com/v1/traces, CloudWatch Logs at logs.<region>...), without
// a collector. Module tracelet::aws (HMAC-SHA256 and SHA-256 from Mbed TLS). Fixed memory:
// a SigV4Signer is about 1 KB and never allocates; the body is hashed as it is sent.
//
// Signed headers: content-type, host, x-amz-content-sha256, x-amz-date and, with temporary
// credentials, x-amz-security-token. Other headers (OTEL_EXPORTER_OTLP_HEADERS, User-Agent,
// Content-Length, Content-Encoding) are sent unsigned, as SigV4 allows: a changed one is not
// detected, none of them carries the payload.
#include <cstddef>
#include <cstdint>

#include "tracelet/log.h"
#include "tracelet/request_signer.h"
#include "tracelet/status.h"

#ifndef TRACELET_SIGV4_MAX_QUERY_PARAMS
#define TRACELET_SIGV4_MAX_QUERY_PARAMS 16  // name=value pairs in an endpoint's query; more = the request is not signed (logged)
#endif

namespace tracelet {

/// Credentials and scope (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
/// AWS_REGION and TRACELET_AWS_SIGV4=<service>, see env_config.h; or filled in code on
/// firmware). Pointers are read on every request: they must outlive the signer (not copied,
/// so the secret exists once, where the caller keeps it).
struct SigV4Credentials {
  const char* access_key_id = nullptr;      // required
  const char* secret_access_key = nullptr;  // required; never logged
  const char* session_token = nullptr;      // temporary credentials; nullptr or "" = none
  const char* region = nullptr;             // required, e.g. "eu-west-1"
  const char* service = nullptr;            // required: "xray" (traces) or "logs"; signs every
                                            // request but those of log records
  const char* logs_service = nullptr;       // log records' requests; nullptr = "logs" (CloudWatch)
  /// Unix time in seconds, 0 when unknown. nullptr = the port's wall clock
  /// (port::monotonic_ns() + port::unix_offset_ns(); an offset of 0 means "no wall clock").
  /// Without a wall clock the signer takes the time from the server's Date answers: the
  /// first request is then signed with an unknown time and refused (403), the Date of that
  /// answer sets the clock, and the exporter sends the request again at once.
  std::uint64_t (*now_unix_s)(void* ctx) = nullptr;
  void* now_ctx = nullptr;
  LogSink log = nullptr;  // nullptr = log_to_stderr
  void* log_ctx = nullptr;
};

/// Signs the exporter's requests (RequestSigner). Constant-initialisable; one per exporter.
class SigV4Signer {
 public:
  constexpr SigV4Signer() noexcept {}
  SigV4Signer(const SigV4Signer&) = delete;  // the exporter keeps a pointer to it
  SigV4Signer& operator=(const SigV4Signer&) = delete;

  /// Checks the credentials (present, printable, within the header's room).
  /// ISR-safe: no. Blocks: never. Allocates: never.
  /// Return values:
  ///   kOk              – ready; hand request_signer() to ExporterConfig::signer
  ///   kInvalidArgument – a required field is missing or too long (logged, secret not shown)
  [[nodiscard]] Status init(const SigV4Credentials& credentials) noexcept;
  /// The interface the exporter calls (its functions run on the exporting thread, never block
  /// and never allocate). Valid after init(); ctx is this object.
  /// ISR-safe: yes (builds a struct). Blocks: never. Allocates: never.
  RequestSigner request_signer() noexcept;
  /// Offset learned from the server's Date answers (seconds added to the clock), 0 if none.
  /// ISR-safe: no (the exporting thread writes it). Blocks: never. Allocates: never.
  std::int64_t date_offset_s() const noexcept { return date_offset_s_; }

 private:
  static void on_begin(void* ctx) noexcept;
  static void on_body(void* ctx, const std::uint8_t* data, std::size_t len) noexcept;
  static std::size_t on_sign(void* ctx, const SignedRequest& request, HttpHeader* out, std::size_t cap) noexcept;
  static bool on_answer(void* ctx, int status, const char* date) noexcept;
  std::uint64_t now_unix_s() const noexcept;
  void logf(LogLevel level, const char* format, ...) const noexcept;

  SigV4Credentials credentials_{};
  bool ready_ = false;
  bool clock_set_ = false;           // a Date answer set date_offset_s_
  bool last_signed_blind_ = false;   // the last request was signed before the clock was known
  std::int64_t date_offset_s_ = 0;
  alignas(8) std::uint8_t body_hash_state_[128] = {};  // an mbedtls_sha256_context (sigv4.cpp checks the size)
  char signing_date_[9] = {};         // YYYYMMDD the cached key is for
  const char* signing_service_ = nullptr;  // and the service it is for
  std::uint8_t signing_key_[32] = {};
  char amz_date_[17] = {};
  char content_sha256_[65] = {};
  char authorization_[512] = {};
};

namespace sigv4 {

/// The building blocks, exposed for tests, the fuzz target and the receiver's offline check.
/// Each: ISR-safe: yes (reentrant, only its arguments). Blocks: never. Allocates: never.

/// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date8), region), service), "aws4_request").
/// False if the secret is longer than 128 bytes.
bool derive_signing_key(const char* secret, const char* date8, const char* region, const char* service,
                        std::uint8_t out[32]) noexcept;

/// "YYYYMMDDTHHMMSSZ" of a Unix time (UTC); false before 1970 or after 9999.
bool format_amz_date(std::uint64_t unix_s, char out[17]) noexcept;

/// SHA-256 of the canonical request: `method`, the URI-encoded path of `target` (each byte
/// outside A-Z a-z 0-9 - . _ ~ / as %XX, so an encoded path is encoded again, as services
/// other than S3 expect), its query sorted by encoded name then value (names and values
/// decoded first, then encoded the same way; "a" reads as "a="), the headers (names
/// lower-cased, sorted; values trimmed, inner runs of spaces made one), the signed header
/// list, and `payload_sha256_hex`. Also returns the signed header list in `signed_headers`
/// (NUL-terminated). False when the target is not a path ("/..."), has more than
/// TRACELET_SIGV4_MAX_QUERY_PARAMS parameters or a bad %-escape, a header name is not an HTTP
/// token or a value holds a control character (CR, LF, ...), or
/// there are more than 8 headers or `signed_headers` is too small.
bool canonical_request_hash(const char* method, const char* target, const HttpHeader* headers,
                            std::size_t header_count, const char* payload_sha256_hex,
                            std::uint8_t out[32], char* signed_headers, std::size_t signed_cap) noexcept;

/// The hex signature of a canonical request hash:
/// HMAC(signing_key, "AWS4-HMAC-SHA256\n" amz_date "\n" scope "\n" hex(hash)).
void signature(const std::uint8_t signing_key[32], const char* amz_date, const char* scope,
               const std::uint8_t canonical_hash[32], char out_hex[65]) noexcept;

/// Lower-case hex of `len` bytes into `out` (2*len + 1 bytes, NUL-terminated).
void to_hex(const std::uint8_t* data, std::size_t len, char* out) noexcept;

/// SHA-256 of a whole buffer.
void sha256(const std::uint8_t* data, std::size_t len, std::uint8_t out[32]) noexcept;

}  // namespace sigv4
}  // namespace tracelet
