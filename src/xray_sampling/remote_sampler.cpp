// The X-Ray remote sampler (tracelet/xray_sampling.h): deciding on the current rule set, and
// poll()'s calls to the sampling API that replace it.
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "core/text.h"
#include "export/http_request.h"
#include "export/http_response.h"
#include "sampling/ratio.h"
#include "sampling/rule_match.h"
#include "tracelet/endpoint.h"
#include "tracelet/net_port.h"
#include "tracelet/port.h"
#include "tracelet/version.h"
#include "tracelet/xray_sampling.h"
#include "xray_sampling/sampling_answer.h"

namespace tracelet {

using detail::RemoteRule;
using detail::RemoteRuleSet;

namespace {

constexpr std::uint32_t kDefaultRulesIntervalMs = 300000;
constexpr std::uint32_t kDefaultTargetsIntervalMs = 10000;
constexpr std::uint32_t kDefaultTimeoutMs = 5000;
constexpr std::uint32_t kDefaultRulesCacheMs = 3600000;
constexpr double kDefaultRuleRate = 0.05;
constexpr int kMaxRulePages = 16;  // GetSamplingRules pages followed per refresh  // X-Ray's default rule: 1 trace per second + 5 %

SamplingDecision remote_fn(void* ctx, const SamplingParams& params) noexcept {
  return static_cast<RemoteSampler*>(ctx)->should_sample(params);
}

bool rule_before(const RemoteRule& a, const RemoteRule& b) noexcept {
  if (a.priority != b.priority) return a.priority < b.priority;
  return std::strcmp(a.name, b.name) < 0;
}

bool is_loopback(const char* host) noexcept {
  return std::strncmp(host, "127.", 4) == 0 || std::strcmp(host, "::1") == 0 ||
         std::strcmp(host, "localhost") == 0;
}

// Where a request body goes: counted (Content-Length), hashed (signer), sent, or a buffer.
struct BodyOut {
  std::size_t n = 0;
  const RequestSigner* signer = nullptr;
  detail::TransportWriter* writer = nullptr;
  char* buf = nullptr;
  std::size_t cap = 0;
  bool ok = true;
  void put(const char* p, std::size_t len) noexcept {
    if (signer != nullptr) signer->body(signer->ctx, reinterpret_cast<const std::uint8_t*>(p), len);
    if (writer != nullptr && ok) ok = writer->write(p, len);
    if (buf != nullptr) {
      if (n + len < cap) {
        std::memcpy(buf + n, p, len);
      } else {
        ok = false;
      }
    }
    n += len;
  }
  void text(const char* s) noexcept { put(s, std::strlen(s)); }
  void uint(std::uint64_t v) noexcept {
    char digits[24];
    const int len = std::snprintf(digits, sizeof digits, "%llu", static_cast<unsigned long long>(v));
    put(digits, static_cast<std::size_t>(len));
  }
  void json_string(const char* s) noexcept {
    put("\"", 1);
    for (; *s != '\0'; ++s) {
      const auto c = static_cast<unsigned char>(*s);
      if (c == '"' || c == '\\') {
        const char esc[2] = {'\\', static_cast<char>(c)};
        put(esc, 2);
      } else if (c < 0x20) {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\u%04x", c);
        put(esc, 6);
      } else {
        put(s, 1);
      }
    }
    put("\"", 1);
  }
};

using detail::StatisticsSnapshot;

void write_statistics(BodyOut& out, const StatisticsSnapshot& snap, const char* client_id,
                      std::uint64_t unix_s) noexcept {
  out.text("{\"SamplingStatisticsDocuments\":[");
  for (std::size_t i = 0; i < snap.count; ++i) {
    const StatisticsSnapshot::Doc& d = snap.docs[i];
    if (i > 0) out.text(",");
    out.text("{\"RuleName\":");
    out.json_string(d.name);
    out.text(",\"ClientID\":");
    out.json_string(client_id);
    out.text(",\"Timestamp\":");
    out.uint(unix_s);
    out.text(",\"RequestCount\":");
    out.uint(d.requests);
    out.text(",\"SampledCount\":");
    out.uint(d.sampled);
    out.text(",\"BorrowCount\":");
    out.uint(d.borrowed);
    out.text("}");
  }
  out.text("]}");
}

}  // namespace

// ---- deciding (recording path) -------------------------------------------------------------

SamplingDecision RemoteSampler::should_sample(const SamplingParams& params) noexcept {
  std::uint32_t set = 0;
  for (;;) {
    set = active_.load(std::memory_order_acquire);
    if (set == kDefaultSet) break;
    // Announce the read, then check the set is still current: poll() overwrites a set only
    // when it is not current and nobody announced reading it.
    readers_[set].fetch_add(1, std::memory_order_seq_cst);
    if (active_.load(std::memory_order_seq_cst) == set) break;
    readers_[set].fetch_sub(1, std::memory_order_seq_cst);
  }
  if (set != kDefaultSet) {
    const RemoteRuleSet& rules = sets_[set];
    const std::uint64_t now_ms = params.now_ns / 1000000u;
    for (std::size_t i = 0; i < rules.count; ++i) {
      const RemoteRule& r = rules.rules[i];
      if (!r.applies) continue;
      SamplingRule view;
      view.name = r.name;
      view.host = r.host;
      view.http_method = r.http_method;
      view.url_path = r.url_path;
      view.attribute_key = r.attribute_key;
      view.attribute_value = r.attribute_value;
      if (!detail::rule_matches(view, params)) continue;
      Counters& c = counters_[r.slot];
      c.matched.fetch_add(1, std::memory_order_relaxed);
      c.matched_total.fetch_add(1, std::memory_order_relaxed);
      bool keep = false;
      if (r.has_quota && now_ms < r.quota_expiry_ms) {
        keep = detail::take_reservoir(c.reservoir, r.quota, params.now_ns);
      } else if (detail::take_reservoir(c.reservoir, 1, params.now_ns)) {  // borrow 1/s
        keep = true;
        c.borrowed.fetch_add(1, std::memory_order_relaxed);
        c.borrowed_total.fetch_add(1, std::memory_order_relaxed);
      }
      if (!keep) {
        detail::RatioRule rr;
        rr.threshold = r.threshold;
        rr.always = r.rate_always;
        keep = detail::ratio_decide(rr, config_.algorithm, params.trace_id);
      }
      readers_[set].fetch_sub(1, std::memory_order_release);
      if (!keep) return SamplingDecision::kDrop;
      c.sampled.fetch_add(1, std::memory_order_relaxed);
      c.sampled_total.fetch_add(1, std::memory_order_relaxed);
      return SamplingDecision::kRecordAndSample;
    }
    readers_[set].fetch_sub(1, std::memory_order_release);
    unmatched_.fetch_add(1, std::memory_order_relaxed);
  }
  // The default rule: no rules (yet, or any longer), or none matched.
  Counters& c = default_counters_;
  c.matched_total.fetch_add(1, std::memory_order_relaxed);
  bool keep = detail::take_reservoir(c.reservoir, 1, params.now_ns);
  if (!keep) {
    detail::RatioRule rr;
    rr.threshold = default_threshold_;
    rr.always = default_always_;
    keep = detail::ratio_decide(rr, config_.algorithm, params.trace_id);
  }
  if (!keep) return SamplingDecision::kDrop;
  c.sampled_total.fetch_add(1, std::memory_order_relaxed);
  return SamplingDecision::kRecordAndSample;
}

Sampler RemoteSampler::sampler() noexcept { return Sampler{this, &remote_fn}; }

// ---- rule sets (poll()'s side) -------------------------------------------------------------

RemoteRuleSet* RemoteSampler::writable_set() noexcept {
  const std::uint32_t current = active_.load(std::memory_order_seq_cst);
  for (std::uint32_t candidate = 0; candidate < 2; ++candidate) {
    if (candidate == current) continue;
    if (readers_[candidate].load(std::memory_order_seq_cst) == 0) return &sets_[candidate];
  }
  return nullptr;  // an interrupted reader still holds the other set: next time
}

RemoteRuleSet* RemoteSampler::writable_set_waiting() noexcept {
  // A reader holds a set for one decision (microseconds, or an interrupt handler's run), so a
  // few short sleeps on the polling thread always find it free in practice.
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (RemoteRuleSet* set = writable_set()) return set;
    port::sleep_ms(1);
  }
  return nullptr;
}

