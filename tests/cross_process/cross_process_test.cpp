// Cross-process distributed tracing, end to end, with real processes on 127.0.0.1:
//
//   tracelet-receiver (fresh CA, TLS)  <-- OTLP/HTTPS --  sensor_node (the demo device, tracelet)
//            ^                                                 |  POST /readings + traceparent
//            |                                                 v
//            +----------------- OTLP/HTTPS ---------  service.js (official OpenTelemetry Node SDK:
//                                                      sdk-trace-node, instrumentation-http,
//                                                      exporter-trace-otlp-proto)
//
// Both programs are configured by the same standard variables (OTEL_EXPORTER_OTLP_ENDPOINT and
// OTEL_EXPORTER_OTLP_CERTIFICATE). The test starts the three processes, stops each by PID (the
// service with SIGTERM so it flushes), and then checks in the receiver's JSONL that
//   - every device client span has exactly one service SERVER span in the same trace whose
//     parent is that client span (traceparent went out and the official SDK continued it);
//   - that server span captured the traceparent it received, naming the client span;
//   - the client span's http.response.header.traceresponse names that server span (the W3C
//     Level 2 response header came back and the device recorded it);
//   - the device's own chain sensor-cycle -> publish -> client span is one trace;
//   - the service's own child span (store-reading) sits under its server span;
//   - the W3C `baggage` header the device sent (device.id) was decoded by the official SDK's
//     W3CBaggagePropagator: the server span carries it as baggage.device.id.
// A self-check then breaks each relation in a copy of the data and requires the checker to
// notice. Artifacts (logs, JSONL, span trees) stay in the work folder for inspection.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/json_lite.h"
#include "support/process.h"
#include "support/receiver_process.h"

extern char** environ;

