// Records a set of spans that uses every field tracelet encodes, streams them through the
// OTLP encoder into <dir>/request.bin, and writes what a correct decoder must find into
// <dir>/expected.json (the normalized form check_request.js compares against, built here from
// the values the test recorded, not from any decoder). The official OTLP definitions then
// decode request.bin in check_request.js.
#include <pb_encode.h>

#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "otlp/encode.h"
#include "support/json_text.h"
#include "tracelet/fake_port.h"
#include "tracelet/tracelet.h"
#include "tracelet/version.h"

namespace {

using tracelet::SpanContext;

using tracelet::test::hex;
using tracelet::test::quote;

std::string kv_string(const std::string& key, const std::string& v) {
  return "{\"key\":" + quote(key) + ",\"value\":{\"string\":" + quote(v) + "}}";
}
std::string kv_int(const std::string& key, std::int64_t v) {
  return "{\"key\":" + quote(key) + ",\"value\":{\"int\":\"" + std::to_string(v) + "\"}}";
}
std::string kv_bool(const std::string& key, bool v) {
  return "{\"key\":" + quote(key) + ",\"value\":{\"bool\":" + (v ? "true" : "false") + "}}";
}
std::string kv_double(const std::string& key, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return "{\"key\":" + quote(key) + ",\"value\":{\"double\":" + buf + "}}";
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  return "[" + out + "]";
}

// Array values: `elements` are normalized AnyValues ({"string":..}, {"int":".."}, ...).
std::string kv_array(const std::string& key, const std::vector<std::string>& elements) {
  return "{\"key\":" + quote(key) + ",\"value\":{\"array\":" + join(elements) + "}}";
}
std::string any_string(const std::string& v) { return "{\"string\":" + quote(v) + "}"; }
std::string any_int(std::int64_t v) { return "{\"int\":\"" + std::to_string(v) + "\"}"; }
std::string any_bool(bool v) { return std::string("{\"bool\":") + (v ? "true" : "false") + "}"; }
std::string any_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return std::string("{\"double\":") + buf + "}";
}

struct ExpectedSpan {
  SpanContext context;
  std::string parent_hex;
  std::uint32_t flags;
  std::string name;
  int kind;
  std::uint64_t start, end;
  std::vector<std::string> attributes;
  unsigned dropped_attributes;
  std::vector<std::string> events;
  unsigned dropped_events;
  int status_code;
  std::string status_message;
  std::vector<std::string> links;
  unsigned dropped_links = 0;
};

std::string span_json(const ExpectedSpan& s) {
  return std::string("{") + "\"trace_id\":\"" + hex(s.context.trace_id.bytes, 16) + "\"," +
         "\"span_id\":\"" + hex(s.context.span_id.bytes, 8) + "\"," + "\"trace_state\":\"\"," +
         "\"parent_span_id\":\"" + s.parent_hex + "\"," + "\"flags\":" + std::to_string(s.flags) +
         "," + "\"name\":" + quote(s.name) + "," + "\"kind\":" + std::to_string(s.kind) + "," +
         "\"start_time_unix_nano\":\"" + std::to_string(s.start) + "\"," +
         "\"end_time_unix_nano\":\"" + std::to_string(s.end) + "\"," +
         "\"attributes\":" + join(s.attributes) + "," +
         "\"dropped_attributes_count\":" + std::to_string(s.dropped_attributes) + "," +
         "\"events\":" + join(s.events) + "," +
         "\"dropped_events_count\":" + std::to_string(s.dropped_events) + "," +
         "\"links\":" + join(s.links) + ",\"dropped_links_count\":" + std::to_string(s.dropped_links) + "," + "\"status\":{\"code\":" +
         std::to_string(s.status_code) + ",\"message\":" + quote(s.status_message) + "}}";
}

std::string link_json(const SpanContext& c, std::uint32_t flags,
                      const std::vector<std::string>& attributes) {
  return "{\"trace_id\":\"" + hex(c.trace_id.bytes, 16) + "\",\"span_id\":\"" +
         hex(c.span_id.bytes, 8) + "\",\"trace_state\":\"\",\"attributes\":" + join(attributes) +
         ",\"dropped_attributes_count\":0,\"flags\":" + std::to_string(flags) + "}";
}

std::string event_json(const std::string& name, std::uint64_t time,
                       const std::vector<std::string>& attributes, unsigned dropped) {
  return "{\"time_unix_nano\":\"" + std::to_string(time) + "\",\"name\":" + quote(name) +
         ",\"attributes\":" + join(attributes) +
         ",\"dropped_attributes_count\":" + std::to_string(dropped) + "}";
}

bool write_file(const std::string& path, const void* data, std::size_t len) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(data, 1, len, f) == len;
  return std::fclose(f) == 0 && ok;
}

