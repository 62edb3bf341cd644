// Decoding OTLP trace requests with nanopb: generated descriptors for the message tree, field
// callbacks that collect strings and repeated messages into C++ containers, and a hand
// walk (pb_decode_tag & co.) for KeyValue/AnyValue, whose oneof of strings and nested
// values cannot be expressed safely with static nanopb callbacks.
#include "otlp_decode.h"

#include <pb_decode.h>
#include <pb_encode.h>

#include <cstring>
#include <type_traits>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace tracelet::receiver {
namespace {

// Deep enough for any real attribute; stops a hostile body from exhausting the stack.
constexpr int kMaxValueDepth = 16;

using DecodeFn = bool (*)(pb_istream_t*, const pb_field_t*, void**);

// What one decode may still allocate, in bytes of decoded structures and strings: a small
// body of many empty messages decodes to far more memory than it occupies on the wire, so a
// request is refused when it would grow past this. One decode per thread at a time.
thread_local std::size_t t_budget_left = SIZE_MAX;
thread_local bool t_over_budget = false;
thread_local std::size_t t_spans_in_memory = 0;  // spans_decoded_in_memory()

bool charge(pb_istream_t* stream, std::size_t bytes) {
  if (bytes <= t_budget_left) {
    t_budget_left -= bytes;
    return true;
  }
  t_over_budget = true;
  PB_RETURN_ERROR(stream, "request decodes to more memory than the receiver allows (4 x --max-body, at least 16 MiB)");
}

pb_callback_t decoder(DecodeFn fn, void* arg) {
  pb_callback_t cb;
  cb.funcs.decode = fn;
  cb.arg = arg;
  return cb;
}

bool read_rest(pb_istream_t* stream, std::string& out) {
  if (!charge(stream, stream->bytes_left)) return false;
  out.resize(stream->bytes_left);
  return out.empty() || pb_read(stream, reinterpret_cast<pb_byte_t*>(&out[0]), out.size());
}

bool read_string_cb(pb_istream_t* stream, const pb_field_t*, void** arg) {
  return read_rest(stream, *static_cast<std::string*>(*arg));
}

// Runs `parse` on the length-delimited field at the stream's position. The substream is
// always closed: closing copies its error message up, so a failure keeps its reason.
template <class Parse>
bool parse_delimited(pb_istream_t* stream, Parse&& parse) {
  pb_istream_t sub;
  if (!pb_make_string_substream(stream, &sub)) return false;
  const bool ok = parse(&sub);
  const bool closed = pb_close_string_substream(stream, &sub);
  return ok && closed;
}

bool read_delimited(pb_istream_t* stream, std::string& out) {
  return parse_delimited(stream, [&](pb_istream_t* sub) { return read_rest(sub, out); });
}

// Each call of a repeated-field callback receives one element: a new one at the end of the
// vector `arg` points to.
template <class T>
T* append(pb_istream_t* stream, void** arg) {
  if (!charge(stream, 2 * sizeof(T))) return nullptr;  // twice: a vector's spare capacity
  auto* list = static_cast<std::vector<T>*>(*arg);
  list->emplace_back();
  return &list->back();
}

// ---- KeyValue / AnyValue, walked by hand -----------------------------------------------------

bool parse_key_value(pb_istream_t* stream, KeyValue& kv, int depth);

// AnyValue's bool_value (field 2) or int_value (field 3) from its varint; both decoders use it.
void set_bool_or_int(AnyValue& v, std::uint32_t tag, std::uint64_t raw) {
  if (tag == 2) {
    v.type = AnyValue::Type::kBool;
    v.bool_value = raw != 0;
  } else {
    v.type = AnyValue::Type::kInt;
    v.int_value = static_cast<std::int64_t>(raw);
  }
}

bool parse_any_value(pb_istream_t* stream, AnyValue& v, int depth) {
  if (depth > kMaxValueDepth) PB_RETURN_ERROR(stream, "AnyValue nested too deeply");
  for (;;) {
    pb_wire_type_t wt;
    std::uint32_t tag = 0;
    bool eof = false;
    if (!pb_decode_tag(stream, &wt, &tag, &eof)) return eof;  // end of the message, or error
    const bool length_delimited = wt == PB_WT_STRING;
    switch (tag) {
      case 1:  // string_value
      case 7:  // bytes_value
        if (!length_delimited) PB_RETURN_ERROR(stream, "AnyValue string/bytes: wrong wire type");
        v.type = tag == 1 ? AnyValue::Type::kString : AnyValue::Type::kBytes;
        if (!read_delimited(stream, v.bytes)) return false;
        break;
      case 2:    // bool_value
      case 3: {  // int_value
        if (wt != PB_WT_VARINT) PB_RETURN_ERROR(stream, "AnyValue bool/int: wrong wire type");
        std::uint64_t raw = 0;
        if (!pb_decode_varint(stream, &raw)) return false;
        set_bool_or_int(v, tag, raw);
        break;
      }
      case 4: {  // double_value
        if (wt != PB_WT_64BIT) PB_RETURN_ERROR(stream, "AnyValue double: wrong wire type");
        std::uint64_t bits = 0;
        if (!pb_decode_fixed64(stream, &bits)) return false;
        v.type = AnyValue::Type::kDouble;
        std::memcpy(&v.double_value, &bits, sizeof bits);
        break;
      }
      case 5:    // array_value: ArrayValue { repeated AnyValue values = 1; }
      case 6: {  // kvlist_value: KeyValueList { repeated KeyValue values = 1; }
        if (!length_delimited) PB_RETURN_ERROR(stream, "AnyValue array/kvlist: wrong wire type");
        v.type = tag == 5 ? AnyValue::Type::kArray : AnyValue::Type::kKvList;
        v.array.clear();
        v.kvlist.clear();
        const auto parse_item = [&](pb_istream_t* item) {
          if (!charge(item, 2 * (tag == 5 ? sizeof(AnyValue) : sizeof(KeyValue)))) return false;
          if (tag == 5) {
            v.array.emplace_back();
            return parse_any_value(item, v.array.back(), depth + 1);
          }
          v.kvlist.emplace_back();
          return parse_key_value(item, v.kvlist.back(), depth + 1);
        };
        const auto parse_list = [&](pb_istream_t* list) {
          while (list->bytes_left > 0) {
            pb_wire_type_t item_wt;
            std::uint32_t item_tag = 0;
            bool item_eof = false;
            if (!pb_decode_tag(list, &item_wt, &item_tag, &item_eof)) return false;
            const bool ok = item_tag == 1 && item_wt == PB_WT_STRING
                                ? parse_delimited(list, parse_item)
                                : pb_skip_field(list, item_wt);
            if (!ok) return false;
          }
          return true;
        };
        if (!parse_delimited(stream, parse_list)) return false;
        break;
      }
      default:
        if (!pb_skip_field(stream, wt)) return false;
        break;
    }
  }
}

bool parse_key_value(pb_istream_t* stream, KeyValue& kv, int depth) {
  for (;;) {
    pb_wire_type_t wt;
    std::uint32_t tag = 0;
    bool eof = false;
    if (!pb_decode_tag(stream, &wt, &tag, &eof)) return eof;  // end of the message, or error
    if ((tag == 1 || tag == 2) && wt != PB_WT_STRING) {
      PB_RETURN_ERROR(stream, "KeyValue: wrong wire type");
    }
    if (tag == 1) {
      if (!read_delimited(stream, kv.key)) return false;
    } else if (tag == 2) {
      kv.value = AnyValue{};
      const auto parse_value = [&](pb_istream_t* sub) { return parse_any_value(sub, kv.value, depth); };
      if (!parse_delimited(stream, parse_value)) return false;
    } else if (!pb_skip_field(stream, wt)) {
      return false;
    }
  }
}

bool read_key_value_cb(pb_istream_t* stream, const pb_field_t*, void** arg) {
  KeyValue* kv = append<KeyValue>(stream, arg);
  return kv != nullptr && parse_key_value(stream, *kv, 0);
}

// ---- the message tree, with nanopb's generated descriptors -----------------------------------

void copy_id(const pb_byte_t* src, std::uint8_t* dst, std::size_t n) { std::memcpy(dst, src, n); }

// nanopb stores whatever number arrived in an enum field; reading an out-of-range value
// through the C++ enum type is undefined, so copy the bits out as the underlying integer.
template <class E>
int enum_value(const E& e) {
  std::underlying_type_t<E> v;
  static_assert(sizeof v == sizeof e, "enum layout");
  std::memcpy(&v, &e, sizeof v);
  return static_cast<int>(v);
}

bool read_event_cb(pb_istream_t* stream, const pb_field_t*, void** arg) {
  Event* e_slot = append<Event>(stream, arg);
  if (e_slot == nullptr) return false;
  Event& e = *e_slot;
  opentelemetry_proto_trace_v1_Span_Event msg = opentelemetry_proto_trace_v1_Span_Event_init_zero;
  msg.name = decoder(read_string_cb, &e.name);
  msg.attributes = decoder(read_key_value_cb, &e.attributes.items);
  if (!pb_decode(stream, opentelemetry_proto_trace_v1_Span_Event_fields, &msg)) return false;
  e.time_unix_nano = msg.time_unix_nano;
  e.attributes.dropped = msg.dropped_attributes_count;
  return true;
}

bool read_link_cb(pb_istream_t* stream, const pb_field_t*, void** arg) {
  Link* l_slot = append<Link>(stream, arg);
  if (l_slot == nullptr) return false;
  Link& l = *l_slot;
  opentelemetry_proto_trace_v1_Span_Link msg = opentelemetry_proto_trace_v1_Span_Link_init_zero;
  msg.trace_state = decoder(read_string_cb, &l.trace_state);
  msg.attributes = decoder(read_key_value_cb, &l.attributes.items);
  if (!pb_decode(stream, opentelemetry_proto_trace_v1_Span_Link_fields, &msg)) return false;
  copy_id(msg.trace_id, l.trace_id.data(), l.trace_id.size());
  copy_id(msg.span_id, l.span_id.data(), l.span_id.size());
  l.attributes.dropped = msg.dropped_attributes_count;
  l.flags = msg.flags;
  return true;
}

// ---- Span: a hand walk for the usual shape, nanopb for everything else ---------------------
// nanopb's descriptor walk (field lookup, defaults, per-field dispatch) was most of the cost
// of decoding a span. A span whose fields all arrive with the expected wire types and sizes,
// with no unknown field and at most one status, is read here; anything else (a wrong wire
// type, an id of the wrong length, an out-of-range number, an unknown field, any error) is
// decoded again from its first byte by nanopb, so errors and odd inputs keep nanopb's exact
// behaviour and messages.

// A varint field of a uint32 or enum: false (-> nanopb) when malformed or out of range.
bool fast_uint32(pb_istream_t* stream, pb_wire_type_t wt, std::uint32_t& out) {
  std::uint64_t v = 0;
  if (wt != PB_WT_VARINT || !pb_decode_varint(stream, &v) || v > UINT32_MAX) return false;
  out = static_cast<std::uint32_t>(v);
  return true;
}

// Reads a length-delimited field with `read` over its contents; false (-> nanopb) when the
// wire type differs or `read` fails.
template <class Read>
bool fast_delimited(pb_istream_t* stream, pb_wire_type_t wt, Read&& read) {
  return wt == PB_WT_STRING && parse_delimited(stream, read);
}

bool fast_bytes(pb_istream_t* stream, pb_wire_type_t wt, std::uint8_t* out, std::size_t min, std::size_t max,
                std::size_t& size) {
  return fast_delimited(stream, wt, [&](pb_istream_t* sub) {
    size = sub->bytes_left;
    return size >= min && size <= max && pb_read(sub, out, size);
  });
}

int enum_bits(std::uint32_t v) {  // as enum_value() reads a nanopb enum field
  std::int32_t out;
  std::memcpy(&out, &v, sizeof out);
  return static_cast<int>(out);
}

bool read_span_fast(pb_istream_t* stream, Span& s) {
  bool has_status = false;
  std::uint32_t status_code = 0;
  while (stream->bytes_left > 0) {
    pb_wire_type_t wt;
    std::uint32_t tag = 0;
    bool eof = false;
    if (!pb_decode_tag(stream, &wt, &tag, &eof) || tag == 0) return false;
    void* list = nullptr;
    std::size_t size = 0;
    bool ok = false;
    switch (tag) {
      case 1: ok = fast_bytes(stream, wt, s.trace_id.data(), 16, 16, size); break;
      case 2: ok = fast_bytes(stream, wt, s.span_id.data(), 8, 8, size); break;
      case 3: ok = wt == PB_WT_STRING && read_delimited(stream, s.trace_state); break;
      case 4: {
        std::uint8_t parent[8];
        ok = fast_bytes(stream, wt, parent, 0, sizeof parent, size);
        if (ok) s.parent_span_id.assign(parent, parent + size);
        break;
      }
      case 5: ok = wt == PB_WT_STRING && read_delimited(stream, s.name); break;
      case 6: {
        std::uint32_t kind = 0;
        ok = fast_uint32(stream, wt, kind);
        s.kind = enum_bits(kind);
        break;
      }
      case 7: ok = wt == PB_WT_64BIT && pb_decode_fixed64(stream, &s.start_time_unix_nano); break;
      case 8: ok = wt == PB_WT_64BIT && pb_decode_fixed64(stream, &s.end_time_unix_nano); break;
      case 9:
        list = &s.attributes.items;
        ok = fast_delimited(stream, wt, [&](pb_istream_t* sub) { return read_key_value_cb(sub, nullptr, &list); });
        break;
      case 10: ok = fast_uint32(stream, wt, s.attributes.dropped); break;
      case 11:
        list = &s.events;
        ok = fast_delimited(stream, wt, [&](pb_istream_t* sub) { return read_event_cb(sub, nullptr, &list); });
        break;
      case 12: ok = fast_uint32(stream, wt, s.dropped_events_count); break;
      case 13:
        list = &s.links;
        ok = fast_delimited(stream, wt, [&](pb_istream_t* sub) { return read_link_cb(sub, nullptr, &list); });
        break;
      case 14: ok = fast_uint32(stream, wt, s.dropped_links_count); break;
      case 15:  // Status { string message = 2; StatusCode code = 3; }, once
        ok = !has_status && fast_delimited(stream, wt, [&](pb_istream_t* sub) {
          while (sub->bytes_left > 0) {
            pb_wire_type_t swt;
            std::uint32_t stag = 0;
            bool seof = false;
            if (!pb_decode_tag(sub, &swt, &stag, &seof)) return false;
            if (stag == 2) {
              if (swt != PB_WT_STRING || !read_delimited(sub, s.status_message)) return false;
            } else if (stag == 3) {
              if (!fast_uint32(sub, swt, status_code)) return false;
            } else {
              return false;
            }
          }
          return true;
        });
        has_status = true;
        break;
      case 16: ok = wt == PB_WT_32BIT && pb_decode_fixed32(stream, &s.flags); break;
      default: break;  // unknown field: nanopb skips it
    }
    if (!ok) return false;
  }
  s.status_code = has_status ? enum_bits(status_code) : 0;
  return true;
}

// ---- Span: a walk over the bytes in memory, before both of the above ----------------------
// Even the hand walk reads every byte through nanopb's stream callback, and for the spans a
// device sends that call per byte was most of what was left of decoding. A request is always
// decoded from memory, so the span's bytes are read here through a pointer, for the shape a
// device sends: ids, name, times, kind, counts, status, flags and scalar attributes. Anything
// else (an event, a link, an array or kvlist value, an unknown field, a wrong wire type, a
// number out of range, bytes cut short) returns false and the span is read again from its
// first byte by the walks above, so their results and error messages stay as they are. The
// budget is charged exactly as the walks above charge it.

struct ByteRange {
  const std::uint8_t* p;
  const std::uint8_t* end;
};

// A varint of up to 64 bits, refusing what nanopb's pb_decode_varint refuses.
bool take_varint(ByteRange& in, std::uint64_t& out) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.p == in.end) return false;
    const std::uint8_t b = *in.p++;
    if (shift == 63 && (b & 0xFE) != 0) return false;
    v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      out = v;
      return true;
    }
  }
  return false;
}

