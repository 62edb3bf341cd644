// A build without tracelet::gzip (as on firmware: no zlib linked) asked for gzip: the
// exporter says so once at init and sends identity bodies with Content-Length.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tracelet/exporter.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

struct Peer {
  std::string bytes;
  std::string answer;
  bool open = false;
  static std::int32_t send(void* ctx, const std::uint8_t* data, std::size_t len) {
    auto* self = static_cast<Peer*>(ctx);
    self->bytes.append(reinterpret_cast<const char*>(data), len);
    // One request per test: answer once its head and Content-Length body are in.
    const std::size_t head = self->bytes.find("\r\n\r\n");
    const std::size_t at = self->bytes.find("Content-Length: ");
    if (head != std::string::npos && at != std::string::npos && self->answer.empty() &&
        self->bytes.size() >= head + 4 + std::stoul(self->bytes.substr(at + 16))) {
      self->answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    }
    return static_cast<std::int32_t>(len);
  }
  static std::int32_t recv(void* ctx, std::uint8_t* data, std::size_t cap, std::uint32_t) {
    auto* self = static_cast<Peer*>(ctx);
    const std::size_t n = self->answer.size() < cap ? self->answer.size() : cap;
    self->answer.copy(reinterpret_cast<char*>(data), n);
    self->answer.erase(0, n);
    return static_cast<std::int32_t>(n);
  }
  static Status open_cb(void* ctx, const char*, std::uint16_t, bool, std::uint32_t, Transport* out,
                        char*, std::size_t) {
    out->ctx = ctx;
    out->send = &send;
    out->recv = &recv;
    return Status::kOk;
  }
  static void close_cb(void*) {}
};

TEST(GzipFallback, WithoutACompressorInitLogsOnceAndBodiesGoUncompressed) {
  alignas(8) static std::uint8_t memory[16 * 1024];
  Tracer tracer;
  Options options;
  options.service_name = "firmware-like";
  options.ring_memory = ByteSpan{memory, sizeof memory};
  ASSERT_EQ(tracer.init(options), Status::kOk);
  std::vector<std::string> logs;
  ExporterConfig config;
  config.endpoint = "https://collector.test/v1/traces";
  config.compression = Compression::kGzip;
  config.log = [](void* ctx, LogLevel, const char* line) {
    static_cast<std::vector<std::string>*>(ctx)->emplace_back(line);
  };
  config.log_ctx = &logs;
  Peer peer;
  Exporter exporter;
  ASSERT_EQ(exporter.init(tracer, config, Connector{&peer, &Peer::open_cb, &Peer::close_cb}), Status::kOk);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_NE(logs[0].find("no gzip compressor"), std::string::npos) << logs[0];
  EXPECT_NE(logs[0].find("uncompressed (identity)"), std::string::npos) << logs[0];
  { auto span = tracer.start_span("plain"); }
  ASSERT_EQ(exporter.flush(2000), Status::kOk);
  EXPECT_EQ(peer.bytes.find("Content-Encoding"), std::string::npos) << peer.bytes;
  EXPECT_NE(peer.bytes.find("Content-Length: "), std::string::npos);
  EXPECT_EQ(exporter.counters().bytes_sent, exporter.counters().bytes_uncompressed);
  EXPECT_EQ(logs.size(), 1u) << "said once, at init";
  (void)exporter.shutdown(1);
}

}  // namespace
}  // namespace tracelet
