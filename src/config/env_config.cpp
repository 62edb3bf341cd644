#include "tracelet/env_config.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tracelet/endpoint.h"
#include "tracelet/samplers.h"

#include "core/text.h"

// Rules implemented here come from the OpenTelemetry specification:
//  - configuration/sdk-environment-variables.md: empty = unset; Boolean (only "true", any case,
//    is true; other values except "false" warn); numeric values that do not parse or are out
//    of range warn and count as unset; Integer range 0..2^31-1; Duration and Timeout are
//    milliseconds, Timeout 0 = no limit; OTEL_SERVICE_NAME wins over service.name.
//  - protocol/exporter.md: per-signal options override the generic ones; the per-signal
//    endpoint is used as-is (an empty path becomes "/"), the generic one is a base URL to
//    which "v1/traces" is appended after exactly one '/'; headers use the W3C Baggage format
//    without ';' metadata.
//  - resource/sdk.md: OTEL_RESOURCE_ATTRIBUTES values are strings; ',' and '=' in keys and
//    values are percent-encoded; on any error the whole variable is discarded and reported.

namespace tracelet {

namespace {

using detail::hex_value;
using detail::iequals;
using detail::is_utf8;
using detail::istarts_with;
using detail::Text;
using detail::to_lower_ascii;
using detail::trim_ows;

constexpr std::uint32_t kMaxInteger = 2147483647u;  // 2^31 - 1: the range the spec asks SDKs to accept
constexpr std::uint32_t kNoLimitMs = kMaxInteger;   // what a Timeout of 0 ("indefinite") becomes

// Defaults of ExporterConfig (exporter_config.h), quoted in log lines when a field is still 0.
constexpr std::uint32_t kDefaultTimeoutMs = 10000;
constexpr std::uint32_t kDefaultScheduleDelayMs = 5000;
constexpr std::uint32_t kDefaultBatchSize = 512;
constexpr std::uint32_t kDefaultExportTimeoutMs = 30000;
constexpr const char* kDefaultEndpoint = "https://localhost:4318/v1/traces";
constexpr std::string_view kTracesPath = "v1/traces";
constexpr std::string_view kLogsPath = "v1/logs";

const char* getenv_lookup(void* /*ctx*/, const char* name) noexcept { return std::getenv(name); }

// ---- characters and strings ----------------------------------------------------------------

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) noexcept { return is_digit(c) || is_alpha(c); }
bool is_ctl(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F;
}

bool contains(std::string_view set, char c) noexcept {
  return set.find(c) != std::string_view::npos;
}

// RFC 9110 token characters: what an HTTP header name may contain.
bool is_tchar(char c) noexcept { return is_alnum(c) || contains("!#$%&'*+-.^_`|~", c); }

// Decodes RFC 3986 %XX escapes (W3C Baggage values); '+' stays '+'. With out == nullptr it only
// measures. Returns false on a '%' not followed by two hex digits.
bool percent_decode(std::string_view in, char* out, std::size_t& out_len) noexcept {
  out_len = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (in.size() - i < 3) return false;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (out != nullptr) out[out_len] = c;
    ++out_len;
  }
  return true;
}

// ---- integers --------------------------------------------------------------------------------

enum class IntError : std::uint8_t { kOk, kNotNumber, kNegative, kTooLarge };

// Decimal digits only, spaces/tabs around allowed; 0..kMaxInteger.
IntError parse_integer(std::string_view text, std::uint32_t& out) noexcept {
  text = trim_ows(text);
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  if (text.empty()) return IntError::kNotNumber;
  std::uint64_t value = 0;
  bool too_large = false;
  for (char c : text) {
    if (!is_digit(c)) return IntError::kNotNumber;
    if (!too_large) {
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
      if (value > kMaxInteger) too_large = true;
    }
  }
  if (negative) return value == 0 ? IntError::kNotNumber : IntError::kNegative;
  if (too_large) return IntError::kTooLarge;
  out = static_cast<std::uint32_t>(value);
  return IntError::kOk;
}

// ---- log lines -------------------------------------------------------------------------------

// One log line built in place; text past the buffer is cut, never overflows.
class Line {
 public:
  Line() noexcept = default;
  Line(const Line&) = delete;  // msg_ points into this object's buf_
  Line& operator=(const Line&) = delete;

  Line& text(std::string_view s) noexcept {
    msg_.put(s);
    return *this;
  }
  // "value" with quotes, backslashes, control and non-ASCII bytes escaped (a value must never
  // forge a second log line), cut after kMaxShown bytes.
  Line& quoted(std::string_view s) noexcept {
    static constexpr std::size_t kMaxShown = 96;
    msg_.put_char('"');
    const std::size_t shown = s.size() < kMaxShown ? s.size() : kMaxShown;
    for (std::size_t i = 0; i < shown; ++i) {
      const auto u = static_cast<unsigned char>(s[i]);
      if (u == '"' || u == '\\') {
        msg_.put_char('\\').put_char(s[i]);
      } else if (u < 0x20 || u >= 0x7F) {
        static constexpr char kHex[] = "0123456789abcdef";
        msg_.put("\\x").put_char(kHex[u >> 4]).put_char(kHex[u & 0x0F]);
      } else {
        msg_.put_char(s[i]);
      }
    }
    msg_.put_char('"');
    if (shown < s.size()) {
      text("... (");
      number(s.size());
      text(" bytes)");
    }
    return *this;
  }
  Line& number(std::uint64_t v) noexcept {
    msg_.put_uint(v);
    return *this;
  }
  // " keeping the default (5000 ms)" or " keeping 2000 ms" for a field where 0 means default.
  Line& keeping(std::uint32_t current, std::uint32_t default_value, const char* unit) noexcept {
    if (current == 0) {
      text("keeping the default (").number(default_value).text(unit).text(")");
    } else {
      text("keeping ").number(current).text(unit);
    }
    return *this;
  }
  const char* c_str() const noexcept { return buf_; }

 private:
  char buf_[400] = {};
  Text msg_{buf_, sizeof buf_};
};

// ---- URLs ------------------------------------------------------------------------------------

struct UrlInfo {
  std::size_t scheme_len = 0;  // "http://" or "https://"
  std::size_t path_start = 0;  // first byte after the authority (the path, '?' or the end)
  bool plain_http = false;
  bool has_query = false;
};

