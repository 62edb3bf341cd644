// GetSamplingRules and GetSamplingTargets answers, read event by event (sampling_answer.h).
#include "xray_sampling/sampling_answer.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sampling/glob.h"
#include "sampling/ratio.h"
#include "core/text.h"

namespace tracelet::detail {
namespace {

// Copies `text` into a NUL-terminated fixed field; false if it does not fit.
template <std::size_t N>
bool copy_field(char (&field)[N], std::string_view text, bool cut) noexcept {
  if (cut || text.size() >= N) return false;
  std::memcpy(field, text.data(), text.size());
  field[text.size()] = '\0';
  return true;
}

// A JSON number that is a non-negative integer up to `max`.
bool json_uint(std::string_view text, std::uint64_t max, std::uint64_t& out) noexcept {
  if (text.empty()) return false;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (v > max) return false;
  }
  out = v;
  return true;
}

void set_key(char (&key)[40], std::string_view text, bool cut) noexcept {
  if (!copy_field(key, text, cut)) key[0] = '\0';  // a name this long is no field we read
}

bool reason(char* error, std::size_t cap, const char* text) noexcept {
  std::snprintf(error, cap, "%s", text);
  return false;
}

bool is_scalar(JsonEvent e) noexcept {
  return e == JsonEvent::kString || e == JsonEvent::kNumber || e == JsonEvent::kTrue ||
         e == JsonEvent::kFalse || e == JsonEvent::kNull;
}

enum RuleField : std::uint32_t {
  kRuleName = 1u << 0, kPriority = 1u << 1, kFixedRate = 1u << 2, kReservoirSize = 1u << 3,
  kServiceName = 1u << 4, kServiceType = 1u << 5, kHost = 1u << 6, kHttpMethod = 1u << 7,
  kUrlPath = 1u << 8, kResourceArn = 1u << 9, kVersion = 1u << 10, kAttributes = 1u << 11,
};

struct KnownField {
  const char* name;
  std::uint32_t bit;
};
constexpr KnownField kRuleFields[] = {
    {"RuleName", kRuleName},       {"Priority", kPriority},       {"FixedRate", kFixedRate},
    {"ReservoirSize", kReservoirSize}, {"ServiceName", kServiceName}, {"ServiceType", kServiceType},
    {"Host", kHost},               {"HTTPMethod", kHttpMethod},   {"URLPath", kUrlPath},
    {"ResourceARN", kResourceArn}, {"Version", kVersion},         {"Attributes", kAttributes},
};

std::uint32_t rule_field_bit(const char* key) noexcept {
  for (const KnownField& f : kRuleFields) {
    if (std::strcmp(f.name, key) == 0) return f.bit;
  }
  return 0;
}

}  // namespace

bool json_number(std::string_view text, double& out) noexcept {
  char buf[JsonStream::kMaxNumber + 1];
  if (text.empty() || text.size() > JsonStream::kMaxNumber) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  char* end = nullptr;
  const double v = std::strtod(buf, &end);
  if (end != buf + text.size() || !(v == v) || v > 1e300 || v < -1e300) return false;
  out = v;
  return true;
}

// ---- GetSamplingRules ----------------------------------------------------------------------

RulesAnswerReader::RulesAnswerReader(RemoteRuleSet* out, RulesAnswer& info,
                                     const ServiceIdentity& service, RatioAlgorithm algorithm, bool append) noexcept
    : out_(out), info_(info), service_(service), algorithm_(algorithm),
      json_(JsonHandler{this, &RulesAnswerReader::on_event}) {
  if (out_ != nullptr && !append) out_->count = 0;
  info_ = RulesAnswer{};
}

bool RulesAnswerReader::on_event(void* ctx, JsonEvent event, std::string_view text, bool cut,
                                 char* error, std::size_t cap) noexcept {
  return static_cast<RulesAnswerReader*>(ctx)->event(event, text, cut, error, cap);
}

void RulesAnswerReader::rule_invalid(const char* why) noexcept {
  if (invalid_ == nullptr) invalid_ = why;
}

