#pragma once
// tracelet limits for a Raspberry Pi (2 and later; Linux, aarch64 or armhf). Memory is not
// scarce there, so spans may carry as much as a server-side SDK's typical defaults allow;
// the ring itself is sized at run time by the application (Options::ring_memory).

#define TRACELET_MAX_ATTRIBUTES 32        // per span
#define TRACELET_MAX_EVENTS 16            // per span
#define TRACELET_MAX_EVENT_ATTRIBUTES 8   // per event
#define TRACELET_MAX_STRING_BYTES 128     // names, keys and string values
#define TRACELET_SPAN_DATA_BYTES 1024     // bytes per live Span on the caller's stack
#define TRACELET_RESOURCE_BYTES 1024      // resource attributes copied at init
#define TRACELET_MAX_RESOURCE_ATTRIBUTES 32