// Returns nullptr when `url` is a usable OTLP/HTTP endpoint, else the reason it is not.
const char* check_url(std::string_view url, UrlInfo& info) noexcept {
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return "contains a space, control or non-ASCII character";
  }
  if (istarts_with(url, "https://")) {
    info.scheme_len = 8;
    info.plain_http = false;
  } else if (istarts_with(url, "http://")) {
    info.scheme_len = 7;
    info.plain_http = true;
  } else {
    return "does not start with http:// or https://";
  }
  std::size_t end = url.find_first_of("/?#", info.scheme_len);
  if (end == std::string_view::npos) end = url.size();
  const std::string_view authority = url.substr(info.scheme_len, end - info.scheme_len);
  if (authority.empty()) return "has no host";
  if (contains(authority, '@')) {
    return "has user credentials (user@host), which belong in OTEL_EXPORTER_OTLP_HEADERS";
  }
  std::string_view port;
  bool has_port = false;
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return "has an unterminated [IPv6 address]";
    const std::string_view inner = authority.substr(1, close - 1);
    if (inner.empty() || !contains(inner, ':')) return "has a malformed [IPv6 address]";
    for (char c : inner) {
      if (hex_value(c) < 0 && c != ':' && c != '.') return "has a malformed [IPv6 address]";
    }
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return "has characters after the ] of its IPv6 address";
      has_port = true;
      port = rest.substr(1);
    }
  } else {
    const std::size_t colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos) {
      return "has an IPv6 address without [brackets]";
    }
    const std::string_view host = authority.substr(0, colon);
    if (host.empty()) return "has no host";
    for (char c : host) {
      if (!is_alnum(c) && c != '-' && c != '.' && c != '_') {
        return "has a character not allowed in a host name";
      }
    }
    if (colon != std::string_view::npos) {
      has_port = true;
      port = authority.substr(colon + 1);
    }
  }
  if (has_port) {
    std::uint32_t value = 0;
    bool ok = !port.empty() && port.size() <= 5;
    for (char c : port) {
      if (!is_digit(c)) ok = false;
    }
    if (ok) {
      for (char c : port) value = value * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (!ok || value == 0 || value > 65535) return "has a port that is not a number from 1 to 65535";
  }
  for (std::size_t i = end; i < url.size(); ++i) {
    const char c = url[i];
    if (c == '#') return "has a #fragment (it is never sent to the server)";
    if (c == '%') {
      if (i + 2 >= url.size() || hex_value(url[i + 1]) < 0 || hex_value(url[i + 2]) < 0) {
        return "has a malformed %-escape";
      }
      i += 2;
      continue;
    }
    if (c == '?') info.has_query = true;
    if (!is_alnum(c) && !contains("-._~!$&'()*+,;=:@/?", c)) {
      return "has a character not allowed in a URL path or query";
    }
  }
  info.path_start = end;
  return nullptr;
}

}  // namespace

// ---- the loader ------------------------------------------------------------------------------

namespace detail {

class EnvLoader {
 public:
  EnvLoader(EnvSettings& storage, LogSink log, void* log_ctx, EnvLookup lookup,
            void* lookup_ctx, EnvEntries entries, void* entries_ctx) noexcept
      : s_(storage),
        log_(log != nullptr ? log : log_to_stderr),
        log_ctx_(log_ctx),
        lookup_(lookup != nullptr ? lookup : getenv_lookup),
        lookup_ctx_(lookup_ctx),
        entries_(entries),
        entries_ctx_(entries_ctx) {}

  std::size_t run(ExporterConfig& exporter, Options& tracer) noexcept {
    load_log_level(exporter);  // first: it filters the lines that follow
    load_boolean("OTEL_SDK_DISABLED", tracer.start_disabled);
    load_boolean("TRACELET_XRAY_TRACE_IDS", tracer.xray_trace_ids);
    load_resource_attributes(tracer);
    load_service_name(tracer);
    const bool endpoint_set = load_endpoint(exporter);
    load_logs_endpoint(exporter);
    load_boolean("TRACELET_ALLOW_PLAIN_HTTP", exporter.allow_plain_http);
    if (endpoint_set && istarts_with(exporter.endpoint, "http://") && !exporter.allow_plain_http) {
      Line line;
      line.text("the endpoint ").quoted(exporter.endpoint)
          .text(" is plain http:// but TRACELET_ALLOW_PLAIN_HTTP is not true: the exporter will "
                "refuse to send spans (and headers) unencrypted");
      // A note, not a problem: the value is kept as given, and the exporter refuses the
      // endpoint itself, with its own error, when it starts.
      report(LogLevel::kInfo, line);
    }
    load_headers(exporter);
    load_certificate(exporter);
    load_client_certificate(exporter);
    load_number("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", Kind::kTimeout,
                exporter.timeout_ms, kDefaultTimeoutMs);
    load_number("OTEL_BSP_SCHEDULE_DELAY", nullptr, Kind::kDuration, exporter.schedule_delay_ms,
                kDefaultScheduleDelayMs);
    load_number("OTEL_BSP_EXPORT_TIMEOUT", nullptr, Kind::kTimeout, exporter.export_timeout_ms,
                kDefaultExportTimeoutMs);
    load_number("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", nullptr, Kind::kPositive,
                exporter.max_export_batch_size, kDefaultBatchSize);
    load_sampler(tracer);
    note_queue_size();
    check_protocol();
    load_compression(exporter);
    load_exporters("OTEL_TRACES_EXPORTER", "spans", s_.exporters_);
    load_exporters("OTEL_LOGS_EXPORTER", "log records", s_.logs_exporters_);
    if (!get("OTEL_LOGS_EXPORTER").empty()) exporter.drop_logs = !s_.logs_exporters_.otlp;
    load_propagators();
    load_aws_sigv4();
    load_span_limits(tracer.limits);
    check_unsupported_names();
    return problems_;
  }

 private:
  enum class Kind : std::uint8_t { kTimeout, kDuration, kPositive };

  // ---- plumbing ----

  // The value of `name`; empty when unset or empty (the spec treats both the same).
  std::string_view get(const char* name) noexcept {
    const char* value = lookup_(lookup_ctx_, name);
    return value != nullptr ? std::string_view(value) : std::string_view();
  }

  // Picks the signal-specific variable when set, else the generic one; `name` says which.
  std::string_view get_either(const char* specific, const char* generic, const char*& name) noexcept {
    name = specific;
    std::string_view value = get(specific);
    if (value.empty()) {
      name = generic;
      value = get(generic);
    }
    return value;
  }

  void report(LogLevel level, const Line& line) noexcept {
    if (level >= LogLevel::kWarning) ++problems_;
    if (level >= min_level_) log_(log_ctx_, level, line.c_str());
  }

  std::size_t text_left() const noexcept { return sizeof s_.text_ - s_.text_used_; }

  // A NUL-terminated copy of `value` in the pool, or nullptr (and a log line) if it does not fit.
  const char* store(const char* name, std::string_view value, const char* keeping) noexcept {
    if (value.size() + 1 > text_left()) {
      too_long(name, value.size() + 1, keeping);
      return nullptr;
    }
    char* out = s_.text_ + s_.text_used_;
    std::memcpy(out, value.data(), value.size());
    out[value.size()] = '\0';
    s_.text_used_ += value.size() + 1;
    return out;
  }

  void too_long(const char* name, std::size_t needed, const char* keeping) noexcept {
    Line line;
    line.text(name).text(" is too long: it needs ").number(needed).text(" bytes but only ")
        .number(text_left()).text(" of TRACELET_ENV_TEXT_BYTES (").number(sizeof s_.text_)
        .text(") are left; ignored, ").text(keeping);
    report(LogLevel::kError, line);
  }

  // ---- Booleans ----

  void load_boolean(const char* name, bool& field) noexcept {
    const std::string_view raw = get(name);
    if (raw.empty()) return;
    const std::string_view value = trim_ows(raw);
    if (iequals(value, "true")) {
      field = true;
    } else {
      // The spec: every value but "true" is false; values other than "false" get a warning.
      field = false;
      if (!iequals(value, "false")) {
        Line line;
        line.text(name).text("=").quoted(raw)
            .text(" is not true or false; treated as false, as the OpenTelemetry spec requires");
        report(LogLevel::kWarning, line);
      }
    }
  }

  // ---- numbers ----