// A varint that nanopb reads as 32 bits (a field key, a length): five bytes at most and no
// bits past 32, so nanopb's sign-extension forms are left to nanopb.
bool take_varint32(ByteRange& in, std::uint32_t& out) {
  const std::uint8_t* start = in.p;
  std::uint64_t v = 0;
  if (!take_varint(in, v) || in.p - start > 5 || v > UINT32_MAX) return false;
  out = static_cast<std::uint32_t>(v);
  return true;
}

bool take_key(ByteRange& in, std::uint32_t& tag, pb_wire_type_t& wt) {
  std::uint32_t key = 0;
  if (!take_varint32(in, key) || (key >> 3) == 0) return false;
  tag = key >> 3;
  wt = static_cast<pb_wire_type_t>(key & 7);
  return true;
}

bool take_delimited(ByteRange& in, pb_wire_type_t wt, ByteRange& field) {
  std::uint32_t len = 0;
  if (wt != PB_WT_STRING || !take_varint32(in, len) || len > static_cast<std::size_t>(in.end - in.p)) {
    return false;
  }
  field = ByteRange{in.p, in.p + len};
  in.p += len;
  return true;
}

bool take_fixed(ByteRange& in, pb_wire_type_t wt, std::uint64_t& out) {
  const std::size_t n = wt == PB_WT_64BIT ? 8 : wt == PB_WT_32BIT ? 4 : 0;
  if (n == 0 || static_cast<std::size_t>(in.end - in.p) < n) return false;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(in.p[i]) << (8 * i);
  in.p += n;
  out = v;
  return true;
}

