#include "tracelet/console_exporter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tracelet/fake_port.h"
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {

struct Lines {
  std::vector<std::string> lines;
  static void write(void* ctx, const char* line, std::size_t len) {
    static_cast<Lines*>(ctx)->lines.emplace_back(line, len);
  }
};

std::string hex(const std::uint8_t* b, std::size_t n) {
  std::string out;
  char buf[3];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", b[i]);
    out += buf;
  }
  return out;
}

TEST(ConsoleExporter, OneReadableLinePerSpanThenTheRingIsEmpty) {
  alignas(8) static std::uint8_t memory[8192];
  Tracer tracer;
  Options options;
  options.service_name = "console";
  options.ring_memory = ByteSpan{memory, sizeof memory};
  ASSERT_EQ(tracer.init(options), Status::kOk);
  SpanContext parent_ctx, child_ctx;
  {
    auto parent = tracer.start_span("sensor-cycle");
    parent_ctx = parent.context();
    {
      StartOptions client;
      client.kind = SpanKind::kClient;
      auto child = tracer.start_span("publish", client);
      child_ctx = child.context();
      child.set_attribute("topic", "sensors/t0");
      child.set_attribute("qos", 1);
      child.set_attribute("retained", false);
      child.set_attribute("value", 21.5);
      fake_port::advance_ns(2'500'000);
      child.set_status(StatusCode::kError, "broker down");
    }
  }
  Lines out;
  ConsoleExporter exporter;
  exporter.write = &Lines::write;
  exporter.ctx = &out;
  EXPECT_EQ(export_to_console(tracer, exporter), 2u);
  ASSERT_EQ(out.lines.size(), 2u);
  const std::string& child = out.lines[0];
  EXPECT_NE(child.find("trace=" + hex(child_ctx.trace_id.bytes, 16)), std::string::npos) << child;
  EXPECT_NE(child.find("span=" + hex(child_ctx.span_id.bytes, 8)), std::string::npos);
  EXPECT_NE(child.find("parent=" + hex(parent_ctx.span_id.bytes, 8)), std::string::npos);
  EXPECT_NE(child.find("name=\"publish\" kind=client duration=2500.000us"), std::string::npos) << child;
  EXPECT_NE(child.find("status=error(\"broker down\")"), std::string::npos);
  EXPECT_NE(child.find("attrs={topic=\"sensors/t0\", qos=1, retained=false, value=21.5}"),
            std::string::npos) << child;
  EXPECT_NE(out.lines[1].find("parent=- name=\"sensor-cycle\""), std::string::npos) << out.lines[1];
  EXPECT_EQ(tracer.ring().used_bytes(), 0u);
  EXPECT_EQ(export_to_console(tracer, exporter), 0u);
}

TEST(ConsoleExporter, CorruptRecordsAreReportedNotPrinted) {
  char line[64];
  std::uint8_t garbage[80] = {1, 2, 3};
  EXPECT_EQ(format_span_line(garbage, sizeof garbage, line, sizeof line), 0u);
  EXPECT_STREQ(line, "");
}

}  // namespace
}  // namespace tracelet
