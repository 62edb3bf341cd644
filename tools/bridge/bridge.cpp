#include "bridge.h"

#include <algorithm>
#include <thread>

#include "tracelet/port.h"

namespace tracelet::bridge {

std::uint64_t now_ms() { return port::monotonic_ns() / 1000000u; }

void Bridge::log(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  log_ << "tracelet-bridge: " << line << std::endl;
}

void Bridge::count(std::uint64_t BridgeCounters::*counter, std::uint64_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  counters_.*counter += n;
}

BridgeCounters Bridge::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counters_;
}

// ---- reading side ----------------------------------------------------------------------------

void Bridge::enqueue(Queued frame) {
  std::unique_lock<std::mutex> lock(mutex_);
  queued_bytes_ += frame.payload.size();
  queue_.push_back(std::move(frame));
  while (queued_bytes_ > options_.max_queue_bytes && queue_.size() > 1) {
    Queued& oldest = queue_.front();
    log_ << "tracelet-bridge: frame seq=" << oldest.sequence << " bytes=" << oldest.payload.size()
         << ": LOST: the queue for the collector is full (--max-queue-bytes "
         << options_.max_queue_bytes << ")" << std::endl;
    queued_bytes_ -= oldest.payload.size();
    ++counters_.frames_queue_overflow;
    queue_.pop_front();
  }
  lock.unlock();
  wake_.notify_all();
}

void Bridge::handle_events(serial::FrameDecoder& decoder, bool input_ended) {
  serial::FrameEvent event;
  while (decoder.next(event, input_ended)) {
    switch (event.kind) {
      case serial::FrameEvent::Kind::kSkipped: {
        count(&BridgeCounters::bytes_skipped, event.skipped);
        log("skipped " + std::to_string(event.skipped) + " bytes that are not part of an intact frame");
        break;
      }
      case serial::FrameEvent::Kind::kBadFrame: {
        count(&BridgeCounters::frames_damaged);
        monitor_.on_bad(event.header.sequence);
        log("frame seq=" + std::to_string(event.header.sequence) + " (" +
            std::to_string(event.header.length) + " bytes announced): " +
            serial::to_string(event.error) + "; dropped, resynchronising on the next sync marker");
        break;
      }
      case serial::FrameEvent::Kind::kFrame: {
        const std::uint32_t crc = serial::crc32_update(0, event.payload, event.payload_len);
        const LinkMonitor::Result seen = monitor_.on_good(event.header.sequence, crc);
        const std::string tag = "frame seq=" + std::to_string(event.header.sequence) + ": ";
        {
          std::lock_guard<std::mutex> lock(mutex_);
          ++counters_.frames_intact;
          if (seen.recovered) ++counters_.frames_recovered;
          counters_.frames_lost_on_link = monitor_.lost();
          counters_.device_restarts = monitor_.restarts();
        }
        if (seen.verdict == LinkMonitor::Verdict::kGap) {
          log(tag + "sequence gap: " + std::to_string(seen.missing) +
              " frame(s) LOST on the link (expected seq=" + std::to_string(seen.expected) + ")");
        } else if (seen.verdict == LinkMonitor::Verdict::kRestart) {
          log(tag + "sequence went back from " + std::to_string(seen.expected) +
              " (device restarted?); counting again from here");
        } else if (seen.verdict == LinkMonitor::Verdict::kDuplicate) {
          count(&BridgeCounters::frames_duplicate);
          log(tag + "repeat of the previous frame; not forwarded again");
          break;
        }
        Queued frame;
        frame.sequence = event.header.sequence;
        frame.recovered = seen.recovered;
        frame.logs = event.header.type == serial::kTypeOtlpLogs;
        frame.payload.assign(event.payload, event.payload + event.payload_len);
        enqueue(std::move(frame));
        break;
      }
    }
  }
}

