// SigV4 signing (src/aws/sigv4.cpp) on AWS's published example values: the signing-key
// derivation and the IAM ListUsers request of the SigV4 documentation (secret
// wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z, us-east-1) and the test suite's
// get-vanilla case. Each expected value was also recomputed with Node's crypto module before
// it was written here. The official signer checks the exporter's real requests in
// tests/aws/sigv4_official_test.cpp.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "export/http_response.h"
#include "support/log_capture.h"
#include "tracelet/sigv4.h"

namespace {

using tracelet::HttpHeader;
namespace sigv4 = tracelet::sigv4;

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string hex(const std::uint8_t* data, std::size_t len) {
  char out[129];
  sigv4::to_hex(data, len, out);
  return out;
}

std::string canonical_hex(const char* method, const char* target, const HttpHeader* headers, std::size_t n,
                          std::string* signed_headers = nullptr) {
  std::uint8_t hash[32];
  char names[128];
  if (!sigv4::canonical_request_hash(method, target, headers, n, kEmptySha256, hash, names, sizeof names)) {
    return "refused";
  }
  if (signed_headers != nullptr) *signed_headers = names;
  return hex(hash, sizeof hash);
}

TEST(SigV4, SigningKeyOfTheDocumentedExample) {
  std::uint8_t key[32];
  ASSERT_TRUE(sigv4::derive_signing_key(kSecret, "20150830", "us-east-1", "iam", key));
  EXPECT_EQ(hex(key, 32), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigV4, IamListUsersExample) {
  const HttpHeader headers[] = {{"X-Amz-Date", "20150830T123600Z"},
                                {"Host", "iam.amazonaws.com"},
                                {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  std::uint8_t hash[32];
  char names[64];
  ASSERT_TRUE(sigv4::canonical_request_hash("GET", "/?Version=2010-05-08&Action=ListUsers", headers, 3,
                                            kEmptySha256, hash, names, sizeof names));
  EXPECT_EQ(hex(hash, 32), "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_STREQ(names, "content-type;host;x-amz-date");
  std::uint8_t key[32];
  ASSERT_TRUE(sigv4::derive_signing_key(kSecret, "20150830", "us-east-1", "iam", key));
  char signature[65];
  sigv4::signature(key, "20150830T123600Z", "20150830/us-east-1/iam/aws4_request", hash, signature);
  EXPECT_STREQ(signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4, TestSuiteGetVanilla) {
  const HttpHeader headers[] = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  std::uint8_t hash[32];
  char names[64];
  ASSERT_TRUE(sigv4::canonical_request_hash("GET", "/", headers, 2, kEmptySha256, hash, names, sizeof names));
  std::uint8_t key[32];
  ASSERT_TRUE(sigv4::derive_signing_key(kSecret, "20150830", "us-east-1", "service", key));
  char signature[65];
  sigv4::signature(key, "20150830T123600Z", "20150830/us-east-1/service/aws4_request", hash, signature);
  EXPECT_STREQ(signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, AmzDate) {
  char out[17];
  ASSERT_TRUE(sigv4::format_amz_date(1440938160, out));  // date -u -d @1440938160
  EXPECT_STREQ(out, "20150830T123600Z");
  ASSERT_TRUE(sigv4::format_amz_date(951782400, out));  // a leap day
  EXPECT_STREQ(out, "20000229T000000Z");
  ASSERT_TRUE(sigv4::format_amz_date(0, out));
  EXPECT_STREQ(out, "19700101T000000Z");
  EXPECT_FALSE(sigv4::format_amz_date(253402300800ull, out));  // year 10000
}

TEST(SigV4, QueryIsDecodedEncodedAndSorted) {
  const HttpHeader h[] = {{"host", "x"}};
  const std::string sorted = canonical_hex("POST", "/v1/traces?a=1&b=2", h, 1);
  EXPECT_EQ(canonical_hex("POST", "/v1/traces?b=2&a=1", h, 1), sorted);
  EXPECT_EQ(canonical_hex("POST", "/v1/traces?%61=1&b=%32", h, 1), sorted);  // %61 = 'a', %32 = '2'
  EXPECT_NE(canonical_hex("POST", "/v1/traces?a=1&b=3", h, 1), sorted);
  // Same name: ordered by value.
  EXPECT_EQ(canonical_hex("POST", "/?k=b&k=a", h, 1), canonical_hex("POST", "/?k=a&k=b", h, 1));
  // A name without '=' is "name=".
  EXPECT_EQ(canonical_hex("POST", "/?flag", h, 1), canonical_hex("POST", "/?flag=", h, 1));
  EXPECT_EQ(canonical_hex("POST", "/?a=%G1", h, 1), "refused");
  EXPECT_EQ(canonical_hex("POST", "/?a=%4", h, 1), "refused");
  std::string many = "/?";
  for (int i = 0; i <= TRACELET_SIGV4_MAX_QUERY_PARAMS; ++i) many += "p" + std::to_string(i) + "=1&";
  EXPECT_EQ(canonical_hex("POST", many.c_str(), h, 1), "refused");
}

TEST(SigV4, PathIsNormalisedAndEncodedAgain) {
  const HttpHeader h[] = {{"host", "x"}};
  EXPECT_EQ(canonical_hex("POST", "/a/./b/../c", h, 1), canonical_hex("POST", "/a/c", h, 1));
  EXPECT_EQ(canonical_hex("POST", "//a//c", h, 1), canonical_hex("POST", "/a/c", h, 1));
  EXPECT_NE(canonical_hex("POST", "/a/c/", h, 1), canonical_hex("POST", "/a/c", h, 1));
  EXPECT_NE(canonical_hex("POST", "/a%20c", h, 1), canonical_hex("POST", "/a c", h, 1));
  EXPECT_EQ(canonical_hex("POST", "no-slash", h, 1), "refused");
}

TEST(SigV4, HeaderValuesAreTrimmedAndNamesLowerCased) {
  const HttpHeader a[] = {{"My-Header", "  a   b  "}, {"host", "x"}};
  const HttpHeader b[] = {{"host", "x"}, {"my-header", "a b"}};
  std::string names;
  EXPECT_EQ(canonical_hex("POST", "/", a, 2, &names), canonical_hex("POST", "/", b, 2));
  EXPECT_EQ(names, "host;my-header");
  for (const HttpHeader bad : {HttpHeader{"", "x"}, HttpHeader{"a;b", "x"}, HttpHeader{"a b", "x"},
                               HttpHeader{"a:b", "x"}, HttpHeader{"x-a", "1\r\nx-b: 2"}}) {
    EXPECT_EQ(canonical_hex("POST", "/", &bad, 1), "refused") << bad.name;
  }
}

std::uint64_t fixed_time(void* ctx) { return *static_cast<std::uint64_t*>(ctx); }

// The example credentials for X-Ray in us-east-1, on a clock that reads `*now`, logging to
// `log` when one is given.
tracelet::SigV4Credentials example_credentials(std::uint64_t* now, tracelet::test::LogCapture* log = nullptr) {
  tracelet::SigV4Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = kSecret;
  c.region = "us-east-1";
  c.service = "xray";
  c.now_unix_s = &fixed_time;
  c.now_ctx = now;
  if (log != nullptr) {
    c.log = &tracelet::test::LogCapture::sink;
    c.log_ctx = log;
  }
  return c;
}

struct Signed {
  std::string date, sha, token, authorization;
  std::size_t count = 0;
};

Signed sign(tracelet::SigV4Signer& signer, const char* body,
            tracelet::SignedSignal signal = tracelet::SignedSignal::kTraces) {
  tracelet::RequestSigner s = signer.request_signer();
  s.begin(s.ctx);
  s.body(s.ctx, reinterpret_cast<const std::uint8_t*>(body), std::strlen(body));
  tracelet::SignedRequest request;
  request.signal = signal;
  const bool logs = signal == tracelet::SignedSignal::kLogs;
  request.host = logs ? "logs.us-east-1.amazonaws.com" : "xray.us-east-1.amazonaws.com";
  request.target = logs ? "/v1/logs" : "/v1/traces";
  request.content_type = "application/x-protobuf";
  HttpHeader out[6];
  Signed r;
  r.count = s.sign(s.ctx, request, out, 6);
  for (std::size_t i = 0; i < r.count; ++i) {
    const std::string name = out[i].name;
    if (name == "X-Amz-Date") r.date = out[i].value;
    if (name == "X-Amz-Content-Sha256") r.sha = out[i].value;
    if (name == "X-Amz-Security-Token") r.token = out[i].value;
    if (name == "Authorization") r.authorization = out[i].value;
  }
  return r;
}

TEST(SigV4Signer, SignsWithScopeHeadersAndBodyHash) {
  std::uint64_t now = 1440938160;
  tracelet::test::LogCapture log;
  tracelet::SigV4Credentials c = example_credentials(&now, &log);
  tracelet::SigV4Signer signer;
  ASSERT_EQ(signer.init(c), tracelet::Status::kOk);
  Signed r = sign(signer, "");
  EXPECT_EQ(r.count, 3u);
  EXPECT_EQ(r.date, "20150830T123600Z");
  EXPECT_EQ(r.sha, kEmptySha256);
  EXPECT_EQ(r.authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/xray/aws4_request, "
                                  "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=", 0),
            0u)
      << r.authorization;
  // The signature depends on the body and the time.
  const std::string first = r.authorization;
  EXPECT_NE(sign(signer, "x").authorization, first);
  now += 86400;
  r = sign(signer, "");
  EXPECT_EQ(r.date, "20150831T123600Z");
  EXPECT_NE(r.authorization.find("/20150831/us-east-1/xray/"), std::string::npos);

  c.session_token = "FQoGZXIvYXdzEXAMPLETOKEN";
  ASSERT_EQ(signer.init(c), tracelet::Status::kOk);
  r = sign(signer, "");
  EXPECT_EQ(r.count, 4u);
  EXPECT_EQ(r.token, "FQoGZXIvYXdzEXAMPLETOKEN");
  EXPECT_NE(r.authorization.find("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;"
                                 "x-amz-security-token, "),
            std::string::npos);
  EXPECT_EQ(log.all().find(kSecret), std::string::npos);
}

TEST(SigV4Signer, SignsLogRecordsForCloudWatchLogsAndSpansForXRay) {
  std::uint64_t now = 1440938160;
  tracelet::SigV4Credentials c = example_credentials(&now);
  tracelet::SigV4Signer signer;
  ASSERT_EQ(signer.init(c), tracelet::Status::kOk);
  // Alternating signals: each request is signed with its own service's key, not a cached one.
  const Signed traces = sign(signer, "");
  const Signed logs = sign(signer, "", tracelet::SignedSignal::kLogs);
  const Signed traces_again = sign(signer, "");
  EXPECT_NE(traces.authorization.find("/20150830/us-east-1/xray/aws4_request"), std::string::npos);
  EXPECT_NE(logs.authorization.find("/20150830/us-east-1/logs/aws4_request"), std::string::npos)
      << logs.authorization;
  EXPECT_EQ(traces_again.authorization, traces.authorization);
  // A different service for log records' requests, when asked for.
  c.logs_service = "custom-logs";
  ASSERT_EQ(signer.init(c), tracelet::Status::kOk);
  EXPECT_NE(sign(signer, "", tracelet::SignedSignal::kLogs).authorization.find("/us-east-1/custom-logs/"),
            std::string::npos);
  // Everything that is not log records keeps the configured service.
  EXPECT_NE(sign(signer, "", tracelet::SignedSignal::kOther).authorization.find("/us-east-1/xray/"),
            std::string::npos);
}

TEST(SigV4Signer, RefusesMissingCredentialsWithoutShowingTheSecret) {
  tracelet::test::LogCapture log;
  tracelet::SigV4Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = kSecret;
  c.service = "xray";
  c.log = &tracelet::test::LogCapture::sink;
  c.log_ctx = &log;
  tracelet::SigV4Signer signer;
  EXPECT_EQ(signer.init(c), tracelet::Status::kInvalidArgument);
  EXPECT_TRUE(log.contains("region (AWS_REGION)")) << log.all();
  c.region = "us-east-1";
  c.secret_access_key = "has a space";
  EXPECT_EQ(signer.init(c), tracelet::Status::kInvalidArgument);
  EXPECT_TRUE(log.contains("secret access key")) << log.all();
  EXPECT_EQ(log.all().find(kSecret), std::string::npos);
  EXPECT_EQ(log.all().find("has a space"), std::string::npos);
  EXPECT_EQ(sign(signer, "").count, 0u);  // not ready: nothing signed
}

TEST(SigV4Signer, TakesTheServersClockFromARefusalsDate) {
  std::uint64_t now = 5;  // a device without a wall clock: seconds since boot
  tracelet::test::LogCapture log;
  const tracelet::SigV4Credentials c = example_credentials(&now, &log);
  tracelet::SigV4Signer signer;
  ASSERT_EQ(signer.init(c), tracelet::Status::kOk);
  tracelet::RequestSigner s = signer.request_signer();
  EXPECT_EQ(sign(signer, "").date, "19700101T000005Z");
  EXPECT_FALSE(s.on_answer(s.ctx, 403, "not a date"));
  EXPECT_TRUE(s.on_answer(s.ctx, 403, "Sun, 30 Aug 2015 12:36:00 GMT"));
  EXPECT_EQ(signer.date_offset_s(), 1440938160 - 5);
  now = 6;
  EXPECT_EQ(sign(signer, "").date, "20150830T123601Z");
  // Close to the server's time: a refusal is not about the clock.
  EXPECT_FALSE(s.on_answer(s.ctx, 403, "Sun, 30 Aug 2015 12:36:03 GMT"));
  // Answers that were accepted never move the clock.
  EXPECT_FALSE(s.on_answer(s.ctx, 200, "Mon, 31 Aug 2015 12:36:03 GMT"));
  EXPECT_EQ(signer.date_offset_s(), 1440938160 - 5);
  EXPECT_TRUE(log.contains("signing with the server's time")) << log.all();
}

TEST(HttpDate, ImfFixdateOnly) {
  std::int64_t t = 0;
  ASSERT_TRUE(tracelet::detail::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", t));
  EXPECT_EQ(t, 784111777);
  EXPECT_FALSE(tracelet::detail::parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", t));  // RFC 850
  EXPECT_FALSE(tracelet::detail::parse_http_date("Sun Nov  6 08:49:37 1994", t));        // asctime
  EXPECT_FALSE(tracelet::detail::parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC", t));
  EXPECT_FALSE(tracelet::detail::parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT", t));
  EXPECT_FALSE(tracelet::detail::parse_http_date(nullptr, t));
}

}  // namespace