void RemoteSampler::publish(std::uint32_t set) noexcept { active_.store(set, std::memory_order_seq_cst); }

Status RemoteSampler::init(const XraySamplingConfig& config) noexcept {
  config_ = config;
  ready_ = false;
  if (config_.log == nullptr) config_.log = log_to_stderr;
  Endpoint ep;
  char error[160] = {};
  if (config.endpoint == nullptr || config.connector.open == nullptr || config.connector.close == nullptr) {
    logf(LogLevel::kError, "X-Ray sampling: an endpoint and a connector are required");
    return Status::kInvalidArgument;
  }
  if (parse_endpoint(config.endpoint, ep, error, sizeof error) != Status::kOk) {
    logf(LogLevel::kError, "X-Ray sampling: %s", error);
    return Status::kInvalidArgument;
  }
  if (!ep.tls && !is_loopback(ep.host)) {
    logf(LogLevel::kError, "X-Ray sampling: plain http only to a local proxy (127.0.0.1, ::1, localhost), not '%s'",
         ep.host);
    return Status::kInvalidArgument;
  }
  if (std::strlen(ep.host) >= sizeof host_ || std::strlen(ep.path) >= sizeof base_path_ || std::strchr(ep.path, '?')) {
    logf(LogLevel::kError, "X-Ray sampling: endpoint host or path too long, or it has a query");
    return Status::kInvalidArgument;
  }
  std::memcpy(host_, ep.host, std::strlen(ep.host) + 1);  // length checked above
  // The API paths follow the base path ("/" -> "/GetSamplingRules").
  std::size_t n = std::strlen(ep.path);
  while (n > 0 && ep.path[n - 1] == '/') --n;
  std::snprintf(base_path_, sizeof base_path_, "%.*s", static_cast<int>(n), ep.path);
  port_ = ep.port;
  plain_http_ = !ep.tls;
  if (config.client_id != nullptr) {
    if (std::strlen(config.client_id) != 24) {
      logf(LogLevel::kError, "X-Ray sampling: client_id must be 24 hex digits");
      return Status::kInvalidArgument;
    }
    for (const char* c = config.client_id; *c != '\0'; ++c) {
      if (detail::hex_value(*c) < 0) {
        logf(LogLevel::kError, "X-Ray sampling: client_id must be 24 hex digits");
        return Status::kInvalidArgument;
      }
    }
    std::memcpy(client_id_, config.client_id, 25);
  } else {
    std::uint8_t raw[12] = {};
    if (!port::entropy(raw, sizeof raw)) {
      const std::uint64_t t = port::monotonic_ns();
      std::memcpy(raw, &t, sizeof t);
    }
    detail::encode_hex(raw, sizeof raw, client_id_);
    client_id_[24] = '\0';
  }
  const detail::RatioRule rr = detail::prepare_ratio(kDefaultRuleRate, config_.algorithm);
  default_threshold_ = rr.threshold;
  default_always_ = rr.always;
  if (config_.rules_interval_ms == 0) config_.rules_interval_ms = kDefaultRulesIntervalMs;
  if (config_.targets_interval_ms == 0) config_.targets_interval_ms = kDefaultTargetsIntervalMs;
  if (config_.timeout_ms == 0) config_.timeout_ms = kDefaultTimeoutMs;
  if (config_.rules_cache_ms == 0) config_.rules_cache_ms = kDefaultRulesCacheMs;
  targets_interval_ms_ = config_.targets_interval_ms;
  publish(kDefaultSet);
  have_rules_ = false;
  next_rules_ms_ = next_targets_ms_ = 0;
  ready_ = true;
  return Status::kOk;
}

