#include "tracelet/status.h"

namespace tracelet {

const char* to_string(Status status) noexcept {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kInvalidArgument: return "invalid-argument";
    case Status::kFailedPrecondition: return "failed-precondition";
    case Status::kResourceExhausted: return "resource-exhausted";
    case Status::kUnavailable: return "unavailable";
    case Status::kDataLoss: return "data-loss";
    case Status::kTimeout: return "timeout";
  }
  return "unknown-status";
}

}  // namespace tracelet
