#pragma once
// Remote sampling rules from the AWS X-Ray sampling API: rules fetched with GetSamplingRules
// (POST /GetSamplingRules), reservoir quotas and fixed rates reported for and received with
// GetSamplingTargets (POST /SamplingTargets), either SigV4-signed to the X-Ray API
// (https://xray.<region>.amazonaws.com, service "xray") or unsigned to a local proxy such as a
// collector's awsproxy extension (http://127.0.0.1:2000). Module tracelet::xray_sampling.
//
// How spans are decided (as the X-Ray SDKs do): the first rule in priority order that applies
// to this service and matches the span takes it into its reservoir while the quota the
// service assigned lasts (ReservoirQuota per second until ReservoirQuotaTTL); without a valid
// quota (new rule, quota expired, service unreachable) it borrows 1 trace per second; past the
// reservoir its FixedRate decides on the trace id. Until rules arrive, or when the service has
// been unreachable for rules_cache_ms, the default rule decides: 1 trace per second + 5 %.
//
// Memory: fixed. Two rule sets of TRACELET_XRAY_MAX_RULES rules (about 350 bytes each) that
// recording switches between, counters per rule: sizeof(RemoteSampler) is about 23 KB with 32
// rules. No answer or request is held whole: answers are parsed as they arrive, the
// statistics report is written as it is sent. poll()'s stack on Cortex-M4 (-Os,
// -fstack-usage): about 7.5 KB for GetSamplingTargets (counter snapshot, the targets read,
// HTTP parser and writer), 4 KB for GetSamplingRules, plus the connector's. No heap after init.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tracelet/exporter.h"
#include "tracelet/internal/remote_rule.h"
#include "tracelet/log.h"
#include "tracelet/request_signer.h"
#include "tracelet/sampler.h"
#include "tracelet/samplers.h"
#include "tracelet/status.h"

namespace tracelet {

namespace detail {
struct RulesAnswer;
struct TargetsAnswer;
struct RequestBody;
}  // namespace detail

/// Settings. Zero means default. Pointers must outlive the RemoteSampler (not copied).
struct XraySamplingConfig {
  /// Base URL of the sampling API: "http://127.0.0.1:2000" (a proxy, unsigned; plain http is
  /// accepted only for loopback addresses) or "https://xray.eu-west-1.amazonaws.com" (with a
  /// signer). Required. TRACELET_XRAY_SAMPLING_ENDPOINT sets it (see load_xray_sampling_env).
  const char* endpoint = nullptr;
  /// Opens connections (NetConnector::connector() for TCP and TLS). Required.
  Connector connector{};
  /// Signs each call (SigV4Signer with service "xray"); no functions = unsigned.
  RequestSigner signer{};
  std::string_view service_name{};  // matched against the rules' ServiceName
  std::string_view service_type{};  // ServiceType, e.g. "AWS::EC2::Instance"
  std::string_view resource_arn{};  // ResourceARN
  RatioAlgorithm algorithm = RatioAlgorithm::kThreshold56;  // how FixedRate decides on trace ids
  std::uint32_t rules_interval_ms = 0;    // GetSamplingRules period; 0 = 300000 (5 minutes)
  std::uint32_t targets_interval_ms = 0;  // until the service sets an Interval; 0 = 10000
  std::uint32_t timeout_ms = 0;           // one call (connect, request, answer); 0 = 5000
  /// Rules not refreshed for this long (service unreachable) give way to the default rule;
  /// 0 = 3600000 (one hour, the X-Ray SDKs' rule cache).
  std::uint32_t rules_cache_ms = 0;
  /// Unix time in seconds for statistics' Timestamp and quota TTLs; nullptr = the answer's
  /// Date header for TTLs, the port's wall clock for Timestamps (without one: the time the
  /// last Date answer gave, kept with the monotonic clock).
  std::uint64_t (*now_unix_s)(void* ctx) = nullptr;
  void* now_ctx = nullptr;
  /// 24 hex digits identifying this client to the service; nullptr = random (port::entropy).
  const char* client_id = nullptr;
  LogSink log = nullptr;  // nullptr = log_to_stderr
  void* log_ctx = nullptr;
};

/// Counters of the remote sampler (a snapshot).
struct XraySamplingStats {
  std::uint32_t rule_count = 0;          // rules in use (0 while on the default rule)
  bool using_default_rule = true;        // no rules yet, or rules_cache_ms passed without refresh
  std::uint32_t rules_fetches = 0;       // GetSamplingRules calls that succeeded
  std::uint32_t targets_fetches = 0;     // GetSamplingTargets calls that succeeded
  std::uint32_t call_failures = 0;       // calls that failed (connect, HTTP, JSON)
  std::uint32_t rules_dropped = 0;       // by the last rules answer: over the cap or invalid
  std::uint32_t default_rule_sampled = 0;   // spans the default rule sampled
  std::uint32_t default_rule_matched = 0;   // spans the default rule decided
  std::uint32_t unmatched = 0;           // spans no fetched rule matched (sampled by none)
};

/// One rule's state and totals since it appeared (counters survive refreshes by name).
struct XrayRuleStats {
  std::string_view name{};
  double fixed_rate = 0.0;
  bool has_quota = false;
  std::uint32_t quota = 0;
  std::uint32_t matched = 0;   // RequestCount, all reports together
  std::uint32_t sampled = 0;   // SampledCount, all reports together
  std::uint32_t borrowed = 0;  // BorrowCount, all reports together
};

/// The X-Ray remote sampler. Decisions (should_sample, sampler()) are lock-free and ISR-safe:
/// they read whichever of two rule sets is current, and poll() fills the other and switches
/// with one atomic store; a set still being read is not overwritten (the update waits for the
/// next poll()). Every method: Allocates: never.
class RemoteSampler {
 public:
  RemoteSampler() noexcept = default;
  RemoteSampler(const RemoteSampler&) = delete;
  RemoteSampler& operator=(const RemoteSampler&) = delete;