std::uint64_t RemoteSampler::unix_now_s(const char* date_header) noexcept {
  if (config_.now_unix_s != nullptr) return config_.now_unix_s(config_.now_ctx);
  const auto mono_s = static_cast<std::int64_t>(port::monotonic_ns() / 1000000000u);
  std::int64_t from_date = 0;
  if (date_header != nullptr && detail::parse_http_date(date_header, from_date) && from_date > 0) {
    date_offset_s_ = from_date - mono_s;  // remembered for a device without a wall clock
    return static_cast<std::uint64_t>(from_date);
  }
  const std::int64_t offset = port::unix_offset_ns();
  if (offset != 0) {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(port::monotonic_ns()) + offset) / 1000000000u;
  }
  return date_offset_s_ != 0 ? static_cast<std::uint64_t>(mono_s + date_offset_s_) : 0;  // 0: no clock at all
}

void RemoteSampler::logf(LogLevel level, const char* format, ...) const noexcept {
  char line[256];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  (config_.log != nullptr ? config_.log : log_to_stderr)(config_.log_ctx, level, line);
}

namespace {

// Sorts `set` into evaluation order and gives each rule its counter slot: the slot of the
// rule of the same name in `old` (its counters and a quota it was given carry over), else a
// free one with zeroed counters.
template <class Counters>
void settle_rules(RemoteRuleSet& set, const RemoteRuleSet* old, Counters* counters) noexcept {
  for (std::size_t i = 1; i < set.count; ++i) {
    RemoteRule r = set.rules[i];
    std::size_t at = i;
    while (at > 0 && rule_before(r, set.rules[at - 1])) {
      set.rules[at] = set.rules[at - 1];
      --at;
    }
    set.rules[at] = r;
  }
  bool used[TRACELET_XRAY_MAX_RULES] = {};
  bool kept[TRACELET_XRAY_MAX_RULES] = {};
  for (std::size_t i = 0; old != nullptr && i < set.count; ++i) {
    RemoteRule& r = set.rules[i];
    for (std::size_t j = 0; j < old->count; ++j) {
      const RemoteRule& o = old->rules[j];
      if (std::strcmp(o.name, r.name) != 0 || used[o.slot]) continue;
      r.slot = o.slot;
      used[o.slot] = true;
      kept[i] = true;
      if (o.has_quota) {
        r.has_quota = true;
        r.quota = o.quota;
        r.quota_expiry_ms = o.quota_expiry_ms;
        r.fixed_rate = o.fixed_rate;
        r.threshold = o.threshold;
        r.rate_always = o.rate_always;
      }
      break;
    }
  }
  std::size_t free_slot = 0;
  for (std::size_t i = 0; i < set.count; ++i) {
    if (kept[i]) continue;
    while (used[free_slot]) ++free_slot;
    used[free_slot] = true;
    set.rules[i].slot = static_cast<std::uint8_t>(free_slot);
    Counters& c = counters[free_slot];
    c.reservoir.store(0);
    c.matched.store(0);
    c.sampled.store(0);
    c.borrowed.store(0);
    c.matched_total.store(0);
    c.sampled_total.store(0);
    c.borrowed_total.store(0);
  }
}

}  // namespace

