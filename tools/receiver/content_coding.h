#pragma once
#include <cstdint>
#include <string>

#include "http.h"

namespace tracelet::receiver {

/// True when this build can inflate gzip bodies (zlib was found at configure time).
bool gzip_supported();

/// The value for an Accept-Encoding answer header: the content codings this build takes.
const char* accepted_encodings();

/// Undoes the Content-Encoding of a request body. `content_encoding` is the header value, or
/// nullptr when there is none. Codings are undone in reverse order of the list; "identity"
/// and "none" (OTLP's name for no compression) mean no coding; "gzip" and its alias "x-gzip"
/// are inflated with zlib.
/// Returns true with the decoded body in `out` (a copy of `body` when nothing was encoded),
/// or false with `error` set:
///   400 – corrupt or truncated gzip data (the reason carries zlib's message)
///   413 – the decoded body would exceed `max_body` bytes (a decompression bomb stops there)
///   415 – an unknown coding, or gzip in a build without zlib
bool decode_content(const std::string* content_encoding, const std::string& body,
                    std::uint64_t max_body, std::string& out, HeadError& error);

}  // namespace tracelet::receiver
