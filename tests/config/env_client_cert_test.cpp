// OTEL_EXPORTER_OTLP_[TRACES_]CLIENT_CERTIFICATE / _CLIENT_KEY (mutual TLS) as load_env_config
// reads them: precedence, what is kept, what is logged (paths, never key contents) and the
// malformed and missing forms. An injected lookup; the real environment is never touched.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tracelet/env_config.h"
#include "support/log_capture.h"

namespace tracelet {
namespace {

struct FakeEnv {
  std::map<std::string, std::string> vars;
  static const char* lookup(void* ctx, const char* name) {
    auto* self = static_cast<FakeEnv*>(ctx);
    auto it = self->vars.find(name);
    return it == self->vars.end() ? nullptr : it->second.c_str();
  }
};

// The key's "contents" in these tests: a marker that must never appear in a log line.
constexpr char kSecretKeyText[] =
    "-----BEGIN EC PRIVATE KEY-----\nSECRET-KEY-MATERIAL-DO-NOT-LOG\n-----END EC PRIVATE KEY-----\n";

class EnvClientCertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    dir_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/tracelet-env-mtls-" + std::to_string(getpid());
    ASSERT_EQ(mkdir(dir_.c_str(), 0700) == 0 || errno == EEXIST, true);
  }
  void TearDown() override {
    for (const std::string& f : files_) std::remove(f.c_str());
    rmdir((dir_ + "/a-directory").c_str());
    rmdir(dir_.c_str());
  }
  std::string file(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr) << path;
    if (f != nullptr) {
      std::fwrite(content.data(), 1, content.size(), f);
      std::fclose(f);
    }
    files_.push_back(path);
    return path;
  }
  std::size_t load() {
    return load_env_config(*storage_, exporter, tracer_, &test::LogCapture::sink, &logs, &FakeEnv::lookup, &env);
  }
  void set(const std::string& name, const std::string& value) { env.vars[name] = value; }

  FakeEnv env;
  test::LogCapture logs;
  ExporterConfig exporter;
  std::string dir_;

 private:
  std::unique_ptr<EnvSettings> storage_ = std::make_unique<EnvSettings>();
  Options tracer_;
  std::vector<std::string> files_;
};

TEST_F(EnvClientCertTest, GenericPairIsReadAsPathsWithoutALogLine) {
  const std::string cert = file("client.crt", "-----BEGIN CERTIFICATE-----\n");
  const std::string key = file("client.key", kSecretKeyText);
  set("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", cert);
  set("OTEL_EXPORTER_OTLP_CLIENT_KEY", key);
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_TRUE(logs.empty()) << logs.all();
  ASSERT_NE(exporter.client_cert_file, nullptr);
  ASSERT_NE(exporter.client_key_file, nullptr);
  EXPECT_EQ(exporter.client_cert_file, cert);
  EXPECT_EQ(exporter.client_key_file, key);
}

TEST_F(EnvClientCertTest, TracesFormsWinEachOnItsOwn) {
  const std::string generic_cert = file("generic.crt", "c");
  const std::string generic_key = file("generic.key", kSecretKeyText);
  const std::string traces_cert = file("traces.crt", "c");
  const std::string traces_key = file("traces.key", kSecretKeyText);
  set("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", generic_cert);
  set("OTEL_EXPORTER_OTLP_CLIENT_KEY", generic_key);
  set("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", traces_cert);
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_EQ(exporter.client_cert_file, traces_cert);
  EXPECT_EQ(exporter.client_key_file, generic_key);  // no TRACES_ key: the generic one applies

  set("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", traces_key);
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_EQ(exporter.client_cert_file, traces_cert);
  EXPECT_EQ(exporter.client_key_file, traces_key);
}