bool take_uint32(ByteRange& in, pb_wire_type_t wt, std::uint32_t& out) {
  std::uint64_t v = 0;
  if (wt != PB_WT_VARINT || !take_varint(in, v) || v > UINT32_MAX) return false;
  out = static_cast<std::uint32_t>(v);
  return true;
}

// A string field, charged like read_rest().
bool take_string(pb_istream_t* stream, ByteRange& in, pb_wire_type_t wt, std::string& out) {
  ByteRange field{};
  if (!take_delimited(in, wt, field)) return false;
  const auto size = static_cast<std::size_t>(field.end - field.p);
  if (!charge(stream, size)) return false;
  out.assign(reinterpret_cast<const char*>(field.p), size);
  return true;
}

// An id of `min`..`max` bytes into `out`; its size in `size`.
bool take_id(ByteRange& in, pb_wire_type_t wt, std::uint8_t* out, std::size_t min, std::size_t max,
             std::size_t& size) {
  ByteRange field{};
  if (!take_delimited(in, wt, field)) return false;
  size = static_cast<std::size_t>(field.end - field.p);
  if (size < min || size > max) return false;
  if (size > 0) std::memcpy(out, field.p, size);
  return true;
}

// AnyValue with a string, bool, int, double or bytes in it, as parse_any_value() reads it.
bool take_scalar_value(pb_istream_t* stream, ByteRange in, AnyValue& v) {
  while (in.p != in.end) {
    std::uint32_t tag = 0;
    pb_wire_type_t wt;
    if (!take_key(in, tag, wt)) return false;
    switch (tag) {
      case 1:  // string_value
      case 7:  // bytes_value
        v.type = tag == 1 ? AnyValue::Type::kString : AnyValue::Type::kBytes;
        if (!take_string(stream, in, wt, v.bytes)) return false;
        break;
      case 2:    // bool_value
      case 3: {  // int_value
        std::uint64_t raw = 0;
        if (wt != PB_WT_VARINT || !take_varint(in, raw)) return false;
        set_bool_or_int(v, tag, raw);
        break;
      }
      case 4: {  // double_value
        std::uint64_t bits = 0;
        if (wt != PB_WT_64BIT || !take_fixed(in, wt, bits)) return false;
        v.type = AnyValue::Type::kDouble;
        std::memcpy(&v.double_value, &bits, sizeof bits);
        break;
      }
      default: return false;  // array, kvlist or unknown: the walks above
    }
  }
  return true;
}

