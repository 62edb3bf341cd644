// Heap use of the TLS client, measured with a counting malloc in this test program:
// what init() keeps, the peak of one handshake + one request, no allocation in send/recv
// once connected, and nothing left after deinit(). Prints the numbers for the report.
#include <gtest/gtest.h>
#include <malloc.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>

#include "support/otlp_builder.h"
#include "support/process.h"
#include "support/receiver_process.h"
#include "tracelet/net_port.h"
#include "tracelet/tls.h"

// ---- counting allocator: glibc's own entry points underneath ---------------------------------
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
std::atomic<long long> g_live{0};
std::atomic<long long> g_peak{0};
std::atomic<long long> g_calls{0};

void count_alloc(void* p) {
  if (p == nullptr) return;
  const long long now = g_live += static_cast<long long>(malloc_usable_size(p));
  long long peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
  ++g_calls;
}
void count_free(void* p) {
  if (p != nullptr) g_live -= static_cast<long long>(malloc_usable_size(p));
}
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
  void* p = __libc_malloc(n);
  count_alloc(p);
  return p;
}
void* calloc(std::size_t n, std::size_t size) {
  void* p = __libc_calloc(n, size);
  count_alloc(p);
  return p;
}
void* realloc(void* old, std::size_t n) {
  const long long old_size = old != nullptr ? static_cast<long long>(malloc_usable_size(old)) : 0;
  void* p = __libc_realloc(old, n);
  if (p != nullptr || n == 0) {
    g_live -= old_size;
    count_alloc(p);
  }
  return p;
}
void* memalign(std::size_t align, std::size_t n) {
  void* p = __libc_memalign(align, n);
  count_alloc(p);
  return p;
}
int posix_memalign(void** out, std::size_t align, std::size_t n) {
  void* p = __libc_memalign(align, n);
  if (p == nullptr) return 12;  // ENOMEM
  count_alloc(p);
  *out = p;
  return 0;
}
void* aligned_alloc(std::size_t align, std::size_t n) {
  void* p = __libc_memalign(align, n);
  count_alloc(p);
  return p;
}
void free(void* p) {
  count_free(p);
  __libc_free(p);
}
}

namespace tracelet {
namespace {

// Bytes allocated and still live since construction, and the peak above that start.
class HeapWindow {
 public:
  HeapWindow() : base_(g_live.load()), calls_(g_calls.load()) { g_peak = base_; }
  long long peak() const { return g_peak.load() - base_; }
  long long retained() const { return g_live.load() - base_; }
  long long calls() const { return g_calls.load() - calls_; }