  void load_number(const char* name, const char* fallback, Kind kind, std::uint32_t& field,
                   std::uint32_t default_value) noexcept {
    if (apply_number(name, fallback, kind, field, default_value)) return;
    // An invalid signal-specific value counts as unset, so the generic variable applies.
    if (fallback != nullptr) (void)apply_number(fallback, nullptr, kind, field, default_value);
  }

  // True when `name` was set and applied.
  bool apply_number(const char* name, const char* fallback, Kind kind, std::uint32_t& field,
                    std::uint32_t default_value) noexcept {
    const std::string_view raw = get(name);
    if (raw.empty()) return false;
    const char* unit = kind == Kind::kPositive ? "" : " ms";
    std::uint32_t value = 0;
    const IntError error = parse_integer(raw, value);
    const char* why = nullptr;
    switch (error) {
      case IntError::kOk: break;
      case IntError::kNotNumber: why = " is not a decimal integer"; break;
      case IntError::kNegative: why = " is negative"; break;
      case IntError::kTooLarge: why = " is larger than 2147483647"; break;
    }
    if (why == nullptr && kind == Kind::kPositive && value == 0) why = " must be positive";
    if (why != nullptr) {
      Line line;
      line.text(name).text("=").quoted(raw).text(why);
      if (kind != Kind::kPositive) line.text(" (milliseconds)");
      line.text("; ");
      if (fallback != nullptr && !get(fallback).empty()) {
        line.text("using ").text(fallback).text(" instead");
      } else {
        line.keeping(field, default_value, unit);
      }
      report(LogLevel::kWarning, line);
      return false;
    }
    if (value == 0 && kind == Kind::kTimeout) {
      // Timeout 0 means "no limit"; 0 in ExporterConfig means "default", so store the largest
      // value the spec asks for instead (about 24.8 days), as the spec allows.
      value = kNoLimitMs;
      Line line;
      line.text(name).text("=0 means no time limit; using 2147483647 ms");
      report(LogLevel::kInfo, line);
    } else if (value == 0 && kind == Kind::kDuration) {
      // 0 in ExporterConfig means "default"; 1 ms is the closest value it can hold.
      value = 1;
      Line line;
      line.text(name).text("=0: using 1 ms, the shortest delay tracelet can be given");
      report(LogLevel::kInfo, line);
    }
    field = value;
    return true;
  }

  // ---- service name and resource attributes ----

  void load_service_name(Options& tracer) noexcept {
    static constexpr const char* kName = "OTEL_SERVICE_NAME";
    const std::string_view value = get(kName);
    if (value.empty()) return;
    if (!is_utf8(value)) {
      Line line;
      line.text(kName).text("=").quoted(value).text(" is not valid UTF-8; ignored, keeping ");
      if (tracer.service_name != nullptr) {
        line.quoted(tracer.service_name);
      } else {
        line.text("no service name");
      }
      report(LogLevel::kWarning, line);
      return;
    }
    const char* copy = store(kName, value, "keeping the service name set before");
    if (copy != nullptr) tracer.service_name = copy;
  }

  // Parses every member into the pool as "key\0value\0" pairs; returns nullptr or the reason
  // the variable is rejected (`member` then holds the offending member).
  const char* decode_resource_members(std::string_view value, std::size_t& pairs,
                                      std::string_view& member, std::size_t& member_no) noexcept {
    pairs = 0;
    member_no = 0;
    std::size_t pos = 0;
    while (pos <= value.size()) {
      std::size_t comma = value.find(',', pos);
      if (comma == std::string_view::npos) comma = value.size();
      member = trim_ows(value.substr(pos, comma - pos));
      pos = comma + 1;
      ++member_no;
      if (member.empty()) continue;  // ",," or a trailing comma (templated configs): nothing to read
      for (char c : member) {
        if (is_ctl(c) && c != '\t') return "contains a control character";
      }
      const std::size_t eq = member.find('=');
      if (eq == std::string_view::npos) return "has no '=' (expected key=value)";
      const std::string_view key = trim_ows(member.substr(0, eq));
      const std::string_view val = trim_ows(member.substr(eq + 1));
      if (contains(val, '=')) return "has a second '=' (write a literal '=' as %3D)";
      if (key.empty()) return "has an empty key";
      for (const std::string_view part : {key, val}) {
        std::size_t len = 0;
        if (!percent_decode(part, nullptr, len)) return "has a malformed %-escape (% must be followed by two hex digits)";
        if (len + 1 > text_left()) return "does not fit in TRACELET_ENV_TEXT_BYTES";
        char* out = s_.text_ + s_.text_used_;
        (void)percent_decode(part, out, len);
        out[len] = '\0';
        const std::string_view decoded(out, len);
        if (decoded.find('\0') != std::string_view::npos) return "decodes to a NUL byte (%00)";
        if (!is_utf8(decoded)) return "does not decode to valid UTF-8";
        s_.text_used_ += len + 1;
      }
      ++pairs;
    }
    return nullptr;
  }

  void load_resource_attributes(Options& tracer) noexcept {
    static constexpr const char* kName = "OTEL_RESOURCE_ATTRIBUTES";
    const std::string_view value = get(kName);
    if (value.empty()) return;
    const std::size_t mark = s_.text_used_;
    auto reject = [&](Line& line) {
      s_.text_used_ = mark;  // forget whatever was decoded
      line.text("; the whole variable is ignored, as the OpenTelemetry resource spec asks");
      report(LogLevel::kWarning, line);
    };

    std::size_t pairs = 0;
    std::size_t member_no = 0;
    std::string_view member;
    if (const char* why = decode_resource_members(value, pairs, member, member_no)) {
      Line line;
      line.text(kName).text(": member ").number(member_no).text(" ").quoted(member).text(" ")
          .text(why);
      reject(line);
      return;
    }

    const Attribute* existing = tracer.resource_attributes;
    std::size_t existing_count = existing != nullptr ? tracer.resource_attribute_count : 0;
    constexpr std::size_t kCapacity = TRACELET_ENV_MAX_RESOURCE_ATTRIBUTES;
    auto pair_at = [&](std::size_t index, std::string_view& key, std::string_view& val) {
      const char* p = s_.text_ + mark;
      for (std::size_t i = 0;; ++i) {
        key = std::string_view(p);
        p += key.size() + 1;
        val = std::string_view(p);
        p += val.size() + 1;
        if (i == index) return;
      }
    };
    auto is_service_key = [](std::string_view key) {
      return key == "service.name" || key == "service.version";
    };

    // Count the attributes after the merge before changing anything: all or nothing.
    std::size_t total = existing_count;
    for (std::size_t i = 0; i < pairs; ++i) {
      std::string_view key, val;
      pair_at(i, key, val);
      if (is_service_key(key)) continue;
      bool seen = false;
      for (std::size_t j = 0; j < existing_count && !seen; ++j) seen = existing[j].key == key;
      for (std::size_t j = 0; j < i && !seen; ++j) {
        std::string_view other, unused;
        pair_at(j, other, unused);
        seen = other == key;
      }
      if (!seen) ++total;
    }
    if (total > kCapacity) {
      Line line;
      line.text(kName).text(" would make ").number(total).text(" resource attributes (")
          .number(existing_count).text(" set in code), more than TRACELET_ENV_MAX_RESOURCE_ATTRIBUTES (")
          .number(kCapacity).text(")");
      reject(line);
      return;
    }

    // Merge: code-set attributes first, the environment replaces equal keys.
    Attribute* out = s_.resource_.data();
    if (existing != out) {
      for (std::size_t j = 0; j < existing_count; ++j) out[j] = existing[j];
    }
    std::size_t count = existing_count;
    for (std::size_t i = 0; i < pairs; ++i) {
      std::string_view key, val;
      pair_at(i, key, val);
      if (key == "service.name") {
        if (val.empty()) {
          Line line;
          line.text(kName).text(": service.name is empty; not used (a service needs a name)");
          report(LogLevel::kWarning, line);
        } else {
          tracer.service_name = val.data();  // NUL-terminated in the pool
        }
        continue;
      }
      if (key == "service.version") {
        tracer.service_version = val.data();
        continue;
      }
      std::size_t j = 0;
      while (j < count && out[j].key != key) ++j;
      out[j] = Attribute{key, AttributeValue(val)};
      if (j == count) ++count;
    }
    tracer.resource_attributes = out;
    tracer.resource_attribute_count = count;
  }

