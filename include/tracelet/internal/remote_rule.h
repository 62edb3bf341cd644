#pragma once
// Not part of the API: one X-Ray sampling rule as a RemoteSampler keeps it, in fixed-size
// storage (a rule set is copied between the two buffers recording switches between, so it
// holds no pointers). In a header only because RemoteSampler holds arrays of it.
#include <cstddef>
#include <cstdint>

#ifndef TRACELET_XRAY_MAX_RULES
#define TRACELET_XRAY_MAX_RULES 32  // rules kept from a GetSamplingRules answer; more are dropped, counted and logged
#endif
static_assert(TRACELET_XRAY_MAX_RULES >= 1 && TRACELET_XRAY_MAX_RULES <= 255,
              "TRACELET_XRAY_MAX_RULES must be 1 to 255 (a rule's counter slot is one byte).");

namespace tracelet::detail {

struct RemoteRule {
  char name[33] = {};        // RuleName, NUL-terminated
  char host[65] = {};        // glob patterns as X-Ray limits them
  char http_method[11] = {};
  char url_path[129] = {};
  char attribute_key[33] = {};    // one Attributes entry; empty = none
  char attribute_value[33] = {};
  std::uint32_t priority = 0;
  std::uint32_t reservoir_size = 0;  // the rule's own ReservoirSize (the service splits it into quotas)
  double fixed_rate = 0.0;           // the rule's, replaced by the targets' FixedRate
  std::uint64_t threshold = 0;       // fixed_rate prepared for ratio_decide()
  bool rate_always = false;
  bool applies = false;              // ServiceName/ServiceType/ResourceARN matched this service
  std::uint8_t slot = 0;             // its counters in RemoteSampler (kept across refreshes by name)
  bool has_quota = false;            // a target assigned ReservoirQuota ...
  std::uint32_t quota = 0;           // ... per second ...
  std::uint64_t quota_expiry_ms = 0; // ... until this monotonic time (ReservoirQuotaTTL)
};

struct RemoteRuleSet {
  std::size_t count = 0;
  RemoteRule rules[TRACELET_XRAY_MAX_RULES];
};

/// One SamplingTargetDocument.
struct SamplingTarget {
  char name[33] = {};
  bool has_rate = false;
  double fixed_rate = 0.0;
  bool has_quota = false;
  std::uint32_t quota = 0;
  bool has_ttl = false;
  double quota_ttl_unix_s = 0.0;
  bool has_interval = false;
  std::uint32_t interval_s = 0;
};

/// One report's counters per rule (RequestCount, SampledCount, BorrowCount), taken at once.
struct StatisticsSnapshot {
  std::size_t count = 0;
  struct Doc {
    char name[33];
    std::uint32_t requests, sampled, borrowed;
  } docs[TRACELET_XRAY_MAX_RULES];
};

}  // namespace tracelet::detail
