/* lwIP's compiler/platform header for tracelet's bare-metal lwIP port (GCC or Clang, 32-bit
 * little-endian ARM). lwIP includes it through lwip/arch.h. */
#ifndef TRACELET_LWIP_ARCH_CC_H
#define TRACELET_LWIP_ARCH_CC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
/* port/lwip/lwip_sys.cpp: an lwIP assertion is a broken contract (tracelet's panic hook). */
void tracelet_lwip_assert(const char* message, const char* file, int line);
/* port/lwip/lwip_sys.cpp: random numbers for TCP initial sequence numbers and local ports. */
uint32_t tracelet_lwip_rand(void);
#ifdef __cplusplus
}
#endif

/* Diagnostics are off (LWIP_DEBUG unset); a board that wants them redefines this in
 * lwipopts.h-included code. */
#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) tracelet_lwip_assert((x), __FILE__, __LINE__)
#define LWIP_RAND() tracelet_lwip_rand()

/* newlib has no <sys/time.h> timeval clash to avoid and errno is not needed (no sockets). */
#define LWIP_TIMEVAL_PRIVATE 0

#endif /* TRACELET_LWIP_ARCH_CC_H */