// One KeyValue of a span's attributes, appended and charged like read_key_value_cb().
bool take_attribute(pb_istream_t* stream, ByteRange in, std::vector<KeyValue>& list) {
  if (!charge(stream, 2 * sizeof(KeyValue))) return false;
  list.emplace_back();
  KeyValue& kv = list.back();
  while (in.p != in.end) {
    std::uint32_t tag = 0;
    pb_wire_type_t wt;
    if (!take_key(in, tag, wt)) return false;
    if (tag == 1) {
      if (!take_string(stream, in, wt, kv.key)) return false;
    } else if (tag == 2) {
      ByteRange value{};
      kv.value = AnyValue{};
      if (!take_delimited(in, wt, value) || !take_scalar_value(stream, value, kv.value)) return false;
    } else {
      return false;
    }
  }
  return true;
}

// `stream` reads from memory (nanopb's own buffer reader): its next bytes are at `state`.
bool reads_from_memory(const pb_istream_t& stream) {
  static const pb_byte_t none = 0;
  return stream.callback == pb_istream_from_buffer(&none, 0).callback;
}

bool read_span_in_memory(pb_istream_t* stream, Span& s) {
  const auto* first = static_cast<const std::uint8_t*>(stream->state);
  ByteRange in{first, first + stream->bytes_left};
  bool has_status = false;
  std::uint32_t status_code = 0;
  while (in.p != in.end) {
    std::uint32_t tag = 0;
    pb_wire_type_t wt;
    if (!take_key(in, tag, wt)) return false;
    std::size_t size = 0;
    std::uint64_t fixed = 0;
    ByteRange field{};
    bool ok = false;
    switch (tag) {
      case 1: ok = take_id(in, wt, s.trace_id.data(), 16, 16, size); break;
      case 2: ok = take_id(in, wt, s.span_id.data(), 8, 8, size); break;
      case 3: ok = take_string(stream, in, wt, s.trace_state); break;
      case 4: {
        std::uint8_t parent[8];
        ok = take_id(in, wt, parent, 0, sizeof parent, size);
        if (ok) s.parent_span_id.assign(parent, parent + size);
        break;
      }
      case 5: ok = take_string(stream, in, wt, s.name); break;
      case 6: {
        std::uint32_t kind = 0;
        ok = take_uint32(in, wt, kind);
        s.kind = enum_bits(kind);
        break;
      }
      case 7: ok = wt == PB_WT_64BIT && take_fixed(in, wt, s.start_time_unix_nano); break;
      case 8: ok = wt == PB_WT_64BIT && take_fixed(in, wt, s.end_time_unix_nano); break;
      case 9: ok = take_delimited(in, wt, field) && take_attribute(stream, field, s.attributes.items); break;
      case 10: ok = take_uint32(in, wt, s.attributes.dropped); break;
      case 12: ok = take_uint32(in, wt, s.dropped_events_count); break;
      case 14: ok = take_uint32(in, wt, s.dropped_links_count); break;
      case 15:  // Status { string message = 2; StatusCode code = 3; }, once
        ok = !has_status && take_delimited(in, wt, field);
        while (ok && field.p != field.end) {
          std::uint32_t stag = 0;
          pb_wire_type_t swt;
          ok = take_key(field, stag, swt) &&
               (stag == 2   ? take_string(stream, field, swt, s.status_message)
                : stag == 3 ? take_uint32(field, swt, status_code)
                            : false);
        }
        has_status = true;
        break;
      case 16:
        ok = wt == PB_WT_32BIT && take_fixed(in, wt, fixed);
        s.flags = static_cast<std::uint32_t>(fixed);
        break;
      default: break;  // events, links, unknown fields: the walks above
    }
    if (!ok) return false;
  }
  s.status_code = has_status ? enum_bits(status_code) : 0;
  // Consumed, as if nanopb had read the bytes.
  stream->state = const_cast<std::uint8_t*>(in.end);
  stream->bytes_left = 0;
  return true;
}

