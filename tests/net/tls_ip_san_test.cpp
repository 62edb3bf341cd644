// Servers reached by IP address: TlsClient matches the address against the certificate's
// iPAddress subjectAltName entries (Mbed TLS 2.28 compares DNS names only). Real handshakes on
// 127.0.0.1 and ::1 against tracelet-receiver processes the tests start and stop by PID, with
// certificates made at test time: a CA by `tracelet-receiver --make-ca`, leaf certificates with
// the exact names each case needs by the openssl command line, signed by that CA.
#include <gtest/gtest.h>
#include <mbedtls/x509_crt.h>

#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "support/json_lite.h"
#include "support/process.h"
#include "support/receiver_process.h"
#include "support/log_capture.h"
#include "tracelet/exporter.h"
#include "tracelet/net_connector.h"
#include "tracelet/net_port.h"
#include "tracelet/tls.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

// A leaf certificate signed by the test CA, with `san` as its subjectAltName (openssl syntax,
// e.g. "IP:127.0.0.1,DNS:x.example"). Returns "" or openssl's complaint.
std::string make_leaf(const std::string& ca_dir, const std::string& out_dir, const std::string& name,
                      const std::string& cn, const std::string& san, int serial) {
  const std::string base = out_dir + "/" + name;
  {
    std::FILE* f = std::fopen((base + ".ext").c_str(), "w");
    if (f == nullptr) return "cannot write " + base + ".ext";
    std::fprintf(f, "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                    "extendedKeyUsage=serverAuth\nsubjectAltName=%s\n", san.c_str());
    std::fclose(f);
  }
  std::string err;
  int rc = test::run_to_completion(
      {"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", base + ".key", "-subj", "/CN=" + cn + "/O=tracelet test", "-out", base + ".csr"},
      30000, err);
  if (rc != 0) return "openssl req: " + err;
  rc = test::run_to_completion(
      {"openssl", "x509", "-req", "-in", base + ".csr", "-CA", ca_dir + "/ca.crt", "-CAkey",
       ca_dir + "/ca.key", "-set_serial", std::to_string(serial), "-days", "2", "-sha256",
       "-extfile", base + ".ext", "-out", base + ".crt"},
      30000, err);
  if (rc != 0) return "openssl x509: " + err;
  return "";
}

struct Handshake {
  Status status = Status::kFailedPrecondition;
  std::uint32_t flags = 0;
  std::string reason;
};

// init + TCP connect to host:port + handshake, verifying the server as `server_name`.
Handshake connect(const std::string& host, std::uint16_t port, const std::string& server_name,
                  const std::string& ca_file) {
  Handshake out;
  TlsClient tls;
  TlsOptions o;
  o.server_name = server_name.c_str();
  o.ca_file = ca_file.c_str();
  o.handshake_timeout_ms = 5000;
  char reason[512];
  out.status = tls.init(o);
  if (out.status != Status::kOk) {
    out.reason = tls.describe_error(reason, sizeof reason);
    return out;
  }
  port::TcpConnection tcp{};
  out.status = port::tcp_connect(&tcp, host.c_str(), port, 3000);
  if (out.status != Status::kOk) {
    out.reason = "tcp connect to " + host + " failed";
    return out;
  }
  out.status = tls.handshake(port::tcp_transport(&tcp));
  out.flags = tls.verify_flags();
  out.reason = tls.describe_error(reason, sizeof reason);
  tls.close();
  port::tcp_close(&tcp);
  return out;
}

class TlsIpSanTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ASSERT_EQ(test::make_test_ca(dir_->file("pki")), "");
    ASSERT_EQ(test::make_test_ca(dir_->file("other")), "");
    const std::string pki = dir_->file("pki");
    ASSERT_EQ(make_leaf(pki, dir_->path(), "v4", "ip4", "IP:127.0.0.1", 11), "");
    ASSERT_EQ(make_leaf(pki, dir_->path(), "v6", "ip6", "IP:::1", 12), "");
    // An address nearby, plus the right address spelled as a DNS name, which must not count.
    ASSERT_EQ(make_leaf(pki, dir_->path(), "otherip", "127.0.0.1", "IP:10.9.8.7,DNS:127.0.0.1,IP:::2", 13), "");
    ASSERT_EQ(make_leaf(pki, dir_->path(), "dnsonly", "collector.example", "DNS:collector.example", 14), "");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // A receiver serving `cert` on 127.0.0.1 or ::1.
  std::unique_ptr<test::ReceiverProcess> serve(const std::string& cert, bool v6) {
    auto r = std::make_unique<test::ReceiverProcess>();
    std::vector<std::string> args = {"--cert", dir_->file(cert + ".crt"), "--key", dir_->file(cert + ".key"),
                                     "--quiet"};
    if (v6) {
      args.push_back("--listen");
      args.push_back("::1");
    }
    std::string error;
    EXPECT_TRUE(r->start(dir_->path(), args, error)) << error;  // files get unique names
    return r;
  }
  static std::string ca() { return dir_->file("pki/ca.crt"); }

  static test::TempDir* dir_;
};

