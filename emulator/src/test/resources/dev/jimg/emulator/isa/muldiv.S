# M extension: products, high products of every signedness, division and remainder including
# division by zero and the signed overflow case.
.include "macros.S"
.text
.globl main
main:
  addi sp, sp, -16
  sd ra, 0(sp)
  li s0, 0x7fffffffffffffff
  li s1, 0x8000000000000000
  li s2, -1
  li s3, 0x123456789abcdef0
  li s4, 7

  mul t0, s3, s4
  CHECK t0, 0x7f6e5d4c3b2a1890
  mulh t0, s1, s1
  CHECK t0, 0x4000000000000000
  mulhu t0, s2, s2
  CHECK t0, 0xfffffffffffffffe
  mulhsu t0, s2, s2
  CHECK t0, -1
  mulhsu t0, s1, s2
  CHECK t0, 0x8000000000000000
  mulh t0, s3, s4
  CHECK t0, 0
  mulw t0, s3, s4
  CHECK t0, 0x3b2a1890
  li t1, 0x10000
  mulw t0, t1, t1
  CHECK t0, 0

  div t0, s3, s4
  CHECK t0, 0x0299c335ccf668fd
  div t0, s1, s2
  CHECK t0, 0x8000000000000000
  rem t0, s1, s2
  CHECK t0, 0
  div t0, s3, zero
  CHECK t0, -1
  rem t0, s3, zero
  CHECK t0, 0x123456789abcdef0
  divu t0, s2, s4
  CHECK t0, 0x2492492492492492
  remu t0, s2, s4
  CHECK t0, 1
  divu t0, s3, zero
  CHECK t0, -1
  remu t0, s3, zero
  CHECK t0, 0x123456789abcdef0
  li t1, -7
  div t0, t1, s4
  CHECK t0, -1
  rem t0, t1, s4
  CHECK t0, 0
  li t1, -9
  rem t0, t1, s4
  CHECK t0, -2

  li t1, 0x80000000
  li t2, -1
  divw t0, t1, t2
  CHECK t0, -0x80000000
  remw t0, t1, t2
  CHECK t0, 0
  divw t0, s3, zero
  CHECK t0, -1
  remw t0, s3, zero
  CHECK t0, -0x65432110
  divuw t0, s2, s4
  CHECK t0, 0x24924924
  remuw t0, s2, s4
  CHECK t0, 3
  divuw t0, s3, zero
  CHECK t0, -1
  remuw t0, s3, zero
  CHECK t0, -0x65432110

  DUMP mulhsu, t0
  ld ra, 0(sp)
  addi sp, sp, 16
  ret
