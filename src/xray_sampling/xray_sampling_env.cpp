// TRACELET_XRAY_SAMPLING_* settings (tracelet/xray_sampling.h).
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/text.h"
#include "tracelet/endpoint.h"
#include "tracelet/xray_sampling.h"

namespace tracelet {
namespace {

const char* std_getenv(const char* name) { return std::getenv(name); }

}  // namespace

Status load_xray_sampling_env(XraySamplingConfig& config, bool* signed_api, char* text, std::size_t text_cap,
                              const char* (*getenv_fn)(const char*), char* message,
                              std::size_t message_cap) noexcept {
  detail::Text msg(message, message_cap);
  if (getenv_fn == nullptr) getenv_fn = &std_getenv;
  if (signed_api != nullptr) *signed_api = false;
  const char* endpoint = getenv_fn("TRACELET_XRAY_SAMPLING_ENDPOINT");
  if (endpoint == nullptr || endpoint[0] == '\0') return Status::kUnavailable;
  int written = 0;
  if (std::strcmp(endpoint, "aws") == 0) {
    const char* region = getenv_fn("AWS_REGION");
    if (region == nullptr || region[0] == '\0') {
      msg.put("TRACELET_XRAY_SAMPLING_ENDPOINT=aws needs AWS_REGION");
      return Status::kInvalidArgument;
    }
    for (const char* c = region; *c != '\0'; ++c) {
      if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')) {
        msg.put("AWS_REGION is not a region name (lower-case letters, digits and '-')");
        return Status::kInvalidArgument;
      }
    }
    written = std::snprintf(text, text_cap, "https://xray.%s.amazonaws.com", region);
    if (signed_api != nullptr) *signed_api = true;
  } else {
    written = std::snprintf(text, text_cap, "%s", endpoint);
  }
  if (written < 0 || static_cast<std::size_t>(written) >= text_cap) {
    msg.put("TRACELET_XRAY_SAMPLING_ENDPOINT does not fit the text storage");
    return Status::kInvalidArgument;
  }
  Endpoint ep;
  char error[160];
  if (parse_endpoint(text, ep, error, sizeof error) != Status::kOk) {
    msg.put("TRACELET_XRAY_SAMPLING_ENDPOINT: ").put(error);
    return Status::kInvalidArgument;
  }
  config.endpoint = text;
  const char* interval = getenv_fn("TRACELET_XRAY_SAMPLING_RULES_INTERVAL");
  if (interval != nullptr && interval[0] != '\0') {
    char* end = nullptr;
    const unsigned long seconds = std::strtoul(interval, &end, 10);
    if (*end != '\0' || seconds == 0 || seconds > 86400 || interval[0] == '-') {
      msg.put("TRACELET_XRAY_SAMPLING_RULES_INTERVAL must be 1 to 86400 seconds");
      return Status::kInvalidArgument;
    }
    config.rules_interval_ms = static_cast<std::uint32_t>(seconds * 1000u);
  }
  return Status::kOk;
}

}  // namespace tracelet
