# Shared by the bare-metal test programs: output over the UART, a trap handler that reports and
# skips the faulting instruction, self-checks, and the exits through the SiFive test finisher.
#
# A program defines `main` (entered in M-mode with a stack, mtvec set, PMP open for all modes) and
# returns from it to pass. Registers s0-s11, gp, tp are preserved by every helper; `t` registers
# and `a` registers are not.
.include "macros.S"

.section .text.start
.globl _start
_start:
  la sp, stack_top
  la t0, trap_handler
  csrw mtvec, t0
  la t0, trap_scratch
  csrw mscratch, t0
  # PMP entry 0: everything, RWX, so that S and U may run (QEMU refuses mret to them otherwise).
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f
  csrw pmpcfg0, t0
  call main
  j pass

.text
.globl pass
pass:
  li t0, FINISHER
  li t1, 0x5555
  sw t1, 0(t0)
1: j 1b

# a0 = failure code (the check number).
.globl fail
fail:
  mv s11, a0
  la a0, fail_msg
  call puts
  PUTHEX s11
  li t0, FINISHER
  slli t1, s11, 16
  li t2, 0x3333
  or t1, t1, t2
  sw t1, 0(t0)
1: j 1b

.globl putc
putc:
  li t0, UART
  sb a0, 0(t0)
  ret

# a0 = NUL-terminated string.
.globl puts
puts:
  li t0, UART
1: lbu t1, 0(a0)
  beqz t1, 2f
  sb t1, 0(t0)
  addi a0, a0, 1
  j 1b
2: ret

.globl puthex
puthex:
  li t0, UART
  li t1, 60
1: srl t2, a0, t1
  andi t2, t2, 15
  addi t2, t2, 48
  li t3, 58
  blt t2, t3, 2f
  addi t2, t2, 39
2: sb t2, 0(t0)
  addi t1, t1, -4
  bgez t1, 1b
  li t2, 10
  sb t2, 0(t0)
  ret

# a0 = name, a1 = value: prints "name=value".
.globl putnamed
putnamed:
  addi sp, sp, -16
  sd ra, 0(sp)
  sd a1, 8(sp)
  call puts
  li a0, '='
  call putc
  ld a0, 8(sp)
  call puthex
  ld ra, 0(sp)
  addi sp, sp, 16
  ret

# Machine trap handler: prints "trap", mcause and mtval, skips the instruction for exceptions
# (2 or 4 bytes; after a fetch fault it returns to ra instead), returns to the interrupted mode.
# An ECALL with a7 = 93 instead continues in M-mode at the address in a0. Interrupts call
# `irq_hook` (a program may define it; the default disables the interrupt source in mie).
.align 2
trap_handler:
  csrrw t6, mscratch, t6
  sd ra, 0(t6)
  sd t0, 8(t6)
  sd t1, 16(t6)
  sd t2, 24(t6)
  sd t3, 32(t6)
  sd a0, 40(t6)
  sd a1, 48(t6)
  sd sp, 56(t6)
  la sp, trap_stack_top
  csrr t0, mscratch
  sd t0, 64(t6)
  csrr t0, mcause
  bltz t0, 3f
  la a0, trap_msg
  call puts
  csrr a0, mcause
  call puthex
  csrr a0, mtval
  call puthex
  # ECALL (causes 8, 9, 11) with a7 = 93: continue in M-mode at a0.
  li t0, 93
  bne a7, t0, 7f
  csrr t0, mcause
  addi t0, t0, -8
  li t1, 3
  bgeu t0, t1, 7f
  ld t0, 40(t6)
  csrw mepc, t0
  li t0, 0x1800
  csrs mstatus, t0
  j 6f
7:
  # Skip the faulting instruction: 2 bytes if compressed.
  csrr t0, mepc
  # The instruction may be unreadable (fetch fault): then return to the address in ra.
  csrr t1, mcause
  li t2, 1
  beq t1, t2, 5f
  li t2, 12
  beq t1, t2, 5f
  lhu t1, 0(t0)
  andi t1, t1, 3
  li t2, 3
  addi t0, t0, 2
  bne t1, t2, 4f
  addi t0, t0, 2
4: csrw mepc, t0
  j 6f
5: ld t0, 0(t6)
  csrw mepc, t0
  j 6f
3: la a0, irq_msg
  call puts
  csrr a0, mcause
  call puthex
  call irq_hook
6: ld t0, 64(t6)
  csrw mscratch, t0
  ld ra, 0(t6)
  ld t0, 8(t6)
  ld t1, 16(t6)
  ld t2, 24(t6)
  ld t3, 32(t6)
  ld a0, 40(t6)
  ld a1, 48(t6)
  ld sp, 56(t6)
  csrrw t6, mscratch, t6
  mret

.weak irq_hook
irq_hook:
  csrr t0, mcause
  slli t0, t0, 1
  srli t0, t0, 1
  li t1, 1
  sll t1, t1, t0
  csrc mie, t1
  ret

.section .rodata
fail_msg: .asciz "FAIL "
trap_msg: .asciz "trap\n"
irq_msg: .asciz "irq\n"

.section .bss
.align 4
trap_scratch: .space 128
.space 4096
trap_stack_top:
.space 8192
stack_top:
