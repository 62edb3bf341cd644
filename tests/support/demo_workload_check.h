#pragma once
// Checks what tracelet-receiver wrote (its JSONL lines) against the workload both MPS2-AN386
// demo images record (boards/mps2_an386/demo_workload.h): every span exactly once, the nesting,
// each attribute's value, and the rounds and ticks numbered without gaps. Header-only, for the
// Cortex-M end-to-end tests (serial_cm4_e2e_test, tls_cm4_e2e_test).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/json_lite.h"

namespace tracelet::test {

/// "key=value" words of the firmware line that starts with `marker` (its words included).
inline std::map<std::string, std::uint64_t> firmware_fields(const std::string& output,
                                                            const std::string& marker) {
  std::map<std::string, std::uint64_t> out;
  const std::size_t at = output.find(marker);
  if (at == std::string::npos) return out;
  const std::size_t from = output.find(':', at) + 1;
  std::istringstream line(output.substr(from, output.find('\n', from) - from));
  std::string word;
  while (line >> word) {
    const std::size_t eq = word.find('=');
    if (eq != std::string::npos) out[word.substr(0, eq)] = std::stoull(word.substr(eq + 1));
  }
  return out;
}

inline std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

struct DemoSpan {
  std::string name, trace_id, span_id, parent;
  std::uint64_t start = 0, end = 0;
  Json attributes;
  std::int64_t int_attr(const char* key) const {
    const Json& v = attribute(attributes, key)["intValue"];
    EXPECT_EQ(v.type, Json::Type::kString) << name << " has no int attribute " << key;
    return v.type == Json::Type::kString ? std::stoll(v.text) : -1;
  }
};

/// What check_demo_workload() read, for a test's own timing checks.
struct DemoWorkload {
  std::map<std::string, DemoSpan> by_id;
  std::map<std::int64_t, const DemoSpan*> loop_by_round, tick_by_number;
};

struct DemoExpectation {
  std::string service_name;
  std::vector<std::pair<std::string, std::string>> resource;  // string attributes, each span
  std::uint64_t rounds = 0, ticks = 0, recorded = 0;           // the firmware's summary
};

/// Fails the test (gtest expectations) for every way the lines differ from the workload.
/// Call ASSERT_NO_FATAL_FAILURE() on it: `out` is incomplete after a fatal failure.
inline void check_demo_workload(const std::vector<std::string>& lines, const DemoExpectation& expect,
                                DemoWorkload& out) {
  std::multiset<std::string> names;
  for (const std::string& line : lines) {
    Json j;
    ASSERT_TRUE(Json::parse(line, j)) << line;
    DemoSpan s;
    s.name = j["name"].text;
    s.trace_id = j["trace_id"].text;
    s.span_id = j["span_id"].text;
    s.parent = j["parent_span_id"].text;
    s.start = std::stoull(j["start_time_unix_nano"].text);
    s.end = std::stoull(j["end_time_unix_nano"].text);
    s.attributes = j["attributes"];
    const Json& resource = j["resource"]["attributes"];
    EXPECT_EQ(attribute(resource, "service.name")["stringValue"].text, expect.service_name);
    for (const auto& [key, value] : expect.resource) {
      EXPECT_EQ(attribute(resource, key)["stringValue"].text, value) << key;
    }
    EXPECT_LE(s.start, s.end) << s.name << " " << s.span_id;
    EXPECT_TRUE(out.by_id.emplace(s.span_id, s).second) << "span " << s.span_id << " arrived twice";
    names.insert(s.name);
  }
  EXPECT_EQ(lines.size(), expect.recorded) << "every span the firmware recorded arrives exactly once";
  EXPECT_EQ(out.by_id.size(), expect.recorded);
  for (const char* n : {"control-loop", "read-sensor", "actuate", "set-pwm"}) {
    EXPECT_EQ(names.count(n), expect.rounds) << n;
  }
  EXPECT_EQ(names.count("timer-tick"), expect.ticks);
  EXPECT_EQ(names.count("sample-adc"), expect.ticks);

  std::set<std::string> loop_traces;
  for (const auto& [id, s] : out.by_id) {
    const DemoSpan* parent = nullptr;
    if (!s.parent.empty()) {
      auto it = out.by_id.find(s.parent);
      ASSERT_NE(it, out.by_id.end()) << s.name << " " << id << ": parent " << s.parent << " missing";
      parent = &it->second;
      EXPECT_EQ(parent->trace_id, s.trace_id) << s.name;
      EXPECT_LE(parent->start, s.start) << s.name << " starts before its parent";
      EXPECT_LE(s.end, parent->end) << s.name << " ends after its parent";
    }
    if (s.name == "control-loop") {
      EXPECT_EQ(parent, nullptr);
      EXPECT_TRUE(out.loop_by_round.emplace(s.int_attr("round"), &s).second);
      loop_traces.insert(s.trace_id);
    } else if (s.name == "read-sensor") {
      ASSERT_NE(parent, nullptr);
      EXPECT_EQ(parent->name, "control-loop");
      EXPECT_EQ(attribute(s.attributes, "sensor")["stringValue"].text, "temperature");
      EXPECT_DOUBLE_EQ(attribute(s.attributes, "celsius")["doubleValue"].number(),
                       21.5 + 0.25 * static_cast<double>(parent->int_attr("round") % 8));
    } else if (s.name == "actuate") {
      ASSERT_NE(parent, nullptr);
      EXPECT_EQ(parent->name, "control-loop");
      EXPECT_EQ(s.int_attr("duty"), 40 + parent->int_attr("round") % 20);
    } else if (s.name == "set-pwm") {
      ASSERT_NE(parent, nullptr);
      EXPECT_EQ(parent->name, "actuate");
      EXPECT_EQ(s.int_attr("channel"), parent->int_attr("duty") % 2);
      EXPECT_EQ(attribute(s.attributes, "ok")["boolValue"].type, Json::Type::kBool);
      EXPECT_TRUE(attribute(s.attributes, "ok")["boolValue"].boolean);
    } else if (s.name == "timer-tick") {
      EXPECT_EQ(parent, nullptr) << "an interrupt span must not nest under the interrupted code";
      EXPECT_EQ(s.int_attr("irq"), 8);
      EXPECT_TRUE(out.tick_by_number.emplace(s.int_attr("tick"), &s).second);
    } else if (s.name == "sample-adc") {
      ASSERT_NE(parent, nullptr);
      EXPECT_EQ(parent->name, "timer-tick");
      EXPECT_EQ(s.int_attr("channel"), parent->int_attr("tick") % 4);
      EXPECT_EQ(s.int_attr("millivolts"), 1200 + 37 * (parent->int_attr("tick") % 11));
    } else {
      ADD_FAILURE() << "unexpected span " << s.name;
    }
  }
  // Rounds and ticks are all there, once, rounds in time order; ticks in traces of their own.
  ASSERT_EQ(out.loop_by_round.size(), expect.rounds);
  ASSERT_EQ(out.tick_by_number.size(), expect.ticks);
  std::int64_t number = 0;
  const DemoSpan* previous = nullptr;
  for (const auto& [round, span] : out.loop_by_round) {
    EXPECT_EQ(round, number++);
    if (previous != nullptr) {
      EXPECT_LE(previous->end, span->start) << "round " << round;
    }
    previous = span;
  }
  number = 0;
  for (const auto& [tick, span] : out.tick_by_number) {
    EXPECT_EQ(tick, number++);
    EXPECT_EQ(loop_traces.count(span->trace_id), 0u) << "tick " << tick << " joined a main-loop trace";
  }
}

}  // namespace tracelet::test
