#pragma once
// W3C Trace Context (Level 1, https://www.w3.org/TR/trace-context/): the `traceparent` and
// `tracestate` fields, and carrier-agnostic inject/extract so HTTP headers, MQTT 5 user
// properties or CoAP options can all carry a trace across a process boundary.
//
// Nothing here allocates, throws or blocks. Parsers read only the bytes they are given and
// never keep a pointer into them: TraceState copies what it keeps into its own storage.
// Contract of every function and method here: ISR-safe: yes (reentrant; only the arguments
// are touched, and extract()/inject() call the carrier's functions, which then must be too).
// Blocks: never. Allocates: never. One TraceState is changed by one context at a time.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tracelet/config.h"
#include "tracelet/ids.h"
#include "tracelet/status.h"

#ifndef TRACELET_TRACESTATE_BYTES
#define TRACELET_TRACESTATE_BYTES 512  // bytes of `tracestate` kept per TraceState (the spec asks to propagate at least 512); past it whole entries are dropped, >128-char entries first, then from the end
#endif
static_assert(TRACELET_TRACESTATE_BYTES >= 32 && TRACELET_TRACESTATE_BYTES <= 8192,
              "TRACELET_TRACESTATE_BYTES must be 32..8192 (the W3C spec recommends at least 512).");

namespace tracelet {

/// Length of a version-00 traceparent value: "00-" + 32 + "-" + 16 + "-" + 2.
inline constexpr std::size_t kTraceparentLength = 55;
/// Most list members a tracestate may have (W3C Level 1); a longer list is invalid.
inline constexpr std::size_t kTracestateMaxMembers = 32;
/// Trace-flags bits Level 1 defines. format_traceparent() writes only these: the spec says a
/// vendor MUST set the other (reserved) bits to zero.
inline constexpr std::uint8_t kTraceparentKnownFlags = kTraceFlagSampled;

/// Field names as tracelet sends them (lower case, as the spec recommends). On extract any
/// letter case is accepted.
inline constexpr std::string_view kTraceparentField = "traceparent";
inline constexpr std::string_view kTracestateField = "tracestate";

// ---- traceparent -------------------------------------------------------------------------

/// Parses a `traceparent` value into `out` (is_remote = true).
/// Leading and trailing spaces/tabs (HTTP OWS) are ignored. Version 00 must be exactly 55
/// characters; a higher version (not ff) is parsed with the version-00 layout and may carry
/// more fields after a '-' at position 55, of which only the sampled flag is kept.
/// Return values:
///   kOk              – `out` holds a valid remote context
///   kInvalidArgument – malformed: wrong length, upper-case or non-hex digit, bad separator,
///                      version ff, all-zero trace-id or parent-id. `out` is reset to an invalid
///                      context: the caller starts a new trace. `reason`, when given, points
///                      to a fixed English sentence saying which rule failed.
Status parse_traceparent(std::string_view value, SpanContext& out,
                         const char** reason = nullptr) noexcept;

/// Writes the version-00 `traceparent` for `context` into `out` (no NUL terminator).
/// Only the sampled bit of trace_flags is written (see kTraceparentKnownFlags).
/// Return values:
///   kOk                – `len` = kTraceparentLength bytes written
///   kInvalidArgument   – context has an all-zero trace id or span id; nothing written
///   kResourceExhausted – cap < kTraceparentLength; nothing written
Status format_traceparent(const SpanContext& context, char* out, std::size_t cap,
                          std::size_t& len) noexcept;

// ---- tracestate --------------------------------------------------------------------------

/// A `tracestate` list kept in canonical form ("k1=v1,k2=v2", no optional whitespace) in a
/// fixed TRACELET_TRACESTATE_BYTES buffer. Constant-initialisable and trivially copyable, so
/// it can live in a span context, on a stack or in a static.
///
/// Parsing follows the spec's grammar exactly (keys: simple `a-z0-9_-*/` up to 256 characters
/// or multi-tenant `tenant@system` with a 241/14 split; values: up to 256 printable ASCII
/// characters without ',' or '=' and not ending in a space; at most 32 members; one entry per
/// key). Any invalid member, a duplicated key or more than 32 members makes the whole header
/// invalid: it is discarded, as the W3C test suite expects. A valid header longer than the
/// buffer is truncated by whole entries: entries longer than 128 characters go first, then
/// entries from the end, as the spec prescribes.
class TraceState {
 public:
  constexpr TraceState() noexcept {}

  /// Replaces the contents with the parsed `value` (one header field).
  /// Return values:
  ///   kOk              – parsed (possibly empty; possibly truncated, see truncated())
  ///   kInvalidArgument – invalid header; the state is now empty
  Status parse(std::string_view value) noexcept;
  /// Same, for a header sent as several fields (RFC 7230 §3.2.2: the fields are one list
  /// joined by commas). Member count, duplicate keys and truncation apply across all fields.
  Status parse_fields(const std::string_view* fields, std::size_t count) noexcept;

