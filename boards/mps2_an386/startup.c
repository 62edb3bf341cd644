/* Reset and exception entry for MPS2-AN386 (Cortex-M4F): vector table, FPU enable, .data/.bss
 * set-up and C/C++ runtime start. C rather than C++ because it calls main(). */
#include <stdint.h>
#include <stdlib.h>

/* Linker-script symbols (mps2_an386.ld). */
extern uint32_t __stack_top;
extern uint32_t __data_start__, __data_end__, __data_load__;
extern uint32_t __bss_start__, __bss_end__;

/* newlib: stdio over semihosting (librdimon) and the C++ constructor list. */
void initialise_monitor_handles(void);
void __libc_init_array(void);
int main(void);

/* board.cpp */
void board_irq_dispatch(void);
void board_report_fault(const uint32_t* frame);

void Reset_Handler(void);
void board_start(void);
void board_default_handler(void);

/* Handlers a port or application may define; otherwise they report a fault and exit. */
void NMI_Handler(void) __attribute__((weak, alias("board_default_handler")));
void HardFault_Handler(void) __attribute__((weak, alias("board_default_handler")));
void MemManage_Handler(void) __attribute__((weak, alias("board_default_handler")));
void BusFault_Handler(void) __attribute__((weak, alias("board_default_handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("board_default_handler")));
void SVC_Handler(void) __attribute__((weak, alias("board_default_handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("board_default_handler")));
void PendSV_Handler(void) __attribute__((weak, alias("board_default_handler")));
void SysTick_Handler(void) __attribute__((weak, alias("board_default_handler")));

typedef void (*Handler)(void);
/* A vector-table word: the initial stack pointer (word 0) or a handler address. */
typedef union {
  Handler handler;
  uint32_t* stack;
} Vector;

/* The core loads SP from word 0 and the reset PC from word 1. The 32 external interrupts all
 * go to one dispatcher, which calls the handler installed with board::set_irq_handler(). */
__attribute__((section(".isr_vector"), used)) const Vector board_vector_table[16 + 32] = {
    {.stack = &__stack_top},
    {Reset_Handler},
    {NMI_Handler},
    {HardFault_Handler},
    {MemManage_Handler},
    {BusFault_Handler},
    {UsageFault_Handler},
    {0}, {0}, {0}, {0},
    {SVC_Handler},
    {DebugMon_Handler},
    {0},
    {PendSV_Handler},
    {SysTick_Handler},
    {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch},
    {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch},
    {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch},
    {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch},
    {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch},
    {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch},
    {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch},
    {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch}, {board_irq_dispatch},
};

/* Hard-float code may use FPU registers anywhere (even in memcpy), so the FPU is switched on
 * before any compiled code runs: this entry is plain assembly. CPACR (0xE000ED88) bits 20-23
 * grant full access to CP10/CP11; DSB+ISB make the change visible to the next instruction. */
__attribute__((naked, noreturn)) void Reset_Handler(void) {
  __asm__ volatile(
      "ldr r0, =0xE000ED88\n"
      "ldr r1, [r0]\n"
      "orr r1, r1, #(0xF << 20)\n"
      "str r1, [r0]\n"
      "dsb\n"
      "isb\n"
      "b board_start\n");
}

/* The toolchain's start files (crti/crtbegin/crtend/crtn) normally supply these; this image
 * links without them (it has its own reset code). _init/_fini run around the constructor and
 * destructor lists and have nothing to do here; __dso_handle identifies this image to
 * __cxa_atexit, which registers destructors of C++ globals. */
void _init(void) {}
void _fini(void) {}
void* __dso_handle = 0;

__attribute__((noreturn, used)) void board_start(void) {
  /* .data from its load image; .bss zeroed. .noinit is deliberately left alone. */
  const uint32_t* from = &__data_load__;
  for (uint32_t* to = &__data_start__; to < &__data_end__;) *to++ = *from++;
  for (uint32_t* to = &__bss_start__; to < &__bss_end__;) *to++ = 0;
  /* AIRCR.PRIGROUP = 4: priority bits 7..5 preempt, the rest are sub-priority. QEMU implements
   * all 8 bits; this keeps 8 nesting levels as on typical silicon (see tracelet_config.h). */
  *(volatile uint32_t*)0xE000ED0Cu = 0x05FA0000u | (4u << 8);
  initialise_monitor_handles();
  __libc_init_array();
  exit(main());
}

/* Any exception nobody handles is a bug in the firmware: report it (with the stacked frame of
 * the interrupted code, from MSP or PSP as EXC_RETURN says) and fail the run. */
__attribute__((naked)) void board_default_handler(void) {
  __asm__ volatile(
      "tst lr, #4\n"
      "ite eq\n"
      "mrseq r0, msp\n"
      "mrsne r0, psp\n"
      "b board_report_fault\n");
}
