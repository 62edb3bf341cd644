// Client certificates (mutual TLS): TlsClient presenting one, loaded from files or memory, and
// the exporter configured through OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE / _KEY, against
// `tracelet-receiver --client-ca`, which the tests start and stop by PID. Certificates come
// from `tracelet-receiver --make-ca` (CA, server and client certificates) at test time.
#include <gtest/gtest.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/receiver_process.h"
#include "support/log_capture.h"
#include "tracelet/env_config.h"
#include "tracelet/exporter.h"
#include "tracelet/net_connector.h"
#include "tracelet/net_port.h"
#include "tracelet/tls.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

struct Result {
  Status init = Status::kFailedPrecondition;
  Status handshake = Status::kFailedPrecondition;
  std::string reason;
};

// init (with `o`) + TCP + handshake to 127.0.0.1:port, then one close.
Result attempt(std::uint16_t port, const TlsOptions& o) {
  Result out;
  TlsClient tls;
  char reason[512];
  out.init = tls.init(o);
  if (out.init != Status::kOk) {
    out.reason = tls.describe_error(reason, sizeof reason);
    return out;
  }
  port::TcpConnection tcp{};
  if (port::tcp_connect(&tcp, "127.0.0.1", port, 3000) != Status::kOk) {
    out.reason = "tcp connect failed";
    return out;
  }
  out.handshake = tls.handshake(port::tcp_transport(&tcp));
  out.reason = tls.describe_error(reason, sizeof reason);
  tls.close();
  port::tcp_close(&tcp);
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class MtlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ASSERT_EQ(test::make_test_ca(dir_->file("pki")), "");
    ASSERT_EQ(test::make_test_ca(dir_->file("other")), "");
    receiver_ = new test::ReceiverProcess();
    std::string error;
    ASSERT_TRUE(receiver_->start(dir_->path(), {"--certs", dir_->file("pki"), "--client-ca",
                                                dir_->file("pki/ca.crt"), "--quiet"},
                                 error))
        << error;
  }
  static void TearDownTestSuite() {
    if (receiver_ != nullptr) {
      EXPECT_EQ(receiver_->stop(), 0);
    }
    delete receiver_;
    receiver_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(receiver_ != nullptr && receiver_->port() != 0); }

  // Trusts the test CA, verifies "localhost", presents `dir`'s client certificate (if any).
  TlsOptions options(const char* dir = "pki") {
    paths_.push_back(dir_->file("pki/ca.crt"));
    TlsOptions o;
    o.server_name = "localhost";
    o.ca_file = paths_.back().c_str();
    o.handshake_timeout_ms = 5000;
    if (dir != nullptr) {
      paths_.push_back(dir_->file(std::string(dir) + "/client.crt"));
      o.client_cert_file = paths_.back().c_str();
      paths_.push_back(dir_->file(std::string(dir) + "/client.key"));
      o.client_key_file = paths_.back().c_str();
    }
    return o;
  }

  static test::TempDir* dir_;
  static test::ReceiverProcess* receiver_;
  std::deque<std::string> paths_;  // a deque: c_str() pointers into it stay valid as it grows
};

test::TempDir* MtlsTest::dir_ = nullptr;
test::ReceiverProcess* MtlsTest::receiver_ = nullptr;

TEST_F(MtlsTest, ClientCertificateFromFilesIsAccepted) {
  const Result r = attempt(receiver_->port(), options());
  EXPECT_EQ(r.init, Status::kOk) << r.reason;
  EXPECT_EQ(r.handshake, Status::kOk) << r.reason;
  EXPECT_TRUE(receiver_->wait_for_log("client certificate CN=tracelet-client")) << receiver_->log();
}

