// Records one span with tracelet and prints it with the console exporter; touches the TLS
// client too, so the link needs every module, the port and Mbed TLS. Prints, for a script:
//   consumer: tracelet 0.1.0, 1 span(s)
// after the exporter's line, which contains name="consumer-span".
#include <cstdint>
#include <cstdio>

#include "tracelet/console_exporter.h"
#include "tracelet/tls.h"
#include "tracelet/tracelet.h"
#include "tracelet/version.h"

int main() {
  alignas(8) static std::uint8_t ring[8 * 1024];
  static tracelet::Tracer tracer;
  tracelet::Options options;
  options.service_name = "tracelet-consumer";
  options.ring_memory = tracelet::ByteSpan{ring, sizeof ring};
  if (tracer.init(options) != tracelet::Status::kOk) {
    std::puts("consumer: tracer init failed");
    return 1;
  }
  {
    auto span = tracer.start_span("consumer-span");
    span.set_attribute("answer", 42);
  }
  static tracelet::TlsClient tls;  // linked, never connected
  tls.deinit();
  const std::size_t printed = tracelet::export_to_console(tracer);
  std::printf("consumer: tracelet %s, %zu span(s)\n", TRACELET_VERSION_STRING, printed);
  return printed == 1 ? 0 : 1;
}