  // ---- endpoint ----

  // True when exporter.endpoint was set from the environment.
  bool load_endpoint(ExporterConfig& exporter) noexcept {
    static constexpr const char* kTraces = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    static constexpr const char* kGeneric = "OTEL_EXPORTER_OTLP_ENDPOINT";
    const std::string_view generic = get(kGeneric);
    const std::string_view traces = get(kTraces);
    if (!traces.empty() && apply_endpoint(kTraces, traces, false, !generic.empty(), exporter.endpoint,
                                          kTracesPath, kDefaultEndpoint)) {
      return true;
    }
    if (generic.empty()) return false;
    generic_endpoint_refused_ =
        !apply_endpoint(kGeneric, generic, true, false, exporter.endpoint, kTracesPath, kDefaultEndpoint);
    return !generic_endpoint_refused_;
  }

  // The logs endpoint: OTEL_EXPORTER_OTLP_LOGS_ENDPOINT as-is, else OTEL_EXPORTER_OTLP_ENDPOINT
  // + "/v1/logs"; neither = exporter.logs_endpoint stays (nullptr: the exporter takes the
  // traces endpoint's collector).
  void load_logs_endpoint(ExporterConfig& exporter) noexcept {
    static constexpr const char* kLogs = "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT";
    static constexpr const char* kGeneric = "OTEL_EXPORTER_OTLP_ENDPOINT";
    static constexpr const char* kDefaultLogs = "the traces endpoint's collector, path /v1/logs";
    const std::string_view generic = get(kGeneric);
    const std::string_view logs = get(kLogs);
    if (!logs.empty() && apply_endpoint(kLogs, logs, false, !generic.empty(), exporter.logs_endpoint,
                                        kLogsPath, kDefaultLogs)) {
      return;
    }
    // A generic endpoint the traces signal already refused was reported once, there.
    if (!generic.empty() && !generic_endpoint_refused_) {
      (void)apply_endpoint(kGeneric, generic, true, false, exporter.logs_endpoint, kLogsPath, kDefaultLogs);
    }
  }

  bool generic_endpoint_refused_ = false;  // OTEL_EXPORTER_OTLP_ENDPOINT failed for traces

  bool apply_endpoint(const char* name, std::string_view url, bool append_traces_path,
                      bool fallback_set, const char*& endpoint, std::string_view signal_path,
                      const char* default_text) noexcept {
    UrlInfo info;
    const char* why = check_url(url, info);
    if (why == nullptr && append_traces_path && info.has_query) {
      why = "has a ?query, which cannot be combined with the signal path (v1/traces, v1/logs) appended to it";
    }
    auto describe_kept = [&](Line& line) {
      if (fallback_set) {
        line.text("using OTEL_EXPORTER_OTLP_ENDPOINT instead");
      } else if (endpoint != nullptr) {
        line.text("keeping ").quoted(endpoint);
      } else {
        line.text("keeping the default (").text(default_text).text(")");
      }
    };
    if (why != nullptr) {
      Line line;
      line.text(name).text("=").quoted(url).text(" ").text(why).text("; ignored, ");
      describe_kept(line);
      report(LogLevel::kError, line);
      return false;
    }

    // Build the final URL: scheme in lower case (an equivalent URL, RFC 3986 6.2.2.1, so the
    // exporter's parser needs only one spelling); per-signal: as-is, but an empty path is "/";
    // generic: base without trailing '/', then "/v1/traces".
    std::string_view rest = url.substr(info.scheme_len);  // authority + path + query
    const std::size_t authority_len = info.path_start - info.scheme_len;
    std::string_view base = rest;
    bool insert_slash = false;
    if (append_traces_path) {
      while (base.size() > authority_len && base.back() == '/') base.remove_suffix(1);
    } else {
      insert_slash = info.path_start == url.size() || url[info.path_start] == '?';
    }
    const std::size_t needed = info.scheme_len + base.size() + (insert_slash ? 1 : 0) +
                               (append_traces_path ? 1 + signal_path.size() : 0) + 1;
    if (needed > text_left()) {
      Line line;
      line.text("keeping ");
      if (endpoint != nullptr) {
        line.quoted(endpoint);
      } else {
        line.text(default_text);
      }
      too_long(name, needed, line.c_str());
      return false;
    }
    char* out = s_.text_ + s_.text_used_;
    std::size_t n = 0;
    for (std::size_t i = 0; i < info.scheme_len; ++i) out[n++] = to_lower_ascii(url[i]);
    const std::string_view authority = base.substr(0, authority_len);
    std::memcpy(out + n, authority.data(), authority.size());
    n += authority.size();
    if (insert_slash) out[n++] = '/';
    const std::string_view tail = base.substr(authority_len);
    std::memcpy(out + n, tail.data(), tail.size());
    n += tail.size();
    if (append_traces_path) {
      out[n++] = '/';
      std::memcpy(out + n, signal_path.data(), signal_path.size());
      n += signal_path.size();
    }
    out[n++] = '\0';
    // The exporter's own parser has the last word (its host and path fields have fixed sizes):
    // a URL it would refuse at init counts as unset here, like any other invalid one.
    Endpoint parsed;
    char reason[200];
    if (parse_endpoint(out, parsed, reason, sizeof reason) != Status::kOk) {
      Line line;
      line.text(name).text("=").quoted(url).text(" cannot be used by the exporter (").text(reason)
          .text("); ignored, ");
      describe_kept(line);
      report(LogLevel::kError, line);
      return false;
    }
    s_.text_used_ += n;
    endpoint = out;
    return true;
  }

  // ---- headers ----

  void load_headers(ExporterConfig& exporter) noexcept {
    // The spec makes Headers one option that the signal-specific variable overrides, so
    // OTEL_EXPORTER_OTLP_TRACES_HEADERS replaces OTEL_EXPORTER_OTLP_HEADERS as a whole (as the
    // Go, Java and Python SDKs do), rather than merging per key: a header meant for another
    // backend (an API key) must not leak to the traces endpoint. The same for log records'
    // requests with OTEL_EXPORTER_OTLP_LOGS_HEADERS.
    const bool traces_own = !get("OTEL_EXPORTER_OTLP_TRACES_HEADERS").empty();
    const char* name = nullptr;
    std::string_view value = get_either("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS", name);
    if (!value.empty()) {
      (void)load_header_list(name, value, exporter.headers, exporter.header_count, s_.headers_,
                             exporter.headers, exporter.header_count);
    }
    // Log records get a list of their own only when it differs: their own variable, or the
    // generic one when the traces' variable replaced it (possibly no headers at all).
    value = get_either("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS", name);
    if (!get("OTEL_EXPORTER_OTLP_LOGS_HEADERS").empty() || traces_own) {
      (void)load_header_list(name != nullptr ? name : "OTEL_EXPORTER_OTLP_LOGS_HEADERS", value,
                             exporter.logs_headers, exporter.logs_header_count, s_.logs_headers_,
                             exporter.logs_headers, exporter.logs_header_count);
    }
  }

