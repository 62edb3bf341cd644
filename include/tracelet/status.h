#pragma once
#include <cstddef>
#include <cstdint>

namespace tracelet {

/// Result of every fallible tracelet call. Zero is success; failures are negative so
/// transports can return "bytes moved or a negative Status" in one std::int32_t.
enum class [[nodiscard]] Status : std::int8_t {
  kOk = 0,
  kInvalidArgument = -1,     // a required argument was missing or malformed
  kFailedPrecondition = -2,  // called in the wrong state (e.g. before init)
  kResourceExhausted = -3,   // a fixed-size buffer or limit was full
  kUnavailable = -4,         // nothing to read, or the peer cannot be reached now
  kDataLoss = -5,            // bytes were corrupt or could not be written whole
  kTimeout = -6,             // the operation did not finish in the allowed time
};

/// Short fixed name of a status ("ok", "invalid-argument", ...), for logs.
/// ISR-safe: yes. Blocks: never. Allocates: never.
const char* to_string(Status status) noexcept;

/// Caller-owned bytes: a pointer and a length, nothing more.
struct ByteSpan {
  std::uint8_t* data = nullptr;
  std::size_t size = 0;
};

}  // namespace tracelet