test::TempDir* TlsIpSanTest::dir_ = nullptr;

TEST_F(TlsIpSanTest, Ipv4AddressInIpSanVerifies) {
  auto r = serve("v4", false);
  const Handshake h = connect("127.0.0.1", r->port(), "127.0.0.1", ca());
  EXPECT_EQ(h.status, Status::kOk) << h.reason;
  EXPECT_EQ(h.flags, 0u);
  EXPECT_EQ(r->stop(), 0);
}

TEST_F(TlsIpSanTest, Ipv6AddressInIpSanVerifies) {
  auto r = serve("v6", true);
  const Handshake h = connect("::1", r->port(), "::1", ca());
  EXPECT_EQ(h.status, Status::kOk) << h.reason;
  EXPECT_EQ(h.flags, 0u);
  // Other spellings of the same address parse to the same 16 bytes.
  for (const char* name : {"0:0:0:0:0:0:0:1", "0000::0001"}) {
    const Handshake again = connect("::1", r->port(), name, ca());
    EXPECT_EQ(again.status, Status::kOk) << name << ": " << again.reason;
  }
  EXPECT_EQ(r->stop(), 0);
}

TEST_F(TlsIpSanTest, CertificateForAnotherAddressIsRefusedWithTheNamesItCarries) {
  auto r = serve("otherip", false);
  const Handshake h = connect("127.0.0.1", r->port(), "127.0.0.1", ca());
  EXPECT_EQ(h.status, Status::kDataLoss) << h.reason;
  EXPECT_TRUE(h.flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) << h.flags;
  EXPECT_NE(h.reason.find("certificate has no IP address 127.0.0.1 in its subjectAltName (it names: "
                          "IP:10.9.8.7, DNS:127.0.0.1, IP:::2)"),
            std::string::npos)
      << h.reason;
  // Only the name check failed: no chain complaint, and not Mbed TLS's CN sentence.
  EXPECT_EQ(h.reason.find("Common Name"), std::string::npos) << h.reason;
  EXPECT_EQ(h.reason.find("trusted CA"), std::string::npos) << h.reason;
  std::printf("refused: %s\n", h.reason.c_str());
  EXPECT_EQ(r->stop(), 0);
}

TEST_F(TlsIpSanTest, Ipv6MismatchIsRefused) {
  auto r = serve("v4", true);  // IP:127.0.0.1 only, served on ::1
  const Handshake h = connect("::1", r->port(), "::1", ca());
  EXPECT_EQ(h.status, Status::kDataLoss) << h.reason;
  EXPECT_NE(h.reason.find("certificate has no IP address ::1 in its subjectAltName (it names: IP:127.0.0.1)"),
            std::string::npos)
      << h.reason;
  EXPECT_EQ(r->stop(), 0);
}

TEST_F(TlsIpSanTest, DnsOnlyCertificateReachedByAddressIsRefused) {
  auto r = serve("dnsonly", false);
  const Handshake h = connect("127.0.0.1", r->port(), "127.0.0.1", ca());
  EXPECT_EQ(h.status, Status::kDataLoss) << h.reason;
  EXPECT_NE(h.reason.find("certificate has no IP address 127.0.0.1 in its subjectAltName (it names: "
                          "DNS:collector.example)"),
            std::string::npos)
      << h.reason;
  // The same server verified by its DNS name still works (the DNS check is unchanged) ...
  const Handshake by_name = connect("127.0.0.1", r->port(), "collector.example", ca());
  EXPECT_EQ(by_name.status, Status::kOk) << by_name.reason;
  // ... and a wrong DNS name is still Mbed TLS's CN mismatch.
  const Handshake wrong = connect("127.0.0.1", r->port(), "other.example", ca());
  EXPECT_EQ(wrong.status, Status::kDataLoss);
  EXPECT_NE(wrong.reason.find("Common Name"), std::string::npos) << wrong.reason;
  EXPECT_EQ(r->stop(), 0);
}

TEST_F(TlsIpSanTest, AddressMatchDoesNotExcuseAnUntrustedChain) {
  auto r = serve("v4", false);
  const Handshake h = connect("127.0.0.1", r->port(), "127.0.0.1", dir_->file("other/ca.crt"));
  EXPECT_EQ(h.status, Status::kDataLoss) << h.reason;
  EXPECT_TRUE(h.flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) << h.flags;
  EXPECT_FALSE(h.flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) << h.flags;  // the address did match
  EXPECT_NE(h.reason.find("not correctly signed by the trusted CA"), std::string::npos) << h.reason;
  EXPECT_EQ(r->stop(), 0);
}

