# The C extension in its explicit 16-bit forms: arithmetic, stack-relative loads and stores,
# compressed branches and jumps, and a reserved encoding (c.addi4spn with zero, illegal).
.include "macros.S"
.option rvc
.text
.globl main
main:
  addi sp, sp, -64
  sd ra, 56(sp)
  c.li s0, -3
  CHECK s0, -3
  c.addi s0, 7
  CHECK s0, 4
  c.lui s1, 0x1f
  CHECK s1, 0x1f000
  c.slli s1, 4
  CHECK s1, 0x1f0000
  c.srli s1, 8
  CHECK s1, 0x1f00
  c.li a4, -16
  c.srai a4, 2
  CHECK a4, -4
  c.andi a4, 0xe
  CHECK a4, 0xc
  c.mv a5, a4
  c.add a5, s0
  CHECK a5, 16
  c.sub a5, a4
  CHECK a5, 4
  c.li a3, 6
  c.xor a3, a5
  CHECK a3, 2
  c.or a3, a5
  CHECK a3, 6
  c.and a3, a5
  CHECK a3, 4
  li a2, 0x7fffffff
  c.addiw a2, 1
  CHECK a2, -0x80000000
  c.addw a2, a2
  CHECK a2, 0
  c.li a2, 1
  c.subw a2, a3
  CHECK a2, -3
  c.addi16sp sp, -32
  c.addi4spn a0, sp, 16
  sub a1, a0, sp
  CHECK a1, 16
  c.addi16sp sp, 32
  li t0, 0x0123456789abcdef
  c.sdsp t0, 0(sp)
  c.ldsp a1, 0(sp)
  CHECK a1, 0x0123456789abcdef
  c.swsp t0, 8(sp)
  c.lwsp a1, 8(sp)
  CHECK a1, -0x76543211
  mv a0, sp
  c.ld a1, 0(a0)
  CHECK a1, 0x0123456789abcdef
  c.sw a1, 16(a0)
  c.lw a2, 16(a0)
  CHECK a2, -0x76543211
  c.sd a1, 24(a0)
  ld a2, 24(sp)
  CHECK a2, 0x0123456789abcdef
  c.li a0, 0
  c.beqz a0, 1f
  j bad
1: c.bnez a0, bad
  c.j 2f
  j bad
2: la a0, sub
  c.jalr a0
  CHECK a1, 42
  la a0, 3f
  c.jr a0
  j bad
3:
  # c.addi4spn with a zero immediate is reserved: illegal instruction (cause 2, mtval 0).
  .half 0x0000
  # c.ebreak: breakpoint (cause 3).
  c.ebreak
  c.nop
  DUMP sp, a2
  ld ra, 56(sp)
  addi sp, sp, 64
  ret
sub:
  c.li a1, 21
  c.add a1, a1
  c.jr ra
bad:
  li a0, 999
  j fail
