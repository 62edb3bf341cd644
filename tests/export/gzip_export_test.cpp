// gzip request bodies (ExporterConfig::compression = kGzip with zlib's tracelet::gzip): an
// in-memory collector reads each HTTP request, undoes the chunked transfer coding, inflates the
// gzip body and decodes it with the receiver's OTLP decoder. Also: the compressor allocates
// only at init, never per request; a broken connection mid-body is retried whole; a
// compressor given in the config is used as is.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <set>
#include <string>
#include <vector>

#include "otlp_decode.h"
#include "tracelet/exporter.h"
#include "tracelet/gzip.h"
#include "tracelet/sigv4.h"
#include "tracelet/tracelet.h"

// ---- allocation counting, switched on only while the compressor runs -----------------------
// (as tests/allocation_test.cpp: operator new over glibc's own malloc; sanitizer builds, whose
// runtime owns malloc, leave this test out)
extern "C" void* __libc_malloc(std::size_t);
extern "C" void __libc_free(void*);
namespace {
thread_local bool g_counting = false;
thread_local std::size_t g_allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (g_counting) ++g_allocations;
  void* p = __libc_malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (g_counting) ++g_allocations;
  return __libc_malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { __libc_free(p); }

namespace tracelet {
namespace {

// ---- an in-memory OTLP/HTTP collector that takes chunked gzip bodies ------------------------

std::string gunzip(const std::string& in, bool& ok) {
  z_stream z{};
  ok = inflateInit2(&z, 15 + 16) == Z_OK;
  std::string out;
  if (!ok) return out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buf[4096];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  ok = rc == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  return out;
}

struct Request {
  std::map<std::string, std::string> headers;
  std::vector<std::size_t> chunk_sizes;
  std::string compressed;
  std::string body;  // inflated
  receiver::ExportRequest decoded;
};

struct GzipCollector {
  std::string partial;
  std::string answer;
  std::vector<Request> requests;
  std::size_t break_after_bytes = 0;  // >0: the connection fails after this many bytes
  std::size_t sent_on_connection = 0;
  bool open = false;
  int opens = 0;

  // Parses complete requests out of `partial`; answers 200 to each decoded one.
  void on_bytes() {
    for (;;) {
      const std::size_t head_end = partial.find("\r\n\r\n");
      if (head_end == std::string::npos) return;
      Request r;
      std::size_t line = partial.find("\r\n") + 2;
      r.headers["request-line"] = partial.substr(0, line - 2);
      while (line < head_end) {
        const std::size_t next = partial.find("\r\n", line);
        const std::string h = partial.substr(line, next - line);
        const std::size_t colon = h.find(": ");
        r.headers[h.substr(0, colon)] = h.substr(colon + 2);
        line = next + 2;
      }
      std::size_t at = head_end + 4;
      if (r.headers.count("Transfer-Encoding") == 0) {  // Content-Length body (identity)
        const std::size_t length = std::stoul(r.headers["Content-Length"]);
        if (partial.size() < at + length) return;
        r.compressed = partial.substr(at, length);
        at += length;
      } else {
        for (;;) {  // chunks until the zero-size one
          const std::size_t size_end = partial.find("\r\n", at);
          if (size_end == std::string::npos) return;
          const std::size_t size = std::stoul(partial.substr(at, size_end - at), nullptr, 16);
          if (partial.size() < size_end + 2 + size + 2) return;
          if (size == 0) {
            at = size_end + 4;
            break;
          }
          r.chunk_sizes.push_back(size);
          r.compressed += partial.substr(size_end + 2, size);
          at = size_end + 2 + size + 2;
        }
      }
      partial.erase(0, at);
      bool ok = true;
      const auto coding = r.headers.find("Content-Encoding");
      const bool gzip = coding != r.headers.end() && coding->second == "gzip";
      r.body = gzip ? gunzip(r.compressed, ok) : r.compressed;
      std::string error;
      ok = ok && receiver::decode_export_request(reinterpret_cast<const std::uint8_t*>(r.body.data()),
                                                 r.body.size(), r.decoded, error);
      answer += ok ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                   : "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
      requests.push_back(std::move(r));
    }
  }