TEST_F(EnvClientCertTest, EmptyValuesCountAsUnsetAndKeepWhatCodeSet) {
  static const std::uint8_t kCert[] = "in-flash cert";
  static const std::uint8_t kKey[] = "in-flash key";
  exporter.client_cert_data = kCert;
  exporter.client_cert_size = sizeof kCert;
  exporter.client_key_data = kKey;
  exporter.client_key_size = sizeof kKey;
  set("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "");
  set("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "");
  EXPECT_EQ(load(), 0u);
  EXPECT_TRUE(logs.empty()) << logs.all();
  EXPECT_EQ(exporter.client_cert_data, kCert);
  EXPECT_EQ(exporter.client_key_data, kKey);
  EXPECT_EQ(exporter.client_cert_file, nullptr);
  EXPECT_EQ(exporter.client_key_file, nullptr);
}

TEST_F(EnvClientCertTest, MissingFilesAreErrorsNamingVariableAndPathNeverKeyContents) {
  const std::string key = file("client.key", kSecretKeyText);
  set("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", dir_ + "/no-such.crt");
  set("OTEL_EXPORTER_OTLP_CLIENT_KEY", key);
  EXPECT_EQ(load(), 1u) << logs.all();
  EXPECT_TRUE(logs.contains(LogLevel::kError, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE=\"" + dir_ +
                                             "/no-such.crt\": cannot read the client certificate file "
                                             "(No such file or directory)"))
      << logs.all();
  EXPECT_EQ(exporter.client_cert_file, dir_ + "/no-such.crt");  // kept: the connector refuses too
  EXPECT_FALSE(logs.contains("SECRET-KEY-MATERIAL")) << logs.all();

  logs.clear();
  set("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", file("client.crt", "c"));
  set("OTEL_EXPORTER_OTLP_CLIENT_KEY", dir_ + "/no-such.key");
  EXPECT_EQ(load(), 1u) << logs.all();
  EXPECT_TRUE(logs.contains(LogLevel::kError, "OTEL_EXPORTER_OTLP_CLIENT_KEY=\"" + dir_ +
                                             "/no-such.key\": cannot read the client key file"))
      << logs.all();
}

TEST_F(EnvClientCertTest, UnreadableDirectoryAndEmptyFilesAreErrors) {
  ASSERT_EQ(mkdir((dir_ + "/a-directory").c_str(), 0700), 0);
  set("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", dir_ + "/a-directory");
  set("OTEL_EXPORTER_OTLP_CLIENT_KEY", file("empty.key", ""));
  EXPECT_EQ(load(), 2u) << logs.all();
  EXPECT_TRUE(logs.contains(LogLevel::kError, "cannot read the client certificate file (Is a directory)"))
      << logs.all();
  EXPECT_TRUE(logs.contains(LogLevel::kError, "cannot read the client key file (the file is empty)"))
      << logs.all();

  if (geteuid() != 0) {  // root reads any file, so the permission case only holds for others
    logs.clear();
    const std::string key = file("private.key", kSecretKeyText);
    ASSERT_EQ(chmod(key.c_str(), 0), 0);
    set("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", file("client.crt", "c"));
    set("OTEL_EXPORTER_OTLP_CLIENT_KEY", key);
    EXPECT_EQ(load(), 1u) << logs.all();
    EXPECT_TRUE(logs.contains(LogLevel::kError, "(Permission denied)")) << logs.all();
  }
}

TEST_F(EnvClientCertTest, OneWithoutTheOtherIsAnErrorNamingBoth) {
  set("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", file("client.crt", "c"));
  EXPECT_EQ(load(), 1u) << logs.all();
  EXPECT_TRUE(logs.contains(LogLevel::kError, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is set but "
                                         "OTEL_EXPORTER_OTLP_CLIENT_KEY"))
      << logs.all();
  EXPECT_NE(exporter.client_cert_file, nullptr);  // kept, so the connector refuses loudly
  EXPECT_EQ(exporter.client_key_file, nullptr);

  EnvClientCertTest::TearDown();
  logs.clear();
  env.vars.clear();
  exporter = ExporterConfig{};
  EnvClientCertTest::SetUp();
  set("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", file("client.key", kSecretKeyText));
  EXPECT_EQ(load(), 1u) << logs.all();
  EXPECT_TRUE(logs.contains(LogLevel::kError, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY is set but "
                                         "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"))
      << logs.all();
  EXPECT_FALSE(logs.contains("SECRET-KEY-MATERIAL")) << logs.all();
}

TEST_F(EnvClientCertTest, AKeySetInCodeCompletesACertificateFromTheEnvironment) {
  static const std::uint8_t kKey[] = "in-flash key";
  exporter.client_key_data = kKey;
  exporter.client_key_size = sizeof kKey;
  set("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", file("client.crt", "c"));
  EXPECT_EQ(load(), 0u) << logs.all();
  EXPECT_EQ(exporter.client_key_data, kKey);
}

TEST_F(EnvClientCertTest, TooLongPathIsReportedAndNothingIsSet) {
  set("OTEL_EXPORTER_OTLP_CLIENT_KEY", std::string(TRACELET_ENV_TEXT_BYTES + 10, 'k'));
  set("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", file("client.crt", "c"));
  EXPECT_EQ(load(), 2u) << logs.all();  // too long, then the certificate without its key
  EXPECT_TRUE(logs.contains(LogLevel::kError, "OTEL_EXPORTER_OTLP_CLIENT_KEY is too long")) << logs.all();
  EXPECT_EQ(exporter.client_key_file, nullptr);
  EXPECT_TRUE(logs.contains(LogLevel::kError, "is set but OTEL_EXPORTER_OTLP_CLIENT_KEY")) << logs.all();
}

}  // namespace
}  // namespace tracelet