TEST_F(MtlsTest, NoClientCertificateIsRefusedWithAClearReasonOnBothSides) {
  const Result r = attempt(receiver_->port(), options(nullptr));
  EXPECT_EQ(r.init, Status::kOk) << r.reason;
  EXPECT_EQ(r.handshake, Status::kDataLoss) << r.reason;
  EXPECT_TRUE(contains(r.reason, "the server requires a client certificate (mutual TLS) and none is configured"))
      << r.reason;
  std::printf("client says: %s\n", r.reason.c_str());
  EXPECT_TRUE(receiver_->wait_for_log("client certificate required (--client-ca) but none sent"))
      << receiver_->log();
}

TEST_F(MtlsTest, ClientCertificateFromAnotherCaIsRefused) {
  const Result r = attempt(receiver_->port(), options("other"));
  EXPECT_EQ(r.init, Status::kOk) << r.reason;
  EXPECT_EQ(r.handshake, Status::kDataLoss) << r.reason;
  EXPECT_TRUE(contains(r.reason, "the server refused our client certificate (alert ")) << r.reason;
  std::printf("client says: %s\n", r.reason.c_str());
  EXPECT_TRUE(receiver_->wait_for_log("client certificate refused")) << receiver_->log();
  EXPECT_TRUE(contains(receiver_->log(), "not correctly signed by the trusted CA")) << receiver_->log();
}

TEST_F(MtlsTest, ClientCertificateAndKeyFromMemoryAsPemOrDer) {
  const std::string cert_pem = test::read_file(dir_->file("pki/client.crt"));
  const std::string key_pem = test::read_file(dir_->file("pki/client.key"));
  ASSERT_FALSE(cert_pem.empty());
  ASSERT_FALSE(key_pem.empty());
  TlsOptions o = options(nullptr);
  // PEM, with the NUL terminator counted (as sizeof on a string literal would).
  o.client_cert_data = reinterpret_cast<const std::uint8_t*>(cert_pem.c_str());
  o.client_cert_size = cert_pem.size() + 1;
  o.client_key_data = reinterpret_cast<const std::uint8_t*>(key_pem.c_str());
  o.client_key_size = key_pem.size() + 1;
  Result r = attempt(receiver_->port(), o);
  EXPECT_EQ(r.handshake, Status::kOk) << r.reason;

  // DER: the same certificate and key re-encoded.
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  ASSERT_EQ(mbedtls_x509_crt_parse(&crt, reinterpret_cast<const unsigned char*>(cert_pem.c_str()),
                                   cert_pem.size() + 1), 0);
  const std::vector<std::uint8_t> cert_der(crt.raw.p, crt.raw.p + crt.raw.len);
  mbedtls_x509_crt_free(&crt);
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  ASSERT_EQ(mbedtls_pk_parse_key(&pk, reinterpret_cast<const unsigned char*>(key_pem.c_str()),
                                 key_pem.size() + 1, nullptr, 0), 0);
  unsigned char buf[1024];
  const int n = mbedtls_pk_write_key_der(&pk, buf, sizeof buf);  // written at the end of buf
  mbedtls_pk_free(&pk);
  ASSERT_GT(n, 0);
  const std::vector<std::uint8_t> key_der(buf + sizeof buf - n, buf + sizeof buf);
  o.client_cert_data = cert_der.data();
  o.client_cert_size = cert_der.size();
  o.client_key_data = key_der.data();
  o.client_key_size = key_der.size();
  r = attempt(receiver_->port(), o);
  EXPECT_EQ(r.handshake, Status::kOk) << r.reason;

  // PEM without its NUL: refused up front, saying so.
  o.client_cert_data = reinterpret_cast<const std::uint8_t*>(cert_pem.data());
  o.client_cert_size = cert_pem.size();
  r = attempt(receiver_->port(), o);
  EXPECT_EQ(r.init, Status::kInvalidArgument);
  EXPECT_TRUE(contains(r.reason, "client certificate: PEM buffer must include its NUL terminator in client_cert_size"))
      << r.reason;
}