  // Parses `value` (name=value,...) of the variable `name` into `out`, after the `existing`
  // headers set in code (copied first unless they are `out` already; a later equal name
  // replaces an earlier one). Sets `headers`/`count` to the result; false if nothing was set.
  bool load_header_list(const char* name, std::string_view value, const HttpHeader* existing,
                        std::size_t existing_count, HttpHeader* out, const HttpHeader*& headers,
                        std::size_t& header_count) noexcept {
    constexpr std::size_t kCapacity = TRACELET_ENV_MAX_HEADERS;
    if (existing == nullptr) existing_count = 0;
    if (existing_count > kCapacity) {
      Line line;
      line.text(name).text(" is ignored: ExporterConfig already holds ").number(existing_count)
          .text(" headers, more than TRACELET_ENV_MAX_HEADERS (").number(kCapacity).text(")");
      report(LogLevel::kError, line);
      return false;
    }
    if (existing != out) {
      for (std::size_t j = 0; j < existing_count; ++j) out[j] = existing[j];
    }
    std::size_t count = existing_count;

    std::size_t pos = 0;
    std::size_t member_no = 0;
    while (pos <= value.size()) {
      std::size_t comma = value.find(',', pos);
      if (comma == std::string_view::npos) comma = value.size();
      const std::string_view member = trim_ows(value.substr(pos, comma - pos));
      pos = comma + 1;
      ++member_no;
      if (member.empty()) continue;
      const std::size_t eq = member.find('=');
      const std::string_view key = trim_ows(member.substr(0, eq));
      const std::string_view raw = eq == std::string_view::npos
                                       ? std::string_view()
                                       : trim_ows(member.substr(eq + 1));
      // Values are secrets (API keys): log lines name the header, never print its value.
      auto drop = [&](const char* why) {
        Line line;
        line.text(name).text(": header ").number(member_no);
        if (eq != std::string_view::npos) line.text(" ").quoted(key);
        line.text(" ").text(why).text("; this header is not sent");
        report(LogLevel::kError, line);
      };
      if (eq == std::string_view::npos) {
        drop("has no '=' (expected name=value)");
        continue;
      }
      bool token = !key.empty();
      for (char c : key) token = token && is_tchar(c);
      if (!token) {
        drop("has a name that is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~)");
        continue;
      }
      bool raw_ctl = false;
      for (char c : raw) raw_ctl = raw_ctl || (is_ctl(c) && c != '\t');
      if (raw_ctl) {
        drop("has a control character such as CR or LF in its value (header injection)");
        continue;
      }
      if (contains(raw, ';')) {
        drop("has ';' metadata, which OTLP headers do not support (write a literal ';' as %3B)");
        continue;
      }
      std::size_t len = 0;
      if (!percent_decode(raw, nullptr, len)) {
        drop("has a malformed %-escape in its value (% must be followed by two hex digits)");
        continue;
      }
      if (key.size() + 1 + len + 1 > text_left()) {
        drop("does not fit in TRACELET_ENV_TEXT_BYTES");
        continue;
      }
      char* name_out = s_.text_ + s_.text_used_;
      std::memcpy(name_out, key.data(), key.size());
      name_out[key.size()] = '\0';
      char* value_out = name_out + key.size() + 1;
      (void)percent_decode(raw, value_out, len);
      value_out[len] = '\0';
      bool decoded_ctl = false;
      for (std::size_t i = 0; i < len; ++i) {
        decoded_ctl = decoded_ctl || (is_ctl(value_out[i]) && value_out[i] != '\t');
      }
      if (decoded_ctl) {
        drop("decodes to CR, LF, NUL or another control character (header injection)");
        continue;  // nothing was committed to the pool
      }
      std::size_t j = 0;
      while (j < count && !iequals(out[j].name != nullptr ? out[j].name : "", key)) ++j;
      if (j == kCapacity) {
        Line line;  // says how many slots there are, not how far past them this header is
        line.text(name).text(": header ").number(member_no).text(" ").quoted(key)
            .text(" does not fit: all ").number(kCapacity)
            .text(" header slots (TRACELET_ENV_MAX_HEADERS) are taken; this header is not sent");
        report(LogLevel::kError, line);
        continue;
      }
      s_.text_used_ += key.size() + 1 + len + 1;
      out[j] = HttpHeader{name_out, value_out};  // a repeated name: the later value wins
      if (j == count) ++count;
    }
    headers = out;
    header_count = count;
    return true;
  }

  // ---- certificate, queue size, protocol, compression ----

  void load_certificate(ExporterConfig& exporter) noexcept {
    const char* name = nullptr;
    const std::string_view value = get_either("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
                                              "OTEL_EXPORTER_OTLP_CERTIFICATE", name);
    if (value.empty()) return;
    const char* copy = store(name, value, "keeping the CA set before");
    if (copy == nullptr) return;
    exporter.ca_file = copy;
    // Said here, once, with the variable's name: an unreadable CA is a configuration error that
    // no retry can fix (the exporter keeps the spans and says so once more when it connects).
    if (std::FILE* f = std::fopen(copy, "rb")) {
      std::fclose(f);
    } else {
      const int error = errno;
      Line line;
      line.text(name).text("=").quoted(value).text(": cannot read the CA file (")
          .text(std::strerror(error)).text("); https connections will fail until it is fixed");
      report(LogLevel::kError, line);
    }
  }

  // OTEL_EXPORTER_OTLP_[TRACES_]CLIENT_CERTIFICATE and _CLIENT_KEY: file paths for mutual TLS.
  // Each variable is picked on its own (TRACES_ wins). Only the paths are ever logged: the key
  // file's contents are never read here, let alone printed.
  void load_client_certificate(ExporterConfig& exporter) noexcept {
    const char* cert_name = nullptr;
    const char* key_name = nullptr;
    const std::string_view cert = get_either("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
                                             "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", cert_name);
    const std::string_view key = get_either("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
                                            "OTEL_EXPORTER_OTLP_CLIENT_KEY", key_name);
    if (cert.empty() && key.empty()) return;
    const char* cert_copy = nullptr;
    const char* key_copy = nullptr;
    if (!cert.empty()) {
      cert_copy = store(cert_name, cert, "keeping the client certificate set before");
      if (cert_copy != nullptr) {
        exporter.client_cert_file = cert_copy;
        exporter.client_cert_data = nullptr;  // a set variable replaces what code set
        exporter.client_cert_size = 0;
        check_readable(cert_name, cert, cert_copy, "client certificate");
      }
    }
    if (!key.empty()) {
      key_copy = store(key_name, key, "keeping the client key set before");
      if (key_copy != nullptr) {
        exporter.client_key_file = key_copy;
        exporter.client_key_data = nullptr;
        exporter.client_key_size = 0;
        check_readable(key_name, key, key_copy, "client key");
      }
    }
    // One without the other cannot work: said here, by name. The field set stays, so the
    // connector refuses with a configuration error rather than connect without the identity
    // the operator asked for.
    const bool has_cert = exporter.client_cert_file != nullptr ||
                          (exporter.client_cert_data != nullptr && exporter.client_cert_size != 0);
    const bool has_key = exporter.client_key_file != nullptr ||
                         (exporter.client_key_data != nullptr && exporter.client_key_size != 0);
    if (has_cert != has_key) {
      Line line;
      if (has_cert) {
        line.text(cert_copy != nullptr ? cert_name : "the client certificate")
            .text(" is set but OTEL_EXPORTER_OTLP_CLIENT_KEY (or OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY) "
                  "is not: a client certificate needs its private key; https connections will fail "
                  "until both are set");
      } else {
        line.text(key_copy != nullptr ? key_name : "the client key")
            .text(" is set but OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE (or "
                  "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE) is not: a client key needs its "
                  "certificate; https connections will fail until both are set");
      }
      report(LogLevel::kError, line);
    }
  }