bool read_span_cb(pb_istream_t* stream, const pb_field_t*, void** arg) {
  Span* s_slot = append<Span>(stream, arg);
  if (s_slot == nullptr) return false;
  Span& s = *s_slot;
  // The fast walks read from a copy of the stream's position, so the next one can start over.
  const pb_istream_t start = *stream;
  const std::size_t budget = t_budget_left;
  const bool over_budget = t_over_budget;
  const auto start_over = [&] {
    *stream = start;
    t_budget_left = budget;
    t_over_budget = over_budget;
    s = Span{};
  };
  if (reads_from_memory(*stream)) {
    if (read_span_in_memory(stream, s)) {
      ++t_spans_in_memory;
      return true;
    }
    start_over();
  }
  if (read_span_fast(stream, s)) return true;
  start_over();
  opentelemetry_proto_trace_v1_Span msg = opentelemetry_proto_trace_v1_Span_init_zero;
  msg.trace_state = decoder(read_string_cb, &s.trace_state);
  msg.name = decoder(read_string_cb, &s.name);
  msg.attributes = decoder(read_key_value_cb, &s.attributes.items);
  msg.events = decoder(read_event_cb, &s.events);
  msg.links = decoder(read_link_cb, &s.links);
  msg.status.message = decoder(read_string_cb, &s.status_message);
  if (!pb_decode(stream, opentelemetry_proto_trace_v1_Span_fields, &msg)) return false;
  copy_id(msg.trace_id, s.trace_id.data(), s.trace_id.size());
  copy_id(msg.span_id, s.span_id.data(), s.span_id.size());
  s.parent_span_id.assign(msg.parent_span_id.bytes, msg.parent_span_id.bytes + msg.parent_span_id.size);
  s.flags = msg.flags;
  s.kind = enum_value(msg.kind);
  s.start_time_unix_nano = msg.start_time_unix_nano;
  s.end_time_unix_nano = msg.end_time_unix_nano;
  s.attributes.dropped = msg.dropped_attributes_count;
  s.dropped_events_count = msg.dropped_events_count;
  s.dropped_links_count = msg.dropped_links_count;
  s.status_code = msg.has_status ? enum_value(msg.status.code) : 0;
  return true;
}

