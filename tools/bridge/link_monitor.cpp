#include "link_monitor.h"

namespace tracelet::bridge {

void LinkMonitor::forget_pending_before(std::uint32_t sequence) {
  for (auto it = pending_bad_.begin(); it != pending_bad_.end();) {
    if (!ahead(*it, sequence)) {
      it = pending_bad_.erase(it);
    } else {
      ++it;
    }
  }
}

LinkMonitor::Result LinkMonitor::on_good(std::uint32_t sequence, std::uint32_t payload_crc) {
  Result result;
  result.expected = expected_;
  if (!started_) {
    started_ = true;
    expected_ = sequence;
    result.verdict = Verdict::kFirst;
  } else if (sequence == expected_) {
    result.verdict = Verdict::kInOrder;
  } else if (ahead(sequence, expected_)) {
    result.verdict = Verdict::kGap;
    result.missing = sequence - expected_;
    lost_ += result.missing;
    // Damaged copies of the skipped numbers are part of that count, not extra losses.
    forget_pending_before(sequence);
  } else if (have_last_ && sequence == last_sequence_ && payload_crc == last_crc_) {
    result.verdict = Verdict::kDuplicate;
    ++duplicates_;
    return result;
  } else {
    result.verdict = Verdict::kRestart;
    ++restarts_;
    // Damaged frames of the previous run that never came again are lost.
    lost_ += pending_bad_.size();
    pending_bad_.clear();
  }
  if (pending_bad_.erase(sequence) != 0) {
    result.recovered = true;
    ++recovered_;
  }
  expected_ = sequence + 1;
  have_last_ = true;
  last_sequence_ = sequence;
  last_crc_ = payload_crc;
  return result;
}

void LinkMonitor::on_bad(std::uint32_t sequence) {
  if (!started_) {
    started_ = true;
    expected_ = sequence;
  }
  // A damaged copy of a frame already delivered is harmless; anything newer must still come.
  if (ahead(sequence, expected_)) pending_bad_.insert(sequence);
}

std::uint32_t LinkMonitor::finish() {
  const auto lost = static_cast<std::uint32_t>(pending_bad_.size());
  lost_ += lost;
  pending_bad_.clear();
  return lost;
}

}  // namespace tracelet::bridge
