#pragma once
// The set-up shared by the tests that export over TLS to a server they start: a fresh
// directory with a test CA in pki/, a tracer on `ring_bytes` of memory, and an ExporterConfig
// that trusts the CA, retries quickly and logs into `log_`. The exporter, its connector and
// the server stay in the test fixture, declared after these members' users so that they are
// torn down first.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "support/log_capture.h"
#include "support/process.h"
#include "support/receiver_process.h"
#include "tracelet/exporter_config.h"
#include "tracelet/tracelet.h"

namespace tracelet::test {

class TlsExportTest : public ::testing::Test {
 protected:
  void set_up(const char* service_name, std::size_t ring_bytes, std::uint32_t timeout_ms,
              std::uint32_t max_backoff_ms) {
    dir_ = std::make_unique<TempDir>();
    ASSERT_EQ(make_test_ca(dir_->file("pki")), "");
    memory_ = std::make_unique<std::uint64_t[]>(ring_bytes / sizeof(std::uint64_t));
    Options options;
    options.service_name = service_name;
    options.ring_memory = ByteSpan{reinterpret_cast<std::uint8_t*>(memory_.get()), ring_bytes};
    ASSERT_EQ(tracer_.init(options), Status::kOk);
    ca_file_ = dir_->file("pki/ca.crt");
    config_.ca_file = ca_file_.c_str();
    config_.timeout_ms = timeout_ms;
    config_.schedule_delay_ms = 10;
    config_.initial_backoff_ms = 50;
    config_.max_backoff_ms = max_backoff_ms;
    config_.log = &LogCapture::sink;
    config_.log_ctx = &log_;
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<std::uint64_t[]> memory_;  // the ring's memory, 8-byte aligned
  Tracer tracer_;
  ExporterConfig config_;
  std::string ca_file_;
  LogCapture log_;
};

}  // namespace tracelet::test
