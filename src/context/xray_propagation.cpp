// AWS X-Ray's X-Amzn-Trace-Id header. See include/tracelet/xray_propagation.h.
#include "tracelet/xray_propagation.h"

#include "core/text.h"

namespace tracelet {
namespace {

bool decode_hex(std::string_view in, std::uint8_t* out) noexcept {
  for (std::size_t i = 0; i < in.size() / 2; ++i) {
    const int hi = detail::hex_value(in[2 * i]);
    const int lo = detail::hex_value(in[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return true;
}

Status reject(SpanContext& out, const char** reason, const char* why) noexcept {
  out = SpanContext{};
  if (reason != nullptr) *reason = why;
  return Status::kInvalidArgument;
}

// At most this many ';'-separated parts are looked at: far beyond any real header.
constexpr std::size_t kMaxParts = 64;

}  // namespace

Status parse_xray_header(std::string_view value, SpanContext& out, const char** reason) noexcept {
  out = SpanContext{};
  std::string_view root, parent, sampled;
  std::size_t parts = 0;
  while (!value.empty()) {
    if (++parts > kMaxParts) return reject(out, reason, "more than 64 fields");
    const std::size_t semi = value.find(';');
    std::string_view part = detail::trim_ows(value.substr(0, semi));
    value = semi == std::string_view::npos ? std::string_view() : value.substr(semi + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;  // not key=value: not ours to judge
    const std::string_view key = detail::trim_ows(part.substr(0, eq));
    const std::string_view v = detail::trim_ows(part.substr(eq + 1));
    std::string_view* slot = key == "Root" ? &root : key == "Parent" ? &parent : key == "Sampled" ? &sampled : nullptr;
    if (slot == nullptr) continue;  // Lineage, Self and fields yet to come
    if (slot->data() != nullptr) return reject(out, reason, "Root, Parent or Sampled given twice");
    *slot = v.empty() ? std::string_view("", 0) : v;
  }
  if (root.data() == nullptr) return reject(out, reason, "no Root field");
  if (parent.data() == nullptr) return reject(out, reason, "no Parent field");
  if (sampled.data() == nullptr) return reject(out, reason, "no Sampled field");
  if (root.size() != 35 || root[0] != '1' || root[1] != '-' || root[10] != '-') {
    return reject(out, reason, "Root is not 1-<8 hex digits>-<24 hex digits>");
  }
  SpanContext ctx;
  if (!decode_hex(root.substr(2, 8), ctx.trace_id.bytes) || !decode_hex(root.substr(11, 24), ctx.trace_id.bytes + 4)) {
    return reject(out, reason, "Root is not 1-<8 hex digits>-<24 hex digits>");
  }
  if (!ctx.trace_id.is_valid()) return reject(out, reason, "Root is an all-zero trace id");
  if (parent.size() != 16 || !decode_hex(parent, ctx.span_id.bytes)) {
    return reject(out, reason, "Parent is not 16 hex digits");
  }
  if (!ctx.span_id.is_valid()) return reject(out, reason, "Parent is an all-zero span id");
  if (sampled == "1") {
    ctx.trace_flags = kTraceFlagSampled;
  } else if (sampled != "0") {
    return reject(out, reason, "Sampled is not 0 or 1");
  }
  ctx.is_remote = true;
  out = ctx;
  return Status::kOk;
}

Status format_xray_header(const SpanContext& context, char* out, std::size_t cap, std::size_t& len) noexcept {
  len = 0;
  if (!context.is_valid()) return Status::kInvalidArgument;
  if (cap < kXrayHeaderLength) return Status::kResourceExhausted;
  char* p = out;
  auto put = [&](std::string_view s) noexcept {
    for (char c : s) *p++ = c;
  };
  put("Root=1-");
  detail::encode_hex(context.trace_id.bytes, 4, p);
  p += 8;
  *p++ = '-';
  detail::encode_hex(context.trace_id.bytes + 4, 12, p);
  p += 24;
  put(";Parent=");
  detail::encode_hex(context.span_id.bytes, 8, p);
  p += 16;
  put(context.is_sampled() ? ";Sampled=1" : ";Sampled=0");
  len = static_cast<std::size_t>(p - out);
  return Status::kOk;
}

Status extract_xray(const CarrierReader& carrier, SpanContext& context) noexcept {
  context = SpanContext{};
  std::string_view value;
  bool found = false;
  if (carrier.field != nullptr) {
    std::string_view n, v;
    for (std::size_t i = 0; i < 4096 && carrier.field(carrier.ctx, i, &n, &v); ++i) {
      if (equals_ignore_case(n, kXrayTraceField)) {
        value = v;
        found = true;
        break;
      }
    }
  } else if (carrier.get != nullptr) {
    found = carrier.get(carrier.ctx, kXrayTraceField, 0, &value);
  } else {
    return Status::kFailedPrecondition;
  }
  if (!found) return Status::kUnavailable;
  return parse_xray_header(value, context);
}

Status inject_xray(const SpanContext& context, const CarrierWriter& carrier) noexcept {
  if (carrier.set == nullptr) return Status::kFailedPrecondition;
  char buf[kXrayHeaderLength];
  std::size_t len = 0;
  const Status st = format_xray_header(context, buf, sizeof buf, len);
  if (st != Status::kOk) return st;
  return carrier.set(carrier.ctx, kXrayTraceField, std::string_view(buf, len));
}

Status extract_context(const CarrierReader& carrier, const TraceFormats& formats, SpanContext& context,
                       TraceState* state) noexcept {
  context = SpanContext{};
  if (state != nullptr) state->clear();
  Status w3c = Status::kUnavailable;
  if (formats.tracecontext) {
    w3c = extract(carrier, context, state);
    if (w3c == Status::kOk || w3c == Status::kFailedPrecondition) return w3c;
  }
  if (!formats.xray) return w3c;
  const Status xray = extract_xray(carrier, context);
  if (xray == Status::kOk) return xray;
  return w3c == Status::kInvalidArgument ? w3c : xray;
}

Status inject_context(const SpanContext& context, const TraceState* state, const TraceFormats& formats,
                      const CarrierWriter& carrier) noexcept {
  if (formats.tracecontext) {
    const Status s = inject(context, state, carrier);
    if (s != Status::kOk) return s;
  }
  if (formats.xray) return inject_xray(context, carrier);
  return Status::kOk;
}

}  // namespace tracelet