Status RemoteSampler::apply_rules_answer(const std::uint8_t* json, std::size_t len, std::uint64_t now_ms,
                                         char* message, std::size_t message_cap) noexcept {
  detail::Text msg(message, message_cap);
  RemoteRuleSet* set = writable_set();
  if (set == nullptr) {
    msg.put("the other rule set is still being read");
    return Status::kUnavailable;
  }
  detail::RulesAnswer info;
  const detail::ServiceIdentity service{config_.service_name, config_.service_type, config_.resource_arn};
  detail::RulesAnswerReader reader(set, info, service, config_.algorithm);
  if (!reader.feed(json, len) || !reader.finish()) {
    msg.put("GetSamplingRules answer refused: ").put(reader.error());
    return Status::kInvalidArgument;
  }
  finish_rules(*set, info, now_ms);
  return Status::kOk;
}

Status RemoteSampler::apply_targets_answer(const std::uint8_t* json, std::size_t len, std::uint64_t now_ms,
                                           std::uint64_t now_unix_s, char* message,
                                           std::size_t message_cap) noexcept {
  detail::Text msg(message, message_cap);
  detail::TargetsAnswer answer;
  detail::TargetsAnswerReader reader(answer);
  if (!reader.feed(json, len) || !reader.finish()) {
    msg.put("GetSamplingTargets answer refused: ").put(reader.error());
    return Status::kInvalidArgument;
  }
  if (!apply_targets(answer, now_ms, now_unix_s, false)) {
    msg.put("the other rule set is still being read");
    return Status::kUnavailable;
  }
  return Status::kOk;
}