  static std::int32_t send(void* ctx, const std::uint8_t* data, std::size_t len) {
    auto* self = static_cast<GzipCollector*>(ctx);
    if (!self->open) return static_cast<std::int32_t>(Status::kUnavailable);
    if (self->break_after_bytes != 0 && self->sent_on_connection + len > self->break_after_bytes) {
      self->break_after_bytes = 0;
      self->open = false;
      return static_cast<std::int32_t>(Status::kUnavailable);
    }
    self->sent_on_connection += len;
    self->partial.append(reinterpret_cast<const char*>(data), len);
    self->on_bytes();
    return static_cast<std::int32_t>(len);
  }
  static std::int32_t recv(void* ctx, std::uint8_t* data, std::size_t cap, std::uint32_t) {
    auto* self = static_cast<GzipCollector*>(ctx);
    if (self->answer.empty()) return self->open ? 0 : static_cast<std::int32_t>(Status::kUnavailable);
    const std::size_t n = std::min(cap, self->answer.size());
    std::memcpy(data, self->answer.data(), n);
    self->answer.erase(0, n);
    return static_cast<std::int32_t>(n);
  }
  static Status open_cb(void* ctx, const char*, std::uint16_t, bool, std::uint32_t, Transport* out,
                        char*, std::size_t) {
    auto* self = static_cast<GzipCollector*>(ctx);
    ++self->opens;
    self->open = true;
    self->partial.clear();
    self->answer.clear();
    self->sent_on_connection = 0;
    out->ctx = self;
    out->send = &GzipCollector::send;
    out->recv = &GzipCollector::recv;
    return Status::kOk;
  }
  static void close_cb(void* ctx) { static_cast<GzipCollector*>(ctx)->open = false; }
  Connector connector() { return Connector{this, &open_cb, &close_cb}; }

  std::multiset<std::string> span_names() const {
    std::multiset<std::string> names;
    for (const Request& r : requests) {
      for (const auto& rs : r.decoded.resource_spans) {
        for (const auto& ss : rs.scope_spans) {
          for (const auto& s : ss.spans) names.insert(s.name);
        }
      }
    }
    return names;
  }
};

// Wraps a Compressor and counts heap allocations made while it runs.
struct CountingCompressor {
  Compressor inner;
  static bool begin(void* ctx) noexcept {
    g_counting = true;
    const bool ok = static_cast<CountingCompressor*>(ctx)->inner.begin(static_cast<CountingCompressor*>(ctx)->inner.ctx);
    g_counting = false;
    return ok;
  }
  static bool write(void* ctx, const std::uint8_t* data, std::size_t len, bool finish,
                    CompressedSink sink, void* sink_ctx) noexcept {
    auto* self = static_cast<CountingCompressor*>(ctx);
    g_counting = true;
    // The sink (the exporter's chunk writer into this test's collector) allocates in the
    // collector, which is not the compressor's doing: counting pauses around it.
    struct Pause {
      CompressedSink sink;
      void* ctx;
      static bool call(void* p, const std::uint8_t* d, std::size_t n) {
        auto* pause = static_cast<Pause*>(p);
        g_counting = false;
        const bool ok = pause->sink(pause->ctx, d, n);
        g_counting = true;
        return ok;
      }
    } pause{sink, sink_ctx};
    const bool ok = self->inner.write(self->inner.ctx, data, len, finish, &Pause::call, &pause);
    g_counting = false;
    return ok;
  }
  Compressor compressor() { return Compressor{this, inner.content_encoding, &begin, &write}; }
};

class GzipExport : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.service_name = "gzip-device";
    options.ring_memory = ByteSpan{memory_, sizeof memory_};
    ASSERT_EQ(tracer_.init(options), Status::kOk);
    config_.endpoint = "https://collector.test/v1/traces";
    config_.compression = Compression::kGzip;
    config_.max_export_batch_size = 50;
    config_.schedule_delay_ms = 1;
    config_.initial_backoff_ms = 1;
    config_.max_backoff_ms = 2;
    config_.log = &GzipExport::log;
    config_.log_ctx = &logs_;
  }
  void TearDown() override { (void)exporter_.shutdown(1); }

