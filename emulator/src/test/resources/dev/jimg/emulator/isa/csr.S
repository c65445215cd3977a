# (Not compared with QEMU: its CPU has the H extension, which changes misa and the delegation
# masks.)
# Zicsr: the six CSR instructions and their x0/immediate-zero rules, machine information CSRs,
# WARL fields of mstatus and mtvec, delegation masks, counters, and the illegal accesses
# (unknown CSR, write to a read-only CSR), which trap with the instruction bits in mtval.
.include "macros.S"
.text
.globl main
main:
  addi sp, sp, -16
  sd ra, 0(sp)
  # The trap handler keeps its save area in mscratch: put it back afterwards.
  csrr s1, mscratch
  li t0, 0x1234
  csrw mscratch, t0
  csrrs t1, mscratch, zero
  CHECK t1, 0x1234
  li t2, 0xf
  csrrs t1, mscratch, t2
  CHECK t1, 0x1234
  csrr t1, mscratch
  CHECK t1, 0x123f
  csrrc t1, mscratch, t2
  csrr t1, mscratch
  CHECK t1, 0x1230
  csrrwi t1, mscratch, 21
  CHECK t1, 0x1230
  csrrsi t1, mscratch, 2
  csrrci t1, mscratch, 1
  csrr t1, mscratch
  CHECK t1, 22
  csrrw zero, mscratch, zero
  csrr t1, mscratch
  CHECK t1, 0
  csrw mscratch, s1

  csrr t1, misa
  CHECK t1, 0x800000000014112d
  csrr t1, mhartid
  CHECK t1, 0
  csrr t1, mvendorid
  CHECK t1, 0

  # mstatus: MPP takes M, S, U; the initial UXL/SXL are 64-bit.
  csrr t1, mstatus
  srli t1, t1, 32
  andi t1, t1, 0xf
  CHECK t1, 0xa
  li t0, 0x1800
  csrc mstatus, t0
  li t0, 0x800
  csrs mstatus, t0
  csrr t1, mstatus
  li t2, 0x1800
  and t1, t1, t2
  CHECK t1, 0x800
  li t0, 0x1800
  csrc mstatus, t0

  # mtvec: direct and vectored stay, the reserved modes are ignored.
  csrr s0, mtvec
  la t0, vectors
  ori t0, t0, 1
  csrw mtvec, t0
  csrr t1, mtvec
  sub t1, t1, t0
  CHECK t1, 0
  csrw mtvec, s0

  # Delegation: ECALL from M and the reserved causes are not delegable; only S interrupts are.
  li t0, 0xffff
  csrw medeleg, t0
  csrr t1, medeleg
  CHECK t1, 0xb3ff
  csrw medeleg, zero
  li t0, 0xaaa
  csrw mideleg, t0
  csrr t1, mideleg
  CHECK t1, 0x222
  csrw mideleg, zero

  # Counters run and can be written.
  csrr t1, minstret
  csrr t2, minstret
  sub t1, t2, t1
  CHECK t1, 1
  csrw minstret, zero
  csrr t1, minstret
  li t2, 8
  bgeu t1, t2, bad
  csrr t1, mhpmcounter3
  CHECK t1, 0
  csrr t1, time
  csrr t2, cycle

  # Illegal: a CSR that does not exist, a write to a read-only CSR, fflags with FS off.
  li t1, 5
  csrr t1, 0x7c0
  CHECK t1, 5
  csrw mvendorid, zero
  csrw cycle, zero
  li t0, 0x6000
  csrc mstatus, t0
  csrr t1, fflags
  CHECK t1, 5
  csrs mstatus, t0
  csrr t1, fflags
  CHECK t1, 0
  DUMP misa, s0
  ld ra, 0(sp)
  addi sp, sp, 16
  ret
bad:
  li a0, 999
  j fail
.align 2
vectors:
  j bad
