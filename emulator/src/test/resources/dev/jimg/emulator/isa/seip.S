# A supervisor external interrupt from the UART through the PLIC: SEIP in mip follows the line,
# and a read-modify-write of mip in between (OpenSBI clears STIP with csrc) must not latch it,
# because CSRRS/CSRRC modify only the software-written SEIP (Privileged ISA 1.12, section 3.1.9).
# (Not compared with QEMU 7.2, whose rmw_mip64 latches the external value here.)
.include "macros.S"
.text
.globl main
main:
  addi sp, sp, -16
  sd ra, 0(sp)
  # UART transmitter-empty interrupt (PLIC source 10) to the S-mode context.
  li t0, 0x0c000000 + 4 * 10
  li t1, 1
  sw t1, 0(t0)
  li t0, 0x0c002080
  li t1, 1 << 10
  sw t1, 0(t0)
  li t0, UART + 1
  li t1, 2
  sb t1, 0(t0)
  csrr t2, mip
  andi t2, t2, 1 << 9
  CHECK t2, 1 << 9
  li t0, 1 << 5
  csrc mip, t0
  li t0, UART + 1
  sb zero, 0(t0)
  csrr t2, mip
  andi t2, t2, 1 << 9
  CHECK t2, 0
  # Software may still set SEIP itself.
  li t0, 1 << 9
  csrs mip, t0
  csrr t2, mip
  andi t2, t2, 1 << 9
  CHECK t2, 1 << 9
  csrc mip, t0
  ld ra, 0(sp)
  addi sp, sp, 16
  ret
