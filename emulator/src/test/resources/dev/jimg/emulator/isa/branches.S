# Branches and jumps: every condition both ways, JAL/JALR links, JALR clearing bit 0.
.include "macros.S"
.text
.globl main
main:
  addi sp, sp, -16
  sd ra, 0(sp)
  li s0, -1
  li s1, 1
  li s2, 0
  beq s0, s0, 1f
  j bad
1: bne s0, s1, 1f
  j bad
1: blt s0, s1, 1f
  j bad
1: bge s1, s0, 1f
  j bad
1: bltu s1, s0, 1f
  j bad
1: bgeu s0, s1, 1f
  j bad
1: beq s0, s1, bad
  bne s1, s1, bad
  blt s1, s0, bad
  bge s0, s1, bad
  bltu s0, s1, bad
  bgeu s1, s0, bad
  bge s2, s2, 1f
  j bad
1: bgeu s2, s2, 1f
  j bad
1:
  jal t0, 2f
3: j bad
2: la t1, 3b
  sub t0, t0, t1
  CHECK t0, 0
  la t1, target
  addi t1, t1, 1
  jalr t2, 0(t1)
back:
  la t3, back
  sub t2, t2, t3
  CHECK t2, 0
  # A far backward branch and jump
  li s3, 3
4: addi s3, s3, -1
  bnez s3, 4b
  CHECK s3, 0
  ld ra, 0(sp)
  addi sp, sp, 16
  ret
bad:
  li a0, 999
  j fail
.align 2
target:
  jr t2
