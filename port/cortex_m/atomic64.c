/* 64-bit atomic operations for ARMv7-M, which has no 64-bit exclusive load/store: GCC emits
 * calls to these __atomic_*_8 functions (normally from libatomic, which arm-none-eabi
 * toolchains do not ship) for std::atomic<std::uint64_t>. Each runs with interrupts masked
 * (PRIMASK saved and restored), which makes it atomic on a single-core MCU against threads and
 * every interrupt handler except NMI and HardFault. The memory-order argument is satisfied by
 * the masked section plus the compiler barriers ("memory" clobbers). C, not C++: these are
 * GCC's libcall ABI and the compiler knows their prototypes as builtins. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t mask_interrupts(void) {
  uint32_t primask;
  __asm__ volatile("mrs %0, primask\n cpsid i" : "=r"(primask) : : "memory");
  return primask;
}

static inline void restore_interrupts(uint32_t primask) {
  __asm__ volatile("msr primask, %0" : : "r"(primask) : "memory");
}

uint64_t __atomic_load_8(const volatile void* ptr, int order) {
  (void)order;
  uint32_t saved = mask_interrupts();
  uint64_t value = *(const volatile uint64_t*)ptr;
  restore_interrupts(saved);
  return value;
}

void __atomic_store_8(volatile void* ptr, uint64_t value, int order) {
  (void)order;
  uint32_t saved = mask_interrupts();
  *(volatile uint64_t*)ptr = value;
  restore_interrupts(saved);
}

uint64_t __atomic_exchange_8(volatile void* ptr, uint64_t value, int order) {
  (void)order;
  uint32_t saved = mask_interrupts();
  uint64_t old = *(volatile uint64_t*)ptr;
  *(volatile uint64_t*)ptr = value;
  restore_interrupts(saved);
  return old;
}

bool __atomic_compare_exchange_8(volatile void* ptr, void* expected, uint64_t desired,
                                 bool weak, int success_order, int failure_order) {
  (void)weak;
  (void)success_order;
  (void)failure_order;
  uint32_t saved = mask_interrupts();
  uint64_t current = *(volatile uint64_t*)ptr;
  uint64_t want;
  memcpy(&want, expected, sizeof want);
  bool equal = current == want;
  if (equal) {
    *(volatile uint64_t*)ptr = desired;
  } else {
    memcpy(expected, &current, sizeof current);
  }
  restore_interrupts(saved);
  return equal;
}

#define TRACELET_FETCH_OP(name, op)                                        \
  uint64_t __atomic_fetch_##name##_8(volatile void* ptr, uint64_t value, int order) { \
    (void)order;                                                           \
    uint32_t saved = mask_interrupts();                                    \
    uint64_t old = *(volatile uint64_t*)ptr;                               \
    *(volatile uint64_t*)ptr = old op value;                               \
    restore_interrupts(saved);                                             \
    return old;                                                            \
  }
TRACELET_FETCH_OP(add, +)
TRACELET_FETCH_OP(sub, -)
TRACELET_FETCH_OP(and, &)
TRACELET_FETCH_OP(or, |)
TRACELET_FETCH_OP(xor, ^)
#undef TRACELET_FETCH_OP
