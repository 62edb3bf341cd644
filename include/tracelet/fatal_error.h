#pragma once
#include <cstddef>
#include <string_view>

namespace tracelet {

/// For a fatal-error handler (HardFault, assert, panic, a crash signal) just before a reset:
/// every span of the calling thread's (or execution context's) current chain, innermost
/// first, gets an `exception` event (exception.type = `type`, exception.message = `message`),
/// status Error, and is ended — written to its tracer's ring. What happens next is the
/// port's: with a network, flush the exporter (Exporter::flush with a short timeout); on a
/// device whose ring lives in memory kept across a warm reset, the records are exported after
/// the next boot. Returns how many spans were ended.
/// ISR-safe: yes (MCU ports: meant for fault handlers). Blocks: never. Allocates: never.
std::size_t fail_current_spans(std::string_view type, std::string_view message) noexcept;

}  // namespace tracelet
