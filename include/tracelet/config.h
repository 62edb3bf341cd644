#pragma once
// Every compile-time limit of tracelet. Override any of them in a header named by
// TRACELET_CONFIG_FILE (e.g. boards/<board>/tracelet_config.h) or with -D.

#ifdef TRACELET_CONFIG_FILE
#include TRACELET_CONFIG_FILE
#endif

#ifndef TRACELET_ENABLED
#define TRACELET_ENABLED 1  // 0 = every span call compiles to nothing (arguments still evaluated)
#endif

#ifndef TRACELET_MAX_ATTRIBUTES
#define TRACELET_MAX_ATTRIBUTES 16  // per span; extras dropped, counted in dropped_attributes_count
#endif

#ifndef TRACELET_MAX_EVENTS
#define TRACELET_MAX_EVENTS 8  // per span; extras dropped, counted in dropped_events_count
#endif

#ifndef TRACELET_MAX_EVENT_ATTRIBUTES
#define TRACELET_MAX_EVENT_ATTRIBUTES 8  // per event; extras dropped and counted per event
#endif

#ifndef TRACELET_MAX_LINKS
#define TRACELET_MAX_LINKS 4  // per span; extras dropped, counted in dropped_links_count
#endif

#ifndef TRACELET_MAX_LINK_ATTRIBUTES
#define TRACELET_MAX_LINK_ATTRIBUTES 4  // per link; extras dropped and counted per link
#endif

#ifndef TRACELET_MAX_STRING_BYTES
#define TRACELET_MAX_STRING_BYTES 64  // names, keys and string values; longer ones are cut at a UTF-8 boundary
#endif

#ifndef TRACELET_MAX_EVENT_STRING_BYTES
#define TRACELET_MAX_EVENT_STRING_BYTES 512  // string values of event attributes (exception.message, exception.stacktrace: 6-8 frames); longer ones are cut at a UTF-8 boundary
#endif

#ifndef TRACELET_MAX_STATUS_MESSAGE_BYTES
#define TRACELET_MAX_STATUS_MESSAGE_BYTES 128  // error status message, in room reserved per live Span (never lost to a full data buffer); longer ones are cut at a UTF-8 boundary
#endif

#ifndef TRACELET_SPAN_DATA_BYTES
#define TRACELET_SPAN_DATA_BYTES 1024  // bytes per live Span (on the caller's stack) for its name, attributes, events; what does not fit is dropped and counted
#endif

#ifndef TRACELET_RESOURCE_BYTES
#define TRACELET_RESOURCE_BYTES 512  // bytes inside the Tracer for resource attributes copied at init
#endif

#ifndef TRACELET_MAX_RESOURCE_ATTRIBUTES
#define TRACELET_MAX_RESOURCE_ATTRIBUTES 24  // resource attributes kept at init; extras dropped and counted
#endif

static_assert(TRACELET_ENABLED == 0 || TRACELET_ENABLED == 1, "TRACELET_ENABLED must be 0 or 1.");
static_assert(TRACELET_MAX_ATTRIBUTES >= 1 && TRACELET_MAX_ATTRIBUTES <= 255,
              "TRACELET_MAX_ATTRIBUTES is stored in one byte: pick 1..255.");
static_assert(TRACELET_MAX_EVENTS <= 255, "TRACELET_MAX_EVENTS is stored in one byte: pick 0..255.");
static_assert(TRACELET_MAX_EVENT_ATTRIBUTES <= 255,
              "TRACELET_MAX_EVENT_ATTRIBUTES is stored in one byte: pick 0..255.");
static_assert(TRACELET_MAX_LINKS <= 255, "TRACELET_MAX_LINKS is stored in one byte: pick 0..255.");
static_assert(TRACELET_MAX_LINK_ATTRIBUTES <= 255,
              "TRACELET_MAX_LINK_ATTRIBUTES is stored in one byte: pick 0..255.");
static_assert(TRACELET_MAX_STRING_BYTES >= 8 && TRACELET_MAX_STRING_BYTES <= 255,
              "TRACELET_MAX_STRING_BYTES is stored in one byte: pick 8..255.");
static_assert(TRACELET_MAX_EVENT_STRING_BYTES >= TRACELET_MAX_STRING_BYTES &&
                  TRACELET_MAX_EVENT_STRING_BYTES <= 32767,
              "TRACELET_MAX_EVENT_STRING_BYTES has a 15-bit length: pick TRACELET_MAX_STRING_BYTES..32767.");
static_assert(TRACELET_MAX_STATUS_MESSAGE_BYTES >= 8 && TRACELET_MAX_STATUS_MESSAGE_BYTES <= 255,
              "TRACELET_MAX_STATUS_MESSAGE_BYTES is stored in one byte: pick 8..255.");
static_assert(TRACELET_SPAN_DATA_BYTES >= 64 && TRACELET_SPAN_DATA_BYTES <= 16384,
              "TRACELET_SPAN_DATA_BYTES must hold at least a name and one attribute (64..16384).");
static_assert(TRACELET_RESOURCE_BYTES >= 64 && TRACELET_RESOURCE_BYTES <= 16384,
              "TRACELET_RESOURCE_BYTES must hold service.name and the SDK attributes (64..16384).");
