# RV64I register-register and register-immediate arithmetic, shifts, compares, LUI/AUIPC.
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

  add t0, s0, s2
  CHECK t0, 0x7ffffffffffffffe
  add t0, s0, s0
  CHECK t0, -2
  sub t0, s1, s2
  CHECK t0, 0x8000000000000001
  addi t0, s2, -2048
  CHECK t0, -2049
  addi t0, zero, 2047
  CHECK t0, 2047
  addiw t0, s0, 1
  CHECK t0, 0
  addw t0, s3, s3
  CHECK t0, 0x3579bde0
  subw t0, zero, s2
  CHECK t0, 1
  li t1, 0x7fffffff
  addiw t0, t1, 1
  CHECK t0, -0x80000000

  and t0, s3, s2
  CHECK t0, 0x123456789abcdef0
  andi t0, s3, -16
  CHECK t0, 0x123456789abcdef0
  andi t0, s3, 0x0ff
  CHECK t0, 0xf0
  or t0, s0, s1
  CHECK t0, -1
  ori t0, zero, -1
  CHECK t0, -1
  xor t0, s3, s2
  CHECK t0, 0xedcba9876543210f
  xori t0, s3, -1
  CHECK t0, 0xedcba9876543210f

  slli t0, s2, 63
  CHECK t0, 0x8000000000000000
  srli t0, s1, 63
  CHECK t0, 1
  srai t0, s1, 63
  CHECK t0, -1
  li t1, 68
  sll t0, s3, t1
  CHECK t0, 0x23456789abcdef00
  srl t0, s3, t1
  CHECK t0, 0x0123456789abcdef
  sra t0, s1, t1
  CHECK t0, 0xf800000000000000
  slliw t0, s3, 4
  CHECK t0, -0x54321100
  srliw t0, s2, 1
  CHECK t0, 0x7fffffff
  sraiw t0, s1, 1
  CHECK t0, 0
  li t1, 33
  sllw t0, s2, t1
  CHECK t0, -2
  srlw t0, s2, t1
  CHECK t0, 0x7fffffff
  sraw t0, s2, t1
  CHECK t0, -1

  slt t0, s1, s0
  CHECK t0, 1
  sltu t0, s1, s0
  CHECK t0, 0
  slti t0, s2, 0
  CHECK t0, 1
  sltiu t0, s2, -1
  CHECK t0, 0
  sltiu t0, zero, 1
  CHECK t0, 1
  sltu t0, zero, s2
  CHECK t0, 1

  lui t0, 0xfffff
  CHECK t0, -4096
  lui t0, 0x80000
  CHECK t0, 0xffffffff80000000
1: auipc t0, 0
  la t1, 1b
  sub t0, t0, t1
  CHECK t0, 0

  # Writes to x0 are lost.
  addi zero, zero, 5
  CHECK zero, 0

  DUMP add, s3
  ld ra, 0(sp)
  addi sp, sp, 16
  ret