bool file_writer(pb_ostream_t* stream, const pb_byte_t* buf, std::size_t count) {
  return std::fwrite(buf, 1, count, static_cast<std::FILE*>(stream->state)) == count;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  using namespace tracelet;
  constexpr std::int64_t kOffset = 1'750'000'000'000'000'000;
  fake_port::set_monotonic_ns(1'000'000);
  fake_port::set_unix_offset_ns(kOffset);
  const std::uint64_t t0 = 1'000'000 + kOffset;

  static std::uint8_t memory[32 * 1024];
  Tracer tracer;
  static const std::string_view kZones[] = {"eu-west-1a", "eu-west-1b"};
  Attribute resource[] = {{"device.id", "node-7"}, {"host.arch", "armv7l"},
                          {"deployment.zones", AttributeValue::array(kZones, 2)}};
  Options options;
  options.service_name = "sensor-node";
  options.service_version = "2.4.1";
  options.resource_attributes = resource;
  options.resource_attribute_count = 3;
  options.ring_memory = ByteSpan{memory, sizeof memory};
  if (tracer.init(options) != Status::kOk) return 1;

  std::vector<ExpectedSpan> expected;
  SpanContext root_ctx, child_ctx, remote_child_ctx, root2_ctx;
  SpanContext remote;
  for (int i = 0; i < 16; ++i) remote.trace_id.bytes[i] = static_cast<std::uint8_t>(0xa0 + i);
  for (int i = 0; i < 8; ++i) remote.span_id.bytes[i] = static_cast<std::uint8_t>(0x10 + i);
  remote.trace_flags = kTraceFlagSampled;
  remote.is_remote = true;
  std::string long_value(200, 'x');
  {
    StartOptions server;
    server.kind = SpanKind::kServer;
    auto root = tracer.start_span("handle-request", server);
    root_ctx = root.context();
    root.set_attribute("http.request.method", "GET");
    root.set_attribute("http.response.status_code", 200);
    root.set_attribute("cache.hit", false);
    root.set_attribute("load", 0.75);
    root.set_attribute("negative", std::int64_t{-1234567890123});
    root.set_attribute("empty", "");
    root.set_attribute("array.strings", {"a", "", "grüße"});
    root.set_attribute("array.bools", {true, false});
    root.set_attribute("array.ints", {std::int64_t{-1}, std::int64_t{0}, INT64_MAX});
    root.set_attribute("array.doubles", {0.5, -2.25});
    root.set_attribute("array.empty", static_cast<const std::int64_t*>(nullptr), 0);
    fake_port::advance_ns(1000);
    {
      StartOptions client;
      client.kind = SpanKind::kClient;
      auto child = tracer.start_span("read-sensor", client);
      child_ctx = child.context();
      fake_port::advance_ns(250);
      const std::int64_t backoff_ms[] = {100, 200};
      child.add_event("retry", {{"attempt", 2}, {"ok", true},
                                {"backoff_ms", AttributeValue::array(backoff_ms, 2)}});
      fake_port::advance_ns(250);
      child.record_error("I2cNack", "device 0x48 did not answer");
      child.set_attribute("truncated", long_value);
      fake_port::advance_ns(500);
    }
    fake_port::advance_ns(1000);
    root.set_status(StatusCode::kOk);
  }
  {
    StartOptions options_remote;
    options_remote.parent = &remote;
    options_remote.kind = SpanKind::kConsumer;
    auto span = tracer.start_span("consume", options_remote);
    remote_child_ctx = span.context();
    for (int i = 0; i < TRACELET_MAX_ATTRIBUTES + 2; ++i) {
      span.set_attribute("k" + std::to_string(i), i);
    }
    for (int i = 0; i < TRACELET_MAX_EVENTS + 1; ++i) span.add_event("tick");
    fake_port::advance_ns(10);
  }
  {
    StartOptions producer;
    producer.kind = SpanKind::kProducer;
    producer.new_trace = true;
    auto span = tracer.start_span("publish", producer);
    root2_ctx = span.context();
    span.set_status(StatusCode::kError, "broker unreachable");
    const std::string_view topics[] = {"t1", "t2"};
    span.add_link(child_ctx, {{"link.reason", "batched"}, {"records", 3},
                              {"link.topics", AttributeValue::array(topics, 2)}});
    span.add_link(remote);
    for (int i = 0; i < TRACELET_MAX_LINKS - 1; ++i) span.add_link(root_ctx);  // one too many
  }

  const std::uint64_t kSampledRootFlags = 0x101;  // sampled + HAS_IS_REMOTE
  ExpectedSpan child;
  child.context = child_ctx;
  child.parent_hex = hex(root_ctx.span_id.bytes, 8);
  child.flags = kSampledRootFlags;
  child.name = "read-sensor";
  child.kind = 3;
  child.start = t0 + 1000;
  child.end = t0 + 2000;
  child.attributes = {kv_string("truncated", std::string(TRACELET_MAX_STRING_BYTES, 'x'))};
  child.dropped_attributes = 0;
  child.events = {
      event_json("retry", t0 + 1250,
                 {kv_int("attempt", 2), kv_bool("ok", true),
                  kv_array("backoff_ms", {any_int(100), any_int(200)})},
                 0),
      event_json("exception", t0 + 1500,
                 {kv_string("exception.type", "I2cNack"),
                  kv_string("exception.message", "device 0x48 did not answer")},
                 0)};
  child.dropped_events = 0;
  child.status_code = 2;
  child.status_message = "device 0x48 did not answer";

  ExpectedSpan root;
  root.context = root_ctx;
  root.parent_hex = "";
  root.flags = kSampledRootFlags;
  root.name = "handle-request";
  root.kind = 2;
  root.start = t0;
  root.end = t0 + 3000;
  root.attributes = {kv_string("http.request.method", "GET"),
                     kv_int("http.response.status_code", 200), kv_bool("cache.hit", false),
                     kv_double("load", 0.75), kv_int("negative", -1234567890123),
                     kv_string("empty", ""),
                     kv_array("array.strings", {any_string("a"), any_string(""), any_string("grüße")}),
                     kv_array("array.bools", {any_bool(true), any_bool(false)}),
                     kv_array("array.ints", {any_int(-1), any_int(0), any_int(INT64_MAX)}),
                     kv_array("array.doubles", {any_double(0.5), any_double(-2.25)}),
                     kv_array("array.empty", {})};
  root.dropped_attributes = 0;
  root.dropped_events = 0;
  root.status_code = 1;

  ExpectedSpan consume;
  consume.context = remote_child_ctx;
  consume.parent_hex = hex(remote.span_id.bytes, 8);
  consume.flags = 0x301;  // sampled + HAS_IS_REMOTE + IS_REMOTE
  consume.name = "consume";
  consume.kind = 5;
  consume.start = t0 + 3000;
  consume.end = t0 + 3010;
  for (int i = 0; i < TRACELET_MAX_ATTRIBUTES; ++i) {
    consume.attributes.push_back(kv_int("k" + std::to_string(i), i));
  }
  consume.dropped_attributes = 2;
  for (int i = 0; i < TRACELET_MAX_EVENTS; ++i) {
    consume.events.push_back(event_json("tick", t0 + 3000, {}, 0));
  }
  consume.dropped_events = 1;
  consume.status_code = 0;

  ExpectedSpan publish;
  publish.context = root2_ctx;
  publish.parent_hex = "";
  publish.flags = kSampledRootFlags;
  publish.name = "publish";
  publish.kind = 4;
  publish.start = t0 + 3010;
  publish.end = t0 + 3010;
  publish.dropped_attributes = 0;
  publish.dropped_events = 0;
  publish.status_code = 2;
  publish.status_message = "broker unreachable";
  publish.links = {link_json(child_ctx, 0x101, {kv_string("link.reason", "batched"), kv_int("records", 3),
                                                kv_array("link.topics", {any_string("t1"), any_string("t2")})}),
                   link_json(remote, 0x301, {})};
  for (int i = 0; i < TRACELET_MAX_LINKS - 2; ++i) publish.links.push_back(link_json(root_ctx, 0x101, {}));
  publish.dropped_links = 1;

  std::vector<std::string> spans = {span_json(child), span_json(root), span_json(consume),
                                    span_json(publish)};
  std::string json =
      "{\"resource_spans\":[{\"resource\":{\"attributes\":" +
      join({kv_string("service.name", "sensor-node"), kv_string("service.version", "2.4.1"),
            kv_string("telemetry.sdk.name", "tracelet"), kv_string("telemetry.sdk.language", "cpp"),
            kv_string("telemetry.sdk.version", TRACELET_VERSION_STRING),
            kv_string("device.id", "node-7"), kv_string("host.arch", "armv7l"),
            kv_array("deployment.zones", {any_string("eu-west-1a"), any_string("eu-west-1b")})}) +
      ",\"dropped_attributes_count\":0},\"schema_url\":\"\",\"scope_spans\":[{\"scope\":{\"name\":"
      "\"tracelet\",\"version\":\"" TRACELET_VERSION_STRING
      "\",\"attributes\":[],\"dropped_attributes_count\":0},\"schema_url\":\"\",\"spans\":" +
      join(spans) + "}]}]}\n";

  Batch batch;
  if (tracer.ring().peek_batch(batch, 100) != Status::kOk || batch.count != 4) {
    std::fprintf(stderr, "expected 4 spans in the ring, found %zu\n", batch.count);
    return 1;
  }
  otlp::RequestSource source;
  source.ring = &tracer.ring();
  source.batch = batch;
  source.resource = tracer.resource();
  std::size_t size = 0;
  if (!otlp::request_size(source, size)) return 1;
  std::FILE* out = std::fopen((dir + "/request.bin").c_str(), "wb");
  if (out == nullptr) {
    std::perror("request.bin");
    return 1;
  }
  pb_ostream_t stream = {&file_writer, out, SIZE_MAX, 0, nullptr};
  std::size_t skipped = 0;
  bool ok = otlp::encode_request(source, &stream, &skipped);
  std::fclose(out);
  if (!ok || skipped != 0 || stream.bytes_written != size) {
    std::fprintf(stderr, "encode failed: ok=%d skipped=%zu size=%zu written=%zu\n", ok, skipped,
                 size, stream.bytes_written);
    return 1;
  }
  if (!write_file(dir + "/expected.json", json.data(), json.size())) return 1;
  std::printf("wrote %zu spans, %zu bytes to %s/request.bin\n", batch.count, size, dir.c_str());
  return 0;
}
