#pragma once
// Captures what tracelet logs, for tests that check it: a LogSink (include/tracelet/log.h) that
// keeps every line with its level. Header-only, so any test program can use it without linking
// the support library. The lines are guarded by a mutex: an exporter may log from its own thread
// while the test reads.
//
//   test::LogCapture log;
//   config.log = &test::LogCapture::sink;
//   config.log_ctx = &log;
//   ...
//   EXPECT_TRUE(log.contains("answered 503")) << log.all();
#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tracelet/log.h"

namespace tracelet::test {

class LogCapture {
 public:
  struct Line {
    LogLevel level;
    std::string text;
  };

  /// The LogSink: `ctx` is the LogCapture.
  static void sink(void* ctx, LogLevel level, const char* line) {
    auto* self = static_cast<LogCapture*>(ctx);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->lines_.push_back(Line{level, line != nullptr ? line : ""});
  }

  /// A copy of the lines so far, oldest first.
  std::vector<Line> lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }
  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_.size();
  }
  bool empty() const { return size() == 0; }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.clear();
  }

  /// Whether a line (at any level) contains `text`.
  bool contains(const std::string& text) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& l : lines_) {
      if (l.text.find(text) != std::string::npos) return true;
    }
    return false;
  }
  /// Whether a line at exactly `level` contains `text`.
  bool contains(LogLevel level, const std::string& text) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& l : lines_) {
      if (l.level == level && l.text.find(text) != std::string::npos) return true;
    }
    return false;
  }
  /// How many lines are at `level` or above.
  std::size_t count_at_least(LogLevel level) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t n = 0;
    for (const auto& l : lines_) n += l.level >= level ? 1 : 0;
    return n;
  }
  /// Every line, one per text line: for failure messages.
  std::string all() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    for (const auto& l : lines_) out += l.text + "\n";
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Line> lines_;
};

}  // namespace tracelet::test