bool read_scope_spans_cb(pb_istream_t* stream, const pb_field_t*, void** arg) {
  ScopeSpans* ss_slot = append<ScopeSpans>(stream, arg);
  if (ss_slot == nullptr) return false;
  ScopeSpans& ss = *ss_slot;
  opentelemetry_proto_trace_v1_ScopeSpans msg = opentelemetry_proto_trace_v1_ScopeSpans_init_zero;
  // Callbacks inside a static submessage survive pb_decode's initialisation (nanopb leaves
  // callback fields alone and does not re-initialise static submessages).
  msg.scope.name = decoder(read_string_cb, &ss.scope.name);
  msg.scope.version = decoder(read_string_cb, &ss.scope.version);
  msg.scope.attributes = decoder(read_key_value_cb, &ss.scope.attributes.items);
  msg.spans = decoder(read_span_cb, &ss.spans);
  msg.schema_url = decoder(read_string_cb, &ss.schema_url);
  if (!pb_decode(stream, opentelemetry_proto_trace_v1_ScopeSpans_fields, &msg)) return false;
  ss.scope.attributes.dropped = msg.scope.dropped_attributes_count;
  return true;
}

bool read_resource_spans_cb(pb_istream_t* stream, const pb_field_t*, void** arg) {
  ResourceSpans* rs_slot = append<ResourceSpans>(stream, arg);
  if (rs_slot == nullptr) return false;
  ResourceSpans& rs = *rs_slot;
  opentelemetry_proto_trace_v1_ResourceSpans msg = opentelemetry_proto_trace_v1_ResourceSpans_init_zero;
  msg.resource.attributes = decoder(read_key_value_cb, &rs.resource.items);
  msg.scope_spans = decoder(read_scope_spans_cb, &rs.scope_spans);
  msg.schema_url = decoder(read_string_cb, &rs.schema_url);
  if (!pb_decode(stream, opentelemetry_proto_trace_v1_ResourceSpans_fields, &msg)) return false;
  rs.resource.dropped = msg.resource.dropped_attributes_count;
  return true;
}

// ---- logs: LogRecord walked by hand (its body is an AnyValue), the envelope by descriptors ----

bool read_id(pb_istream_t* stream, std::vector<std::uint8_t>& id, std::size_t size, const char* what) {
  std::string bytes;
  if (!read_delimited(stream, bytes)) return false;
  if (!bytes.empty() && bytes.size() != size) PB_RETURN_ERROR(stream, what);
  id.assign(bytes.begin(), bytes.end());
  return true;
}

