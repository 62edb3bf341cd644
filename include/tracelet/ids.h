#pragma once
#include <cstdint>

/// Plain values: every member here is ISR-safe, never blocks and never allocates.
namespace tracelet {

// Ids are word-aligned so that zeroing and copying them are a few word stores on a 32-bit
// core, not calls to a byte-wise memset/memcpy.

/// 16-byte W3C/OTLP trace id. All zeros is invalid.
struct alignas(4) TraceId {
  std::uint8_t bytes[16] = {};
  bool is_valid() const noexcept {
    for (std::uint8_t b : bytes) {
      if (b != 0) return true;
    }
    return false;
  }
  friend bool operator==(const TraceId& a, const TraceId& b) noexcept {
    for (int i = 0; i < 16; ++i) {
      if (a.bytes[i] != b.bytes[i]) return false;
    }
    return true;
  }
  friend bool operator!=(const TraceId& a, const TraceId& b) noexcept { return !(a == b); }
};

/// 8-byte W3C/OTLP span id. All zeros is invalid (and means "no parent").
struct alignas(4) SpanId {
  std::uint8_t bytes[8] = {};
  bool is_valid() const noexcept {
    for (std::uint8_t b : bytes) {
      if (b != 0) return true;
    }
    return false;
  }
  friend bool operator==(const SpanId& a, const SpanId& b) noexcept {
    for (int i = 0; i < 8; ++i) {
      if (a.bytes[i] != b.bytes[i]) return false;
    }
    return true;
  }
  friend bool operator!=(const SpanId& a, const SpanId& b) noexcept { return !(a == b); }
};

/// W3C trace-flags bit: the caller recorded (and may export) this trace.
inline constexpr std::uint8_t kTraceFlagSampled = 0x01;

/// What crosses span and process boundaries: the ids plus W3C trace flags.
/// `is_remote` marks a context extracted from another process (OTLP span flags bits 8-9).
struct SpanContext {
  TraceId trace_id;
  SpanId span_id;
  std::uint8_t trace_flags = 0;
  bool is_remote = false;

  bool is_valid() const noexcept { return trace_id.is_valid() && span_id.is_valid(); }
  bool is_sampled() const noexcept { return (trace_flags & kTraceFlagSampled) != 0; }
};

}  // namespace tracelet
