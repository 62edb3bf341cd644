// Fuzz target: tracelet-bridge's reading side (tools/bridge: input.cpp, bridge.cpp,
// link_monitor.cpp) with the fuzzer's bytes as the serial stream. Bridge::run reads them
// through a real ByteInput (an in-memory file), decodes frames, follows sequence numbers and
// queues payloads for its sender thread. The collector side is a stand-in Forwarder defined
// here (forwarder.cpp is not linked): it answers delivered, retry or refused by the payload's
// first byte and records what it was given, so the run needs no network. Checks that every
// byte read is counted, that every intact frame ends exactly one way (forwarded, refused,
// given up, dropped from a full queue, or a repeat), that the frames offered to the collector
// are, in order, the intact payloads a reference decoder finds, and that the log is one
// printable line per entry.
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "bridge.h"
#include "forwarder.h"
#include "input.h"
#include "tracelet/serial_frame.h"

namespace {

std::vector<std::vector<std::uint8_t>> g_offered;  // one entry per frame, at its first attempt
std::size_t g_attempts_of_last = 0;

}  // namespace

// ---- the stand-in collector ------------------------------------------------------------------

namespace tracelet::bridge {

bool Forwarder::init(const ForwarderConfig& config, std::string&) {
  config_ = config;
  connected_ = true;  // nothing to connect to
  return true;
}

Forwarder::Outcome Forwarder::post(const std::uint8_t* body, std::size_t len, bool) {
  const std::vector<std::uint8_t> payload(body, body + len);
  const std::uint8_t first = len == 0 ? 0 : body[0];
  // The second attempt of a frame answered "retry" (the bridge makes at most two here).
  const bool retry = !g_offered.empty() && g_offered.back() == payload && first % 4 == 2 &&
                     g_attempts_of_last == 1;
  if (!retry) {
    g_offered.push_back(payload);
    g_attempts_of_last = 0;
  }
  ++g_attempts_of_last;
  Outcome out;
  switch (first % 4) {
    case 0:
    case 1: out.kind = Outcome::Kind::kDelivered; out.http_status = 200; break;
    case 2: out.kind = Outcome::Kind::kRetry; out.http_status = 503; out.detail = "HTTP 503"; break;
    default: out.kind = Outcome::Kind::kRefused; out.http_status = 400; out.detail = "HTTP 400"; break;
  }
  return out;
}

void Forwarder::close() { connected_ = false; }

}  // namespace tracelet::bridge

// ---- the target ------------------------------------------------------------------------------

namespace {

using namespace tracelet;

struct Reference {
  std::uint64_t intact = 0;
  std::uint64_t damaged = 0;
  std::uint64_t skipped = 0;
  std::vector<std::vector<std::uint8_t>> payloads;
};

// The framing alone, fed as Bridge::run feeds it (reads of up to 64 KiB).
Reference decode(const std::uint8_t* data, std::size_t size, std::size_t buffer_bytes) {
  Reference ref;
  std::vector<std::uint8_t> memory(buffer_bytes);
  serial::FrameDecoder decoder;
  if (decoder.attach(ByteSpan{memory.data(), memory.size()}) != Status::kOk) std::abort();
  const auto drain = [&](bool ended) {
    serial::FrameEvent event;
    while (decoder.next(event, ended)) {
      if (event.kind == serial::FrameEvent::Kind::kFrame) {
        ++ref.intact;
        ref.payloads.emplace_back(event.payload, event.payload + event.payload_len);
      } else if (event.kind == serial::FrameEvent::Kind::kBadFrame) {
        ++ref.damaged;
      } else {
        ref.skipped += event.skipped;
      }
    }
  };
  for (std::size_t offset = 0; offset < size; offset += 64 * 1024) {
    const std::size_t got = size - offset < 64 * 1024 ? size - offset : 64 * 1024;
    for (std::size_t at = 0; at < got;) {
      const std::size_t took = decoder.feed(data + offset + at, got - at);
      at += took;
      drain(false);
      if (took == 0) drain(true);
    }
  }
  drain(true);
  return ref;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  bridge::Options options;
  options.max_frame = 16u + (data[0] & 0x7f) * 8u;   // frames too large for it appear too
  options.max_queue_bytes = data[0] & 0x80 ? 64 : 1u << 20;  // a queue that overflows, or not
  options.max_attempts = 2;
  options.initial_backoff_ms = 0;  // retries at once: no sleeping in a fuzz run
  options.max_backoff_ms = 0;
  options.drain_timeout_ms = 60000;
  const std::uint8_t* stream = data + 1;
  const std::size_t stream_len = size - 1;

  const int fd = memfd_create("bridge_fuzz", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  if (stream_len != 0 && write(fd, stream, stream_len) != static_cast<ssize_t>(stream_len)) std::abort();
  options.input = "/proc/self/fd/" + std::to_string(fd);

  bridge::ByteInput input;
  std::string error;
  if (!input.open(options.input, false, options.baud, error)) std::abort();
  bridge::Forwarder forwarder;
  bridge::ForwarderConfig config;
  config.endpoint = "http://127.0.0.1:4318/v1/traces";
  if (!forwarder.init(config, error)) std::abort();
  g_offered.clear();
  g_attempts_of_last = 0;

  std::atomic<bool> stop{false};
  std::ostringstream log;
  bridge::Bridge bridge(options, stop, log);
  const int rc = bridge.run(input, forwarder);
  close(fd);
  const bridge::BridgeCounters c = bridge.counters();

  if (c.bytes_read != stream_len || c.input_failed) std::abort();
  if (c.frames_intact != c.frames_forwarded + c.frames_refused + c.frames_gave_up +
                             c.frames_queue_overflow + c.frames_duplicate) {
    std::abort();
  }
  if (c.frames_recovered > c.frames_damaged || c.frames_recovered > c.frames_intact) std::abort();
  if (rc != ((c.frames_lost() != 0) ? 1 : 0)) std::abort();

  const Reference ref = decode(stream, stream_len, options.max_frame + serial::kOverheadBytes);
  if (ref.intact != c.frames_intact || ref.damaged != c.frames_damaged || ref.skipped != c.bytes_skipped) {
    std::abort();
  }
  // What reached the collector: the intact payloads in order, less repeats and overflow.
  if (g_offered.size() != c.frames_intact - c.frames_duplicate - c.frames_queue_overflow) std::abort();
  std::size_t next = 0;
  for (const auto& offered : g_offered) {
    while (next < ref.payloads.size() && ref.payloads[next] != offered) ++next;
    if (next == ref.payloads.size()) std::abort();
    ++next;
  }

  const std::string text = log.str();
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos || text.compare(start, 17, "tracelet-bridge: ") != 0) std::abort();
    for (std::size_t i = start; i < end; ++i) {
      const auto ch = static_cast<unsigned char>(text[i]);
      if (ch < 0x20 || ch == 0x7f) std::abort();
    }
    start = end + 1;
  }
  return 0;
}