bool parse_log_record(pb_istream_t* stream, LogRecord& r) {
  for (;;) {
    pb_wire_type_t wt;
    std::uint32_t tag = 0;
    bool eof = false;
    if (!pb_decode_tag(stream, &wt, &tag, &eof)) return eof;
    const auto expect = [&](pb_wire_type_t want) {
      if (wt == want) return true;
      stream->errmsg = "LogRecord: wrong wire type";
      return false;
    };
    switch (tag) {
      case 1:    // time_unix_nano
      case 11: { // observed_time_unix_nano
        if (!expect(PB_WT_64BIT)) return false;
        std::uint64_t v = 0;
        if (!pb_decode_fixed64(stream, &v)) return false;
        (tag == 1 ? r.time_unix_nano : r.observed_time_unix_nano) = v;
        break;
      }
      case 2:   // severity_number
      case 7: { // dropped_attributes_count
        if (!expect(PB_WT_VARINT)) return false;
        std::uint64_t v = 0;
        if (!pb_decode_varint(stream, &v)) return false;
        if (tag == 2) {
          r.severity_number = static_cast<int>(static_cast<std::int32_t>(v));
        } else {
          r.attributes.dropped = static_cast<std::uint32_t>(v);
        }
        break;
      }
      case 3:  // severity_text
        if (!expect(PB_WT_STRING) || !read_delimited(stream, r.severity_text)) return false;
        break;
      case 12:  // event_name
        if (!expect(PB_WT_STRING) || !read_delimited(stream, r.event_name)) return false;
        break;
      case 5: {  // body
        if (!expect(PB_WT_STRING)) return false;
        r.body = AnyValue{};
        const auto parse_body = [&](pb_istream_t* sub) { return parse_any_value(sub, r.body, 0); };
        if (!parse_delimited(stream, parse_body)) return false;
        break;
      }
      case 6: {  // attributes
        if (!expect(PB_WT_STRING)) return false;
        void* list = &r.attributes.items;
        KeyValue* kv = append<KeyValue>(stream, &list);
        if (kv == nullptr) return false;
        const auto parse_kv = [&](pb_istream_t* sub) { return parse_key_value(sub, *kv, 0); };
        if (!parse_delimited(stream, parse_kv)) return false;
        break;
      }
      case 8: {  // flags
        if (!expect(PB_WT_32BIT)) return false;
        std::uint32_t v = 0;
        if (!pb_decode_fixed32(stream, &v)) return false;
        r.flags = v;
        break;
      }
      case 9:  // trace_id
        if (!expect(PB_WT_STRING) || !read_id(stream, r.trace_id, 16, "LogRecord.trace_id is not 16 bytes")) return false;
        break;
      case 10:  // span_id
        if (!expect(PB_WT_STRING) || !read_id(stream, r.span_id, 8, "LogRecord.span_id is not 8 bytes")) return false;
        break;
      default:
        if (!pb_skip_field(stream, wt)) return false;
        break;
    }
  }
}

bool read_log_record_cb(pb_istream_t* stream, const pb_field_t*, void** arg) {
  LogRecord* r = append<LogRecord>(stream, arg);
  return r != nullptr && parse_log_record(stream, *r);
}

bool read_scope_logs_cb(pb_istream_t* stream, const pb_field_t*, void** arg) {
  ScopeLogs* sl_slot = append<ScopeLogs>(stream, arg);
  if (sl_slot == nullptr) return false;
  ScopeLogs& sl = *sl_slot;
  opentelemetry_proto_logs_v1_ScopeLogs msg = opentelemetry_proto_logs_v1_ScopeLogs_init_zero;
  msg.scope.name = decoder(read_string_cb, &sl.scope.name);
  msg.scope.version = decoder(read_string_cb, &sl.scope.version);
  msg.scope.attributes = decoder(read_key_value_cb, &sl.scope.attributes.items);
  msg.log_records = decoder(read_log_record_cb, &sl.log_records);
  msg.schema_url = decoder(read_string_cb, &sl.schema_url);
  if (!pb_decode(stream, opentelemetry_proto_logs_v1_ScopeLogs_fields, &msg)) return false;
  sl.scope.attributes.dropped = msg.scope.dropped_attributes_count;
  return true;
}

bool read_resource_logs_cb(pb_istream_t* stream, const pb_field_t*, void** arg) {
  ResourceLogs* rl_slot = append<ResourceLogs>(stream, arg);
  if (rl_slot == nullptr) return false;
  ResourceLogs& rl = *rl_slot;
  opentelemetry_proto_logs_v1_ResourceLogs msg = opentelemetry_proto_logs_v1_ResourceLogs_init_zero;
  msg.resource.attributes = decoder(read_key_value_cb, &rl.resource.items);
  msg.scope_logs = decoder(read_scope_logs_cb, &rl.scope_logs);
  msg.schema_url = decoder(read_string_cb, &rl.schema_url);
  if (!pb_decode(stream, opentelemetry_proto_logs_v1_ResourceLogs_fields, &msg)) return false;
  rl.resource.dropped = msg.resource.dropped_attributes_count;
  return true;
}