void RemoteSampler::finish_rules(RemoteRuleSet& set, const detail::RulesAnswer& info, std::uint64_t now_ms) noexcept {
  const std::uint32_t current = active_.load();
  settle_rules(set, current == kDefaultSet ? nullptr : &sets_[current], counters_);
  rules_dropped_ = static_cast<std::uint32_t>(info.dropped_over_cap + info.dropped_invalid);
  if (info.dropped_over_cap > 0) {
    logf(LogLevel::kWarning, "X-Ray sampling: %lu rules over the limit of %d were dropped (TRACELET_XRAY_MAX_RULES)",
         static_cast<unsigned long>(info.dropped_over_cap), TRACELET_XRAY_MAX_RULES);
  }
  if (info.dropped_invalid > 0) {
    logf(LogLevel::kWarning, "X-Ray sampling: %lu invalid rules were dropped; the first: %s",
         static_cast<unsigned long>(info.dropped_invalid), info.invalid_reason);
  }
  publish(static_cast<std::uint32_t>(&set - sets_));
  have_rules_ = true;
  rules_ok_ms_ = now_ms;
  ++rules_fetches_;
}

bool RemoteSampler::apply_targets(const detail::TargetsAnswer& answer, std::uint64_t now_ms,
                                  std::uint64_t now_unix_s, bool wait) noexcept {
  const std::uint32_t current = active_.load();
  if (current == kDefaultSet) return true;  // no rules the targets could be for
  RemoteRuleSet* set = wait ? writable_set_waiting() : writable_set();
  if (set == nullptr) return false;
  *set = sets_[current];
  std::uint32_t interval_s = 0;
  for (std::size_t t = 0; t < answer.count; ++t) {
    const detail::SamplingTarget& target = answer.targets[t];
    for (std::size_t i = 0; i < set->count; ++i) {
      RemoteRule& r = set->rules[i];
      if (std::strcmp(r.name, target.name) != 0) continue;
      if (target.has_rate) {
        r.fixed_rate = target.fixed_rate;
        const detail::RatioRule rr = detail::prepare_ratio(target.fixed_rate, config_.algorithm);
        r.threshold = rr.threshold;
        r.rate_always = rr.always;
      }
      if (target.has_quota) {
        r.has_quota = true;
        r.quota = target.quota;
        // The TTL is a Unix time: turn it into monotonic time. Without a clock, or without a
        // TTL, the quota holds until the next report is due.
        std::uint64_t valid_ms = targets_interval_ms_;
        if (target.has_ttl && now_unix_s != 0) {
          const double left_s = target.quota_ttl_unix_s - static_cast<double>(now_unix_s);
          valid_ms = left_s <= 0 ? 0 : static_cast<std::uint64_t>(left_s * 1000.0);
        }
        r.quota_expiry_ms = now_ms + valid_ms;
      }
      if (target.has_interval && target.interval_s > 0) interval_s = target.interval_s;
      break;
    }
  }
  if (interval_s != 0) targets_interval_ms_ = interval_s * 1000u;
  publish(static_cast<std::uint32_t>(set - sets_));
  ++targets_fetches_;
  if (answer.has_last_rule_modification && answer.last_rule_modification_unix_s > rules_fetched_unix_s_) {
    next_rules_ms_ = now_ms;  // the rules changed since we fetched them
  }
  return true;
}

void RemoteSampler::take_statistics(detail::StatisticsSnapshot& snap) noexcept {
  snap.count = 0;
  const std::uint32_t current = active_.load();
  if (current != kDefaultSet) {
    const RemoteRuleSet& set = sets_[current];
    for (std::size_t i = 0; i < set.count; ++i) {
      Counters& c = counters_[set.rules[i].slot];
      StatisticsSnapshot::Doc& d = snap.docs[snap.count++];
      std::memcpy(d.name, set.rules[i].name, sizeof d.name);
      d.requests = c.matched.exchange(0);
      d.sampled = c.sampled.exchange(0);
      d.borrowed = c.borrowed.exchange(0);
    }
  }
}

std::size_t RemoteSampler::take_statistics_body(std::uint64_t now_unix_s, char* out, std::size_t cap) noexcept {
  StatisticsSnapshot snap;
  take_statistics(snap);
  BodyOut body;
  body.buf = out;
  body.cap = cap;
  write_statistics(body, snap, client_id_, now_unix_s);
  if (!body.ok || cap == 0) return 0;
  out[body.n] = '\0';
  return body.n;
}