  /// Writes the canonical header into `out` (no NUL terminator).
  /// Return values:
  ///   kOk                – `len` bytes written (0 for an empty state)
  ///   kResourceExhausted – `cap` is smaller than size_bytes(); nothing written
  Status format(char* out, std::size_t cap, std::size_t& len) const noexcept;
  /// The canonical header, valid until this object changes.
  std::string_view view() const noexcept { return std::string_view(data_, len_); }

  /// Value stored for `key`, or an empty view when there is none.
  std::string_view get(std::string_view key) const noexcept;
  /// Adds or updates `key` and moves it to the front (the spec's mutation rules). When the list
  /// then exceeds 32 members or the buffer, entries are dropped by the truncation rule, never
  /// the new one.
  /// Return values:
  ///   kOk              – stored
  ///   kInvalidArgument – key or value breaks the grammar, or `key=value` alone does not fit
  ///                      the buffer; the state is unchanged
  Status set(std::string_view key, std::string_view value) noexcept;
  /// Removes `key`; returns false if it was not present.
  bool erase(std::string_view key) noexcept;
  void clear() noexcept {
    len_ = 0;
    truncated_ = false;
  }

  /// Number of list members.
  std::size_t size() const noexcept;
  bool empty() const noexcept { return len_ == 0; }
  std::size_t size_bytes() const noexcept { return len_; }
  /// Member `index` (0 = leftmost). Returns false when index >= size().
  bool member(std::size_t index, std::string_view& key, std::string_view& value) const noexcept;
  /// True when the last parse or set() dropped entries to fit the buffer.
  bool truncated() const noexcept { return truncated_; }

  /// Grammar checks, exposed for callers that build entries themselves.
  static bool is_valid_key(std::string_view key) noexcept;
  static bool is_valid_value(std::string_view value) noexcept;

 private:
  char data_[TRACELET_TRACESTATE_BYTES] = {};
  std::uint16_t len_ = 0;
  bool truncated_ = false;
};

// ---- carriers ------------------------------------------------------------------------------

/// Read side of a carrier (HTTP request headers, MQTT 5 user properties, a CoAP option table
/// mapped to names, ...). Give `field` when the carrier can list its fields: extract() then
/// matches names itself, ignoring letter case. Otherwise give `get`, which must match names
/// case-insensitively itself. Views returned must stay valid until extract() returns.
/// extract() reads at most 4096 fields through `field` and 256 per name through `get`.
struct CarrierReader {
  void* ctx = nullptr;
  /// Sets `name`/`value` to the carrier's field number `index` (0-based, in carrier order);
  /// returns false when index is past the last field.
  bool (*field)(void* ctx, std::size_t index, std::string_view* name,
                std::string_view* value) noexcept = nullptr;
  /// Sets `value` to the `index`-th field called `name` (any letter case); returns false when
  /// there are fewer such fields.
  bool (*get)(void* ctx, std::string_view name, std::size_t index,
              std::string_view* value) noexcept = nullptr;
};

/// Write side of a carrier. `set` replaces any field of that name. Returns kOk, or a Status
/// (e.g. kResourceExhausted when a fixed header buffer is full) that inject() passes on.
struct CarrierWriter {
  void* ctx = nullptr;
  Status (*set)(void* ctx, std::string_view name, std::string_view value) noexcept = nullptr;
};

/// Reads `traceparent` (exactly one field of that name) and, when it is valid, `tracestate`
/// (all fields of that name, in order) from `carrier`.
/// `state` may be nullptr when the caller does not keep tracestate.
/// Return values:
///   kOk              – `context` is a valid remote context; `*state` holds the tracestate,
///                      empty when absent or invalid (a bad tracestate never affects traceparent)
///   kUnavailable     – no traceparent field: start a new trace
///   kInvalidArgument – traceparent present but invalid, or sent twice: start a new trace
///                      (the tracestate is discarded, as the spec requires)
///   kFailedPrecondition – the reader has neither `field` nor `get`
/// In every case but kOk, `context` is invalid and `*state` is empty.
Status extract(const CarrierReader& carrier, SpanContext& context, TraceState* state) noexcept;

/// Writes `traceparent` for `context` and, when `state` is non-null and non-empty,
/// `tracestate` into `carrier`.
/// Return values:
///   kOk                 – written
///   kInvalidArgument    – `context` is invalid; nothing written
///   kFailedPrecondition – the writer has no `set`
///   any Status the carrier's `set` returned (later fields are not written)
Status inject(const SpanContext& context, const TraceState* state,
              const CarrierWriter& carrier) noexcept;

/// ASCII case-insensitive equality, as header-name matching needs.
bool equals_ignore_case(std::string_view a, std::string_view b) noexcept;

}  // namespace tracelet
