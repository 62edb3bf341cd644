#pragma once
// tracelet limits for MPS2-AN386 (QEMU's Cortex-M4 board): small, like a real MCU with tens of
// KiB of RAM for tracing. Picked up through TRACELET_CONFIG_FILE (see board.cmake).

#define TRACELET_MAX_ATTRIBUTES 8          // per span
#define TRACELET_MAX_EVENTS 4              // per span
#define TRACELET_MAX_EVENT_ATTRIBUTES 4    // per event
#define TRACELET_MAX_STRING_BYTES 32       // names, keys and string values
#define TRACELET_MAX_EVENT_STRING_BYTES 128  // event values: exception.message, 2-3 stack frames
#define TRACELET_MAX_STATUS_MESSAGE_BYTES 48 // reserved per live Span for the error status text
#define TRACELET_SPAN_DATA_BYTES 320       // bytes per live Span on the caller's stack: a name, a
                                           // few attributes and one exception with a short trace
#define TRACELET_RESOURCE_BYTES 256        // resource attributes copied at init
#define TRACELET_MAX_RESOURCE_ATTRIBUTES 8
#define TRACELET_EXPORT_SIZE_CACHE 64      // an exporter's batch sizes kept between passes (128 B)
#define TRACELET_RING_LINE_BYTES 32        // no data cache: the ring's control block needs no 64-byte lines
#define TRACELET_HTTP_SEND_BUFFER_BYTES 512 // on the exporting task's stack: small records suit a small task

// port/cortex_m options (see port/cortex_m/tracelet_cortex_m.h).
// The board's startup sets AIRCR.PRIGROUP so that 3 bits preempt (8 group priorities).
#define TRACELET_CORTEX_M_PRIORITY_BITS 3
// QEMU's MPS2 has no TRNG: ids are seeded from SysTick jitter. NOT secure; fine for trace ids
// in an emulator, never for keys.
#define TRACELET_CORTEX_M_WEAK_ENTROPY 1