// ---- calls to the sampling API -------------------------------------------------------------

namespace detail {

// A request body, written as it goes out: fixed text, or the statistics report.
struct RequestBody {
  const char* text = nullptr;
  const StatisticsSnapshot* statistics = nullptr;
  const char* client_id = nullptr;
  std::uint64_t unix_s = 0;
  void write(BodyOut& out) const noexcept {
    if (statistics != nullptr) {
      write_statistics(out, *statistics, client_id, unix_s);
    } else {
      out.text(text);
    }
  }
};

}  // namespace detail

namespace {

// Feeds an answer's body bytes to a reader as they arrive.
template <class Reader>
struct AnswerFeed {
  Reader* reader = nullptr;
  bool ok = true;
  static void on_body(void* ctx, const std::uint8_t* data, std::size_t len) noexcept {
    auto* self = static_cast<AnswerFeed*>(ctx);
    if (self->ok) self->ok = self->reader->feed(data, len);
  }
};

}  // namespace

// One request and its answer, read into `reader` as it arrives. Returns kOk (a 200 answer the
// reader accepted; `unix_s` is the answer's time), kRetry (the signer learned the time from a
// refusal: sign and send again) or kFailed (logged).
template <class Reader>
RemoteSampler::Exchange RemoteSampler::exchange(const char* api, const detail::RequestBody& body, Reader& reader,
                                                std::uint64_t& unix_s) noexcept {
  char path[96];
  std::snprintf(path, sizeof path, "%s%s", base_path_, api);
  const bool signing = config_.signer.sign != nullptr;
  Transport transport{};
  char error[160] = {};
  const Status opened = config_.connector.open(config_.connector.ctx, host_, port_, !plain_http_,
                                               config_.timeout_ms, &transport, error, sizeof error);
  if (opened != Status::kOk) {
    logf(LogLevel::kWarning, "X-Ray sampling: %s: cannot connect: %s", api, error);
    return Exchange::kFailed;
  }
  const std::uint64_t deadline = detail::monotonic_ms() + config_.timeout_ms;
  char host_header[160];
  const bool default_port = port_ == (plain_http_ ? 80 : 443);
  if (default_port) {
    std::snprintf(host_header, sizeof host_header, "%s", host_);
  } else {
    std::snprintf(host_header, sizeof host_header, std::strchr(host_, ':') ? "[%s]:%u" : "%s:%u", host_,
                  static_cast<unsigned>(port_));
  }
  BodyOut sizing;
  body.write(sizing);
  HttpHeader signature[8];
  std::size_t signature_count = 0;
  if (signing) {
    config_.signer.begin(config_.signer.ctx);
    BodyOut hashing;
    hashing.signer = &config_.signer;
    body.write(hashing);
    SignedRequest request;
    request.host = host_header;
    request.target = path;
    request.content_type = "application/json";
    signature_count = config_.signer.sign(config_.signer.ctx, request, signature, 8);
    if (signature_count == 0) {
      logf(LogLevel::kWarning, "X-Ray sampling: %s: the request could not be signed", api);
      config_.connector.close(config_.connector.ctx);
      return Exchange::kFailed;
    }
  }
  bool sent = false;
  {  // a scope of its own, so the writer's buffer and the response parser can share stack
    detail::TransportWriter writer(transport, deadline);
    char length[24];
    std::snprintf(length, sizeof length, "%lu", static_cast<unsigned long>(sizing.n));
    sent = writer.write_text("POST ") && writer.write_text(path) && writer.write_text(" HTTP/1.1\r\nHost: ") &&
           writer.write_text(host_header) &&
           writer.write_text("\r\nUser-Agent: tracelet/" TRACELET_VERSION_STRING
                             "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ") &&
           writer.write_text(length) && writer.write_text("\r\n");
    for (std::size_t i = 0; sent && i < signature_count; ++i) {
      sent = writer.write_text(signature[i].name) && writer.write_text(": ") &&
             writer.write_text(signature[i].value) && writer.write_text("\r\n");
    }
    BodyOut sending;
    sending.writer = &writer;
    sent = sent && writer.write_text("\r\n");
    if (sent) body.write(sending);
    sent = sent && sending.ok && writer.flush();
  }
  if (!sent) {
    logf(LogLevel::kWarning, "X-Ray sampling: %s: sending failed", api);
    config_.connector.close(config_.connector.ctx);
    return Exchange::kFailed;
  }
  AnswerFeed<Reader> feed;
  feed.reader = &reader;
  detail::HttpResponseParser response;
  response.set_body_sink(&AnswerFeed<Reader>::on_body, &feed);
  const auto got = detail::receive_response(transport, deadline, response);
  config_.connector.close(config_.connector.ctx);
  if (got != detail::HttpResponseParser::Result::kDone) {
    logf(LogLevel::kWarning, "X-Ray sampling: %s: no valid answer: %s", api,
         got == detail::HttpResponseParser::Result::kNeedMore ? "timeout" : response.error());
    return Exchange::kFailed;
  }
  if (signing && config_.signer.on_answer != nullptr &&
      config_.signer.on_answer(config_.signer.ctx, response.status(), response.date())) {
    return Exchange::kRetry;  // the signer learned the time from this answer
  }
  if (response.status() != 200) {
    char reason[120];
    std::size_t n = 0;
    for (std::size_t i = 0; i < response.body_len() && n + 1 < sizeof reason; ++i) {
      const char c = static_cast<char>(response.body()[i]);
      reason[n++] = (c >= 0x20 && c < 0x7f) ? c : ' ';
    }
    reason[n] = '\0';
    logf(LogLevel::kWarning, "X-Ray sampling: %s: HTTP %d %s", api, response.status(), reason);
    return Exchange::kFailed;
  }
  if (!feed.ok || !reader.finish()) {
    logf(LogLevel::kWarning, "X-Ray sampling: %s answer refused: %s", api, reader.error());
    return Exchange::kFailed;
  }
  unix_s = unix_now_s(response.date());
  return Exchange::kOk;
}

