# Interrupts: a machine software interrupt through the CLINT's msip, a machine timer interrupt
# after WFI, the global enable (MIE) holding a pending interrupt back, and a supervisor software
# interrupt delegated to an S-mode handler.
.include "macros.S"
.text
.globl main
main:
  addi sp, sp, -16
  sd ra, 0(sp)
  # Software interrupt: pending while MIE is clear, taken as soon as MIE is set.
  li t0, 1 << 3
  csrs mie, t0
  li t1, CLINT_MSIP
  li t0, 1
  sw t0, 0(t1)
  csrr t2, mip
  andi t2, t2, 1 << 3
  CHECK t2, 1 << 3
  PUTC 'a'
  PUTC '\n'
  csrsi mstatus, 8
  PUTC 'b'
  PUTC '\n'
  csrci mstatus, 8
  li t1, CLINT_MSIP
  sw zero, 0(t1)

  # Timer interrupt, waited for with WFI (MIE clear: WFI still wakes, no trap).
  li t1, CLINT_MTIME
  ld t2, 0(t1)
  addi t2, t2, 1000
  li t1, CLINT_MTIMECMP
  sd t2, 0(t1)
  li t0, 1 << 7
  csrs mie, t0
1: wfi
  csrr t2, mip
  andi t2, t2, 1 << 7
  beqz t2, 1b
  PUTC 'c'
  PUTC '\n'
  csrsi mstatus, 8
  PUTC 'd'
  PUTC '\n'
  csrci mstatus, 8
  li t1, CLINT_MTIMECMP
  li t0, -1
  sd t0, 0(t1)
  csrr t2, mip
  andi t2, t2, 1 << 7
  CHECK t2, 0

  # Supervisor software interrupt, delegated.
  la t0, s_handler
  csrw stvec, t0
  li t0, 1 << 1
  csrw mideleg, t0
  csrs mie, t0
  li t0, 0x1800
  csrc mstatus, t0
  li t0, 0x0800
  csrs mstatus, t0
  la t0, in_s
  csrw mepc, t0
  mret
in_s:
  csrsi sstatus, 2
  csrsi sip, 2
  PUTC 'e'
  PUTC '\n'
  la a0, done
  li a7, 93
  ecall
done:
  csrw mideleg, zero
  csrw mie, zero
  ld ra, 0(sp)
  addi sp, sp, 16
  ret

.align 2
s_handler:
  csrr t1, scause
  DUMP scause, t1
  csrci sip, 2
  sret
