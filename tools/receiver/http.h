#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tracelet::receiver {

/// The head of one HTTP/1.x request.
struct RequestHead {
  std::string method;
  std::string target;   // as sent, e.g. "/v1/traces?x=1"
  std::string path;     // target without the query
  std::string version;  // "HTTP/1.1" or "HTTP/1.0"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed

  /// Value of the first header named `name` (lower-case), or nullptr.
  const std::string* header(const char* name) const;
};

/// Outcome of parsing a request head. On error, `status` and `reason` say what to answer.
struct HeadError {
  int status = 0;
  std::string reason;
};

/// Where the request head stands in the bytes received so far on a connection.
struct HeadScan {
  enum class State { kNeedMore, kComplete, kError };
  State state = State::kNeedMore;
  std::size_t head_end = 0;  // kComplete: length of the head, without the blank line's CRLFCRLF
  HeadError error;           // kError: what to answer before closing
};

/// Looks at the start of `buffer` (bytes received, the head of the next request first) after
/// each read. Drops the empty lines a client may send before a request line (RFC 9112 section
/// 2.2, e.g. a CRLF after the previous body) from `buffer`, then answers:
///   kError 400 – the first byte cannot start a request line (it is not 'A'..'Z'), at once,
///                instead of waiting for a blank line that never comes; a TLS record there
///                (0x16) is named as a TLS client on a plain port;
///   kError 431 – the head, with its blank line, is longer than `max_head_bytes`, or no blank
///                line is within the first `max_head_bytes` bytes;
///   kComplete  – the head is `buffer[0, head_end)`, followed by "\r\n\r\n";
///   kNeedMore  – read more.
/// The result does not depend on how the bytes were split into reads.
HeadScan scan_request_head(std::string& buffer, std::size_t max_head_bytes);

/// Parses the request head in `text` (everything before the blank line, without it).
/// Returns false with `error` filled on malformed input: 400 for a malformed request line or
/// header line, folded header lines, CR, LF or NUL anywhere but in the CRLFs that end lines
/// (RFC 9110 section 5.5), or a control character in the target; 505 for other versions.
bool parse_request_head(const std::string& text, RequestHead& out, HeadError& error);

/// How the body of a request is framed, decided from its headers.
struct BodyFraming {
  bool ok = false;               // false: answer error.status and close the connection
  bool chunked = false;          // Transfer-Encoding: chunked; `length` is then unused
  std::uint64_t length = 0;      // Content-Length (0 when there is no body)
  bool keep_alive = true;        // the client allows another request on this connection
  bool expect_continue = false;  // client waits for "100 Continue" before sending the body
};

/// Applies the receiver's framing rules (RFC 9112 section 6):
///   - Transfer-Encoding whose codings are exactly "chunked": a chunked body (any size limit
///     is enforced while decoding it, see ChunkedDecoder);
///   - Transfer-Encoding together with Content-Length: 400 (request-smuggling guard), as is
///     Transfer-Encoding in an HTTP/1.0 request, chunked applied twice, or a list that does
///     not end in chunked (the length cannot be determined); other codings before chunked
///     ("gzip, chunked"): 501;
///   - otherwise Content-Length, at most `max_body` bytes (else 413); POST/PUT need one (411).
/// Fills `error` when the result is not ok; the connection must then close.
BodyFraming decide_framing(const RequestHead& head, std::uint64_t max_body, HeadError& error);

/// True for a tchar, the characters of an HTTP token (RFC 9110 section 5.6.2): visible ASCII
/// except the delimiters "(),/:;<=>?@[\]{}.
bool is_tchar(unsigned char c);

/// The codings of a Transfer-Encoding or Content-Encoding value, in order, lower-cased,
/// without parameters; empty list elements are skipped ("gzip, , chunked" -> gzip, chunked).
std::vector<std::string> split_codings(const std::string& list);

/// The media type of a Content-Type value, lower-cased, without parameters.
std::string media_type(const std::string& content_type);

/// Standard reason phrase for `status` ("OK", "Not Found", ...).
const char* reason_phrase(int status);

/// A complete HTTP/1.1 response: status line, Content-Length, Content-Type (when the body is
/// not empty or `content_type` is given), Connection: close when !keep_alive, extra headers
/// (each "Name: value"), blank line, body.
std::string build_response(int status, const std::string& content_type, const std::string& body,
                           bool keep_alive, const std::vector<std::string>& extra_headers = {});

}  // namespace tracelet::receiver
