#pragma once

namespace tracelet {

/// One extra HTTP header sent with every export (e.g. x-honeycomb-team: KEY).
struct HttpHeader {
  const char* name = nullptr;
  const char* value = nullptr;
};

}  // namespace tracelet