  static void log(void* ctx, LogLevel, const char* line) {
    static_cast<std::vector<std::string>*>(ctx)->emplace_back(line);
  }
  std::string logs() const {
    std::string out;
    for (const auto& l : logs_) out += l + "\n";
    return out;
  }

  void record(int n) {
    for (int i = 0; i < n; ++i) {
      auto span = tracer_.start_span("sensor.read-" + std::to_string(i % 7));
      span.set_attribute("sensor.id", "temp-0" + std::to_string(i % 3));
      span.set_attribute("reading", 20.0 + i * 0.25);
      span.set_attribute("seq", i);
      span.set_attribute("tags", {"indoor", "calibrated"});
      names_.insert("sensor.read-" + std::to_string(i % 7));
    }
  }

  alignas(8) std::uint8_t memory_[256 * 1024];
  Tracer tracer_;
  ExporterConfig config_;
  GzipCollector collector_;
  Exporter exporter_;
  std::vector<std::string> logs_;
  std::multiset<std::string> names_;
};

TEST_F(GzipExport, BodiesAreChunkedGzipAndInflateToEverySpan) {
  ASSERT_EQ(exporter_.init(tracer_, config_, collector_.connector()), Status::kOk) << logs();
  record(200);
  ASSERT_EQ(exporter_.flush(5000), Status::kOk) << logs();
  ASSERT_EQ(collector_.requests.size(), 4u);
  std::uint64_t compressed = 0, inflated = 0;
  for (const Request& r : collector_.requests) {
    EXPECT_EQ(r.headers.at("Content-Encoding"), "gzip");
    EXPECT_EQ(r.headers.at("Transfer-Encoding"), "chunked");
    EXPECT_EQ(r.headers.count("Content-Length"), 0u) << "chunked bodies carry no Content-Length";
    EXPECT_EQ(r.headers.at("Content-Type"), "application/x-protobuf");
    EXPECT_EQ(r.decoded.span_count(), 50u);
    for (std::size_t size : r.chunk_sizes) EXPECT_LE(size, 1024u) << "one bounded output buffer per chunk";
    compressed += r.compressed.size();
    inflated += r.body.size();
  }
  EXPECT_EQ(collector_.span_names(), names_);
  const ExporterCounters c = exporter_.counters();
  EXPECT_EQ(c.spans_exported, 200u);
  EXPECT_EQ(c.bytes_sent, compressed) << "bytes_sent counts the compressed body";
  EXPECT_EQ(c.bytes_uncompressed, inflated);
  EXPECT_LT(c.bytes_sent * 2, c.bytes_uncompressed) << "repetitive spans compress well";
  std::printf("gzip: %llu protobuf bytes sent as %llu (%.1f%%) in %zu requests\n",
              static_cast<unsigned long long>(c.bytes_uncompressed),
              static_cast<unsigned long long>(c.bytes_sent),
              100.0 * static_cast<double>(c.bytes_sent) / static_cast<double>(c.bytes_uncompressed),
              collector_.requests.size());
}

TEST_F(GzipExport, TheCompressorAllocatesAtInitOnlyNeverPerRequest) {
  GzipCompressor gzip;
  g_counting = true;
  g_allocations = 0;
  ASSERT_EQ(gzip.init(), Status::kOk);
  g_counting = false;
  EXPECT_GE(g_allocations, 1u);
  std::printf("zlib deflate state (level 6, windowBits 15, memLevel 8): %zu bytes in %zu allocations\n",
              gzip.state_bytes(), g_allocations);
  EXPECT_GT(gzip.state_bytes(), 256u * 1024u);
  {
    GzipCompressor small;
    ASSERT_EQ(small.init(GzipOptions{6, 12, 4}), Status::kOk);
    std::printf("zlib deflate state (windowBits 12, memLevel 4): %zu bytes\n", small.state_bytes());
    EXPECT_LT(small.state_bytes(), 32u * 1024u);
  }
  CountingCompressor counting{gzip.compressor()};
  config_.compressor = counting.compressor();
  ASSERT_EQ(exporter_.init(tracer_, config_, collector_.connector()), Status::kOk);
  g_allocations = 0;
  record(300);
  ASSERT_EQ(exporter_.flush(5000), Status::kOk) << logs();
  EXPECT_EQ(collector_.requests.size(), 6u);
  EXPECT_EQ(collector_.span_names(), names_);
  EXPECT_EQ(g_allocations, 0u) << "deflateReset reuses the state: no allocation per request";
  EXPECT_EQ(GzipCompressor().state_bytes(), 0u);
}

// Wraps a RequestSigner and counts heap allocations made while it runs.
struct CountingSigner {
  RequestSigner inner;
  static void begin(void* ctx) noexcept {
    auto* self = static_cast<CountingSigner*>(ctx);
    g_counting = true;
    self->inner.begin(self->inner.ctx);
    g_counting = false;
  }
  static void body(void* ctx, const std::uint8_t* data, std::size_t len) noexcept {
    auto* self = static_cast<CountingSigner*>(ctx);
    g_counting = true;
    self->inner.body(self->inner.ctx, data, len);
    g_counting = false;
  }
  static std::size_t sign(void* ctx, const SignedRequest& request, HttpHeader* out, std::size_t cap) noexcept {
    auto* self = static_cast<CountingSigner*>(ctx);
    g_counting = true;
    const std::size_t n = self->inner.sign(self->inner.ctx, request, out, cap);
    g_counting = false;
    return n;
  }
  static bool answer(void* ctx, int status, const char* date) noexcept {
    auto* self = static_cast<CountingSigner*>(ctx);
    g_counting = true;
    const bool again = self->inner.on_answer(self->inner.ctx, status, date);
    g_counting = false;
    return again;
  }
  RequestSigner signer() { return RequestSigner{this, &begin, &body, &sign, &answer}; }
};

// With a signer the gzip body is compressed twice (hash pass, send pass) and goes out with a
// Content-Length; the signed hash is the SHA-256 of the compressed bytes; neither the signer
// nor the compressor allocates per request. (The official signer checks the signatures
// themselves in tests/aws/sigv4_official_test.cpp.)
TEST_F(GzipExport, SignedGzipBodiesCarryTheHashOfTheCompressedBytesAndAllocateNothing) {
  GzipCompressor gzip;
  ASSERT_EQ(gzip.init(), Status::kOk);
  CountingCompressor counting{gzip.compressor()};
  config_.compressor = counting.compressor();
  std::uint64_t now = 1796342399;
  SigV4Credentials credentials;
  credentials.access_key_id = "AKIDEXAMPLE";
  credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  credentials.region = "us-east-1";
  credentials.service = "xray";
  credentials.now_unix_s = [](void* ctx) { return *static_cast<std::uint64_t*>(ctx); };
  credentials.now_ctx = &now;
  SigV4Signer sigv4;
  ASSERT_EQ(sigv4.init(credentials), Status::kOk);
  CountingSigner signer{sigv4.request_signer()};
  config_.signer = signer.signer();
  ASSERT_EQ(exporter_.init(tracer_, config_, collector_.connector()), Status::kOk);
  g_allocations = 0;
  record(150);
  ASSERT_EQ(exporter_.flush(5000), Status::kOk) << logs();
  ASSERT_EQ(collector_.requests.size(), 3u);
  for (const Request& r : collector_.requests) {
    EXPECT_EQ(r.headers.count("Transfer-Encoding"), 0u);
    EXPECT_EQ(r.headers.at("Content-Encoding"), "gzip");
    EXPECT_EQ(std::stoul(r.headers.at("Content-Length")), r.compressed.size());
    std::uint8_t digest[32];
    char digest_hex[65];
    sigv4::sha256(reinterpret_cast<const std::uint8_t*>(r.compressed.data()), r.compressed.size(), digest);
    sigv4::to_hex(digest, sizeof digest, digest_hex);
    EXPECT_EQ(r.headers.at("X-Amz-Content-Sha256"), digest_hex);
    EXPECT_EQ(r.headers.at("X-Amz-Date"), "20261203T235959Z");
    EXPECT_EQ(r.headers.at("Authorization").rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261203/", 0), 0u);
    EXPECT_EQ(r.decoded.span_count(), 50u);
  }
  EXPECT_EQ(collector_.span_names(), names_);
  EXPECT_EQ(g_allocations, 0u) << "signing and compressing twice allocate nothing per request";
}

// A signer that cannot sign (no time, bad credentials): nothing goes out, the spans stay.
TEST_F(GzipExport, ASignerThatCannotSignSendsNothingAndKeepsTheSpans) {
  RequestSigner refusing;
  refusing.begin = [](void*) noexcept {};
  refusing.body = [](void*, const std::uint8_t*, std::size_t) noexcept {};
  refusing.sign = [](void*, const SignedRequest&, HttpHeader*, std::size_t) noexcept -> std::size_t { return 0; };
  config_.signer = refusing;
  ASSERT_EQ(exporter_.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(5);
  EXPECT_EQ(exporter_.flush(50), Status::kTimeout);
  EXPECT_EQ(collector_.requests.size(), 0u);
  EXPECT_EQ(collector_.partial.size(), 0u) << "not a byte of the request went out";
  EXPECT_EQ(exporter_.pending_spans(), 5u);
  EXPECT_NE(logs().find("the request signer could not sign; 5 spans stay buffered"), std::string::npos) << logs();
  EXPECT_NE(logs().find("failed (request not produced)"), std::string::npos) << logs();
}

TEST_F(GzipExport, AConnectionBrokenMidBodyIsRetriedWhole) {
  collector_.break_after_bytes = 700;  // inside the first request's compressed body
  ASSERT_EQ(exporter_.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(50);
  ASSERT_EQ(exporter_.flush(5000), Status::kOk) << logs();
  ASSERT_EQ(collector_.requests.size(), 1u) << "the cut request never completed";
  EXPECT_EQ(collector_.span_names(), names_);
  const ExporterCounters c = exporter_.counters();
  EXPECT_EQ(c.export_failures, 1u);
  EXPECT_EQ(c.connects, 2u);
}

TEST_F(GzipExport, ACompressorInTheConfigIsUsedAsGiven) {
  // A firmware's own compressor plugs in the same way; this one passes bytes through.
  struct Passthrough {
    int begins = 0;
    static bool begin(void* ctx) noexcept {
      ++static_cast<Passthrough*>(ctx)->begins;
      return true;
    }
    static bool write(void*, const std::uint8_t* data, std::size_t len, bool, CompressedSink sink,
                      void* sink_ctx) noexcept {
      return len == 0 || sink(sink_ctx, data, len);
    }
  } passthrough;
  config_.compressor = Compressor{&passthrough, "identity", &Passthrough::begin, &Passthrough::write};
  ASSERT_EQ(exporter_.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(10);
  ASSERT_EQ(exporter_.flush(5000), Status::kOk) << logs();
  ASSERT_EQ(collector_.requests.size(), 1u);
  EXPECT_EQ(collector_.requests[0].headers.at("Content-Encoding"), "identity");
  EXPECT_EQ(collector_.requests[0].decoded.span_count(), 10u);
  EXPECT_EQ(passthrough.begins, 1);
}

TEST_F(GzipExport, NoneSendsContentLengthBodiesAsBefore) {
  config_.compression = Compression::kNone;
  ASSERT_EQ(exporter_.init(tracer_, config_, collector_.connector()), Status::kOk);
  record(10);
  ASSERT_EQ(exporter_.flush(5000), Status::kOk) << logs();
  ASSERT_EQ(collector_.requests.size(), 1u);
  EXPECT_EQ(collector_.requests[0].headers.count("Content-Encoding"), 0u);
  EXPECT_EQ(collector_.requests[0].headers.count("Transfer-Encoding"), 0u);
  const ExporterCounters c = exporter_.counters();
  EXPECT_EQ(c.bytes_sent, c.bytes_uncompressed);
  EXPECT_EQ(c.bytes_sent, collector_.requests[0].body.size());
}

}  // namespace
}  // namespace tracelet