void RulesAnswerReader::rule_field(JsonEvent event, std::string_view text, bool cut) noexcept {
  const std::uint32_t bit = rule_field_bit(key_);
  if (bit == 0) return;  // RuleARN and fields added later: not needed to sample
  if (seen_ & bit) return rule_invalid("a field appears twice");
  seen_ |= bit;
  const bool is_string = event == JsonEvent::kString;
  const bool is_number = event == JsonEvent::kNumber;
  std::uint64_t u = 0;
  double d = 0;
  switch (bit) {
    case kRuleName:
      if (!is_string) return rule_invalid("RuleName is not a string");
      if (text.empty() || !copy_field(rule_.name, text, cut)) return rule_invalid("RuleName must be 1 to 32 characters");
      return;
    case kPriority:
      if (!is_number || !json_uint(text, 10000, u) || u == 0) return rule_invalid("Priority must be an integer from 1 to 10000");
      rule_.priority = static_cast<std::uint32_t>(u);
      return;
    case kFixedRate:
      if (!is_number || !json_number(text, d) || !(d >= 0.0 && d <= 1.0)) return rule_invalid("FixedRate must be a number from 0 to 1");
      rule_.fixed_rate = d;
      return;
    case kReservoirSize:
      if (!is_number || !json_uint(text, 0x7fffffff, u)) return rule_invalid("ReservoirSize must be a non-negative integer");
      rule_.reservoir_size = static_cast<std::uint32_t>(u);
      return;
    case kVersion:
      if (!is_number || text != "1") return rule_invalid("Version is not 1 (this client reads version 1 rules)");
      return;
    case kServiceName:
    case kServiceType:
    case kResourceArn: {
      if (!is_string) return rule_invalid("ServiceName, ServiceType or ResourceARN is not a string");
      const std::size_t max = bit == kResourceArn ? 500 : 64;
      if (cut || text.size() > max) return rule_invalid("ServiceName, ServiceType or ResourceARN is too long");
      const std::string_view own = bit == kServiceName ? service_.name
                                   : bit == kServiceType ? service_.type : service_.resource_arn;
      if (!glob_match(text, own)) service_ok_ = false;
      return;
    }
    case kHost:
      if (!is_string || !copy_field(rule_.host, text, cut)) return rule_invalid("Host must be a string of at most 64 characters");
      return;
    case kHttpMethod:
      if (!is_string || !copy_field(rule_.http_method, text, cut)) return rule_invalid("HTTPMethod must be a string of at most 10 characters");
      return;
    case kUrlPath:
      if (!is_string || !copy_field(rule_.url_path, text, cut)) return rule_invalid("URLPath must be a string of at most 128 characters");
      return;
    case kAttributes:
      if (event != JsonEvent::kNull) return rule_invalid("Attributes is not an object");
      return;
    default:
      return;
  }
}

void RulesAnswerReader::finish_rule() noexcept {
  constexpr std::uint32_t kRequired = kRuleName | kPriority | kFixedRate | kReservoirSize;
  if (invalid_ == nullptr && (seen_ & kRequired) != kRequired) {
    rule_invalid("RuleName, Priority, FixedRate and ReservoirSize are required");
  }
  if (invalid_ != nullptr) {
    if (info_.dropped_invalid++ == 0) {
      Text(info_.invalid_reason, sizeof info_.invalid_reason).put("rule '").put(rule_.name).put("': ").put(invalid_);
    }
    return;
  }
  if (out_ == nullptr || out_->count >= TRACELET_XRAY_MAX_RULES) {
    ++info_.dropped_over_cap;
    return;
  }
  const RatioRule rr = prepare_ratio(rule_.fixed_rate, algorithm_);
  rule_.threshold = rr.threshold;
  rule_.rate_always = rr.always;
  rule_.applies = service_ok_;
  out_->rules[out_->count++] = rule_;
}