bool RemoteSampler::fetch_rules(std::uint64_t now_ms) noexcept {
  // The answer is parsed as it arrives, straight into the set recording does not use.
  RemoteRuleSet* set = writable_set_waiting();
  if (set == nullptr) {
    logf(LogLevel::kWarning, "X-Ray sampling: rules not fetched: the other rule set stayed in use");
    return false;
  }
  const detail::ServiceIdentity service{config_.service_name, config_.service_type, config_.resource_arn};
  detail::RulesAnswer total;
  char request[sizeof total.next_token + 64] = "{}";  // the next page's {"NextToken": ...}
  std::uint64_t unix_s = 0;
  set->count = 0;
  for (int page = 0; page < kMaxRulePages; ++page) {
    detail::RequestBody body;
    body.text = request;
    detail::RulesAnswer info;
    Exchange e = Exchange::kRetry;
    for (int attempt = 0; attempt < 2 && e == Exchange::kRetry; ++attempt) {
      const std::size_t kept = set->count;
      detail::RulesAnswerReader reader(set, info, service, config_.algorithm, true);
      e = exchange("/GetSamplingRules", body, reader, unix_s);
      if (e != Exchange::kOk) set->count = kept;  // a refused page adds nothing
    }
    if (e != Exchange::kOk) return false;
    total.dropped_over_cap += info.dropped_over_cap;
    if (info.dropped_invalid > 0 && total.dropped_invalid == 0) {
      std::memcpy(total.invalid_reason, info.invalid_reason, sizeof total.invalid_reason);
    }
    total.dropped_invalid += info.dropped_invalid;
    if (info.next_token_too_long) {
      logf(LogLevel::kWarning, "X-Ray sampling: a NextToken longer than %u bytes: later pages of rules are not read",
           static_cast<unsigned>(sizeof info.next_token - 1));
    }
    if (info.next_token[0] == '\0') {
      finish_rules(*set, total, now_ms);
      rules_fetched_unix_s_ = static_cast<double>(unix_s);
      return true;
    }
    BodyOut next;
    next.buf = request;
    next.cap = sizeof request;
    next.text("{\"NextToken\":");
    next.json_string(info.next_token);
    next.text("}");
    if (!next.ok) {  // a token full of characters JSON must escape
      logf(LogLevel::kWarning, "X-Ray sampling: NextToken too long once escaped: later pages of rules are not read");
      finish_rules(*set, total, now_ms);
      rules_fetched_unix_s_ = static_cast<double>(unix_s);
      return true;
    }
    request[next.n] = '\0';
  }
  logf(LogLevel::kWarning, "X-Ray sampling: more than %d pages of rules: the rest is not read", kMaxRulePages);
  finish_rules(*set, total, now_ms);
  rules_fetched_unix_s_ = static_cast<double>(unix_s);
  return true;
}