int Bridge::run(ByteInput& input, Forwarder& forwarder) {
  std::vector<std::uint8_t> memory(options_.max_frame + serial::kOverheadBytes);
  serial::FrameDecoder decoder;
  if (decoder.attach(ByteSpan{memory.data(), memory.size()}) != Status::kOk) return 1;
  log(std::string("reading ") + options_.input + " (" + input.kind() + "), forwarding to " +
      forwarder.endpoint());
  std::thread sender([this, &forwarder] { forward_loop(forwarder); });

  std::vector<std::uint8_t> chunk(64 * 1024);
  std::uint64_t last_data = now_ms();
  std::string why_end = "end of input";
  while (!stop_.load()) {
    std::size_t got = 0;
    std::string error;
    const ByteInput::Result r = input.read(chunk.data(), chunk.size(), 100, got, error);
    if (r == ByteInput::Result::kData) {
      count(&BridgeCounters::bytes_read, got);
      last_data = now_ms();
      std::size_t at = 0;
      while (at < got) {
        std::size_t took = decoder.feed(chunk.data() + at, got - at);
        at += took;
        handle_events(decoder, false);
        if (took == 0) handle_events(decoder, true);  // a full buffer with no frame: never spin
      }
      continue;
    }
    if (r == ByteInput::Result::kEnd) break;
    if (r == ByteInput::Result::kError) {
      why_end = "input failed: " + error;
      std::lock_guard<std::mutex> lock(mutex_);
      counters_.input_failed = true;
      break;
    }
    const std::uint64_t idle = now_ms() - last_data;
    if (decoder.mid_frame() && idle >= options_.stall_ms) {
      log("input stalled for " + std::to_string(idle) + " ms in the middle of a frame");
      handle_events(decoder, true);
    }
    if (options_.idle_exit_ms != 0 && idle >= options_.idle_exit_ms) {
      why_end = "no input for " + std::to_string(idle) + " ms (--idle-exit-ms)";
      break;
    }
  }
  if (stop_.load()) why_end = "stopped by signal";
  handle_events(decoder, true);
  const std::uint32_t tail_lost = monitor_.finish();
  if (tail_lost != 0) {
    log(std::to_string(tail_lost) + " damaged frame(s) never arrived intact: LOST");
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    counters_.frames_lost_on_link = monitor_.lost();
    input_done_ = true;
    drain_deadline_ms_ = now_ms() + options_.drain_timeout_ms;
    log_ << "tracelet-bridge: " << why_end << "; delivering " << queue_.size()
         << " queued frame(s)" << std::endl;
  }
  wake_.notify_all();
  sender.join();
  forwarder.close();

  const BridgeCounters c = counters();
  log("summary: " + std::to_string(c.bytes_read) + " bytes read, " +
      std::to_string(c.frames_intact) + " intact frames (" + std::to_string(c.frames_forwarded) +
      " forwarded, " + std::to_string(c.frames_duplicate) + " repeats), " +
      std::to_string(c.frames_damaged) + " damaged (" + std::to_string(c.frames_recovered) +
      " recovered by a retry), " + std::to_string(c.bytes_skipped) + " bytes skipped, " +
      std::to_string(c.frames_lost()) + " frames lost (link " + std::to_string(c.frames_lost_on_link) +
      ", refused " + std::to_string(c.frames_refused) + ", gave up " +
      std::to_string(c.frames_gave_up) + ", queue overflow " +
      std::to_string(c.frames_queue_overflow) + ")" +
      (c.device_restarts ? ", " + std::to_string(c.device_restarts) + " device restart(s)" : ""));
  return (c.frames_lost() != 0 || c.input_failed) ? 1 : 0;
}

// ---- forwarding side -------------------------------------------------------------------------

void Bridge::forward_loop(Forwarder& forwarder) {
  for (;;) {
    Queued frame;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return !queue_.empty() || input_done_; });
      if (queue_.empty()) return;
      frame = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= frame.payload.size();
    }
    deliver(forwarder, frame);
  }
}

void Bridge::deliver(Forwarder& forwarder, Queued& frame) {
  const std::string tag = "frame seq=" + std::to_string(frame.sequence) +
                          " bytes=" + std::to_string(frame.payload.size()) + ": ";
  std::uint32_t backoff = options_.initial_backoff_ms;
  for (std::uint32_t attempt = 1;; ++attempt) {
    Forwarder::Outcome out = forwarder.post(frame.payload.data(), frame.payload.size(), frame.logs);
    if (out.kind == Forwarder::Outcome::Kind::kDelivered) {
      count(&BridgeCounters::frames_forwarded);
      log(tag + (frame.logs ? "log records " : "") + "forwarded, HTTP " + std::to_string(out.http_status) + " (attempt " +
          std::to_string(attempt) + ")" + (frame.recovered ? ", recovered after a damaged copy" : "") +
          (out.detail.empty() ? "" : "; " + out.detail));
      return;
    }
    if (out.kind == Forwarder::Outcome::Kind::kRefused) {
      count(&BridgeCounters::frames_refused);
      log(tag + "LOST: the collector refused it (" + out.detail + "); not retryable");
      return;
    }
    std::uint32_t wait = out.retry_after_ms != 0 ? out.retry_after_ms : backoff;
    std::uint64_t deadline = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (input_done_) deadline = drain_deadline_ms_;
    }
    const std::uint64_t now = now_ms();
    const bool out_of_time = deadline != 0 && now + wait > deadline;
    if (attempt >= options_.max_attempts || out_of_time) {
      count(&BridgeCounters::frames_gave_up);
      log(tag + "LOST: gave up after " + std::to_string(attempt) + " attempt(s)" +
          (out_of_time ? " (--drain-timeout-ms)" : "") + "; last: " + out.detail);
      return;
    }
    log(tag + "attempt " + std::to_string(attempt) + " failed (" + out.detail + "); retrying in " +
        std::to_string(wait) + " ms");
    {
      // Sleeps, but not past the drain deadline once the input has ended.
      std::unique_lock<std::mutex> lock(mutex_);
      const std::uint64_t until = now + wait;
      for (;;) {
        const std::uint64_t t = now_ms();
        if (t >= until || (input_done_ && until > drain_deadline_ms_)) break;
        wake_.wait_for(lock, std::chrono::milliseconds(until - t));
      }
    }
    backoff = backoff > options_.max_backoff_ms / 2 ? options_.max_backoff_ms : backoff * 2;
  }
}

}  // namespace tracelet::bridge