TEST_F(MtlsTest, BadClientIdentityIsAnInitErrorNamingWhatFailedNeverTheKey) {
  const std::string key_pem = test::read_file(dir_->file("pki/client.key"));
  // The base64 body of the key: must never appear in a reason.
  const std::string key_body = key_pem.substr(key_pem.find('\n') + 1, 40);
  auto check = [&](TlsOptions o, const std::string& expected) {
    const Result r = attempt(receiver_->port(), o);
    EXPECT_EQ(r.init, Status::kInvalidArgument) << expected;
    EXPECT_TRUE(contains(r.reason, expected)) << "expected: " << expected << "\n     got: " << r.reason;
    EXPECT_FALSE(contains(r.reason, key_body)) << r.reason;
    EXPECT_FALSE(contains(r.reason, "PRIVATE KEY-----")) << r.reason;
  };

  TlsOptions o = options();
  o.client_key_file = nullptr;
  check(o, "client key: a client certificate was given without its private key");

  o = options();
  o.client_cert_file = nullptr;
  check(o, "client certificate: a client private key was given without its certificate");

  o = options();
  const std::string missing = dir_->file("pki/missing.key");
  o.client_key_file = missing.c_str();
  check(o, "client key: cannot load '" + missing + "': PK - Read/write of file failed");

  o = options();
  const std::string missing_cert = dir_->file("pki/missing.crt");
  o.client_cert_file = missing_cert.c_str();
  check(o, "client certificate: cannot load '" + missing_cert + "'");

  o = options();  // the server's key is not the client certificate's
  const std::string wrong = dir_->file("pki/server.key");
  o.client_key_file = wrong.c_str();
  check(o, "client key: the key is not the private key of the client certificate");

  o = options();  // not a key at all: a certificate given as the key
  const std::string not_a_key = dir_->file("pki/client.crt");
  o.client_key_file = not_a_key.c_str();
  check(o, "client key: cannot load '" + not_a_key + "'");

  // An encrypted (password-protected) key.
  const std::string encrypted = dir_->file("encrypted.key");
  std::string err;
  ASSERT_EQ(test::run_to_completion({"openssl", "ec", "-in", dir_->file("pki/client.key"), "-aes256",
                                     "-passout", "pass:secret", "-out", encrypted},
                                    30000, err),
            0)
      << err;
  o = options();
  o.client_key_file = encrypted.c_str();
  check(o, "client key: cannot load '" + encrypted + "': the key is encrypted (password-protected)");
}

TEST_F(MtlsTest, ReceiverRefusesClientCaWithoutTlsAndAnUnreadableOne) {
  auto run = [](std::vector<std::string> args, std::string& err) {
    std::vector<std::string> argv = test::receiver_command();
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run_to_completion(argv, 10000, err);
  };
  std::string err;
  EXPECT_EQ(run({"--plain", "--client-ca", dir_->file("pki/ca.crt")}, err), 2);
  EXPECT_TRUE(contains(err, "--client-ca needs TLS")) << err;
  EXPECT_EQ(run({"--certs", dir_->file("pki"), "--listen", "0.0.0.0"}, err), 2);
  EXPECT_TRUE(contains(err, "is not 127.0.0.1 or ::1")) << err;
  EXPECT_EQ(run({"--certs", dir_->file("pki"), "--client-ca", dir_->file("pki/none.crt"), "--port", "0"}, err), 1);
  EXPECT_TRUE(contains(err, "cannot read " + dir_->file("pki/none.crt"))) << err;
  EXPECT_EQ(run({"--help"}, err), 0);
}

// ---- the exporter, configured from the environment -------------------------------------------

struct Env {
  std::map<std::string, std::string> vars;
  static const char* lookup(void* ctx, const char* name) {
    auto* self = static_cast<Env*>(ctx);
    auto it = self->vars.find(name);
    return it == self->vars.end() ? nullptr : it->second.c_str();
  }
};

class MtlsExporter : public MtlsTest {
 protected:
  void SetUp() override {
    MtlsTest::SetUp();
    env_.vars["OTEL_EXPORTER_OTLP_ENDPOINT"] = "https://127.0.0.1:" + std::to_string(receiver_->port());
    env_.vars["OTEL_EXPORTER_OTLP_CERTIFICATE"] = dir_->file("pki/ca.crt");
    env_.vars["OTEL_BSP_SCHEDULE_DELAY"] = "10";
  }
  void TearDown() override { (void)exporter_.shutdown(1); }