namespace tracelet {
namespace {

using test::ChildProcess;
using test::Json;

constexpr const char* kDeviceService = "sensor-node";
constexpr const char* kRemoteService = "reading-service";
constexpr const char* kDeviceBaggageId = "sensor-node-01";  // the baggage device.id of boards/demo/sensor_node.cpp
constexpr int kKindInternal = 1;
constexpr int kKindServer = 2;
constexpr int kKindClient = 3;
constexpr int kKindProducer = 4;

// ---- the received spans, reduced to what the checks read -----------------------------------

struct SpanView {
  std::string service;  // resource service.name
  std::string scope;
  std::string trace_id;
  std::string span_id;
  std::string parent;   // "" for a root
  std::string name;
  int kind = 0;
  std::map<std::string, std::string> attributes;  // string / int values as text; arrays joined by ','
};

std::string value_text(const Json& v) {
  if (!v["stringValue"].is_null()) return v["stringValue"].text;
  if (!v["intValue"].is_null()) return v["intValue"].text;
  if (!v["doubleValue"].is_null()) return v["doubleValue"].text;
  if (!v["boolValue"].is_null()) return v["boolValue"].boolean ? "true" : "false";
  if (!v["arrayValue"].is_null()) {
    std::string out;
    const Json& values = v["arrayValue"]["values"];
    for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + value_text(values.at(i));
    return out;
  }
  return std::string();
}

bool to_view(const std::string& line, SpanView& out, std::string& error) {
  Json j;
  if (!Json::parse(line, j)) {
    error = "not valid JSON: " + line.substr(0, 200);
    return false;
  }
  out.service = value_text(test::attribute(j["resource"]["attributes"], "service.name"));
  out.scope = j["scope"]["name"].text;
  out.trace_id = j["trace_id"].text;
  out.span_id = j["span_id"].text;
  out.parent = j["parent_span_id"].text;
  out.name = j["name"].text;
  out.kind = static_cast<int>(j["kind"].number());
  const Json& attributes = j["attributes"];
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    out.attributes[attributes.at(i)["key"].text] = value_text(attributes.at(i)["value"]);
  }
  return true;
}

std::string attr(const SpanView& s, const std::string& key) {
  const auto it = s.attributes.find(key);
  return it == s.attributes.end() ? std::string("(missing)") : it->second;
}

std::string describe(const SpanView& s) {
  return s.service + " " + s.name + " span " + s.span_id + " (trace " + s.trace_id + ")";
}

// ---- the checks -------------------------------------------------------------------------------

// Returns one sentence per broken expectation; empty when the trace data is as it should be.
// `expected_calls` is the number of calls the device reported.
std::vector<std::string> check_cross_process(const std::vector<SpanView>& spans, unsigned expected_calls) {
  std::vector<std::string> problems;
  std::map<std::string, const SpanView*> device_by_id;
  std::vector<const SpanView*> clients;
  std::vector<const SpanView*> servers;
  std::vector<const SpanView*> service_spans;
  for (const SpanView& s : spans) {
    if (s.service == kDeviceService) {
      device_by_id[s.span_id] = &s;
      if (s.kind == kKindClient) clients.push_back(&s);
    } else if (s.service == kRemoteService) {
      service_spans.push_back(&s);
      if (s.kind == kKindServer) servers.push_back(&s);
    } else {
      problems.push_back("span from an unexpected service '" + s.service + "': " + describe(s));
    }
  }
  if (expected_calls == 0) problems.push_back("the device reported no calls to the service");
  if (clients.size() != expected_calls) {
    problems.push_back("the device reported " + std::to_string(expected_calls) + " call(s) but " +
                       std::to_string(clients.size()) + " device CLIENT span(s) arrived");
  }
  if (servers.size() != clients.size()) {
    problems.push_back(std::to_string(servers.size()) + " reading-service SERVER span(s) arrived for " +
                       std::to_string(clients.size()) + " device CLIENT span(s)");
  }

  for (const SpanView* c : clients) {
    // The service's side: exactly one SERVER span continuing this client span.
    std::vector<const SpanView*> children;
    for (const SpanView* s : servers) {
      if (s->trace_id == c->trace_id && s->parent == c->span_id) children.push_back(s);
    }
    if (children.size() != 1) {
      problems.push_back(std::to_string(children.size()) + " reading-service SERVER span(s) have " + describe(*c) +
                         " as parent in its trace; expected exactly 1");
      continue;
    }
    const SpanView& server = *children.front();
    const std::string sent = "00-" + c->trace_id + "-" + c->span_id + "-01";
    if (attr(server, "http.request.header.traceparent") != sent) {
      problems.push_back("the SERVER span " + server.span_id + " captured traceparent '" +
                         attr(server, "http.request.header.traceparent") + "', expected '" + sent + "'");
    }
    // The way back: the device recorded the service's traceresponse, naming that server span.
    const std::string back = "00-" + c->trace_id + "-" + server.span_id + "-01";
    if (attr(*c, "http.response.header.traceresponse") != back) {
      problems.push_back(describe(*c) + " has http.response.header.traceresponse '" +
                         attr(*c, "http.response.header.traceresponse") + "', expected '" + back +
                         "' (the service's SERVER span)");
    }
    if (attr(server, "http.response.header.traceresponse") != back) {
      problems.push_back("the SERVER span " + server.span_id + " captured the traceresponse it sent as '" +
                         attr(server, "http.response.header.traceresponse") + "', expected '" + back + "'");
    }
    // W3C Baggage: the device's device.id, read by the service through the OTel Baggage API.
    if (attr(server, "baggage.device.id") != kDeviceBaggageId) {
      problems.push_back("the SERVER span " + server.span_id + " has baggage.device.id '" +
                         attr(server, "baggage.device.id") + "', expected '" + kDeviceBaggageId + "'");
    }
    if (attr(*c, "http.response.status_code") != "200") {
      problems.push_back(describe(*c) + " has http.response.status_code " + attr(*c, "http.response.status_code"));
    }
    // The service's own work under its server span.
    unsigned stores = 0;
    for (const SpanView* s : service_spans) {
      if (s->name == "store-reading" && s->parent == server.span_id && s->trace_id == c->trace_id) ++stores;
    }
    if (stores != 1) {
      problems.push_back(std::to_string(stores) + " store-reading span(s) under the SERVER span " + server.span_id +
                         "; expected 1");
    }
    // The device's side: sensor-cycle -> publish -> client, one trace.
    const auto publish = device_by_id.find(c->parent);
    if (publish == device_by_id.end() || publish->second->name != "publish" ||
        publish->second->kind != kKindProducer || publish->second->trace_id != c->trace_id) {
      problems.push_back(describe(*c) + ": its parent " + c->parent + " is not the device's publish span in the same trace");
      continue;
    }
    const auto cycle = device_by_id.find(publish->second->parent);
    if (cycle == device_by_id.end() || cycle->second->name != "sensor-cycle" ||
        cycle->second->kind != kKindInternal || cycle->second->trace_id != c->trace_id ||
        !cycle->second->parent.empty()) {
      problems.push_back(describe(*publish->second) + ": its parent " + publish->second->parent +
                         " is not a root sensor-cycle span in the same trace");
    }
  }
  return problems;
}

// The trace that holds `root`, across both services, as an indented tree.
std::string render_trace(const std::vector<SpanView>& spans, const std::string& trace_id) {
  std::multimap<std::string, const SpanView*> children;
  std::map<std::string, bool> present;
  for (const SpanView& s : spans) {
    if (s.trace_id == trace_id) present[s.span_id] = true;
  }
  std::vector<const SpanView*> roots;
  for (const SpanView& s : spans) {
    if (s.trace_id != trace_id) continue;
    if (s.parent.empty() || !present[s.parent]) {
      roots.push_back(&s);
    } else {
      children.emplace(s.parent, &s);
    }
  }
  static const char* const kKinds[] = {"unspecified", "internal", "server", "client", "producer", "consumer"};
  std::ostringstream out;
  out << "trace " << trace_id << '\n';
  std::function<void(const SpanView*, int)> print = [&](const SpanView* s, int depth) {
    out << std::string(static_cast<std::size_t>(2 + 2 * depth), ' ') << s->name << "  ["
        << (s->kind >= 0 && s->kind <= 5 ? kKinds[s->kind] : "?") << "]  " << s->service << "  span=" << s->span_id;
    if (!s->parent.empty()) out << " parent=" << s->parent;
    for (const char* key : {"http.request.header.traceparent", "http.response.header.traceresponse",
                            "baggage.device.id"}) {
      if (s->attributes.count(key)) out << ' ' << key << '=' << s->attributes.at(key);
    }
    out << '\n';
    const auto range = children.equal_range(s->span_id);
    for (auto it = range.first; it != range.second; ++it) print(it->second, depth + 1);
  };
  for (const SpanView* r : roots) print(r, 0);
  return out.str();
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

// The variables both the device and the official SDK read. Everything else OTEL_* is removed,
// so a developer's own settings (sampler, headers, endpoint per signal...) cannot leak in.
void set_otel_environment(std::uint16_t receiver_port, const std::string& ca_file) {
  std::vector<std::string> names;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (entry.rfind("OTEL_", 0) == 0) names.push_back(entry.substr(0, entry.find('=')));
  }
  for (const auto& n : names) unsetenv(n.c_str());
  setenv("OTEL_EXPORTER_OTLP_ENDPOINT", ("https://127.0.0.1:" + std::to_string(receiver_port)).c_str(), 1);
  setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", ca_file.c_str(), 1);
  setenv("NODE_PATH", TRACELET_XPROC_NODE_MODULES, 1);
}

TEST(CrossProcess, DeviceCallsOfficialNodeServiceAndBothTracesJoin) {
  namespace fs = std::filesystem;
  const std::string work = TRACELET_XPROC_WORK;
  std::error_code ec;
  fs::remove_all(work, ec);
  fs::create_directories(work, ec);
  ASSERT_FALSE(ec) << "cannot create " << work << ": " << ec.message();
  ASSERT_TRUE(fs::exists(std::string(TRACELET_XPROC_NODE_MODULES) + "/@opentelemetry/sdk-trace-node"))
      << "the npm packages are missing in " << TRACELET_XPROC_NODE_MODULES
      << "; run the fixture test cross_process_npm_ci first (ctest -L cross_process does)";

  // 1. The receiver, with a fresh CA.
  const std::string ca_dir = work + "/ca";
  const std::string ca_error = test::make_test_ca(ca_dir);
  ASSERT_TRUE(ca_error.empty()) << ca_error;
  test::ReceiverProcess receiver;
  std::string error;
  ASSERT_TRUE(receiver.start(work, {"--certs", ca_dir}, error)) << error;
  std::printf("receiver pid %d on https://127.0.0.1:%u\n", static_cast<int>(receiver.pid()), receiver.port());
  set_otel_environment(receiver.port(), ca_dir + "/ca.crt");

  // 2. The service (official Node SDK).
  const std::string port_file = work + "/service.port";
  ChildProcess service;
  ASSERT_TRUE(service.start({TRACELET_XPROC_NODE, TRACELET_XPROC_SERVICE_JS, port_file}, work + "/service.out",
                            work + "/service.err", error))
      << error;
  if (!test::wait_for_file(port_file, 20000)) {
    const int rc = service.stop(SIGKILL);
    FAIL() << "reading-service did not start (exit " << rc << "):\n"
           << test::read_file(work + "/service.out") << test::read_file(work + "/service.err");
  }
  const int service_port = std::atoi(test::read_file(port_file).c_str());
  ASSERT_GT(service_port, 0) << "bad port file " << port_file;
  const std::string url = "http://127.0.0.1:" + std::to_string(service_port) + "/readings";
  std::printf("reading-service pid %d on %s\n", static_cast<int>(service.pid()), url.c_str());

  // 3. The device: 2 s of 200 ms cycles, each publish step POSTs to the service.
  std::vector<std::string> device_argv = test::split_command(TRACELET_XPROC_DEVICE_COMMAND);
  device_argv.insert(device_argv.end(), {"--seconds", "2", "--call", url});
  ChildProcess device;
  ASSERT_TRUE(device.start(device_argv, work + "/device.out", work + "/device.err", error)) << error;
  const int device_rc = device.wait(60000);
  const std::string device_out = test::read_file(work + "/device.out");
  const std::string device_err = test::read_file(work + "/device.err");
  std::printf("sensor_node exited %d:\n%s%s", device_rc, device_out.c_str(), device_err.c_str());

  // 4. Stop the service (SIGTERM: it flushes its spans, then exits 0 only if every export
  // succeeded), then the receiver. Both by PID.
  const int service_rc = service.stop(SIGTERM, 20000);
  const std::string service_log = test::read_file(work + "/service.out") + test::read_file(work + "/service.err");
  std::printf("reading-service exited %d:\n%s", service_rc, service_log.c_str());
  const int receiver_rc = receiver.stop();
  std::printf("receiver exited %d; its log:\n%s", receiver_rc, receiver.log().c_str());

  EXPECT_EQ(device_rc, 0) << "sensor_node failed (-2 = still running after 60 s)";
  EXPECT_EQ(service_rc, 0) << "reading-service did not flush its spans cleanly:\n" << service_log;
  EXPECT_EQ(receiver_rc, 0) << "tracelet-receiver did not stop cleanly";
  EXPECT_EQ(receiver.log().find("-> 4"), std::string::npos)
      << "the receiver refused a request:\n" << receiver.log();
  // The official exporter streams every body into node's http.request, which frames it with
  // Transfer-Encoding: chunked. HTTP/1.1 recipients MUST parse chunked (RFC 9112 section 7.1),
  // so a 411 for it is the receiver's defect, not the service's.
  EXPECT_EQ(receiver.log().find("Transfer-Encoding (chunked) is not supported"), std::string::npos)
      << "tracelet-receiver refused the official OTLP exporter's chunked request bodies (411); the "
         "service's spans cannot arrive until the receiver decodes Transfer-Encoding: chunked";

  std::smatch m;
  const std::regex calls_line(R"(calls to \S+: (\d+), answered 2xx: (\d+), failed: (\d+))");
  ASSERT_TRUE(std::regex_search(device_out, m, calls_line)) << "sensor_node printed no call summary";
  const unsigned calls = static_cast<unsigned>(std::stoul(m[1]));
  EXPECT_EQ(m[2].str(), m[1].str()) << "not every call was answered 2xx";
  EXPECT_EQ(m[3].str(), "0");
  EXPECT_GE(calls, 5u) << "2 s of 200 ms cycles should make about 9 calls";

  // 5. The receiver's output.
  std::vector<SpanView> spans;
  for (const std::string& line : receiver.jsonl_lines()) {
    SpanView v;
    ASSERT_TRUE(to_view(line, v, error)) << error;
    spans.push_back(v);
  }
  const std::vector<std::string> problems = check_cross_process(spans, calls);
  EXPECT_TRUE(problems.empty()) << problems.size() << " problem(s):\n" << join(problems);

  for (const SpanView& s : spans) {
    if (s.service == kRemoteService && s.kind == kKindServer) {
      const std::string tree = render_trace(spans, s.trace_id);
      std::printf("one cross-process trace, from the receiver's JSONL:\n%s", tree.c_str());
      std::FILE* f = std::fopen((work + "/cross_process_trace.txt").c_str(), "w");
      if (f != nullptr) {
        std::fputs(tree.c_str(), f);
        std::fclose(f);
      }
      break;
    }
  }
  std::printf("%zu span(s) received, %u call(s); artifacts in %s\n", spans.size(), calls, work.c_str());
  if (!problems.empty() || spans.empty()) return;

  // 6. Self-check: each relation, broken in a copy, must be reported.
  struct Mutation {
    const char* what;
    std::function<void(std::vector<SpanView>&)> apply;
  };
  auto first = [](std::vector<SpanView>& v, const char* from, int kind, const char* name) -> SpanView& {
    for (SpanView& s : v) {
      if (s.service == from && s.kind == kind && (name == nullptr || s.name == name)) return s;
    }
    return v.front();
  };
  const std::vector<Mutation> mutations = {
      {"server span parent changed",
       [&](std::vector<SpanView>& v) { first(v, kRemoteService, kKindServer, nullptr).parent = "0102030405060708"; }},
      {"server span moved to another trace",
       [&](std::vector<SpanView>& v) { first(v, kRemoteService, kKindServer, nullptr).trace_id[0] ^= 1; }},
      {"server span duplicated", [&](std::vector<SpanView>& v) { v.push_back(first(v, kRemoteService, kKindServer, nullptr)); }},
      {"traceresponse names another span",
       [&](std::vector<SpanView>& v) {
         first(v, kDeviceService, kKindClient, nullptr).attributes["http.response.header.traceresponse"] =
             "00-" + std::string(32, 'a') + "-" + std::string(16, 'b') + "-01";
       }},
      {"traceresponse missing",
       [&](std::vector<SpanView>& v) {
         first(v, kDeviceService, kKindClient, nullptr).attributes.erase("http.response.header.traceresponse");
       }},
      {"captured traceparent differs",
       [&](std::vector<SpanView>& v) {
         first(v, kRemoteService, kKindServer, nullptr).attributes["http.request.header.traceparent"] = "x";
       }},
      {"baggage not received",
       [&](std::vector<SpanView>& v) { first(v, kRemoteService, kKindServer, nullptr).attributes.erase("baggage.device.id"); }},
      {"publish span in another trace",
       [&](std::vector<SpanView>& v) { first(v, kDeviceService, kKindProducer, "publish").trace_id[0] ^= 1; }},
      {"sensor-cycle not a root",
       [&](std::vector<SpanView>& v) { first(v, kDeviceService, kKindInternal, "sensor-cycle").parent = "0102030405060708"; }},
      {"store-reading detached",
       [&](std::vector<SpanView>& v) { first(v, kRemoteService, kKindInternal, "store-reading").parent = "0102030405060708"; }},
      {"client span lost",
       [&](std::vector<SpanView>& v) {
         SpanView& c = first(v, kDeviceService, kKindClient, nullptr);
         c.service = kDeviceService;
         c.kind = kKindInternal;
       }},
  };
  for (const Mutation& mutation : mutations) {
    std::vector<SpanView> copy = spans;
    mutation.apply(copy);
    EXPECT_FALSE(check_cross_process(copy, calls).empty()) << "the checker missed: " << mutation.what;
  }
}

}  // namespace
}  // namespace tracelet
