// X-Amzn-Trace-Id across processes with the OFFICIAL OpenTelemetry X-Ray propagator: tracelet
// (the device side) injects its span's context into a request to a Node service
// (tests/aws/xray_service.js, @opentelemetry/propagator-aws-xray) over a real TCP
// socket on 127.0.0.1; the service extracts it with the official propagator, injects its own
// server span's context into the answer, and tracelet extracts that. The service is started
// and stopped by PID.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "support/http_exchange.h"
#include "support/json_lite.h"
#include "support/process.h"
#include "tracelet/net_port.h"
#include "tracelet/tracelet.h"
#include "tracelet/xray_propagation.h"

namespace tracelet {
namespace {

std::string hex(const std::uint8_t* b, std::size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[b[i] >> 4];
    out += kDigits[b[i] & 15];
  }
  return out;
}

// One header line per set(), for the request.
struct HeaderLines {
  std::vector<std::string> lines;
  static Status set(void* ctx, std::string_view name, std::string_view value) noexcept {
    static_cast<HeaderLines*>(ctx)->lines.push_back(std::string(name) + ": " + std::string(value));
    return Status::kOk;
  }
};

// The answer's headers as a carrier.
struct ResponseCarrier {
  const test::HttpResponse* response;
  static bool field(void* ctx, std::size_t index, std::string_view* name, std::string_view* value) noexcept {
    auto* self = static_cast<ResponseCarrier*>(ctx);
    if (index >= self->response->headers.size()) return false;
    *name = self->response->headers[index].first;
    *value = self->response->headers[index].second;
    return true;
  }
};

class XrayCrossProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("NODE_PATH", TRACELET_XRAY_NODE_MODULES, 1);
    dir_ = std::make_unique<test::TempDir>();
    std::string error;
    ASSERT_TRUE(service_.start({TRACELET_XRAY_NODE, TRACELET_XRAY_SERVICE_JS, "--port-file", dir_->file("port")},
                               dir_->file("out"), dir_->file("err"), error))
        << error;
    ASSERT_TRUE(test::wait_for_file(dir_->file("port"), 15000)) << test::read_file(dir_->file("err"));
    port_ = static_cast<std::uint16_t>(std::atoi(test::read_file(dir_->file("port")).c_str()));
    Options options;
    options.service_name = "xray-device";
    options.ring_memory = ByteSpan{ring_, sizeof ring_};
    options.xray_trace_ids = true;
    ASSERT_EQ(tracer_.init(options), Status::kOk);
  }
  void TearDown() override {
    tracer_.shutdown();
    EXPECT_EQ(service_.stop(), 0) << test::read_file(dir_->file("err"));
  }

  // POSTs (or GETs as a POST to `path`) with `headers`; returns the JSON answer.
  test::Json call(const std::string& path, const std::vector<std::string>& headers, test::HttpResponse& response) {
    port::TcpConnection conn{};
    EXPECT_EQ(port::tcp_connect(&conn, "127.0.0.1", port_, 3000), Status::kOk);
    const Transport t = port::tcp_transport(&conn);
    EXPECT_EQ(test::post(t, path, "text/plain", "reading=21.5", response, 5000, headers), Status::kOk);
    port::tcp_close(&conn);
    test::Json json;
    EXPECT_TRUE(test::Json::parse(response.body, json)) << response.body;
    std::printf("official propagator: %s\n", response.body.c_str());
    return json;
  }

  std::unique_ptr<test::TempDir> dir_;
  test::ChildProcess service_;
  std::uint16_t port_ = 0;
  alignas(8) std::uint8_t ring_[32 * 1024];
  Tracer tracer_;
};

