#pragma once
// W3C Baggage (https://www.w3.org/TR/baggage/): application-defined key/value pairs that travel
// with a request across process boundaries in the `baggage` header, as OpenTelemetry's
// Baggage API and W3CBaggagePropagator do. A Baggage holds them in fixed memory; a BaggageScope
// makes one current for the calling thread (or interrupt context) so deep code can read it with
// current_baggage(), and inject_baggage()/extract_baggage() carry it through the same carriers
// as traceparent (tracelet/propagation.h).
//
// Baggage is context propagation, not tracing: it works the same with TRACELET_ENABLED=0.
// Nothing here allocates, throws or blocks; parsers read only the bytes they are given and
// keep no pointer into them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tracelet/config.h"
#include "tracelet/internal/context_link.h"
#include "tracelet/propagation.h"
#include "tracelet/status.h"

namespace tracelet {

/// Field name as tracelet sends it; on extract any letter case is accepted.
inline constexpr std::string_view kBaggageField = "baggage";

/// One list-member as stored: views into the Baggage, valid until it changes.
struct BaggageEntry {
  std::string_view key;         // a token (RFC 7230), case-sensitive
  std::string_view value;       // percent-decoded, UTF-8
  std::string_view properties;  // the member's properties as text, e.g. "ttl=30;secret"
                                // (canonical: ';'-separated, no whitespace, not decoded)
};

/// Baggage list-members in fixed memory: at most TRACELET_BAGGAGE_MAX_ENTRIES members whose
/// header form (what format() writes) fits TRACELET_BAGGAGE_BYTES. Constant-initialisable and
/// trivially copyable: it can live on a stack, in a static, or be copied to add an entry.
///
/// Grammar (W3C Baggage): `key OWS "=" OWS value *(OWS ";" OWS property)`, members separated by
/// `OWS "," OWS`; key a token; value baggage-octets (printable ASCII but space, '"', ',', ';',
/// '\') with %XX escapes, decoded to UTF-8 (a decoded byte that is not UTF-8 becomes U+FFFD, as
/// the spec requires); property `key [OWS "=" OWS value]`.
///
/// Invalid members: only the invalid list-member is dropped; the valid ones of the same header
/// are kept. Dropping the whole header would also be defensible; skipping the bad member is
/// what the OpenTelemetry JS SDK's W3CBaggagePropagator does (@opentelemetry/core 2.12.0, the
/// version the cross-process test pins), so a device and an OTel service agree on what arrived,
/// and one bad entry added by some hop does not erase everyone else's baggage. Empty members
/// (",,") are ignored; an empty value ("k=") is valid by the grammar and kept. A '%' not
/// followed by two hex digits is kept as a literal '%' (and sent as %25). A key sent twice
/// keeps its last value (OTel's map semantics).
///
/// Limits: members are taken in header order; one that would make the stored list exceed
/// TRACELET_BAGGAGE_MAX_ENTRIES members or TRACELET_BAGGAGE_BYTES header bytes is dropped
/// whole (never cut, as the spec requires) and counted; later members that still fit are kept.
/// Every method: ISR-safe: yes (works only on this object). Blocks: never. Allocates: never.
class Baggage {
 public:
  constexpr Baggage() noexcept {}

  /// Replaces the contents with the members of one `baggage` header value.
  /// Return values (the valid members that fit are kept in every case):
  ///   kOk                – every member was kept
  ///   kInvalidArgument   – at least one member broke the grammar and was dropped
  ///   kResourceExhausted – no member was invalid, but some did not fit the limits
  /// dropped() counts the members left out.
  Status parse(std::string_view header) noexcept;
  /// Same, for a header sent as several fields (RFC 7230 §3.2.2: one list joined by commas).
  Status parse_fields(const std::string_view* fields, std::size_t count) noexcept;

  /// Writes the header value ("k1=v1;p,k2=v2", values percent-encoded where needed, no
  /// optional whitespace) into `out` (no NUL terminator). Parsing that text gives this
  /// Baggage back, and formatting again gives the same bytes.
  /// Return values:
  ///   kOk                – `len` bytes written (0 for an empty Baggage)
  ///   kResourceExhausted – `cap` is smaller than formatted_size(); nothing written
  Status format(char* out, std::size_t cap, std::size_t& len) const noexcept;
  /// Bytes format() writes; never more than TRACELET_BAGGAGE_BYTES.
  std::size_t formatted_size() const noexcept { return header_len_; }

