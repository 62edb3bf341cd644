// tracelet_sender --endpoint URL --ca FILE --out FILE
//                 [--client-cert FILE --client-key FILE] [--flush-ms MS] [--compression none|gzip]
//
// The tracelet -> JS half of the interop tests: records a known set of spans with tracelet
// (nested parents, every span kind, string/bool/int/double attributes and arrays of each,
// events with attributes,
// record_error, a remote parent, an explicit local parent, attribute replacement and the span
// limits) and ships them with the real Exporter + NetConnector (TCP + Mbed TLS, trusting only
// the CA in --ca) to the endpoint, with gzip bodies when --compression gzip. Writes what it recorded to --out as normalized views
// (tests/interop/common.js): ids as hex, kinds and status codes as OTLP numbers, typed values.
// tracelet reads its own clock, so each time is written as the window {min, max} measured with
// Tracer::now_unix_ns() right before and right after the call that took it.
// With --client-cert/--client-key it presents that client certificate (mutual TLS);
// --flush-ms bounds the final flush (default 30000), for runs expected to fail.
//
// Exit status: 0 every span was acknowledged (flush kOk, no failures, no drops); 1 otherwise;
// 2 usage or setup error.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "support/json_text.h"
#include "tracelet/exporter.h"
#include "tracelet/net_connector.h"
#include "tracelet/tracelet.h"
#include "tracelet/version.h"


namespace {

// The limit spans fill a span's data bytes with TRACELET_MAX_ATTRIBUTES attributes of 18 bytes
// ("attr.000" + int) or TRACELET_MAX_EVENTS events of 40 bytes ("tick-000" + time + one int
// attribute). The kept ones must all fit, or drops would have a second cause that the
// expectations below do not model.
static_assert(TRACELET_MAX_ATTRIBUTES * 18 + 16 <= TRACELET_SPAN_DATA_BYTES,
              "tracelet_sender's limits span assumes TRACELET_MAX_ATTRIBUTES attributes fit in "
              "TRACELET_SPAN_DATA_BYTES.");
static_assert(TRACELET_MAX_EVENTS * 40 + 16 <= TRACELET_SPAN_DATA_BYTES,
              "tracelet_sender's events span assumes TRACELET_MAX_EVENTS events fit in "
              "TRACELET_SPAN_DATA_BYTES.");

alignas(8) std::uint8_t g_ring[256 * 1024];

// ---- JSON text ------------------------------------------------------------------------------

using tracelet::test::hex;
using tracelet::test::quote;

std::string u64(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%" PRIu64, v);
  return buf;
}

// The typed form of an attribute value, as the OTLP receiver must show it.
std::string typed(const tracelet::AttributeValue& v) {
  char buf[40];
  switch (v.type()) {
    case tracelet::AttributeValue::Type::kBool:
      return std::string("{\"bool\":") + (v.as_bool() ? "true" : "false") + "}";
    case tracelet::AttributeValue::Type::kInt:
      std::snprintf(buf, sizeof buf, "%" PRId64, v.as_int());
      return std::string("{\"int\":\"") + buf + "\"}";
    case tracelet::AttributeValue::Type::kDouble:
      std::snprintf(buf, sizeof buf, "%.17g", v.as_double());  // round-trips exactly
      return std::string("{\"double\":") + buf + "}";
    case tracelet::AttributeValue::Type::kString:
      return "{\"string\":" + quote(v.as_string()) + "}";
    case tracelet::AttributeValue::Type::kArray: {
      std::string out = "{\"array\":[";
      for (std::size_t i = 0; i < v.array_size(); ++i) out += (i ? "," : "") + typed(v.element(i));
      return out + "]}";
    }
  }
  return "{}";
}

// ---- what was recorded ------------------------------------------------------------------------

struct Window {
  std::uint64_t min = 0;
  std::uint64_t max = 0;
  std::string json() const { return "{\"min\":\"" + u64(min) + "\",\"max\":\"" + u64(max) + "\"}"; }
};

// Attributes in the order first set; setting a key again replaces its value (OTLP keys are
// unique, and tracelet documents last-value-wins).
class AttributeMap {
 public:
  void set(std::string key, std::string typed_json) {
    for (auto& kv : items_) {
      if (kv.first == key) {
        kv.second = std::move(typed_json);
        return;
      }
    }
    items_.emplace_back(std::move(key), std::move(typed_json));
  }
  std::string json() const {
    std::string out = "{";
    for (std::size_t i = 0; i < items_.size(); ++i) {
      if (i) out += ',';
      out += quote(items_[i].first) + ":" + items_[i].second;
    }
    return out + "}";
  }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct ExpectedEvent {
  std::string name;
  Window time;
  AttributeMap attributes;
  std::uint32_t dropped_attributes = 0;
};

struct ExpectedSpan {
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;
  std::uint32_t flags = 0;
  std::string name;
  int kind = 0;
  Window start;
  Window end;
  AttributeMap attributes;
  std::uint32_t dropped_attributes = 0;
  std::vector<ExpectedEvent> events;
  std::uint32_t dropped_events = 0;
  int status_code = 0;
  std::string status_message;
};

// OTLP Span.flags (trace.proto SpanFlags): bits 0-7 W3C trace flags, bit 8 "bit 9 is known",
// bit 9 "the parent span is remote".
constexpr std::uint32_t kHasIsRemote = 0x100;
constexpr std::uint32_t kIsRemote = 0x200;

// Records spans on a tracer and keeps, for each, what a receiver must see. Spans are addressed
// by the index begin() returns (references into the vector would not survive the next begin).
class Recorder {
 public:
  explicit Recorder(tracelet::Tracer& tracer) : tracer_(tracer) {}