  /// Checks the config; the sampler starts on the default rule. ISR-safe: no. Blocks: only
  /// for port::entropy() (client id).
  /// Return values: kOk; kInvalidArgument (no endpoint or connector, an endpoint that does
  /// not parse, plain http to a non-loopback host, a bad client_id; logged).
  [[nodiscard]] Status init(const XraySamplingConfig& config) noexcept;

  /// Runs what is due: GetSamplingRules every rules_interval_ms (and after a failure, again
  /// after at most a targets interval), GetSamplingTargets at the Interval the service set.
  /// Returns milliseconds until something is due. Call it from the exporter's thread or a
  /// firmware main loop, never from the recording path.
  /// ISR-safe: no. Blocks: up to timeout_ms per call made (at most two).
  std::uint32_t poll() noexcept;
  /// poll() as an exporter's PollTask (ExporterConfig::poll_task), so the exporting thread
  /// keeps the rules fresh. ISR-safe: yes (builds a struct). Blocks: never.
  PollTask poll_task() noexcept;
  /// poll() at monotonic time `now_ms` (tests with a simulated clock; the calls' own timeouts
  /// still use the port's clock). ISR-safe: no. Blocks: as poll().
  std::uint32_t poll_at(std::uint64_t now_ms) noexcept;

  /// Reads a GetSamplingRules answer body as if the service had sent it at `now_ms`.
  /// For firmware that fetches the answer another way, and for tests.
  /// ISR-safe: no. Blocks: never (time linear in the answer).
  /// Return values: kOk (rules in use); kInvalidArgument (`message` says why; rules unchanged);
  /// kUnavailable (the other rule set is still being read: try again).
  [[nodiscard]] Status apply_rules_answer(const std::uint8_t* json, std::size_t len, std::uint64_t now_ms,
                                          char* message = nullptr, std::size_t message_cap = 0) noexcept;
  /// Reads a GetSamplingTargets answer body received at `now_ms` when Unix time was
  /// `now_unix_s`. Same return values. ISR-safe: no. Blocks: never.
  [[nodiscard]] Status apply_targets_answer(const std::uint8_t* json, std::size_t len, std::uint64_t now_ms,
                                            std::uint64_t now_unix_s, char* message = nullptr,
                                            std::size_t message_cap = 0) noexcept;
  /// Writes the GetSamplingTargets request body for the counters gathered since the last one
  /// (and resets them) into `out`; returns its length, or 0 if it does not fit `cap`.
  /// For firmware that sends the report another way, and for tests. ISR-safe: no. Blocks: never.
  std::size_t take_statistics_body(std::uint64_t now_unix_s, char* out, std::size_t cap) noexcept;

  /// ISR-safe: yes. Blocks: never.
  SamplingDecision should_sample(const SamplingParams& params) noexcept;
  /// A Sampler that refers to this object (use it as the root of a ParentBasedSampler).
  /// ISR-safe: yes (builds a struct). Blocks: never.
  Sampler sampler() noexcept;

