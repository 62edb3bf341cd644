// Footprint images for tools/cross/footprint.sh: the same program at growing levels, so the
// size differences between the linked images are what each layer costs on a Cortex-M4.
//   FP_LEVEL 0  board support only (startup, semihosting, newlib-nano): the baseline
//   FP_LEVEL 1  + the recording core: tracer, spans with attributes, ring consumer side
//   FP_LEVEL 2  + the OTLP protobuf encoder (nanopb) streaming a batch to a sink
//   FP_LEVEL 3  + the TLS 1.2 client (tracelet::TlsClient on Mbed TLS) up to its ClientHello
//   FP_LEVEL 4  + the OTLP/HTTP exporter and its TCP+TLS connector on lwIP (port/lwip) with the
//               LAN9118 driver: everything a firmware needs to ship spans itself. It brings
//               the network up but connects nowhere (the real handshake is measured with
//               mps2_an386_tls_demo, see tools/cross/footprint.sh).
// Each image prints its own RAM figures (object sizes, TLS heap) over semihosting.
#include <cstdint>

#include "board.h"

#if FP_LEVEL >= 1
#include "tracelet/tracer.h"
#include "tracelet_cortex_m.h"
#endif
#if FP_LEVEL >= 2
#include <pb_encode.h>

#include "otlp/encode.h"
#endif
#if FP_LEVEL >= 3
#include <mbedtls/memory_buffer_alloc.h>

#include "fp_ca.h"
#include "tracelet/tls.h"
#endif
#if FP_LEVEL >= 4
#include "ethernet.h"
#include "tracelet/exporter.h"
#include "tracelet/net_connector.h"
#endif

namespace {

void report(const char* what, std::uint64_t value) {
  board::write("footprint: ");
  board::write(what);
  board::write(" ");
  board::write_uint(value);
  board::write("\n");
}

#if FP_LEVEL >= 1
constexpr std::size_t kRingBytes = 4096;
alignas(8) std::uint8_t g_ring[kRingBytes];
tracelet::Tracer g_tracer;
#endif

#if FP_LEVEL >= 2
bool discard(pb_ostream_t*, const pb_byte_t*, std::size_t) { return true; }
#endif

#if FP_LEVEL >= 3
alignas(8) unsigned char g_tls_arena[64 * 1024];
std::size_t g_sent = 0;
std::int32_t count_send(void*, const std::uint8_t*, std::size_t len) {
  g_sent += len;
  return static_cast<std::int32_t>(len);
}
std::int32_t no_reply(void*, std::uint8_t*, std::size_t, std::uint32_t) { return 0; }
#endif

}  // namespace

int main() {
#if FP_LEVEL >= 1
  if (tracelet::cortex_m::init(board::kCoreClockHz) != tracelet::Status::kOk) return 1;
  tracelet::Options options;
  options.service_name = "footprint";
  options.ring_memory = tracelet::ByteSpan{g_ring, sizeof g_ring};
  if (g_tracer.init(options) != tracelet::Status::kOk) return 1;
  {
    tracelet::Span span = g_tracer.start_span("read-sensor");
    span.set_attribute("sensor.id", 3);
    span.set_attribute("unit", "C");
    tracelet::Span child = g_tracer.start_span("adc");
    child.add_event("converted", {{"raw", 1234}});
  }
  tracelet::Batch batch;
  if (g_tracer.ring().peek_batch(batch, 8) != tracelet::Status::kOk) return 1;
#if FP_LEVEL >= 2
  tracelet::otlp::RequestSource source;
  source.ring = &g_tracer.ring();
  source.batch = batch;
  source.resource = g_tracer.resource();
  // The traces-only calls, as a firmware that records no log records makes them (the exporter
  // calls plan_request/encode_request, which take either signal).
  tracelet::otlp::RequestPlan plan;
  if (!tracelet::otlp::plan_traces_request(source, plan)) return 1;
  pb_ostream_t stream = {&discard, nullptr, SIZE_MAX, 0, nullptr};
  if (!tracelet::otlp::encode_traces_request(source, plan, &stream) ||
      stream.bytes_written != plan.bytes) {
    return 1;
  }
  report("otlp_request_bytes", plan.bytes);
#endif
  g_tracer.ring().commit(batch);
  report("ring_bytes", kRingBytes);
  report("sizeof_tracer", sizeof(tracelet::Tracer));
  report("sizeof_span_on_stack", sizeof(tracelet::Span));
#endif
#if FP_LEVEL >= 3
  mbedtls_memory_buffer_alloc_init(g_tls_arena, sizeof g_tls_arena);
  {
    tracelet::TlsClient tls;
    tracelet::TlsOptions tls_options;
    tls_options.server_name = "collector.example";
    tls_options.ca_data = reinterpret_cast<const std::uint8_t*>(kFootprintCaPem);
    tls_options.ca_size = sizeof kFootprintCaPem;
    tls_options.handshake_timeout_ms = 20;
    if (tls.init(tls_options) != tracelet::Status::kOk) return 1;
    std::size_t used = 0;
    std::size_t blocks = 0;
    mbedtls_memory_buffer_alloc_cur_get(&used, &blocks);
    report("tls_heap_after_init", used);
    tracelet::Transport wire{nullptr, count_send, no_reply};
    // No server answers: the handshake sends its ClientHello and then times out.
    tracelet::Status handshake = tls.handshake(wire);
    report("tls_handshake_timed_out", handshake == tracelet::Status::kTimeout ? 1 : 0);
    report("tls_client_hello_bytes", g_sent);
    mbedtls_memory_buffer_alloc_max_get(&used, &blocks);
    report("tls_heap_peak_to_client_hello", used);
    report("sizeof_tls_client", sizeof(tracelet::TlsClient));
    report("tls_arena_bytes", sizeof g_tls_arena);
  }
#endif
#if FP_LEVEL >= 4
  if (!board::ethernet::start("10.0.2.15", "255.255.255.0", "10.0.2.2")) return 1;
  tracelet::ExporterConfig config;
  config.endpoint = "https://10.0.2.100:4318/v1/traces";
  config.ca_data = reinterpret_cast<const std::uint8_t*>(kFootprintCaPem);
  config.ca_size = sizeof kFootprintCaPem;
  static tracelet::NetConnector net;
  net.configure(config);
  static tracelet::Exporter exporter;
  if (exporter.init(g_tracer, config, net.connector()) != tracelet::Status::kOk) return 1;
  // Linked and reachable, but not run: nothing is due (schedule delay), so poll() returns
  // without connecting.
  report("exporter_poll_ms", exporter.poll());
  report("sizeof_exporter", sizeof(tracelet::Exporter));
  report("sizeof_net_connector", sizeof(tracelet::NetConnector));
#endif
  report("level", FP_LEVEL);
  return 0;
}