  std::uint64_t now() const { return tracer_.now_unix_ns(); }

  // Starts the expected view of `span`, just returned by start_span (`before` = now() taken
  // right before that call). Trace id, parent and flags come from `parent` (nullptr = a new
  // sampled trace), not from the span, so a span that failed to join its trace is caught.
  std::size_t begin(const tracelet::Span& span, std::string name, tracelet::SpanKind kind,
                    std::uint64_t before, const tracelet::SpanContext* parent) {
    ExpectedSpan e;
    e.start = {before, now()};
    const tracelet::SpanContext& c = span.context();
    e.trace_id = hex((parent != nullptr ? parent->trace_id : c.trace_id).bytes, 16);
    e.span_id = hex(c.span_id.bytes, 8);
    e.parent_span_id = parent != nullptr ? hex(parent->span_id.bytes, 8) : "";
    const std::uint32_t trace_flags =
        parent != nullptr ? parent->trace_flags : tracelet::kTraceFlagSampled;
    e.flags = trace_flags | kHasIsRemote | (parent != nullptr && parent->is_remote ? kIsRemote : 0u);
    e.name = std::move(name);
    e.kind = static_cast<int>(kind);
    spans_.push_back(std::move(e));
    return spans_.size() - 1;
  }

  ExpectedSpan& operator[](std::size_t i) { return spans_[i]; }

  void attribute(tracelet::Span& span, std::size_t i, std::string_view key,
                 const tracelet::AttributeValue& value) {
    span.set_attribute(key, value);
    spans_[i].attributes.set(std::string(key), typed(value));
  }

  void event(tracelet::Span& span, std::size_t i, std::string_view name,
             std::initializer_list<tracelet::Attribute> attributes) {
    ExpectedEvent ev;
    ev.name = std::string(name);
    const std::uint64_t before = now();
    span.add_event(name, attributes);
    ev.time = {before, now()};
    for (const tracelet::Attribute& a : attributes) ev.attributes.set(std::string(a.key), typed(a.value));
    spans_[i].events.push_back(std::move(ev));
  }

