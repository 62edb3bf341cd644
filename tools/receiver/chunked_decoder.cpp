#include "chunked_decoder.h"

#include <cstring>
#include <limits>

namespace tracelet::receiver {
namespace {

int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void skip_ws(const std::string& s, std::size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

bool skip_token(const std::string& s, std::size_t& i) {
  const std::size_t start = i;
  while (i < s.size() && is_tchar(static_cast<unsigned char>(s[i]))) ++i;
  return i > start;
}

// quoted-string (RFC 9110 5.6.4), starting at the opening quote.
bool skip_quoted(const std::string& s, std::size_t& i) {
  if (i >= s.size() || s[i] != '"') return false;
  for (++i; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') {
      ++i;
      return true;
    }
    if (c == '\\') {
      if (++i >= s.size()) return false;
      const auto q = static_cast<unsigned char>(s[i]);
      if (q != '\t' && (q < 0x20 || q == 0x7f)) return false;
    } else if (c != '\t' && (c < 0x20 || c == 0x7f)) {
      return false;
    }
  }
  return false;
}

}  // namespace

ChunkedDecoder::Result ChunkedDecoder::fail(int status, std::string reason) {
  state_ = State::kError;
  error_ = {status, std::move(reason)};
  return Result::kError;
}

bool ChunkedDecoder::parse_size_line(const std::string& line) {
  // chunk-size [ chunk-ext ], chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] )
  std::size_t i = 0;
  std::uint64_t size = 0;
  bool saturated = false;
  while (i < line.size() && hex_value(static_cast<unsigned char>(line[i])) >= 0) {
    const auto digit = static_cast<std::uint64_t>(hex_value(static_cast<unsigned char>(line[i])));
    if (size > (std::numeric_limits<std::uint64_t>::max() >> 4)) saturated = true;
    size = saturated ? std::numeric_limits<std::uint64_t>::max() : (size << 4 | digit);
    ++i;
  }
  if (i == 0) {
    (void)fail(400, "malformed chunk size line '" + line.substr(0, 40) + "' (expected hex digits)");
    return false;
  }
  for (;;) {
    skip_ws(line, i);
    if (i == line.size()) break;
    bool ok = line[i] == ';';
    if (ok) {
      ++i;
      skip_ws(line, i);
      ok = skip_token(line, i);
    }
    if (ok) {
      std::size_t j = i;
      skip_ws(line, j);
      if (j < line.size() && line[j] == '=') {
        ++j;
        skip_ws(line, j);
        ok = j < line.size() && (line[j] == '"' ? skip_quoted(line, j) : skip_token(line, j));
        i = j;
      }
    }
    if (!ok) {
      (void)fail(400, "malformed chunk extension in chunk size line '" + line.substr(0, 40) + "'");
      return false;
    }
  }
  if (size > max_body_ - decoded_) {
    (void)fail(413, "chunked body exceeds the limit of " + std::to_string(max_body_) +
                        " bytes (--max-body)");
    return false;
  }
  remaining_ = size;
  state_ = size == 0 ? State::kTrailer : State::kData;
  return true;
}

bool ChunkedDecoder::check_trailer_line(const std::string& line) {
  // field-line = field-name ":" OWS field-value OWS; the value is not interpreted.
  std::size_t i = 0;
  if (!skip_token(line, i) || i >= line.size() || line[i] != ':') {
    (void)fail(400, "malformed trailer field line in chunked body");
    return false;
  }
  for (++i; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c != '\t' && (c < 0x20 || c == 0x7f)) {
      (void)fail(400, "control character in a trailer field of the chunked body");
      return false;
    }
  }
  return true;
}

ChunkedDecoder::Result ChunkedDecoder::feed(const char* data, std::size_t len,
                                            std::size_t& consumed, std::string& out) {
  std::size_t pos = 0;
  consumed = 0;
  for (;;) {
    if (state_ == State::kDone) return Result::kDone;
    if (state_ == State::kError) return Result::kError;

    if (state_ == State::kData) {
      const std::size_t avail = len - pos;
      const std::size_t take =
          remaining_ < avail ? static_cast<std::size_t>(remaining_) : avail;
      out.append(data + pos, take);
      pos += take;
      consumed = pos;
      remaining_ -= take;
      decoded_ += take;
      if (remaining_ > 0) return Result::kNeedMore;
      state_ = State::kDataEnd;
      continue;
    }

    if (state_ == State::kDataEnd) {
      // Exactly CRLF after the chunk data; anything else means the size was wrong.
      if (len - pos >= 1 && data[pos] != '\r') return fail(400, "chunk data not followed by CRLF");
      if (len - pos < 2) return Result::kNeedMore;
      if (data[pos + 1] != '\n') return fail(400, "chunk data not followed by CRLF");
      pos += 2;
      consumed = pos;
      state_ = State::kSizeLine;
      continue;
    }

    // kSizeLine or kTrailer: one CRLF-terminated line.
    const std::size_t trailer_room =
        trailer_bytes_ >= kMaxTrailerBytes ? 0 : kMaxTrailerBytes - trailer_bytes_;
    const std::size_t limit = state_ == State::kSizeLine ? kMaxSizeLineBytes : trailer_room;
    const auto too_long = [this] {
      return state_ == State::kSizeLine
                 ? fail(400, "chunk size line longer than " + std::to_string(kMaxSizeLineBytes) + " bytes")
                 : fail(431, "chunked trailer section larger than " + std::to_string(kMaxTrailerBytes) + " bytes");
    };
    const void* nl = std::memchr(data + pos, '\n', len - pos);
    if (nl == nullptr) return len - pos > limit + 1 ? too_long() : Result::kNeedMore;
    const auto end = static_cast<std::size_t>(static_cast<const char*>(nl) - data);
    if (end == pos || data[end - 1] != '\r') {
      return fail(400, state_ == State::kSizeLine ? "chunk size line not terminated by CRLF"
                                                   : "trailer line not terminated by CRLF");
    }
    const std::string line(data + pos, end - 1 - pos);
    if (line.size() > limit) return too_long();
    pos = end + 1;
    consumed = pos;
    if (state_ == State::kSizeLine) {
      if (!parse_size_line(line)) return Result::kError;
    } else if (line.empty()) {
      state_ = State::kDone;
    } else {
      trailer_bytes_ += line.size() + 2;
      if (!check_trailer_line(line)) return Result::kError;
    }
  }
}

}  // namespace tracelet::receiver