 private:
  long long base_;
  long long calls_;
};

// One request/response over the TLS client without any heap use on the test side.
bool exchange(TlsClient& tls, const std::string& request) {
  std::size_t done = 0;
  while (done < request.size()) {
    const std::int32_t n = tls.send(reinterpret_cast<const std::uint8_t*>(request.data()) + done,
                                    request.size() - done);
    if (n < 0) return false;
    done += static_cast<std::size_t>(n);
  }
  char buf[1024];
  std::size_t have = 0;
  while (have < sizeof buf - 1) {
    const std::int32_t n = tls.recv(reinterpret_cast<std::uint8_t*>(buf) + have, sizeof buf - 1 - have, 5000);
    if (n <= 0) return false;
    have += static_cast<std::size_t>(n);
    buf[have] = '\0';
    // The success answer carries an empty body, so the head is the whole response.
    if (std::strstr(buf, "\r\n\r\n") != nullptr) break;
  }
  return std::strncmp(buf, "HTTP/1.1 200 ", 13) == 0 && std::strstr(buf, "Content-Length: 0\r\n") != nullptr;
}

TEST(TlsHeap, OneHandshakeAndOneRequest) {
  test::TempDir dir;
  ASSERT_EQ(test::make_test_ca(dir.file("ca")), "");
  test::ReceiverProcess receiver;
  std::string error;
  ASSERT_TRUE(receiver.start(dir.path(), {"--certs", dir.file("ca"), "--quiet"}, error)) << error;

  const std::string ca_pem = test::read_file(dir.file("ca/ca.crt"));
  const std::string body = test::encode_request(test::sample_batch(7));
  const std::string request = "POST /v1/traces HTTP/1.1\r\nHost: localhost\r\n"
                              "Content-Type: application/x-protobuf\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  TlsOptions options;
  options.server_name = "localhost";
  options.ca_data = reinterpret_cast<const std::uint8_t*>(ca_pem.c_str());
  options.ca_size = ca_pem.size() + 1;

  port::TcpConnection tcp{};
  {
    // Warm-up cycle: glibc keeps a little process-wide state from the first use of its
    // resolver and time-zone code (the certificate date check); that is not ours to count.
    TlsClient warm;
    ASSERT_EQ(warm.init(options), Status::kOk);
    ASSERT_EQ(port::tcp_connect(&tcp, "127.0.0.1", receiver.port(), 3000), Status::kOk);
    ASSERT_EQ(warm.handshake(port::tcp_transport(&tcp)), Status::kOk);
    ASSERT_TRUE(exchange(warm, request));
    warm.close();
    port::tcp_close(&tcp);
  }
  static TlsClient tls;  // static storage: the object itself is not heap
  std::printf("[ heap     ] sizeof(TlsClient) = %zu bytes (caller-owned storage)\n", sizeof(TlsClient));

  HeapWindow whole;
  long long after_init = 0;
  {
    HeapWindow w;
    ASSERT_EQ(tls.init(options), Status::kOk);
    after_init = w.retained();
  }
  ASSERT_EQ(port::tcp_connect(&tcp, "127.0.0.1", receiver.port(), 3000), Status::kOk);

  const long long before_handshake = whole.retained();
  long long handshake_peak = 0;
  long long after_handshake = 0;
  long long request_peak = 0;
  {
    HeapWindow w;
    ASSERT_EQ(tls.handshake(port::tcp_transport(&tcp)), Status::kOk);
    handshake_peak = w.peak();
    after_handshake = w.retained();
    ASSERT_TRUE(exchange(tls, request));
    request_peak = w.peak();
  }
  const long long peak_total = whole.peak();

  {
    HeapWindow w;
    ASSERT_TRUE(exchange(tls, request));
    EXPECT_EQ(w.calls(), 0) << "send/recv allocated once connected";
  }

  // Reconnect with the saved session for comparison.
  tls.close();
  port::tcp_close(&tcp);
  ASSERT_EQ(port::tcp_connect(&tcp, "127.0.0.1", receiver.port(), 3000), Status::kOk);
  long long resumed_peak = 0;
  {
    HeapWindow w;
    ASSERT_EQ(tls.handshake(port::tcp_transport(&tcp)), Status::kOk);
    EXPECT_TRUE(tls.session_resumed());
    ASSERT_TRUE(exchange(tls, request));
    resumed_peak = w.peak();
  }
  tls.close();
  port::tcp_close(&tcp);
  tls.deinit();
  EXPECT_EQ(whole.retained(), 0) << "TlsClient leaked heap after deinit()";

  std::printf("[ heap     ] init (CA from memory, 1 cert + record buffers) keeps %lld bytes\n", after_init);
  std::printf("[ heap     ] full handshake: peak %lld bytes above the post-init level, keeps %lld more\n",
              handshake_peak, after_handshake);
  std::printf("[ heap     ] handshake + one request: peak %lld bytes above post-init, %lld total incl. init\n",
              request_peak, peak_total);
  std::printf("[ heap     ] resumed handshake + one request: peak %lld bytes above post-init\n", resumed_peak);
  RecordProperty("init_retained_bytes", std::to_string(after_init));
  RecordProperty("handshake_request_peak_bytes", std::to_string(peak_total));
  (void)before_handshake;

  // Sanity bound against regressions (two 16 KiB record buffers dominate).
  EXPECT_LT(peak_total, 160 * 1024);
  EXPECT_GT(after_init, 32 * 1024);  // the record buffers really are allocated at init
  EXPECT_EQ(receiver.stop(), 0);
}

TEST(TlsHeap, SystemBundleCost) {
  TlsClient tls;
  TlsOptions options;
  options.server_name = "example.org";
  HeapWindow w;
  ASSERT_EQ(tls.init(options), Status::kOk);  // /etc/ssl/certs/ca-certificates.crt
  const long long kept = w.retained();
  std::printf("[ heap     ] init with the system CA bundle keeps %lld bytes (peak %lld)\n", kept, w.peak());
  tls.deinit();
  EXPECT_EQ(w.retained(), 0);
  EXPECT_GT(kept, 100 * 1024);  // ~140 parsed roots
}

}  // namespace
}  // namespace tracelet