TEST_F(XrayCrossProcess, OfficialPropagatorReadsTraceletsHeaderAndTraceletReadsItsAnswer) {
  for (bool sampled : {true, false}) {
    StartOptions so;
    so.kind = SpanKind::kClient;
    auto span = tracer_.start_span("call service", so);
    SpanContext sent = span.context();
    sent.trace_flags = sampled ? kTraceFlagSampled : 0;
    HeaderLines request;
    ASSERT_EQ(inject_xray(sent, CarrierWriter{&request, &HeaderLines::set}), Status::kOk);
    test::HttpResponse response;
    test::Json j = call("/call", request.lines, response);
    ASSERT_EQ(j["extracted"].type, test::Json::Type::kObject) << response.body;
    EXPECT_EQ(j["extracted"]["trace_id"].text, hex(sent.trace_id.bytes, 16));
    EXPECT_EQ(j["extracted"]["span_id"].text, hex(sent.span_id.bytes, 8));
    EXPECT_EQ(j["extracted"]["sampled"].boolean, sampled);
    EXPECT_TRUE(j["extracted"]["remote"].boolean);

    SpanContext back;
    ResponseCarrier carrier{&response};
    ASSERT_EQ(extract_xray(CarrierReader{&carrier, &ResponseCarrier::field, nullptr}, back), Status::kOk);
    EXPECT_EQ(hex(back.trace_id.bytes, 16), hex(sent.trace_id.bytes, 16));
    EXPECT_EQ(hex(back.span_id.bytes, 8), j["server_span_id"].text);
    EXPECT_EQ(back.is_sampled(), sampled);
    EXPECT_TRUE(back.is_remote);
    span.end();
  }
}

TEST_F(XrayCrossProcess, TraceIdsFromTheXrayGeneratorCarryTheTimeTheOfficialSideSees) {
  auto span = tracer_.start_span("timed");
  HeaderLines request;
  ASSERT_EQ(inject_xray(span.context(), CarrierWriter{&request, &HeaderLines::set}), Status::kOk);
  test::HttpResponse response;
  test::Json j = call("/call", request.lines, response);
  const std::string trace_id = j["extracted"]["trace_id"].text;
  ASSERT_EQ(trace_id.size(), 32u) << response.body;
  const long long seconds = std::strtoll(trace_id.substr(0, 8).c_str(), nullptr, 16);
  const long long now = static_cast<long long>(tracer_.now_unix_ns() / 1000000000u);
  EXPECT_LE(seconds, now);
  EXPECT_GE(seconds, now - 60);
  span.end();
}

TEST_F(XrayCrossProcess, BothSidesAgreeOnWhatIsMalformed) {
  // Tolerated by both: another order, spaces, Lineage and an unknown field.
  test::HttpResponse response;
  test::Json j = call("/call",
                      {"X-Amzn-Trace-Id: Sampled=1; Lineage=a87bd80c:1|68fd508a:5; "
                       "Parent=53995c3f42cd8ad8; Foo=bar; Root=1-5759e988-bd862e3fe1be46a994272793"},
                      response);
  ASSERT_EQ(j["extracted"].type, test::Json::Type::kObject) << response.body;
  EXPECT_EQ(j["extracted"]["trace_id"].text, "5759e988bd862e3fe1be46a994272793");
  SpanContext ours;
  ASSERT_EQ(parse_xray_header("Sampled=1; Lineage=a87bd80c:1|68fd508a:5; Parent=53995c3f42cd8ad8; Foo=bar; "
                              "Root=1-5759e988-bd862e3fe1be46a994272793",
                              ours),
            Status::kOk);
  EXPECT_EQ(hex(ours.trace_id.bytes, 16), "5759e988bd862e3fe1be46a994272793");
  // Refused by both: a bad Root, a short Parent, a Sampled that is neither 0 nor 1.
  for (const char* bad : {"Root=1-5759e988-bd862e3fe1be46a99427279;Parent=53995c3f42cd8ad8;Sampled=1",
                          "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad;Sampled=1",
                          "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?",
                          "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8"}) {
    j = call("/call", {std::string("X-Amzn-Trace-Id: ") + bad}, response);
    EXPECT_EQ(j["extracted"].type, test::Json::Type::kNull) << bad << " -> " << response.body;
    EXPECT_EQ(parse_xray_header(bad, ours), Status::kInvalidArgument) << bad;
  }
}

TEST_F(XrayCrossProcess, ANewRootFromTheOfficialSideContinuesInTracelet) {
  test::HttpResponse response;
  test::Json j = call("/root", {}, response);
  SpanContext parent;
  ResponseCarrier carrier{&response};
  ASSERT_EQ(extract_xray(CarrierReader{&carrier, &ResponseCarrier::field, nullptr}, parent), Status::kOk);
  EXPECT_EQ(hex(parent.trace_id.bytes, 16), j["trace_id"].text);
  StartOptions so;
  so.parent = &parent;
  auto child = tracer_.start_span("continued", so);
  EXPECT_EQ(child.context().trace_id, parent.trace_id);
  child.end();
}

}  // namespace
}  // namespace tracelet
