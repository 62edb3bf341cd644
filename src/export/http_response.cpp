#include "export/http_response.h"

#include <cstring>

namespace tracelet::detail {
namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ci(const char* a, std::size_t a_len, const char* b) noexcept {
  std::size_t b_len = std::strlen(b);
  if (a_len != b_len) return false;
  for (std::size_t i = 0; i < a_len; ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool contains_token_ci(const char* value, const char* token) noexcept {
  std::size_t n = std::strlen(token);
  for (const char* p = value; *p != '\0'; ++p) {
    std::size_t i = 0;
    while (i < n && p[i] != '\0' && lower(p[i]) == token[i]) ++i;
    if (i == n) return true;
  }
  return false;
}

const char* trim(char* text) noexcept {
  while (*text == ' ' || *text == '\t') ++text;
  std::size_t n = std::strlen(text);
  while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t')) text[--n] = '\0';
  return text;
}

bool parse_decimal(const char* text, std::uint64_t& out) noexcept {
  if (*text == '\0') return false;
  std::uint64_t v = 0;
  for (; *text != '\0'; ++text) {
    if (*text < '0' || *text > '9') return false;
    std::uint64_t digit = static_cast<std::uint64_t>(*text - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned mp = m > 2 ? m - 3 : m + 9;  // month counted from March: 0..11
  const unsigned doy = (153 * mp + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

void HttpResponseParser::reset() noexcept {
  state_ = State::kStatusLine;
  status_ = 0;
  chunked_ = connection_close_ = protobuf_ = has_length_ = line_complete_ = false;
  remaining_ = body_len_ = 0;
  header_bytes_ = line_len_ = line_total_ = 0;
  error_ = "";
  retry_after_[0] = '\0';
  date_[0] = '\0';
}

HttpResponseParser::Result HttpResponseParser::fail(const char* reason) noexcept {
  state_ = State::kError;
  error_ = reason;
  return Result::kError;
}

// Collects bytes up to "\n" into line_ (cut at kMaxLine). Returns true when a line is complete.
bool HttpResponseParser::take_line(const std::uint8_t*& p, const std::uint8_t* end) noexcept {
  if (line_complete_) {
    line_complete_ = false;
    line_len_ = line_total_ = 0;
  }
  while (p < end) {
    char c = static_cast<char>(*p++);
    ++header_bytes_;
    if (c == '\n') {
      if (line_len_ > 0 && line_[line_len_ - 1] == '\r') --line_len_;
      line_[line_len_] = '\0';
      line_complete_ = true;
      return true;
    }
    if (line_len_ < kMaxLine) line_[line_len_++] = c;
    ++line_total_;
  }
  return false;
}

HttpResponseParser::Result HttpResponseParser::on_status_line() noexcept {
  // "HTTP/1.x SSS reason"
  if (line_len_ < 12 || std::strncmp(line_, "HTTP/1.", 7) != 0 || line_[8] != ' ') {
    return fail("malformed status line");
  }
  for (int i = 9; i < 12; ++i) {
    if (line_[i] < '0' || line_[i] > '9') return fail("malformed status code");
  }
  if (line_len_ > 12 && line_[12] != ' ') return fail("malformed status line");
  status_ = (line_[9] - '0') * 100 + (line_[10] - '0') * 10 + (line_[11] - '0');
  if (status_ < 100) return fail("status code out of range");
  if (line_[7] == '0') connection_close_ = true;  // HTTP/1.0 closes unless told otherwise
  state_ = State::kHeaders;
  return Result::kNeedMore;
}

HttpResponseParser::Result HttpResponseParser::on_header_line() noexcept {
  if (line_len_ == 0) {  // end of headers
    if (status_ >= 100 && status_ < 200) {  // interim answer: the real one follows
      state_ = State::kStatusLine;
      return Result::kNeedMore;
    }
    if (status_ == 204 || status_ == 304) {
      state_ = State::kDone;
      return Result::kDone;
    }
    if (chunked_) {
      state_ = State::kChunkSize;
    } else if (has_length_) {
      state_ = remaining_ == 0 ? State::kDone : State::kBody;
    } else {
      state_ = State::kBodyUntilClose;
      connection_close_ = true;
    }
    return state_ == State::kDone ? Result::kDone : Result::kNeedMore;
  }
  char* colon = static_cast<char*>(std::memchr(line_, ':', line_len_));
  if (colon == nullptr || colon == line_) return fail("malformed header line");
  std::size_t name_len = static_cast<std::size_t>(colon - line_);
  const char* value = trim(colon + 1);
  if (equals_ci(line_, name_len, "content-length")) {
    std::uint64_t length = 0;
    if (!parse_decimal(value, length)) return fail("invalid Content-Length");
    if (has_length_ && length != remaining_) return fail("conflicting Content-Length headers");
    has_length_ = true;
    remaining_ = length;
  } else if (equals_ci(line_, name_len, "transfer-encoding")) {
    if (!contains_token_ci(value, "chunked")) return fail("unsupported Transfer-Encoding");
    chunked_ = true;
  } else if (equals_ci(line_, name_len, "connection")) {
    if (contains_token_ci(value, "close")) connection_close_ = true;
    if (contains_token_ci(value, "keep-alive")) connection_close_ = false;
  } else if (equals_ci(line_, name_len, "retry-after")) {
    std::size_t n = std::strlen(value);
    if (n >= sizeof retry_after_) n = sizeof retry_after_ - 1;
    std::memcpy(retry_after_, value, n);
    retry_after_[n] = '\0';
  } else if (equals_ci(line_, name_len, "date")) {
    std::size_t n = std::strlen(value);
    if (n >= sizeof date_) n = sizeof date_ - 1;
    std::memcpy(date_, value, n);
    date_[n] = '\0';
  } else if (equals_ci(line_, name_len, "content-type")) {
    protobuf_ = contains_token_ci(value, "application/x-protobuf");
  }
  if (chunked_) has_length_ = false;  // chunked wins over Content-Length (RFC 9112 6.3)
  return Result::kNeedMore;
}

HttpResponseParser::Result HttpResponseParser::on_chunk_size_line() noexcept {
  std::uint64_t size = 0;
  std::size_t i = 0;
  for (; i < line_len_; ++i) {
    char c = lower(line_[i]);
    unsigned digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else {
      break;
    }
    if (size > (UINT64_MAX >> 4)) return fail("chunk size overflow");
    size = (size << 4) | digit;
  }
  if (i == 0 || (i < line_len_ && line_[i] != ';' && line_[i] != ' ' && line_[i] != '\t')) {
    return fail("malformed chunk size");
  }
  remaining_ = size;
  state_ = size == 0 ? State::kTrailers : State::kChunkData;
  return Result::kNeedMore;
}

void HttpResponseParser::keep_body(const std::uint8_t* p, std::size_t n) noexcept {
  if (body_sink_ != nullptr && n > 0) body_sink_(body_sink_ctx_, p, n);
  if (body_len_ < kMaxBody) {
    std::size_t room = kMaxBody - static_cast<std::size_t>(body_len_);
    std::memcpy(body_ + body_len_, p, n < room ? n : room);
  }
  body_len_ += n;
}

HttpResponseParser::Result HttpResponseParser::feed(const std::uint8_t* data, std::size_t len,
                                                    std::size_t& consumed) noexcept {
  const std::uint8_t* p = data;
  const std::uint8_t* end = data + len;
  Result result = Result::kNeedMore;
  while (result == Result::kNeedMore && state_ != State::kDone && state_ != State::kError) {
    if (state_ == State::kStatusLine || state_ == State::kHeaders ||
        state_ == State::kChunkSize || state_ == State::kChunkDataEnd ||
        state_ == State::kTrailers) {
      if (!take_line(p, end)) {
        if (header_bytes_ > kMaxHeaderBytes) result = fail("response headers too large");
        break;
      }
      if (header_bytes_ > kMaxHeaderBytes) {
        result = fail("response headers too large");
        break;
      }
      switch (state_) {
        case State::kStatusLine: result = on_status_line(); break;
        case State::kHeaders: result = on_header_line(); break;
        case State::kChunkSize: result = on_chunk_size_line(); break;
        case State::kChunkDataEnd:
          if (line_len_ != 0) {
            result = fail("missing CRLF after chunk");
          } else {
            state_ = State::kChunkSize;
          }
          break;
        default:  // trailers: ignored until the empty line
          if (line_len_ == 0) {
            state_ = State::kDone;
            result = Result::kDone;
          }
          break;
      }
      continue;
    }
    if (p == end) break;
    std::size_t available = static_cast<std::size_t>(end - p);
    if (state_ == State::kBodyUntilClose) {
      keep_body(p, available);
      p = end;
      break;
    }
    std::size_t n = remaining_ < available ? static_cast<std::size_t>(remaining_) : available;
    keep_body(p, n);
    p += n;
    remaining_ -= n;
    if (remaining_ == 0) {
      if (state_ == State::kBody) {
        state_ = State::kDone;
        result = Result::kDone;
      } else {
        state_ = State::kChunkDataEnd;
      }
    }
  }
  consumed = static_cast<std::size_t>(p - data);
  if (state_ == State::kError) return Result::kError;
  return state_ == State::kDone ? Result::kDone : result;
}

HttpResponseParser::Result HttpResponseParser::end_of_stream() noexcept {
  if (state_ == State::kDone) return Result::kDone;
  if (state_ == State::kBodyUntilClose) {
    state_ = State::kDone;
    return Result::kDone;
  }
  if (state_ == State::kError) return Result::kError;
  return fail(state_ == State::kStatusLine && header_bytes_ == 0
                  ? "connection closed before any response"
                  : "connection closed in the middle of the response");
}

bool parse_retry_after(const char* value, std::uint64_t now_unix_s, std::uint32_t& seconds) noexcept {
  std::uint64_t delta = 0;
  if (parse_decimal(value, delta)) {
    seconds = delta > 86400 ? 86400 : static_cast<std::uint32_t>(delta);
    return true;
  }
  std::int64_t at = 0;
  if (!parse_http_date(value, at)) return false;
  std::int64_t wait = at - static_cast<std::int64_t>(now_unix_s);
  seconds = wait <= 0 ? 0 : (wait > 86400 ? 86400u : static_cast<std::uint32_t>(wait));
  return true;
}

bool parse_http_date(const char* value, std::int64_t& unix_s) noexcept {
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  static const char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (value == nullptr || std::strlen(value) != 29 || value[3] != ',' || value[4] != ' ' ||
      std::strcmp(value + 25, " GMT") != 0) {
    return false;
  }
  auto num = [&](int at, int digits, unsigned& out) {
    out = 0;
    for (int i = 0; i < digits; ++i) {
      char c = value[at + i];
      if (c < '0' || c > '9') return false;
      out = out * 10 + static_cast<unsigned>(c - '0');
    }
    return true;
  };
  unsigned day, year, hour, minute, second;
  if (!num(5, 2, day) || !num(12, 4, year) || !num(17, 2, hour) || !num(20, 2, minute) ||
      !num(23, 2, second) || value[7] != ' ' || value[11] != ' ' || value[16] != ' ' || value[19] != ':' ||
      value[22] != ':') {
    return false;
  }
  unsigned month = 0;
  for (unsigned m = 0; m < 12; ++m) {
    if (std::strncmp(value + 8, kMonths + m * 3, 3) == 0) month = m + 1;
  }
  if (month == 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return false;
  unix_s = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return true;
}

}  // namespace tracelet::detail
