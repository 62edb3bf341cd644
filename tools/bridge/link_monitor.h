#pragma once
#include <cstdint>
#include <set>

namespace tracelet::bridge {

/// Follows the frame sequence numbers of one device to tell lost frames from harmless damage.
/// The device numbers frames from 0 and repeats a number when it re-sends a batch whose frame
/// broke on the link, so: a damaged copy followed by an intact one with the same number is a
/// recovery; a number skipped is a frame lost; a number going back means the device restarted.
class LinkMonitor {
 public:
  enum class Verdict : std::uint8_t {
    kFirst,      // the first frame seen: its number is the starting point
    kInOrder,    // the expected number
    kGap,        // numbers were skipped: `missing` frames never arrived intact
    kRestart,    // the number went back (device reset): counting starts again here
    kDuplicate,  // the same number and payload as the frame before: a repeat, not forwarded
  };
  struct Result {
    Verdict verdict = Verdict::kInOrder;
    std::uint32_t expected = 0;  // the number that was expected (kGap, kRestart)
    std::uint32_t missing = 0;   // kGap: frames lost before this one
    bool recovered = false;      // a damaged copy of this frame was seen before
  };

  /// An intact frame arrived (`payload_crc` tells repeats apart from a restart).
  Result on_good(std::uint32_t sequence, std::uint32_t payload_crc);
  /// A damaged frame whose header (and so its number) was intact.
  void on_bad(std::uint32_t sequence);
  /// The input ended: damaged frames never followed by an intact copy are lost. Returns how
  /// many; they are added to lost().
  std::uint32_t finish();

  std::uint64_t lost() const { return lost_; }
  std::uint64_t recovered() const { return recovered_; }
  std::uint64_t restarts() const { return restarts_; }
  std::uint64_t duplicates() const { return duplicates_; }

 private:
  static bool ahead(std::uint32_t a, std::uint32_t b) {  // a >= b in wrapping arithmetic
    return static_cast<std::uint32_t>(a - b) < 0x80000000u;
  }
  void forget_pending_before(std::uint32_t sequence);

  bool started_ = false;
  bool have_last_ = false;
  std::uint32_t expected_ = 0;
  std::uint32_t last_sequence_ = 0;
  std::uint32_t last_crc_ = 0;
  std::set<std::uint32_t> pending_bad_;  // damaged, not yet seen intact (all >= expected_)
  std::uint64_t lost_ = 0;
  std::uint64_t recovered_ = 0;
  std::uint64_t restarts_ = 0;
  std::uint64_t duplicates_ = 0;
};

}  // namespace tracelet::bridge