bool RulesAnswerReader::event(JsonEvent event, std::string_view text, bool cut, char* error,
                              std::size_t cap) noexcept {
  if (event == JsonEvent::kKey) {
    set_key(key_, text, cut);
    return true;
  }
  const Where parent = depth_ == 0 ? Where::kSkip : stack_[depth_ - 1];
  if (event == JsonEvent::kObjectEnd || event == JsonEvent::kArrayEnd) {
    const Where closed = stack_[--depth_];
    if (closed == Where::kRule) finish_rule();
    return true;
  }
  if (event == JsonEvent::kObjectBegin || event == JsonEvent::kArrayBegin) {
    const bool object = event == JsonEvent::kObjectBegin;
    Where next = Where::kSkip;
    if (depth_ == 0) {
      if (!object) return reason(error, cap, "the answer is not a JSON object");
      next = Where::kTop;
    } else if (parent == Where::kTop) {
      if (std::strcmp(key_, "SamplingRuleRecords") == 0) {
        if (object) return reason(error, cap, "SamplingRuleRecords is not an array");
        next = Where::kRecords;
      }
    } else if (parent == Where::kRecords) {
      if (!object) return reason(error, cap, "a SamplingRuleRecords entry is not an object");
      next = Where::kRecord;
    } else if (parent == Where::kRecord) {
      if (std::strcmp(key_, "SamplingRule") == 0) {
        if (!object) return reason(error, cap, "SamplingRule is not an object");
        next = Where::kRule;
        rule_ = RemoteRule{};
        std::strcpy(rule_.host, "*");
        std::strcpy(rule_.http_method, "*");
        std::strcpy(rule_.url_path, "*");
        seen_ = 0;
        service_ok_ = true;
        invalid_ = nullptr;
        attributes_ = 0;
      }
    } else if (parent == Where::kRule) {
      const std::uint32_t bit = rule_field_bit(key_);
      if (bit == kAttributes && object) {
        if (seen_ & kAttributes) rule_invalid("a field appears twice");
        seen_ |= kAttributes;
        next = Where::kAttributes;
      } else if (bit != 0) {
        rule_invalid("a field has the wrong type");
      }
    } else if (parent == Where::kAttributes) {
      rule_invalid("Attributes values must be strings");
    }
    stack_[depth_++] = next;
    return true;
  }
  if (!is_scalar(event)) return true;
  switch (parent) {
    case Where::kSkip:
      if (depth_ == 0) return reason(error, cap, "the answer is not a JSON object");
      return true;
    case Where::kTop:
      if (std::strcmp(key_, "NextToken") == 0) {
        if (event == JsonEvent::kString && !text.empty() && !copy_field(info_.next_token, text, cut)) {
          info_.next_token[0] = '\0';
          info_.next_token_too_long = true;
        }
      } else if (std::strcmp(key_, "SamplingRuleRecords") == 0 && event != JsonEvent::kNull) {
        return reason(error, cap, "SamplingRuleRecords is not an array");
      }
      return true;
    case Where::kRecords:
      return reason(error, cap, "a SamplingRuleRecords entry is not an object");
    case Where::kRecord:
      if (std::strcmp(key_, "SamplingRule") == 0) return reason(error, cap, "SamplingRule is not an object");
      return true;
    case Where::kRule:
      rule_field(event, text, cut);
      return true;
    case Where::kAttributes:
      if (event != JsonEvent::kString) {
        rule_invalid("Attributes values must be strings");
      } else if (++attributes_ > 1) {
        rule_invalid("more than one entry in Attributes (one is matched)");
      } else if (key_[0] == '\0' || !copy_field(rule_.attribute_key, key_, false) ||
                 !copy_field(rule_.attribute_value, text, cut) || text.empty()) {
        rule_invalid("an Attributes key or value is empty or longer than 32 characters");
      }
      return true;
  }
  return true;
}

// ---- GetSamplingTargets --------------------------------------------------------------------

TargetsAnswerReader::TargetsAnswerReader(TargetsAnswer& out) noexcept
    : out_(out), json_(JsonHandler{this, &TargetsAnswerReader::on_event}) {
  out_.count = 0;
  out_.dropped = 0;
  out_.unprocessed = 0;
  out_.has_last_rule_modification = false;
}

bool TargetsAnswerReader::on_event(void* ctx, JsonEvent event, std::string_view text, bool cut,
                                   char* error, std::size_t cap) noexcept {
  return static_cast<TargetsAnswerReader*>(ctx)->event(event, text, cut, error, cap);
}