  void end(tracelet::Span& span, std::size_t i) {
    const std::uint64_t before = now();
    span.end();
    spans_[i].end = {before, now()};
  }

  const std::vector<ExpectedSpan>& spans() const { return spans_; }

 private:
  tracelet::Tracer& tracer_;
  std::vector<ExpectedSpan> spans_;
};

void record_request_trace(tracelet::Tracer& tracer, Recorder& r) {
  using tracelet::SpanKind;
  using tracelet::StartOptions;
  StartOptions server;
  server.kind = SpanKind::kServer;
  server.new_trace = true;
  std::uint64_t t = r.now();
  tracelet::Span root = tracer.start_span("checkout", server);
  const std::size_t root_i = r.begin(root, "checkout", SpanKind::kServer, t, nullptr);
  const tracelet::SpanContext root_ctx = root.context();
  r.attribute(root, root_i, "http.request.method", "POST");
  r.attribute(root, root_i, "http.response.status_code", 200);
  r.attribute(root, root_i, "http.route", "/api/checkout");
  r.attribute(root, root_i, "interop.cached", false);
  r.attribute(root, root_i, "interop.retried", true);
  r.attribute(root, root_i, "interop.ratio", 0.75);
  r.attribute(root, root_i, "interop.negative", -42);
  r.attribute(root, root_i, "interop.int64_max", INT64_MAX);
  r.attribute(root, root_i, "interop.int64_min", INT64_MIN);
  r.attribute(root, root_i, "interop.tiny_double", 1.5e-300);
  r.attribute(root, root_i, "interop.unicode", "grüße, 世界 ✓");
  // The same key twice, with the same and with a different encoded size: a receiver must see
  // the last value, once.
  r.attribute(root, root_i, "interop.attempt", 1);
  r.attribute(root, root_i, "interop.attempt", 2);
  r.attribute(root, root_i, "interop.mode", "a");
  r.attribute(root, root_i, "interop.mode", "a-longer-value");
  root.set_status(tracelet::StatusCode::kOk);
  r[root_i].status_code = 1;

  {
    t = r.now();
    tracelet::Span load = tracer.start_span("load-cart");  // child of the current span: root
    const std::size_t load_i = r.begin(load, "load-cart", SpanKind::kInternal, t, &root_ctx);
    const tracelet::SpanContext load_ctx = load.context();
    r.attribute(load, load_i, "cart.items", 3);
    r.event(load, load_i, "cache-miss",
            {{"cache.key", "cart:42"}, {"cache.ttl_ms", 1500}, {"cache.hit", false}, {"cache.load", 0.125}});
    {
      StartOptions client;
      client.kind = SpanKind::kClient;
      t = r.now();
      tracelet::Span db = tracer.start_span("db.query", client);
      const std::size_t db_i = r.begin(db, "db.query", SpanKind::kClient, t, &load_ctx);
      r.attribute(db, db_i, "db.system.name", "postgresql");
      r.attribute(db, db_i, "db.response.returned_rows", 3);
      r.attribute(db, db_i, "db.query.text", "SELECT * FROM cart WHERE id = $1");
      r.end(db, db_i);
    }
    static const std::int64_t kItemIds[] = {17, 42, 99};
    r.event(load, load_i, "loaded", {{"cart.item_ids", tracelet::AttributeValue::array(kItemIds, 3)}});
    r.end(load, load_i);
  }

  tracelet::SpanContext publish_ctx;
  {
    StartOptions producer;
    producer.kind = SpanKind::kProducer;
    t = r.now();
    tracelet::Span publish = tracer.start_span("publish-order", producer);
    const std::size_t pub_i = r.begin(publish, "publish-order", SpanKind::kProducer, t, &root_ctx);
    r.attribute(publish, pub_i, "messaging.system", "kafka");
    r.attribute(publish, pub_i, "messaging.destination.name", "orders");
    publish_ctx = publish.context();
    r.end(publish, pub_i);
  }
  {
    // An explicit local parent (the ended producer) instead of the current span (root).
    StartOptions consumer;
    consumer.kind = SpanKind::kConsumer;
    consumer.parent = &publish_ctx;
    t = r.now();
    tracelet::Span handle = tracer.start_span("handle-order", consumer);
    const std::size_t h_i = r.begin(handle, "handle-order", SpanKind::kConsumer, t, &publish_ctx);
    r.attribute(handle, h_i, "messaging.operation.type", "process");
    // Arrays (OTLP ArrayValue) of each element type, and an empty one.
    static const std::string_view kTags[] = {"checkout", "", "grüße"};
    static const bool kFlags[] = {true, false, true};
    static const std::int64_t kInts[] = {INT64_MIN, -1, 0, INT64_MAX};
    static const double kDoubles[] = {0.25, -1.5e300};
    r.attribute(handle, h_i, "interop.array.strings", tracelet::AttributeValue::array(kTags, 3));
    r.attribute(handle, h_i, "interop.array.bools", tracelet::AttributeValue::array(kFlags, 3));
    r.attribute(handle, h_i, "interop.array.ints", tracelet::AttributeValue::array(kInts, 4));
    r.attribute(handle, h_i, "interop.array.doubles", tracelet::AttributeValue::array(kDoubles, 2));
    r.attribute(handle, h_i, "interop.array.empty", tracelet::AttributeValue::array(kInts, 0));
    r.end(handle, h_i);
  }
  {
    StartOptions client;
    client.kind = SpanKind::kClient;
    t = r.now();
    tracelet::Span charge = tracer.start_span("charge-card", client);
    const std::size_t c_i = r.begin(charge, "charge-card", SpanKind::kClient, t, &root_ctx);
    r.attribute(charge, c_i, "payment.amount", 19.99);
    r.attribute(charge, c_i, "payment.currency", "EUR");
    static constexpr const char* kStack = "PaymentError: card declined\n    at charge (pay.cpp:12)";
    ExpectedEvent ev;
    ev.name = "exception";
    const std::uint64_t before = r.now();
    charge.record_error("PaymentError", "card declined", kStack);
    ev.time = {before, r.now()};
    // OpenTelemetry semantic conventions for exceptions.
    ev.attributes.set("exception.type", typed("PaymentError"));
    ev.attributes.set("exception.message", typed("card declined"));
    ev.attributes.set("exception.stacktrace", typed(kStack));
    r[c_i].events.push_back(std::move(ev));
    r[c_i].status_code = 2;
    r[c_i].status_message = "card declined";
    r.end(charge, c_i);
  }
  r.end(root, root_i);
}

void record_remote_trace(tracelet::Tracer& tracer, Recorder& r) {
  // As extracted from "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".
  tracelet::SpanContext remote;
  const std::uint8_t trace_id[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
                                     0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
  const std::uint8_t span_id[8] = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
  std::memcpy(remote.trace_id.bytes, trace_id, 16);
  std::memcpy(remote.span_id.bytes, span_id, 8);
  remote.trace_flags = tracelet::kTraceFlagSampled;
  remote.is_remote = true;
  tracelet::StartOptions incoming;
  incoming.kind = tracelet::SpanKind::kServer;
  incoming.parent = &remote;
  const std::uint64_t t = r.now();
  tracelet::Span child = tracer.start_span("remote-child", incoming);
  const std::size_t i = r.begin(child, "remote-child", tracelet::SpanKind::kServer, t, &remote);
  r.attribute(child, i, "interop.remote", true);
  r.end(child, i);
}

void record_limit_traces(tracelet::Tracer& tracer, Recorder& r) {
  tracelet::StartOptions fresh;
  fresh.new_trace = true;
  {
    const std::uint64_t t = r.now();
    tracelet::Span limits = tracer.start_span("limits", fresh);
    const std::size_t i = r.begin(limits, "limits", tracelet::SpanKind::kInternal, t, nullptr);
    // TRACELET_MAX_ATTRIBUTES + 2 distinct keys: the first ones are kept, 2 dropped and counted.
    for (int n = 0; n < TRACELET_MAX_ATTRIBUTES + 2; ++n) {
      char key[16];
      std::snprintf(key, sizeof key, "attr.%03d", n);
      if (n < TRACELET_MAX_ATTRIBUTES) {
        r.attribute(limits, i, key, n);
      } else {
        limits.set_attribute(key, n);
        ++r[i].dropped_attributes;
      }
    }
    limits.set_status(tracelet::StatusCode::kError);  // an error without a message
    r[i].status_code = 2;
    r.end(limits, i);
  }
  {
    const std::uint64_t t = r.now();
    tracelet::Span events = tracer.start_span("events", fresh);
    const std::size_t i = r.begin(events, "events", tracelet::SpanKind::kInternal, t, nullptr);
    // TRACELET_MAX_EVENTS + 2 events: tracelet keeps the first ones, drops and counts the rest.
    for (int n = 0; n < TRACELET_MAX_EVENTS + 2; ++n) {
      char name[16];
      std::snprintf(name, sizeof name, "tick-%03d", n);
      if (n < TRACELET_MAX_EVENTS) {
        r.event(events, i, name, {{"tick.index", n}});
      } else {
        events.add_event(name, {{"tick.index", n}});
        ++r[i].dropped_events;
      }
    }
    r.end(events, i);
  }
  {
    const std::uint64_t t = r.now();
    tracelet::Span cut = tracer.start_span("truncation", fresh);
    const std::size_t i = r.begin(cut, "truncation", tracelet::SpanKind::kInternal, t, nullptr);
    // Longer than TRACELET_MAX_STRING_BYTES: cut to that many bytes...
    const std::string ascii(TRACELET_MAX_STRING_BYTES + 36, 'a');
    cut.set_attribute("long.ascii", ascii);
    r[i].attributes.set("long.ascii", typed(ascii.substr(0, TRACELET_MAX_STRING_BYTES)));
    // ... and never inside a UTF-8 sequence: a 2-byte character across the limit goes whole.
    const std::string utf8 = std::string(TRACELET_MAX_STRING_BYTES - 1, 'x') + "\xc3\xa9";
    cut.set_attribute("long.utf8", utf8);
    r[i].attributes.set("long.utf8", typed(std::string(TRACELET_MAX_STRING_BYTES - 1, 'x')));
    // Arrays keep their first TRACELET_MAX_ARRAY_ELEMENTS elements (the attribute stays).
    std::vector<std::int64_t> many(TRACELET_MAX_ARRAY_ELEMENTS + 3);
    for (std::size_t n = 0; n < many.size(); ++n) many[n] = static_cast<std::int64_t>(n);
    cut.set_attribute("long.array", many.data(), many.size());
    r[i].attributes.set("long.array",
                        typed(tracelet::AttributeValue::array(many.data(), TRACELET_MAX_ARRAY_ELEMENTS)));
    r.end(cut, i);
  }
}

std::string span_json(const ExpectedSpan& e, const std::string& resource, const std::string& scope) {
  std::string s = "{\"trace_id\":" + quote(e.trace_id) + ",\"span_id\":" + quote(e.span_id) +
                  ",\"parent_span_id\":" + quote(e.parent_span_id) + ",\"trace_state\":\"\"" +
                  ",\"flags\":" + std::to_string(e.flags) + ",\"name\":" + quote(e.name) +
                  ",\"kind\":" + std::to_string(e.kind) + ",\"start_time_unix_nano\":" + e.start.json() +
                  ",\"end_time_unix_nano\":" + e.end.json() + ",\"attributes\":" + e.attributes.json() +
                  ",\"dropped_attributes_count\":" + std::to_string(e.dropped_attributes) + ",\"events\":[";
  for (std::size_t i = 0; i < e.events.size(); ++i) {
    const ExpectedEvent& ev = e.events[i];
    if (i) s += ',';
    s += "{\"name\":" + quote(ev.name) + ",\"time_unix_nano\":" + ev.time.json() +
         ",\"attributes\":" + ev.attributes.json() +
         ",\"dropped_attributes_count\":" + std::to_string(ev.dropped_attributes) + "}";
  }
  s += "],\"dropped_events_count\":" + std::to_string(e.dropped_events) +
       ",\"links\":[],\"dropped_links_count\":0,\"status\":{\"code\":" + std::to_string(e.status_code) +
       ",\"message\":" + quote(e.status_message) + "},\"resource\":" + resource + ",\"scope\":" + scope + "}";
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const char* endpoint = nullptr;
  const char* ca = nullptr;
  const char* out_path = nullptr;
  const char* client_cert = nullptr;
  const char* client_key = nullptr;
  long flush_ms_limit = 30000;
  bool usage_ok = argc % 2 == 1;
  const char* compression = "none";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--endpoint") == 0) {
      endpoint = argv[i + 1];
    } else if (std::strcmp(argv[i], "--ca") == 0) {
      ca = argv[i + 1];
    } else if (std::strcmp(argv[i], "--out") == 0) {
      out_path = argv[i + 1];
    } else if (std::strcmp(argv[i], "--client-cert") == 0) {
      client_cert = argv[i + 1];
    } else if (std::strcmp(argv[i], "--client-key") == 0) {
      client_key = argv[i + 1];
    } else if (std::strcmp(argv[i], "--flush-ms") == 0) {
      flush_ms_limit = std::strtol(argv[i + 1], nullptr, 10);
      usage_ok = usage_ok && flush_ms_limit > 0;
    } else if (std::strcmp(argv[i], "--compression") == 0) {
      compression = argv[i + 1];
    } else {
      usage_ok = false;
    }
  }
  const bool gzip = std::strcmp(compression, "gzip") == 0;
  if (endpoint == nullptr || ca == nullptr || out_path == nullptr || !usage_ok ||
      (!gzip && std::strcmp(compression, "none") != 0)) {
    std::fprintf(stderr, "usage: tracelet_sender --endpoint URL --ca FILE --out FILE "
                         "[--client-cert FILE --client-key FILE] [--flush-ms MS] [--compression none|gzip]\n");
    return 2;
  }

