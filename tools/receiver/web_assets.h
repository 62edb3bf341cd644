#pragma once
#include <cstddef>

namespace tracelet::receiver {

/// One file of the trace page (tools/receiver/web/), compiled into the receiver by CMake
/// (tools/receiver/embed_web.cmake), so the page needs nothing from the network or the disk.
struct WebAsset {
  const char* path;          // as requested, e.g. "/app.js"; index.html is "/"
  const char* content_type;
  const unsigned char* data;
  std::size_t size;
};

/// The asset served at `path`, or nullptr.
const WebAsset* find_web_asset(const char* path);

}  // namespace tracelet::receiver
