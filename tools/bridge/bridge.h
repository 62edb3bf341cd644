#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "forwarder.h"
#include "input.h"
#include "link_monitor.h"
#include "options.h"
#include "tracelet/serial_frame.h"

namespace tracelet::bridge {

/// What a bridge run saw and did. Every intact frame is forwarded, refused, given up on,
/// dropped from a full queue, or skipped as a duplicate.
struct BridgeCounters {
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_skipped = 0;       // noise and the bytes of damaged frames
  std::uint64_t frames_intact = 0;
  std::uint64_t frames_damaged = 0;      // with an intact header (their number is known)
  std::uint64_t frames_recovered = 0;    // damaged, then received intact
  std::uint64_t frames_duplicate = 0;
  std::uint64_t frames_forwarded = 0;    // collector answered 2xx
  std::uint64_t frames_lost_on_link = 0; // sequence gaps + damaged frames never seen intact
  std::uint64_t frames_refused = 0;      // collector answered a non-retryable status
  std::uint64_t frames_gave_up = 0;      // attempts or drain time ran out
  std::uint64_t frames_queue_overflow = 0;
  std::uint64_t device_restarts = 0;
  bool input_failed = false;

  std::uint64_t frames_lost() const {
    return frames_lost_on_link + frames_refused + frames_gave_up + frames_queue_overflow;
  }
};

/// The bridge: reads and checks frames on the calling thread, forwards them from a second
/// thread (so a slow collector never stalls the serial input), one log line per frame.
class Bridge {
 public:
  Bridge(const Options& options, const std::atomic<bool>& stop, std::ostream& log)
      : options_(options), stop_(stop), log_(log) {}

  /// Runs until the input ends, goes idle for --idle-exit-ms, or `stop` is set; then delivers
  /// what is queued (within --drain-timeout-ms). Returns the exit status: 0 nothing lost,
  /// 1 frames lost or the input failed.
  int run(ByteInput& input, Forwarder& forwarder);

  BridgeCounters counters() const;

 private:
  struct Queued {
    std::uint32_t sequence = 0;
    bool recovered = false;
    bool logs = false;  // an ExportLogsServiceRequest (frame type 2): goes to the logs path
    std::vector<std::uint8_t> payload;
  };

  void handle_events(serial::FrameDecoder& decoder, bool input_ended);
  void enqueue(Queued frame);
  void forward_loop(Forwarder& forwarder);
  void deliver(Forwarder& forwarder, Queued& frame);
  void log(const std::string& line);
  // Adds `n` to one of counters_ (under the lock; the sender thread reads them too).
  void count(std::uint64_t BridgeCounters::*counter, std::uint64_t n = 1);

  const Options& options_;
  const std::atomic<bool>& stop_;
  std::ostream& log_;
  LinkMonitor monitor_;

  mutable std::mutex mutex_;  // everything below, and the log
  std::condition_variable wake_;
  std::deque<Queued> queue_;
  std::uint64_t queued_bytes_ = 0;
  bool input_done_ = false;
  std::uint64_t drain_deadline_ms_ = 0;
  BridgeCounters counters_;
};

/// Milliseconds on the monotonic clock (the port's).
std::uint64_t now_ms();

}  // namespace tracelet::bridge