  void start() {
    Options options;
    options.service_name = "mtls-device";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    config_.timeout_ms = 3000;
    config_.initial_backoff_ms = 50;
    config_.max_backoff_ms = 200;
    config_.log = &test::LogCapture::sink;
    config_.log_ctx = &log_;
    EXPECT_EQ(load_env_config(settings_, config_, options, &test::LogCapture::sink, &log_, &Env::lookup, &env_), 0u)
        << log_.all();
    ASSERT_EQ(tracer_.init(options), Status::kOk);
    connector_.configure(config_);
    ASSERT_EQ(exporter_.init(tracer_, config_, connector_.connector()), Status::kOk);
  }
  std::vector<std::string> record(int n) {
    std::vector<std::string> names;
    for (int i = 0; i < n; ++i) {
      static int serial = 0;  // names unique across tests: the receiver is shared
      names.push_back("mtls-" + std::to_string(++serial));
      auto span = tracer_.start_span(names.back());
      span.end();
    }
    return names;
  }
  std::size_t received(const std::vector<std::string>& names) const {
    std::size_t n = 0;
    for (const std::string& line : receiver_->jsonl_lines()) {
      for (const std::string& name : names) {
        if (contains(line, "\"name\":\"" + name + "\"")) ++n;
      }
    }
    return n;
  }

  Env env_;
  EnvSettings settings_;
  alignas(8) std::uint8_t memory_[32 * 1024];
  Tracer tracer_;
  ExporterConfig config_;
  NetConnector connector_;
  Exporter exporter_;
  test::LogCapture log_;
};

TEST_F(MtlsExporter, ClientCertificateFromTheEnvironmentDeliversSpans) {
  env_.vars["OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"] = dir_->file("pki/client.crt");
  env_.vars["OTEL_EXPORTER_OTLP_CLIENT_KEY"] = dir_->file("pki/client.key");
  start();
  const std::vector<std::string> names = record(5);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  EXPECT_EQ(exporter_.counters().spans_exported, 5u);
  EXPECT_EQ(received(names), 5u) << log_.all();
}

TEST_F(MtlsExporter, WithoutAClientCertificateSpansStayAndTheLogSaysWhy) {
  start();
  const std::vector<std::string> names = record(4);
  EXPECT_EQ(exporter_.flush(500), Status::kTimeout);
  EXPECT_EQ(exporter_.pending_spans(), 4u);
  EXPECT_GE(exporter_.counters().connect_failures, 1u);
  EXPECT_TRUE(log_.contains("the server requires a client certificate (mutual TLS) and none is configured"))
      << log_.all();
  EXPECT_TRUE(log_.contains("4 spans stay buffered")) << log_.all();
  EXPECT_FALSE(log_.contains("data-loss")) << log_.all();
  std::printf("what the device logs: %s\n", log_.empty() ? "" : log_.lines()[0].text.c_str());
  EXPECT_EQ(received(names), 0u);
}

TEST_F(MtlsExporter, UnloadableKeyIsOneConfigurationErrorAndSpansStay) {
  env_.vars["OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE"] = dir_->file("pki/client.crt");
  env_.vars["OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY"] = dir_->file("pki/server.key");  // not its key
  start();
  record(2);
  EXPECT_EQ(exporter_.flush(500), Status::kTimeout);
  EXPECT_EQ(exporter_.pending_spans(), 2u);
  std::size_t config_errors = 0;
  for (const auto& l : log_.lines()) config_errors += contains(l.text, "configuration error") ? 1 : 0;
  EXPECT_EQ(config_errors, 1u) << log_.all();
  EXPECT_TRUE(log_.contains("client key: the key is not the private key of the client certificate")) << log_.all();
}

}  // namespace
}  // namespace tracelet
