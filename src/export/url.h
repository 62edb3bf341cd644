#pragma once
#include <cstddef>

#include "tracelet/endpoint.h"
#include "tracelet/status.h"

// The exporter's names for the public endpoint parser (tracelet/endpoint.h).
namespace tracelet::detail {

using Url = Endpoint;

[[nodiscard]] inline Status parse_url(const char* text, Url& out, char* error, std::size_t cap) noexcept {
  return parse_endpoint(text, out, error, cap);
}

}  // namespace tracelet::detail