TEST_F(TlsIpSanTest, BothFailuresAreReportedTogether) {
  auto r = serve("dnsonly", false);
  const Handshake h = connect("127.0.0.1", r->port(), "127.0.0.1", dir_->file("other/ca.crt"));
  EXPECT_EQ(h.status, Status::kDataLoss);
  EXPECT_NE(h.reason.find("certificate has no IP address 127.0.0.1"), std::string::npos) << h.reason;
  EXPECT_NE(h.reason.find("not correctly signed by the trusted CA"), std::string::npos) << h.reason;
  EXPECT_EQ(r->stop(), 0);
}

TEST_F(TlsIpSanTest, NotAnAddressMeansADnsCheck) {
  // Near-addresses are host names to Mbed TLS: its CN/DNS check applies, and the IP-only
  // certificate names none of them.
  auto r = serve("v4", false);
  for (const char* name : {"127.0.0.01", "127.0.0", "127.0.0.1.", "::1%lo", "[::1]", "1::2::3"}) {
    const Handshake h = connect("127.0.0.1", r->port(), name, ca());
    EXPECT_EQ(h.status, Status::kDataLoss) << name;
    EXPECT_EQ(h.reason.find("certificate has no IP address"), std::string::npos) << name << ": " << h.reason;
  }
  EXPECT_EQ(r->stop(), 0);
}

// ---- the exporter, by address, over IPv6 -----------------------------------------------------

class ExporterByAddress : public TlsIpSanTest {
 protected:
  void SetUp() override {
    Options options;
    options.service_name = "ip-device";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    ASSERT_EQ(tracer_.init(options), Status::kOk);
    ca_ = ca();
    config_.ca_file = ca_.c_str();
    config_.timeout_ms = 3000;
    config_.schedule_delay_ms = 10;
    config_.initial_backoff_ms = 50;
    config_.max_backoff_ms = 200;
    config_.log = &test::LogCapture::sink;
    config_.log_ctx = &log_;
  }
  void TearDown() override { (void)exporter_.shutdown(1); }
  void start(const std::string& endpoint) {
    endpoint_ = endpoint;
    config_.endpoint = endpoint_.c_str();
    connector_.configure(config_);
    ASSERT_EQ(exporter_.init(tracer_, config_, connector_.connector()), Status::kOk);
  }
  void record(int n) {
    for (int i = 0; i < n; ++i) {
      auto span = tracer_.start_span("by-address");
      span.end();
    }
  }

  alignas(8) std::uint8_t memory_[32 * 1024];
  Tracer tracer_;
  ExporterConfig config_;
  std::string ca_;
  std::string endpoint_;
  NetConnector connector_;
  Exporter exporter_;
  test::LogCapture log_;
};

TEST_F(ExporterByAddress, Ipv6EndpointDeliversWhenTheCertificateNamesTheAddress) {
  auto r = serve("v6", true);
  start("https://[::1]:" + std::to_string(r->port()) + "/v1/traces");
  record(4);
  ASSERT_EQ(exporter_.flush(10000), Status::kOk) << log_.all();
  EXPECT_EQ(exporter_.counters().spans_exported, 4u);
  EXPECT_EQ(r->jsonl_lines().size(), 4u);
  EXPECT_EQ(r->stop(), 0);
}

TEST_F(ExporterByAddress, RefusedCertificateKeepsSpansAndTheLogSaysWhyWithoutDataLossWording) {
  auto r = serve("dnsonly", false);
  start("https://127.0.0.1:" + std::to_string(r->port()) + "/v1/traces");
  record(3);
  EXPECT_EQ(exporter_.flush(500), Status::kTimeout);
  EXPECT_EQ(exporter_.pending_spans(), 3u);
  ASSERT_FALSE(log_.empty());
  const std::string line = log_.lines()[0].text;
  std::printf("what the device logs: %s\n", line.c_str());
  EXPECT_NE(line.find("certificate has no IP address 127.0.0.1 in its subjectAltName (it names: "
                      "DNS:collector.example)"),
            std::string::npos)
      << log_.all();
  EXPECT_NE(line.find("3 spans stay buffered"), std::string::npos) << line;
  for (const char* wording : {"data-loss", "data loss", "DataLoss", "lost"}) {
    EXPECT_EQ(line.find(wording), std::string::npos) << wording << " in: " << line;
  }
  EXPECT_TRUE(r->jsonl_lines().empty());
  EXPECT_EQ(r->stop(), 0);
}

}  // namespace
}  // namespace tracelet
