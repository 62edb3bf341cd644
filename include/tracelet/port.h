#pragma once
#include <cstddef>
#include <cstdint>

/// The platform contract of the tracelet core: the one place that says what a port must do.
/// Each function is implemented exactly once per platform in port/<name>/ and chosen at link
/// time; port/template/port_template.cpp is the annotated starting point and docs/porting.md
/// walks through a real port. The optional halves are net_port.h (OTLP/HTTP exporter) and
/// thread_port.h (background exporter thread).
///
/// Contexts. The recording path (Tracer::start_span, every Span method) calls monotonic_ns(),
/// critical_enter()/critical_exit() and current_span_slot(), and may reach panic(). On an MCU
/// port, where spans may be recorded from interrupt handlers, those four must therefore be
/// ISR-safe: callable from any handler that records spans, with interrupts masked or not. A
/// hosted port (POSIX) need not be async-signal-safe; spans must then not be recorded from
/// signal handlers. unix_offset_ns() and entropy() are called from thread context only, at
/// init. No function here may allocate.
namespace tracelet::port {

/// Nanoseconds since an arbitrary start (boot is fine); never decreases, also across counter
/// wraps and between callers on different threads or interrupt levels.
/// Called: at span start and end and for each event (recording path), by samplers, and by
/// exporters and the TLS client for deadlines.
/// ISR-safe: required on MCU ports, also with interrupts masked. Blocks: never. Must be cheap
/// (a counter read and a scale). Resolution of a few microseconds is enough.
std::uint64_t monotonic_ns() noexcept;

/// Offset that turns monotonic_ns() into Unix nanoseconds (monotonic + offset = Unix ns).
/// Called: once, by Tracer::init, from thread context; the tracer keeps the value, so span
/// times never go backwards when the wall clock is stepped. Also by the AWS SigV4 signer
/// (tracelet/sigv4.h) once per signed request, from the exporting thread, for the current UTC.
/// A device without a wall clock returns 0 (times then count from boot; the signer then takes
/// UTC from the server's Date answers). Blocks: never.
std::int64_t unix_offset_ns() noexcept;

/// Fills `out[0..len)` with unpredictable bytes and returns true, or returns false if no
/// entropy is available; never returns true for predictable bytes.
/// Called: from thread context only, at init (Tracer::init seeds span/trace ids, falling back
/// to a clock-derived seed on false; Exporter::init seeds retry jitter) and when the TLS
/// client seeds or reseeds its DRBG. Never on the recording path.
/// Blocks: may wait briefly for the platform's source (e.g. getrandom() before the kernel
/// pool is ready); never indefinitely. Thread-safe.
bool entropy(std::uint8_t* out, std::size_t len) noexcept;

/// Enters a critical section that excludes every other caller of critical_enter(): other
/// threads, other cores, and on MCU ports every interrupt handler that records spans.
/// Returns the state to hand back to critical_exit().
/// Called: on the recording path (a ring reservation per ended span; the id draw on cores
/// whose 64-bit atomics are not lock-free), by the ring's consumer (peek/commit/release,
/// counters) and by the exporters' counters.
/// ISR-safe: required on MCU ports (mask interrupts; an ISR-safe RTOS section); a hosted
/// port may use a spin lock.
/// Nesting: tracelet never calls critical_enter() while it holds the section in the same
/// context, so a non-recursive lock is enough. It may be called with interrupts already
/// masked (from a handler, or inside the application's own critical section): critical_exit()
/// restores exactly the state it is given, never "unmask all". A port may allow real nesting
/// (PRIMASK save/restore does) but need not.
/// Timing: the core holds the section for a bounded, short time and never across I/O, a span
/// copy or another port call except panic(): O(1) loads and stores on the recording path; the
/// consumer's peek_batch() reads one header per record it claims (up to its batch size), and
/// Ring::adopt() walks the ring once at init. critical_enter() itself must not sleep; a
/// hosted port may spin (and yield) while another thread holds the section.
std::uint32_t critical_enter() noexcept;
/// As critical_enter(), but gives up instead of waiting long: returns true with `state` set
/// when it entered, false when another context holds the section and did not leave it within
/// a short spin (a hosted port's holder may have been preempted by the scheduler). The
/// overwrite-oldest ring calls it on the recording path, so that a producer never waits for
/// a preempted one: it drops its span and counts it instead. An MCU port, whose masking of
/// interrupts cannot fail, enters and returns true. ISR-safe and timing as critical_enter();
/// never sleeps or yields.
bool critical_try_enter(std::uint32_t& state) noexcept;
/// Leaves the section entered by the matching critical_enter(), restoring `state`.
/// ISR-safe and timing as critical_enter().
void critical_exit(std::uint32_t state) noexcept;

/// Address of a pointer-sized slot, initially nullptr, private to the calling execution
/// context: a thread, or on bare metal the main loop and each interrupt nesting level. The
/// core keeps its per-context state there (the newest context link: current span and baggage); two contexts that can interleave must never share one.
/// Called: at span start and end, by current_span_context() and fail_current_spans().
/// ISR-safe: required on MCU ports. Blocks: never. Returns the same address every time for
/// the same context.
void** current_span_slot() noexcept;

/// Called only for broken API contracts (TRACELET_ASSERT), never for runtime conditions.
/// Reports file:line if it can, then stops (abort, reset, or halt for the watchdog).
/// May be called from any context tracelet runs in, including interrupt handlers and with the
/// critical section held: it must not return and must not call into tracelet.
[[noreturn]] void panic(const char* file, int line) noexcept;

}  // namespace tracelet::port