  static const tracelet::Attribute kResource[] = {
      {"device.id", "dev-42"},
      {"interop.resource.int", 7},
      {"interop.resource.bool", true},
      {"interop.resource.double", 2.5},
  };
  tracelet::Options options;
  options.service_name = "interop-tracelet";
  options.service_version = "0.9.1";
  options.resource_attributes = kResource;
  options.resource_attribute_count = sizeof kResource / sizeof kResource[0];
  options.ring_memory = tracelet::ByteSpan{g_ring, sizeof g_ring};
  static tracelet::Tracer tracer;
  if (tracer.init(options) != tracelet::Status::kOk) {
    std::fprintf(stderr, "tracelet_sender: Tracer::init failed\n");
    return 2;
  }
  // What tracelet documents for its resource: service.*, telemetry.sdk.*, then ours.
  AttributeMap resource;
  resource.set("service.name", typed("interop-tracelet"));
  resource.set("service.version", typed("0.9.1"));
  resource.set("telemetry.sdk.name", typed("tracelet"));
  resource.set("telemetry.sdk.language", typed("cpp"));
  resource.set("telemetry.sdk.version", typed(TRACELET_VERSION_STRING));
  for (const tracelet::Attribute& a : kResource) resource.set(std::string(a.key), typed(a.value));
  const std::string resource_json =
      "{\"attributes\":" + resource.json() + ",\"dropped_attributes_count\":0}";
  const std::string scope_json =
      "{\"name\":\"tracelet\",\"version\":" + quote(TRACELET_VERSION_STRING) + ",\"attributes\":{}}";

