#pragma once
#include "tracelet/port.h"

// Checks only programmer errors (a broken API contract), never runtime conditions such as a
// full ring or a failed send: those are counted outcomes.
#ifndef TRACELET_ASSERT
#define TRACELET_ASSERT(cond) \
  ((cond) ? static_cast<void>(0) : ::tracelet::port::panic(__FILE__, __LINE__))
#endif
