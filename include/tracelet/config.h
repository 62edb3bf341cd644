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

#ifndef TRACELET_MAX_ARRAY_ELEMENTS
#define TRACELET_MAX_ARRAY_ELEMENTS 16  // elements per array attribute value; extra elements are cut (the attribute is kept)
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

#ifndef TRACELET_EXPORT_SIZE_CACHE
#define TRACELET_EXPORT_SIZE_CACHE 512  // spans per batch whose OTLP size an exporter keeps (2 B each) between sizing and writing; spans past it are sized twice
#endif

#ifndef TRACELET_HTTP_SEND_BUFFER_BYTES
#define TRACELET_HTTP_SEND_BUFFER_BYTES 4096  // bytes an HTTP request is gathered into (on the sending thread's stack) before each transport send: one TLS record and one socket write each, so larger means fewer of both
#endif

#ifndef TRACELET_RING_LINE_BYTES
#define TRACELET_RING_LINE_BYTES 64  // spacing of the ring's control words in ring memory (the cache line; 32 on cores without a data cache saves ring bytes)
#endif

#ifndef TRACELET_RING_LANES
#define TRACELET_RING_LANES 4  // most lanes a ring is split into where 64-bit atomics are lock-free (threads claim in lanes of their own); MCUs always use one
#endif

#ifndef TRACELET_RING_LANE_MIN_BYTES
#define TRACELET_RING_LANE_MIN_BYTES 16384  // a ring is split only into lanes at least this large
#endif

#ifndef TRACELET_MAX_LOG_BODY_BYTES
#define TRACELET_MAX_LOG_BODY_BYTES 200  // body of a log record (tracelet::log); longer ones are cut at a UTF-8 boundary
#endif

#ifndef TRACELET_LOG_RECORD_BYTES
#define TRACELET_LOG_RECORD_BYTES 512  // bytes on the caller's stack for one log record's body and attributes; attributes that do not fit are dropped and counted
#endif

static_assert(TRACELET_RING_LANES >= 1 && TRACELET_RING_LANES <= 64, "TRACELET_RING_LANES: 1..64.");
static_assert(TRACELET_RING_LINE_BYTES >= 32 && TRACELET_RING_LINE_BYTES % 8 == 0,
              "TRACELET_RING_LINE_BYTES: a multiple of 8, at least 32.");
static_assert(TRACELET_EXPORT_SIZE_CACHE <= 65535,
              "TRACELET_EXPORT_SIZE_CACHE: 0..65535 spans (0 = size every span twice, no RAM).");
static_assert(TRACELET_HTTP_SEND_BUFFER_BYTES >= 256 && TRACELET_HTTP_SEND_BUFFER_BYTES <= 16384,
              "TRACELET_HTTP_SEND_BUFFER_BYTES: 256..16384 (a TLS record carries at most 16384 bytes).");
static_assert(TRACELET_MAX_LOG_BODY_BYTES >= 8 && TRACELET_MAX_LOG_BODY_BYTES <= 255,
              "TRACELET_MAX_LOG_BODY_BYTES: the body length is stored in one byte; pick 8..255.");
static_assert(TRACELET_LOG_RECORD_BYTES >= TRACELET_MAX_LOG_BODY_BYTES + 1 &&
                  TRACELET_LOG_RECORD_BYTES <= 16384,
              "TRACELET_LOG_RECORD_BYTES must hold the body (TRACELET_MAX_LOG_BODY_BYTES + 1) and at most 16384.");
static_assert(TRACELET_ENABLED == 0 || TRACELET_ENABLED == 1, "TRACELET_ENABLED must be 0 or 1.");
static_assert(TRACELET_MAX_ATTRIBUTES >= 1 && TRACELET_MAX_ATTRIBUTES <= 255,
              "TRACELET_MAX_ATTRIBUTES is stored in one byte: pick 1..255.");
static_assert(TRACELET_MAX_EVENTS <= 255, "TRACELET_MAX_EVENTS is stored in one byte: pick 0..255.");
static_assert(TRACELET_MAX_EVENT_ATTRIBUTES <= 255,
              "TRACELET_MAX_EVENT_ATTRIBUTES is stored in one byte: pick 0..255.");
static_assert(TRACELET_MAX_LINKS <= 255, "TRACELET_MAX_LINKS is stored in one byte: pick 0..255.");
static_assert(TRACELET_MAX_LINK_ATTRIBUTES <= 255,
              "TRACELET_MAX_LINK_ATTRIBUTES is stored in one byte: pick 0..255.");
static_assert(TRACELET_MAX_ARRAY_ELEMENTS >= 1 && TRACELET_MAX_ARRAY_ELEMENTS <= 255,
              "TRACELET_MAX_ARRAY_ELEMENTS is stored in one byte: pick 1..255.");
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

// ---- W3C Baggage (include/tracelet/baggage.h) ----
#ifndef TRACELET_BAGGAGE_MAX_ENTRIES
#define TRACELET_BAGGAGE_MAX_ENTRIES 16  // list-members kept per Baggage (the spec's most is 64); extra members of a header are dropped and counted, set() on a full Baggage fails
#endif

#ifndef TRACELET_BAGGAGE_BYTES
#define TRACELET_BAGGAGE_BYTES 512  // bytes of the `baggage` header a Baggage can hold and send (the spec's most is 8192); members past it are dropped whole and counted, never cut
#endif

static_assert(TRACELET_BAGGAGE_MAX_ENTRIES >= 1 && TRACELET_BAGGAGE_MAX_ENTRIES <= 64,
              "TRACELET_BAGGAGE_MAX_ENTRIES must be 1..64 (W3C Baggage allows at most 64 list-members).");
static_assert(TRACELET_BAGGAGE_BYTES >= 32 && TRACELET_BAGGAGE_BYTES <= 8192,
              "TRACELET_BAGGAGE_BYTES must be 32..8192 (W3C Baggage allows at most 8192 bytes per header).");