  // Logs an error naming `name` and the path when `path` cannot be read as a file (missing,
  // no permission, a directory, empty). Reads at most one byte; never logs contents.
  void check_readable(const char* name, std::string_view value, const char* path,
                      const char* what) noexcept {
    const char* problem = nullptr;
    int error = 0;
    std::FILE* f = std::fopen(path, "rb");
    if (f == nullptr) {
      error = errno;
    } else {
      errno = 0;
      if (std::fgetc(f) == EOF) {
        if (std::ferror(f)) {
          error = errno != 0 ? errno : EIO;
        } else {
          problem = "the file is empty";
        }
      }
      std::fclose(f);
    }
    if (error == 0 && problem == nullptr) return;
    Line line;
    line.text(name).text("=").quoted(value).text(": cannot read the ").text(what).text(" file (")
        .text(problem != nullptr ? problem : std::strerror(error))
        .text("); https connections will fail until it is fixed");
    report(LogLevel::kError, line);
  }

  void note_queue_size() noexcept {
    static constexpr const char* kName = "OTEL_BSP_MAX_QUEUE_SIZE";
    const std::string_view value = get(kName);
    if (value.empty()) return;
    Line line;
    line.text(kName).text("=").quoted(value)
        .text(" is ignored: tracelet queues spans in the ring the application sizes "
              "(Options::ring_memory), not in a queue counted in spans");
    report(LogLevel::kInfo, line);
  }

  // OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, parsed by the sampler module itself so
  // firmware passing the same strings gets the same rules. A bad value keeps the default.
  void load_sampler(Options& tracer) noexcept {
    const std::string_view sampler = trim_ows(get("OTEL_TRACES_SAMPLER"));
    const std::string_view arg = trim_ows(get("OTEL_TRACES_SAMPLER_ARG"));
    if (sampler.empty() && arg.empty()) return;
    SamplerConfig parsed;
    char message[160] = {};
    const Status status = parse_sampler_config(sampler, arg, parsed, message, sizeof message);
    if (status != Status::kOk) {
      Line line;
      line.text("OTEL_TRACES_SAMPLER=").quoted(sampler).text(" OTEL_TRACES_SAMPLER_ARG=").quoted(arg)
          .text(": ").text(message);
      report(LogLevel::kWarning, line);  // `parsed` holds the spec's default for what was unusable
    }
    if (s_.sampler_.configure(parsed) != Status::kOk) return;
    tracer.sampler = s_.sampler_.sampler();
  }

  void check_protocol() noexcept {
    const char* name = nullptr;
    const std::string_view raw =
        get_either("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL", name);
    if (raw.empty()) return;
    const std::string_view value = trim_ows(raw);
    if (iequals(value, "http/protobuf")) return;
    Line line;
    line.text(name).text("=").quoted(raw);
    if (iequals(value, "grpc") || iequals(value, "http/json")) {
      line.text(" is not supported: tracelet exports with http/protobuf only");
    } else {
      line.text(" is not a known protocol (grpc, http/protobuf, http/json); using http/protobuf");
    }
    report(LogLevel::kWarning, line);
  }

  // gzip is applied by the exporter if the build has a compressor (Exporter::init says so
  // once when it has none, e.g. firmware built without zlib).
  void load_compression(ExporterConfig& exporter) noexcept {
    const char* name = nullptr;
    const std::string_view raw = get_either("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
                                            "OTEL_EXPORTER_OTLP_COMPRESSION", name);
    if (raw.empty()) return;
    const std::string_view value = trim_ows(raw);
    if (iequals(value, "none")) {
      exporter.compression = Compression::kNone;
      return;
    }
    if (iequals(value, "gzip")) {
      exporter.compression = Compression::kGzip;
      return;
    }
    Line line;
    line.text(name).text("=").quoted(raw);
    line.text(" is not a known compression (none, gzip); keeping ")
        .text(exporter.compression == Compression::kGzip ? "gzip" : "none");
    report(LogLevel::kWarning, line);
  }

  // ---- OTEL_LOG_LEVEL, OTEL_TRACES_EXPORTER, OTEL_PROPAGATORS ----

  void load_log_level(ExporterConfig& exporter) noexcept {
    static constexpr const char* kName = "OTEL_LOG_LEVEL";
    const std::string_view raw = get(kName);
    if (raw.empty()) return;
    const std::string_view value = trim_ows(raw);
    LogLevel level = LogLevel::kDebug;
    if (iequals(value, "debug")) {
      level = LogLevel::kDebug;
    } else if (iequals(value, "info")) {
      level = LogLevel::kInfo;
    } else if (iequals(value, "warn") || iequals(value, "warning")) {
      level = LogLevel::kWarning;
    } else if (iequals(value, "error")) {
      level = LogLevel::kError;
    } else {
      Line line;
      line.text(kName).text("=").quoted(raw)
          .text(" is not a log level (debug, info, warn, error); keeping the current one");
      report(LogLevel::kWarning, line);
      return;
    }
    exporter.log_level = level;
    min_level_ = level;
  }

  // Calls `visit(member)` for each non-empty, trimmed member of a comma list.
  template <typename Visit>
  static void for_each_member(std::string_view list, Visit visit) noexcept {
    std::size_t pos = 0;
    while (pos <= list.size()) {
      std::size_t comma = list.find(',', pos);
      if (comma == std::string_view::npos) comma = list.size();
      const std::string_view member = trim_ows(list.substr(pos, comma - pos));
      pos = comma + 1;
      if (!member.empty()) visit(member);
    }
  }