  tracelet::ExporterConfig config;
  config.endpoint = endpoint;
  config.ca_file = ca;
  config.client_cert_file = client_cert;
  config.client_key_file = client_key;
  config.max_export_batch_size = 4;  // several requests, over one keep-alive connection
  config.timeout_ms = 10000;
  config.initial_backoff_ms = 100;
  config.compression = gzip ? tracelet::Compression::kGzip : tracelet::Compression::kNone;
  static tracelet::NetConnector connector;
  connector.configure(config);
  static tracelet::Exporter exporter;
  if (exporter.init(tracer, config, connector.connector()) != tracelet::Status::kOk) {
    std::fprintf(stderr, "tracelet_sender: Exporter::init failed (see above)\n");
    return 2;
  }

  Recorder recorder(tracer);
  record_request_trace(tracer, recorder);
  record_remote_trace(tracer, recorder);
  record_limit_traces(tracer, recorder);
  const auto flush_start = std::chrono::steady_clock::now();
  const tracelet::Status flushed = exporter.flush(static_cast<std::uint32_t>(flush_ms_limit));
  const auto flush_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - flush_start).count();
  const tracelet::ExporterCounters ec = exporter.counters();
  const tracelet::TracerCounters tc = tracer.counters();
  (void)exporter.shutdown(1000);