bool TargetsAnswerReader::event(JsonEvent event, std::string_view text, bool cut, char* error,
                                std::size_t cap) noexcept {
  if (event == JsonEvent::kKey) {
    set_key(key_, text, cut);
    return true;
  }
  const Where parent = depth_ == 0 ? Where::kSkip : stack_[depth_ - 1];
  if (event == JsonEvent::kObjectEnd || event == JsonEvent::kArrayEnd) {
    const Where closed = stack_[--depth_];
    if (closed == Where::kDocument) {
      if (doc_bad_ || doc_.name[0] == '\0' || out_.count >= TRACELET_XRAY_MAX_RULES) {
        ++out_.dropped;
      } else {
        out_.targets[out_.count++] = doc_;
      }
    }
    return true;
  }
  if (event == JsonEvent::kObjectBegin || event == JsonEvent::kArrayBegin) {
    const bool object = event == JsonEvent::kObjectBegin;
    Where next = Where::kSkip;
    if (depth_ == 0) {
      if (!object) return reason(error, cap, "the answer is not a JSON object");
      next = Where::kTop;
    } else if (parent == Where::kTop) {
      const bool docs = std::strcmp(key_, "SamplingTargetDocuments") == 0;
      const bool unprocessed = std::strcmp(key_, "UnprocessedStatistics") == 0;
      if ((docs || unprocessed) && object) return reason(error, cap, "SamplingTargetDocuments or UnprocessedStatistics is not an array");
      if (docs) next = Where::kDocuments;
      if (unprocessed) next = Where::kUnprocessed;
    } else if (parent == Where::kDocuments) {
      if (!object) return reason(error, cap, "a SamplingTargetDocuments entry is not an object");
      next = Where::kDocument;
      doc_ = SamplingTarget{};
      doc_bad_ = false;
    } else if (parent == Where::kUnprocessed) {
      ++out_.unprocessed;
    } else if (parent == Where::kDocument) {
      doc_bad_ = true;  // no field of a target document is a container
    }
    stack_[depth_++] = next;
    return true;
  }
  if (!is_scalar(event)) return true;
  std::uint64_t u = 0;
  double d = 0;
  switch (parent) {
    case Where::kSkip:
      if (depth_ == 0) return reason(error, cap, "the answer is not a JSON object");
      return true;
    case Where::kTop:
      if (std::strcmp(key_, "LastRuleModification") == 0 && event == JsonEvent::kNumber) {
        if (!json_number(text, d)) return reason(error, cap, "LastRuleModification is not a time");
        out_.has_last_rule_modification = true;
        out_.last_rule_modification_unix_s = d;
      } else if ((std::strcmp(key_, "SamplingTargetDocuments") == 0 ||
                  std::strcmp(key_, "UnprocessedStatistics") == 0) && event != JsonEvent::kNull) {
        return reason(error, cap, "SamplingTargetDocuments or UnprocessedStatistics is not an array");
      }
      return true;
    case Where::kDocuments:
      return reason(error, cap, "a SamplingTargetDocuments entry is not an object");
    case Where::kUnprocessed:
      return reason(error, cap, "an UnprocessedStatistics entry is not an object");
    case Where::kDocument:
      if (event == JsonEvent::kNull) return true;  // an absent value: keep what the rule had
      if (std::strcmp(key_, "RuleName") == 0) {
        if (event != JsonEvent::kString || text.empty() || !copy_field(doc_.name, text, cut)) doc_bad_ = true;
      } else if (std::strcmp(key_, "FixedRate") == 0) {
        if (event != JsonEvent::kNumber || !json_number(text, d) || !(d >= 0.0 && d <= 1.0)) {
          doc_bad_ = true;
        } else {
          doc_.has_rate = true;
          doc_.fixed_rate = d;
        }
      } else if (std::strcmp(key_, "ReservoirQuota") == 0) {
        if (event != JsonEvent::kNumber || !json_uint(text, 0x7fffffff, u)) {
          doc_bad_ = true;
        } else {
          doc_.has_quota = true;
          doc_.quota = static_cast<std::uint32_t>(u);
        }
      } else if (std::strcmp(key_, "ReservoirQuotaTTL") == 0) {
        if (event != JsonEvent::kNumber || !json_number(text, d) || d < 0) {
          doc_bad_ = true;
        } else {
          doc_.has_ttl = true;
          doc_.quota_ttl_unix_s = d;
        }
      } else if (std::strcmp(key_, "Interval") == 0) {
        if (event != JsonEvent::kNumber || !json_uint(text, 86400, u)) {
          doc_bad_ = true;
        } else {
          doc_.has_interval = true;
          doc_.interval_s = static_cast<std::uint32_t>(u);
        }
      }
      return true;
  }
  return true;
}

}  // namespace tracelet::detail