// ---- encoding the answers ------------------------------------------------------------------

bool write_string_cb(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  const auto* s = static_cast<const std::string*>(*arg);
  return pb_encode_tag_for_field(stream, field) &&
         pb_encode_string(stream, reinterpret_cast<const pb_byte_t*>(s->data()), s->size());
}

}  // namespace

std::size_t ExportRequest::span_count() const {
  std::size_t n = 0;
  for (const auto& rs : resource_spans) {
    for (const auto& ss : rs.scope_spans) n += ss.spans.size();
  }
  return n;
}

bool decode_export_request(const std::uint8_t* data, std::size_t size, ExportRequest& out,
                           std::string& error, std::size_t max_decoded_bytes, bool* too_large) {
  out = ExportRequest{};
  t_budget_left = max_decoded_bytes;
  t_over_budget = false;
  struct ResetBudget {
    ~ResetBudget() { t_budget_left = SIZE_MAX; }
  } reset_budget;
  opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest msg =
      opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_init_zero;
  msg.resource_spans = decoder(read_resource_spans_cb, &out.resource_spans);
  pb_istream_t stream = pb_istream_from_buffer(data, size);
  if (!pb_decode(&stream, opentelemetry_proto_collector_trace_v1_ExportTraceServiceRequest_fields,
                 &msg)) {
    // nanopb hands a scalar that arrives where a message was expected to the callback on a
    // private buffer and drops that buffer's error text; name the likely cause instead.
    error = stream.errmsg != nullptr ? stream.errmsg : "malformed message (a field has the wrong wire type)";
    if (too_large != nullptr) *too_large = t_over_budget;
    out = ExportRequest{};  // give the partial tree back at once
    return false;
  }
  return true;
}

std::size_t LogsRequest::log_record_count() const {
  std::size_t n = 0;
  for (const auto& rl : resource_logs) {
    for (const auto& sl : rl.scope_logs) n += sl.log_records.size();
  }
  return n;
}

bool decode_logs_request(const std::uint8_t* data, std::size_t size, LogsRequest& out, std::string& error,
                         std::size_t max_decoded_bytes, bool* too_large) {
  out = LogsRequest{};
  t_budget_left = max_decoded_bytes;
  t_over_budget = false;
  struct ResetBudget {
    ~ResetBudget() { t_budget_left = SIZE_MAX; }
  } reset_budget;
  opentelemetry_proto_collector_logs_v1_ExportLogsServiceRequest msg =
      opentelemetry_proto_collector_logs_v1_ExportLogsServiceRequest_init_zero;
  msg.resource_logs = decoder(read_resource_logs_cb, &out.resource_logs);
  pb_istream_t stream = pb_istream_from_buffer(data, size);
  if (!pb_decode(&stream, opentelemetry_proto_collector_logs_v1_ExportLogsServiceRequest_fields, &msg)) {
    error = stream.errmsg != nullptr ? stream.errmsg : "malformed message (a field has the wrong wire type)";
    if (too_large != nullptr) *too_large = t_over_budget;
    out = LogsRequest{};
    return false;
  }
  return true;
}

std::size_t spans_decoded_in_memory() noexcept { return t_spans_in_memory; }

std::string encode_export_response(std::int64_t rejected_spans, const std::string& error_message) {
  opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse msg =
      opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_init_zero;
  if (rejected_spans >= 0) {
    msg.has_partial_success = true;
    msg.partial_success.rejected_spans = rejected_spans;
    msg.partial_success.error_message.funcs.encode = write_string_cb;
    msg.partial_success.error_message.arg = const_cast<std::string*>(&error_message);
  }
  std::string out(256 + error_message.size(), '\0');
  pb_ostream_t stream = pb_ostream_from_buffer(reinterpret_cast<pb_byte_t*>(&out[0]), out.size());
  if (!pb_encode(&stream,
                 opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_fields, &msg)) {
    return std::string();
  }
  out.resize(stream.bytes_written);
  return out;
}

std::string encode_rpc_status(int grpc_code, const std::string& message) {
  // google.rpc.Status { int32 code = 1; string message = 2; } written field by field.
  std::string out(32 + message.size(), '\0');
  pb_ostream_t stream = pb_ostream_from_buffer(reinterpret_cast<pb_byte_t*>(&out[0]), out.size());
  const bool ok = pb_encode_tag(&stream, PB_WT_VARINT, 1) &&
                  pb_encode_varint(&stream, static_cast<std::uint64_t>(grpc_code)) &&
                  pb_encode_tag(&stream, PB_WT_STRING, 2) &&
                  pb_encode_string(&stream, reinterpret_cast<const pb_byte_t*>(message.data()),
                                   message.size());
  if (!ok) return std::string();
  out.resize(stream.bytes_written);
  return out;
}

}  // namespace tracelet::receiver
