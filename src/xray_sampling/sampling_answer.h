#pragma once
// Readers for the X-Ray sampling API's JSON answers, fed as the bytes arrive (JsonStream), into
// fixed storage: GetSamplingRules' SamplingRuleRecords and GetSamplingTargets'
// SamplingTargetDocuments. A rule beyond the storage, or one that breaks X-Ray's limits (or
// has a Version other than 1), is dropped and counted, not fatal; a document that is not
// JSON, or not in the answer's shape, is refused with the reason.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tracelet/internal/remote_rule.h"
#include "tracelet/samplers.h"
#include "xray_sampling/json_stream.h"

namespace tracelet::detail {

/// The service rules are matched against (ServiceName, ServiceType, ResourceARN).
struct ServiceIdentity {
  std::string_view name{};
  std::string_view type{};
  std::string_view resource_arn{};
};

/// What reading a GetSamplingRules answer produced besides the rules.
struct RulesAnswer {
  std::size_t dropped_over_cap = 0;  // valid rules that did not fit TRACELET_XRAY_MAX_RULES
  std::size_t dropped_invalid = 0;   // rules refused (reason of the first in `invalid_reason`)
  char invalid_reason[96] = {};
  char next_token[256] = {};         // NextToken: "" when the answer was the last page
  bool next_token_too_long = false;  // a NextToken that does not fit: the pages after it are lost
};

class RulesAnswerReader {
 public:
  /// Rules go into `out` (count reset to 0, or kept with `append` for a further page), fixed
  /// rates prepared for `algorithm`. `out` may be nullptr for a reader that is never fed.
  RulesAnswerReader(RemoteRuleSet* out, RulesAnswer& info, const ServiceIdentity& service,
                    RatioAlgorithm algorithm, bool append = false) noexcept;
  bool feed(const std::uint8_t* data, std::size_t len) noexcept { return json_.feed(data, len); }
  /// The answer is complete: false unless it was a whole, well-formed document.
  bool finish() noexcept { return json_.finish(); }
  const char* error() const noexcept { return json_.error(); }

 private:
  enum class Where : std::uint8_t { kTop, kRecords, kRecord, kRule, kAttributes, kSkip };
  static bool on_event(void* ctx, JsonEvent event, std::string_view text, bool cut, char* error,
                       std::size_t cap) noexcept;
  bool event(JsonEvent event, std::string_view text, bool cut, char* error, std::size_t cap) noexcept;
  void rule_field(JsonEvent event, std::string_view text, bool cut) noexcept;
  void rule_invalid(const char* why) noexcept;
  void finish_rule() noexcept;

  RemoteRuleSet* out_;
  RulesAnswer& info_;
  ServiceIdentity service_;
  RatioAlgorithm algorithm_;
  JsonStream json_;
  Where stack_[JsonStream::kMaxDepth] = {};
  std::size_t depth_ = 0;
  char key_[40] = {};  // the member name the next value belongs to (longer ones never match)
  // the rule being read
  RemoteRule rule_{};
  std::uint32_t seen_ = 0;
  bool service_ok_ = true;
  const char* invalid_ = nullptr;
  std::size_t attributes_ = 0;
};

/// What reading a GetSamplingTargets answer produced.
struct TargetsAnswer {
  std::size_t count = 0;
  SamplingTarget targets[TRACELET_XRAY_MAX_RULES];
  std::size_t dropped = 0;            // documents beyond the storage or without a RuleName
  bool has_last_rule_modification = false;
  double last_rule_modification_unix_s = 0.0;
  std::size_t unprocessed = 0;        // UnprocessedStatistics entries
};

class TargetsAnswerReader {
 public:
  explicit TargetsAnswerReader(TargetsAnswer& out) noexcept;
  bool feed(const std::uint8_t* data, std::size_t len) noexcept { return json_.feed(data, len); }
  bool finish() noexcept { return json_.finish(); }
  const char* error() const noexcept { return json_.error(); }

 private:
  enum class Where : std::uint8_t { kTop, kDocuments, kDocument, kUnprocessed, kSkip };
  static bool on_event(void* ctx, JsonEvent event, std::string_view text, bool cut, char* error,
                       std::size_t cap) noexcept;
  bool event(JsonEvent event, std::string_view text, bool cut, char* error, std::size_t cap) noexcept;

  TargetsAnswer& out_;
  JsonStream json_;
  Where stack_[JsonStream::kMaxDepth] = {};
  std::size_t depth_ = 0;
  char key_[40] = {};
  SamplingTarget doc_{};
  bool doc_bad_ = false;
};

/// Reads a JSON number as a double (false if it does not fit one).
bool json_number(std::string_view text, double& out) noexcept;

}  // namespace tracelet::detail