  // OTEL_TRACES_EXPORTER / OTEL_LOGS_EXPORTER: otlp, console, none.
  void load_exporters(const char* kName, const char* records, TracesExporters& out) noexcept {
    const std::string_view raw = get(kName);
    if (raw.empty()) return;
    TracesExporters chosen{false, false};
    bool none = false;
    bool usable = false;
    for_each_member(raw, [&](std::string_view member) {
      if (iequals(member, "otlp")) {
        chosen.otlp = usable = true;
      } else if (iequals(member, "console") || iequals(member, "logging")) {
        chosen.console = usable = true;
        if (iequals(member, "logging")) {
          Line line;
          line.text(kName).text(": \"logging\" is the old name of \"console\"; using console");
          report(LogLevel::kInfo, line);
        }
      } else if (iequals(member, "none")) {
        none = true;
      } else {
        Line line;
        line.text(kName).text(": ").quoted(member);
        if (iequals(member, "zipkin") || iequals(member, "jaeger") || iequals(member, "prometheus")) {
          line.text(" is not supported: tracelet exports OTLP (otlp) or prints ").text(records).text(" (console)");
        } else {
          line.text(" is not a known exporter (otlp, console, none)");
        }
        line.text("; skipped");
        report(LogLevel::kWarning, line);
      }
    });
    if (none && usable) {
      Line line;
      line.text(kName).text("=").quoted(raw)
          .text(": \"none\" cannot be combined with other exporters; using the others");
      report(LogLevel::kWarning, line);
    } else if (!none && !usable) {
      Line line;
      line.text(kName).text("=").quoted(raw).text(" names no usable exporter; using otlp");
      report(LogLevel::kWarning, line);
      chosen.otlp = true;
    }
    out = chosen;
  }

  void load_propagators() noexcept {
    static constexpr const char* kName = "OTEL_PROPAGATORS";
    const std::string_view raw = get(kName);
    if (raw.empty()) return;
    Propagators chosen{false, false, false};
    bool none = false;
    bool usable = false;
    for_each_member(raw, [&](std::string_view member) {
      if (iequals(member, "tracecontext")) {
        chosen.tracecontext = usable = true;
      } else if (iequals(member, "baggage")) {
        chosen.baggage = usable = true;
      } else if (iequals(member, "xray")) {
        chosen.xray = usable = true;
      } else if (iequals(member, "none")) {
        none = true;
      } else {
        Line line;
        line.text(kName).text(": ").quoted(member);
        if (iequals(member, "b3") || iequals(member, "b3multi") || iequals(member, "jaeger") ||
            iequals(member, "ottrace")) {
          line.text(" is not supported: tracelet propagates W3C tracecontext and baggage, and xray");
        } else {
          line.text(" is not a known propagator (tracecontext, baggage, xray, none)");
        }
        line.text("; skipped");
        report(LogLevel::kWarning, line);
      }
    });
    if (none && usable) {
      Line line;
      line.text(kName).text("=").quoted(raw)
          .text(": \"none\" cannot be combined with other propagators; using the others");
      report(LogLevel::kWarning, line);
    } else if (!none && !usable) {
      Line line;
      line.text(kName).text("=").quoted(raw)
          .text(" names no supported propagator; using the default tracecontext,baggage");
      report(LogLevel::kWarning, line);
      chosen = Propagators{};
    }
    s_.propagators_ = chosen;
  }

  // ---- AWS SigV4 (TRACELET_AWS_SIGV4) ----

  // The AWS_* values are kept where the lookup has them, not copied into the text pool: a
  // session token can be longer than the whole pool, and the secret then exists only once.
  const char* lookup_value(const char* name) noexcept {
    const char* value = lookup_(lookup_ctx_, name);
    return value != nullptr && value[0] != '\0' ? value : nullptr;
  }

  void load_aws_sigv4() noexcept {
    static constexpr const char* kName = "TRACELET_AWS_SIGV4";
    const std::string_view raw = get(kName);
    if (raw.empty()) return;
    SigV4Credentials c;
    if (iequals(raw, "xray")) {
      c.service = "xray";
    } else if (iequals(raw, "logs")) {
      c.service = "logs";
    } else {
      Line line;
      line.text(kName).text("=").quoted(raw).text(" is not xray or logs; requests stay unsigned");
      report(LogLevel::kWarning, line);
      return;
    }
    c.access_key_id = lookup_value("AWS_ACCESS_KEY_ID");
    c.secret_access_key = lookup_value("AWS_SECRET_ACCESS_KEY");
    c.session_token = lookup_value("AWS_SESSION_TOKEN");
    c.region = lookup_value("AWS_REGION");
    if (c.region == nullptr) c.region = lookup_value("AWS_DEFAULT_REGION");
    const char* missing = c.access_key_id == nullptr       ? "AWS_ACCESS_KEY_ID"
                          : c.secret_access_key == nullptr ? "AWS_SECRET_ACCESS_KEY"
                          : c.region == nullptr            ? "AWS_REGION"
                                                           : nullptr;
    if (missing != nullptr) {
      Line line;
      line.text(kName).text("=").quoted(raw).text(" needs ").text(missing)
          .text(", which is not set; requests stay unsigned (and AWS will refuse them)");
      report(LogLevel::kError, line);
      return;
    }
    s_.aws_ = c;
    s_.aws_set_ = true;
  }

  // ---- span limits ----

  // Reads one limit: the specific variable, else (unset or invalid) the general one. 0 keeps
  // nothing; a value above `cap` (the compile-time limit `cap_name`) is `cap`, said once.
  void load_limit(const char* name, const char* general, const char* cap_name, std::size_t cap,
                  std::uint16_t& field) noexcept {
    for (const char* candidate : {name, general}) {
      if (candidate == nullptr) continue;
      const std::string_view raw = get(candidate);
      if (raw.empty()) continue;
      std::uint32_t value = 0;
      const IntError error = parse_integer(raw, value);
      if (error != IntError::kOk) {
        Line line;
        line.text(candidate).text("=").quoted(raw)
            .text(error == IntError::kNegative ? " is negative"
                  : error == IntError::kTooLarge ? " is larger than 2147483647"
                                                 : " is not a decimal integer");
        if (candidate == name && general != nullptr && !get(general).empty()) {
          line.text("; using ").text(general).text(" instead");
        } else {
          line.text("; keeping ").text(cap_name).text(" (").number(cap).text(")");
        }
        report(LogLevel::kWarning, line);
        continue;
      }
      if (value == 0) {
        field = SpanLimits::kNone;
      } else if (value > cap) {
        Line line;
        line.text(candidate).text("=").number(value).text(" is above ").text(cap_name).text(" (")
            .number(cap).text("), the most this build keeps; using ").number(cap);
        report(LogLevel::kWarning, line);
        field = static_cast<std::uint16_t>(cap);
      } else {
        field = static_cast<std::uint16_t>(value);
      }
      return;
    }
  }

  void load_span_limits(SpanLimits& limits) noexcept {
    static constexpr const char* kCount = "OTEL_ATTRIBUTE_COUNT_LIMIT";
    load_limit("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", kCount, "TRACELET_MAX_ATTRIBUTES",
               TRACELET_MAX_ATTRIBUTES, limits.attributes);
    load_limit("OTEL_SPAN_EVENT_COUNT_LIMIT", nullptr, "TRACELET_MAX_EVENTS", TRACELET_MAX_EVENTS,
               limits.events);
    load_limit("OTEL_SPAN_LINK_COUNT_LIMIT", nullptr, "TRACELET_MAX_LINKS", TRACELET_MAX_LINKS,
               limits.links);
    load_limit("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", kCount, "TRACELET_MAX_EVENT_ATTRIBUTES",
               TRACELET_MAX_EVENT_ATTRIBUTES, limits.event_attributes);
    load_limit("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", kCount, "TRACELET_MAX_LINK_ATTRIBUTES",
               TRACELET_MAX_LINK_ATTRIBUTES, limits.link_attributes);
    // One length for every attribute value, within the larger (event) cap; span and link
    // values are cut at the smaller TRACELET_MAX_STRING_BYTES regardless, which is said here.
    const std::uint16_t before = limits.value_bytes;
    load_limit("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
               "TRACELET_MAX_EVENT_STRING_BYTES", TRACELET_MAX_EVENT_STRING_BYTES, limits.value_bytes);
    const std::uint16_t after = limits.value_bytes;
    if (after != before && after != SpanLimits::kNone && after > TRACELET_MAX_STRING_BYTES) {
      Line line;
      line.text("attribute value length limit ").number(after)
          .text(": span and link attribute values are still cut at TRACELET_MAX_STRING_BYTES (")
          .number(TRACELET_MAX_STRING_BYTES).text("); event attribute values use it");
      report(LogLevel::kInfo, line);
    }
  }

