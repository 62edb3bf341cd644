#pragma once
// What applications include: the span API plus a process-wide default tracer.
#include "tracelet/attribute.h"
#include "tracelet/config.h"
#include "tracelet/current_span.h"
#include "tracelet/ids.h"
#include "tracelet/span.h"
#include "tracelet/status.h"
#include "tracelet/tracer.h"

namespace tracelet {

/// The process-wide tracer behind the free functions below. Tests and multi-tenant code can
/// build their own Tracer instead. A constant-initialised global: ISR-safe: yes. Blocks:
/// never. Allocates: never. The functions below have the contracts of the Tracer methods.
Tracer& default_tracer() noexcept;

/// default_tracer().init(options). See Tracer::init for return values.
[[nodiscard]] inline Status init(const Options& options) noexcept {
  return default_tracer().init(options);
}
inline void shutdown() noexcept { default_tracer().shutdown(); }

/// Starts a span on the default tracer: `auto span = tracelet::start_span("read-sensor");`
inline Span start_span(std::string_view name, const StartOptions& options) noexcept {
  return default_tracer().start_span(name, options);
}
inline Span start_span(std::string_view name) noexcept { return default_tracer().start_span(name); }

}  // namespace tracelet