  const std::vector<ExpectedSpan>& spans = recorder.spans();
  std::string doc = "{\"spans\":[";
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (i) doc += ",\n";
    doc += span_json(spans[i], resource_json, scope_json);
  }
  doc += "],\n\"counters\":{\"spans_recorded\":" + u64(tc.spans_recorded) +
         ",\"spans_exported\":" + u64(ec.spans_exported) + ",\"export_attempts\":" + u64(ec.export_attempts) +
         ",\"exports_succeeded\":" + u64(ec.exports_succeeded) +
         ",\"export_failures\":" + u64(ec.export_failures) + ",\"connects\":" + u64(ec.connects) +
         ",\"bytes_sent\":" + u64(ec.bytes_sent) + ",\"bytes_uncompressed\":" + u64(ec.bytes_uncompressed) +
         ",\"last_http_status\":" + std::to_string(ec.last_http_status) +
         ",\"flush_ms\":" + std::to_string(flush_ms) + "}}\n";
  std::FILE* out = std::fopen(out_path, "wb");
  if (out == nullptr) {
    std::fprintf(stderr, "tracelet_sender: cannot open %s\n", out_path);
    return 2;
  }
  const bool written = std::fwrite(doc.data(), 1, doc.size(), out) == doc.size();
  if (std::fclose(out) != 0 || !written) {
    std::fprintf(stderr, "tracelet_sender: cannot write %s\n", out_path);
    return 2;
  }

  std::printf("tracelet_sender: %zu spans recorded (ring accepted %" PRIu64 ", dropped %" PRIu64
              "); flush: %s after %lld ms; %" PRIu64 " spans acknowledged; %" PRIu64 " of %" PRIu64
              " requests succeeded over %" PRIu64 " connection(s); %" PRIu64
              " body bytes; last HTTP status %d\n",
              spans.size(), tc.spans_recorded,
              tc.spans_dropped_full + tc.spans_dropped_overwritten + tc.spans_dropped_too_large,
              tracelet::to_string(flushed), static_cast<long long>(flush_ms), ec.spans_exported, ec.exports_succeeded,
              ec.export_attempts, ec.connects, ec.bytes_sent, ec.last_http_status);
  const bool ok = flushed == tracelet::Status::kOk && tc.spans_recorded == spans.size() &&
                  ec.spans_exported == spans.size() && ec.export_failures == 0 &&
                  ec.spans_rejected == 0 && ec.spans_dropped_non_retryable == 0;
  return ok ? 0 : 1;
}