bool RemoteSampler::fetch_targets(std::uint64_t now_ms) noexcept {
  StatisticsSnapshot snap;
  take_statistics(snap);
  detail::RequestBody body;
  body.statistics = &snap;
  body.client_id = client_id_;
  body.unix_s = unix_now_s(nullptr);
  for (int attempt = 0; attempt < 2; ++attempt) {
    detail::TargetsAnswer targets;
    detail::TargetsAnswerReader reader(targets);
    std::uint64_t unix_s = 0;
    const Exchange e = exchange("/SamplingTargets", body, reader, unix_s);
    if (e == Exchange::kRetry) continue;
    if (e == Exchange::kFailed) return false;
    if (apply_targets(targets, now_ms, unix_s, true)) return true;
    logf(LogLevel::kWarning, "X-Ray sampling: new targets not applied: the other rule set stayed in use");
    return false;
  }
  return false;
}

std::uint32_t RemoteSampler::poll() noexcept { return poll_at(port::monotonic_ns() / 1000000u); }

PollTask RemoteSampler::poll_task() noexcept {
  return PollTask{this, [](void* self) noexcept { return static_cast<RemoteSampler*>(self)->poll(); }};
}

std::uint32_t RemoteSampler::poll_at(std::uint64_t now_ms) noexcept {
  if (!ready_) return 1000;
  if (now_ms >= next_rules_ms_) {
    if (fetch_rules(now_ms)) {
      next_rules_ms_ = now_ms + config_.rules_interval_ms;
      next_targets_ms_ = now_ms + targets_interval_ms_;
    } else {
      ++call_failures_;
      next_rules_ms_ = now_ms + targets_interval_ms_;  // try again soon, not in 5 minutes
    }
  }
  if (have_rules_ && now_ms >= next_targets_ms_) {
    if (fetch_targets(now_ms)) {
      next_targets_ms_ = now_ms + targets_interval_ms_;
    } else {
      ++call_failures_;
      next_targets_ms_ = now_ms + targets_interval_ms_;
    }
  }
  if (have_rules_ && now_ms - rules_ok_ms_ > config_.rules_cache_ms) {
    logf(LogLevel::kWarning, "X-Ray sampling: no rules for %lu s: back to the default rule (1/s + 5 %%)",
         static_cast<unsigned long>(config_.rules_cache_ms / 1000));
    publish(kDefaultSet);
    have_rules_ = false;
  }
  std::uint64_t next = next_rules_ms_;
  if (have_rules_ && next_targets_ms_ < next) next = next_targets_ms_;
  return next <= now_ms ? 0 : static_cast<std::uint32_t>(next - now_ms);
}

XraySamplingStats RemoteSampler::stats() const noexcept {
  XraySamplingStats s;
  const std::uint32_t current = active_.load();
  s.using_default_rule = current == kDefaultSet;
  s.rule_count = s.using_default_rule ? 0 : static_cast<std::uint32_t>(sets_[current].count);
  s.rules_fetches = rules_fetches_;
  s.targets_fetches = targets_fetches_;
  s.call_failures = call_failures_;
  s.rules_dropped = rules_dropped_;
  s.default_rule_matched = default_counters_.matched_total.load();
  s.default_rule_sampled = default_counters_.sampled_total.load();
  s.unmatched = unmatched_.load();
  return s;
}

XrayRuleStats RemoteSampler::rule_stats(std::size_t index) const noexcept {
  XrayRuleStats s;
  const std::uint32_t current = active_.load();
  if (current == kDefaultSet || index >= sets_[current].count) return s;
  const RemoteRule& r = sets_[current].rules[index];
  const Counters& c = counters_[r.slot];
  s.name = r.name;
  s.fixed_rate = r.fixed_rate;
  s.has_quota = r.has_quota;
  s.quota = r.quota;
  s.matched = c.matched_total.load();
  s.sampled = c.sampled_total.load();
  s.borrowed = c.borrowed_total.load();
  return s;
}

}  // namespace tracelet