  // ---- OTEL_* variables tracelet does not read ----

  void check_unsupported_names() noexcept {
    if (entries_ == nullptr) return;
    for (std::size_t i = 0;; ++i) {
      const char* entry = entries_(entries_ctx_, i);
      if (entry == nullptr) break;
      const std::string_view text(entry);
      const std::size_t eq = text.find('=');
      if (eq == std::string_view::npos || eq + 1 == text.size()) continue;  // empty = unset
      check_name(text.substr(0, eq));
    }
  }

  void check_name(std::string_view name) noexcept {
    if (!istarts_with(name, "OTEL_")) return;
    const bool right_case = name.substr(0, 5) == "OTEL_";
    for (const char* known : kReadNames) {
      if (name == known) return;
    }
    Line line;
    line.text("environment variable ").text(name);
    for (const char* known : kReadNames) {
      if (iequals(name, known)) {
        line.text(" is not read: names are case-sensitive (did you mean ").text(known).text("?)");
        report(LogLevel::kWarning, line);
        return;
      }
    }
    if (!right_case) return;  // "otel_foo": not an OpenTelemetry variable at all
    for (const UnreadName& unread : kUnreadNames) {
      const std::string_view pattern(unread.name);
      const bool prefix = pattern.back() == '_';
      if (prefix ? name.substr(0, pattern.size()) == pattern : name == pattern) {
        line.text(" is ignored: ").text(unread.why);
        report(unread.level, line);
        return;
      }
    }
    line.text(" is not a variable tracelet knows (misspelt?); ignored");
    report(LogLevel::kWarning, line);
  }

  // Every OTEL_* name run() reads.
  static constexpr const char* kReadNames[] = {
      "OTEL_SDK_DISABLED", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME", "OTEL_LOG_LEVEL",
      "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
      "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
      "OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
      "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
      "OTEL_EXPORTER_OTLP_CLIENT_KEY", "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
      "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
      "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
      "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
      "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
      "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
      "OTEL_TRACES_EXPORTER", "OTEL_PROPAGATORS", "OTEL_ATTRIBUTE_COUNT_LIMIT",
      "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
      "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_SPAN_EVENT_COUNT_LIMIT",
      "OTEL_SPAN_LINK_COUNT_LIMIT", "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
      "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "OTEL_LOGS_EXPORTER", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
  };

  // Known OTEL_* names tracelet does not read, and why; a name ending in '_' is a prefix.
  struct UnreadName {
    const char* name;
    LogLevel level;
    const char* why;
  };
  static constexpr const char* kOtherSignal = "it configures metrics or the logs SDK; tracelet records traces and log records";
  static constexpr const char* kOtherSdk = "it configures another language's SDK or agent";
  static constexpr UnreadName kUnreadNames[] = {
      {"OTEL_METRICS_EXPORTER", LogLevel::kInfo, kOtherSignal},
      {"OTEL_METRIC_EXPORT_INTERVAL", LogLevel::kInfo, kOtherSignal},
      {"OTEL_METRIC_EXPORT_TIMEOUT", LogLevel::kInfo, kOtherSignal},
      {"OTEL_METRICS_EXEMPLAR_FILTER", LogLevel::kInfo, kOtherSignal},
      {"OTEL_EXPORTER_OTLP_METRICS_", LogLevel::kInfo, kOtherSignal},
      {"OTEL_EXPORTER_OTLP_LOGS_", LogLevel::kInfo,
       "log records share the OTEL_EXPORTER_OTLP_* settings of traces; of the LOGS_ ones only "
       "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT and OTEL_EXPORTER_OTLP_LOGS_HEADERS are read"},
      {"OTEL_EXPORTER_PROMETHEUS_", LogLevel::kInfo, kOtherSignal},
      {"OTEL_BLRP_", LogLevel::kInfo, kOtherSignal},
      {"OTEL_LOGRECORD_", LogLevel::kInfo, kOtherSignal},
      {"OTEL_PYTHON_", LogLevel::kInfo, kOtherSdk},
      {"OTEL_JAVA_", LogLevel::kInfo, kOtherSdk},
      {"OTEL_JAVAAGENT_", LogLevel::kInfo, kOtherSdk},
      {"OTEL_INSTRUMENTATION_", LogLevel::kInfo, kOtherSdk},
      {"OTEL_NODE_", LogLevel::kInfo, kOtherSdk},
      {"OTEL_DOTNET_", LogLevel::kInfo, kOtherSdk},
      {"OTEL_GO_", LogLevel::kInfo, kOtherSdk},
      {"OTEL_PHP_", LogLevel::kInfo, kOtherSdk},
      {"OTEL_RUBY_", LogLevel::kInfo, kOtherSdk},
      {"OTEL_EXPORTER_ZIPKIN_", LogLevel::kWarning,
       "tracelet has no Zipkin exporter (OTLP/HTTP only)"},
      {"OTEL_EXPORTER_JAEGER_", LogLevel::kWarning,
       "tracelet has no Jaeger exporter (OTLP/HTTP only)"},
      {"OTEL_EXPORTER_OTLP_INSECURE", LogLevel::kWarning,
       "it is a gRPC option; with OTLP/HTTP the endpoint's http:// or https:// decides"},
      {"OTEL_EXPORTER_OTLP_TRACES_INSECURE", LogLevel::kWarning,
       "it is a gRPC option; with OTLP/HTTP the endpoint's http:// or https:// decides"},
      {"OTEL_CONFIG_FILE", LogLevel::kWarning, "configuration files are not supported"},
      {"OTEL_EXPERIMENTAL_CONFIG_FILE", LogLevel::kWarning, "configuration files are not supported"},
      {"OTEL_BSP_", LogLevel::kWarning, "it is not a batch span processor option tracelet has"},
      {"OTEL_EXPORTER_OTLP_", LogLevel::kWarning, "it is not an OTLP exporter option tracelet has"},
  };

  EnvSettings& s_;
  LogSink log_;
  void* log_ctx_;
  EnvLookup lookup_;
  void* lookup_ctx_;
  EnvEntries entries_;
  void* entries_ctx_;
  LogLevel min_level_ = LogLevel::kDebug;  // OTEL_LOG_LEVEL
  std::size_t problems_ = 0;
};

}  // namespace detail

std::size_t load_env_config(EnvSettings& storage, ExporterConfig& exporter, Options& tracer,
                            LogSink log, void* log_ctx, EnvLookup lookup, void* lookup_ctx,
                            EnvEntries entries, void* entries_ctx) noexcept {
  detail::EnvLoader loader(storage, log, log_ctx, lookup, lookup_ctx, entries, entries_ctx);
  return loader.run(exporter, tracer);
}

}  // namespace tracelet