  /// A snapshot of the counters. ISR-safe: no (reads poll()'s counters). Blocks: never.
  XraySamplingStats stats() const noexcept;
  /// Rule `index` of the set in use, in evaluation order; empty name past the end.
  /// ISR-safe: no (reads the set poll() may switch).
  XrayRuleStats rule_stats(std::size_t index) const noexcept;

 private:
  struct Counters {
    std::atomic<std::uint32_t> reservoir{0};
    std::atomic<std::uint32_t> matched{0};   // since the last report
    std::atomic<std::uint32_t> sampled{0};
    std::atomic<std::uint32_t> borrowed{0};
    std::atomic<std::uint32_t> matched_total{0};
    std::atomic<std::uint32_t> sampled_total{0};
    std::atomic<std::uint32_t> borrowed_total{0};
  };
  static constexpr std::uint32_t kDefaultSet = 2;

  detail::RemoteRuleSet* writable_set() noexcept;
  void publish(std::uint32_t set) noexcept;
  void finish_rules(detail::RemoteRuleSet& set, const detail::RulesAnswer& info, std::uint64_t now_ms) noexcept;
  bool apply_targets(const detail::TargetsAnswer& answer, std::uint64_t now_ms, std::uint64_t now_unix_s,
                     bool wait) noexcept;
  detail::RemoteRuleSet* writable_set_waiting() noexcept;
  enum class Exchange : std::uint8_t { kOk, kRetry, kFailed };
  template <class Reader>
  Exchange exchange(const char* api, const detail::RequestBody& body, Reader& reader, std::uint64_t& unix_s) noexcept;
  bool fetch_rules(std::uint64_t now_ms) noexcept;
  bool fetch_targets(std::uint64_t now_ms) noexcept;
  void take_statistics(detail::StatisticsSnapshot& snap) noexcept;
  void logf(LogLevel level, const char* format, ...) const noexcept __attribute__((format(printf, 3, 4)));
  std::uint64_t unix_now_s(const char* date_header) noexcept;

  XraySamplingConfig config_{};
  bool ready_ = false;
  bool plain_http_ = false;
  std::uint16_t port_ = 0;
  char host_[128] = {};
  char base_path_[64] = {};
  char client_id_[25] = {};
  detail::RemoteRuleSet sets_[2];
  std::atomic<std::uint32_t> active_{kDefaultSet};
  std::atomic<std::uint32_t> readers_[2] = {};
  Counters counters_[TRACELET_XRAY_MAX_RULES];
  Counters default_counters_;
  std::uint64_t default_threshold_ = 0;
  bool default_always_ = false;
  std::atomic<std::uint32_t> unmatched_{0};
  // poll()'s schedule (exporting thread only)
  bool have_rules_ = false;
  std::uint64_t rules_ok_ms_ = 0;        // last successful GetSamplingRules
  std::uint64_t next_rules_ms_ = 0;
  std::uint64_t next_targets_ms_ = 0;
  std::uint32_t targets_interval_ms_ = 0;
  double rules_fetched_unix_s_ = 0;      // compared with LastRuleModification
  std::int64_t date_offset_s_ = 0;       // Unix - monotonic seconds, from the last Date answer
  std::uint32_t rules_fetches_ = 0;
  std::uint32_t targets_fetches_ = 0;
  std::uint32_t call_failures_ = 0;
  std::uint32_t rules_dropped_ = 0;
};

/// Fills `config` from the environment (`getenv_fn`, nullptr = std::getenv), copying strings
/// into `text` (`text_cap` bytes, caller-owned, must outlive the config):
///   TRACELET_XRAY_SAMPLING_ENDPOINT=http://127.0.0.1:2000  a proxy, unsigned
///   TRACELET_XRAY_SAMPLING_ENDPOINT=aws                    https://xray.$AWS_REGION.amazonaws.com,
///                                                          signed: `*signed_api` = true
///   TRACELET_XRAY_SAMPLING_RULES_INTERVAL=<seconds>        rules refresh (default 300)
/// Return values: kOk (set), kUnavailable (the variable is not set: no remote sampling),
/// kInvalidArgument (a value that does not parse, or "aws" without AWS_REGION; `message` says
/// which). ISR-safe: no. Blocks: never. Allocates: never.
[[nodiscard]] Status load_xray_sampling_env(XraySamplingConfig& config, bool* signed_api, char* text,
                                            std::size_t text_cap, const char* (*getenv_fn)(const char*) = nullptr,
                                            char* message = nullptr, std::size_t message_cap = 0) noexcept;

}  // namespace tracelet