  /// Adds `key` with the (decoded) `value` and optional `properties` text, or replaces the
  /// member of that key (it then moves to the end).
  /// Return values:
  ///   kOk                – stored
  ///   kInvalidArgument   – key not a token, value not UTF-8, or properties not
  ///                        `property *(";" property)`; unchanged
  ///   kResourceExhausted – the member count or TRACELET_BAGGAGE_BYTES would be exceeded;
  ///                        unchanged (nothing else is evicted)
  Status set(std::string_view key, std::string_view value,
             std::string_view properties = {}) noexcept;
  /// Removes `key`; returns false if it was not present.
  bool erase(std::string_view key) noexcept;
  void clear() noexcept;

  /// The decoded value of `key`, or an empty view when absent (use find() to tell an empty
  /// value from a missing key).
  std::string_view get(std::string_view key) const noexcept;
  /// The member of `key`; false when absent.
  bool find(std::string_view key, BaggageEntry& out) const noexcept;
  /// Member `index` in order (0 = first); false when index >= size().
  bool entry(std::size_t index, BaggageEntry& out) const noexcept;
  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  /// Members the last parse left out (invalid or over the limits).
  std::size_t dropped() const noexcept { return dropped_; }

  /// Grammar checks, exposed for callers that build members themselves.
  static bool is_valid_key(std::string_view key) noexcept;

 private:
  struct Item {
    std::uint16_t offset;      // in data_: key, value, properties back to back
    std::uint16_t key_len;
    std::uint16_t value_len;   // decoded
    std::uint16_t props_len;
    std::uint16_t header_len;  // bytes of this member in format()'s output
  };
  Status add(std::string_view key, std::string_view value, std::string_view props,
             std::size_t member_header_len) noexcept;
  std::size_t index_of(std::string_view key) const noexcept;
  void remove_at(std::size_t index) noexcept;

  char data_[TRACELET_BAGGAGE_BYTES] = {};
  Item items_[TRACELET_BAGGAGE_MAX_ENTRIES] = {};
  std::uint16_t used_ = 0;        // bytes of data_ in use
  std::uint16_t header_len_ = 0;  // formatted_size()
  std::uint16_t dropped_ = 0;
  std::uint8_t count_ = 0;
};

/// Makes `baggage` the current baggage of the calling thread (on bare metal: execution
/// context) until this object goes out of scope; then the previous one is current again.
/// Spans started inside see it too. The Baggage is referenced, not copied: it must outlive the
/// scope and should not change while current. Scopes and spans close in reverse order of
/// opening (they are stack objects); a BaggageScope must not outlive a span opened before it.
///   tracelet::Baggage b;
///   if (const tracelet::Baggage* cur = tracelet::current_baggage()) b = *cur;  // keep the rest
///   (void)b.set("device.id", "sensor-node-01");
///   tracelet::BaggageScope scope(b);
/// Stored in the same per-context slot as the current span (port::current_span_slot(); see
/// tracelet/internal/context_link.h), so no port function is needed for it.
/// ISR-safe: yes (touches only the calling context's slot). Blocks: never. Allocates: never.
class BaggageScope {
 public:
  explicit BaggageScope(const Baggage& baggage) noexcept;
  ~BaggageScope();
  BaggageScope(const BaggageScope&) = delete;  // tracked by address in the context chain
  BaggageScope& operator=(const BaggageScope&) = delete;

 private:
  detail::ContextLink link_{};
};

/// The calling thread's (or execution context's) current baggage, or nullptr when no
/// BaggageScope is open. ISR-safe, never allocates.
const Baggage* current_baggage() noexcept;

/// Reads every `baggage` field of `carrier` (name in any letter case, fields joined in
/// carrier order) into `baggage`, independently of traceparent (a bad or missing traceparent
/// does not discard baggage).
/// Return values:
///   kOk / kInvalidArgument / kResourceExhausted – as Baggage::parse_fields; `baggage` holds
///                        the members kept
///   kUnavailable        – no `baggage` field; `baggage` is empty
///   kFailedPrecondition – the reader has neither `field` nor `get`; `baggage` is empty
/// Reads at most 64 fields named baggage.
/// ISR-safe: as the carrier's reader. Blocks: never (beyond the reader). Allocates: never.
Status extract_baggage(const CarrierReader& carrier, Baggage& baggage) noexcept;

/// Writes `baggage` as one `baggage` field into `carrier`; writes nothing for an empty one.
/// Return values:
///   kOk                 – written, or nothing to write
///   kFailedPrecondition – the writer has no `set`
///   any Status the carrier's `set` returned
/// ISR-safe: as the carrier's writer. Blocks: never (beyond the writer). Allocates: never.
Status inject_baggage(const Baggage& baggage, const CarrierWriter& carrier) noexcept;

}  // namespace tracelet
