# Loads and stores of every width with sign and zero extension, misaligned accesses inside a page
# and across a page boundary, a load from nowhere (access fault), a store to ROM (ignored), and
# self-modifying code made visible by fence.i.
.include "macros.S"
.text
.globl main
main:
  addi sp, sp, -16
  sd ra, 0(sp)
  la s0, buffer
  li t0, 0x8899aabbccddeeff
  sd t0, 0(s0)
  lb t1, 0(s0)
  CHECK t1, -1
  lbu t1, 0(s0)
  CHECK t1, 0xff
  lh t1, 2(s0)
  CHECK t1, 0xffffffffffffccdd
  lhu t1, 2(s0)
  CHECK t1, 0xccdd
  lw t1, 4(s0)
  CHECK t1, 0xffffffff8899aabb
  lwu t1, 4(s0)
  CHECK t1, 0x8899aabb
  ld t1, 0(s0)
  CHECK t1, 0x8899aabbccddeeff
  sb zero, 7(s0)
  sh zero, 0(s0)
  ld t1, 0(s0)
  CHECK t1, 0x0099aabbccdd0000
  li t0, 0x11223344
  sw t0, 8(s0)
  lwu t1, 8(s0)
  CHECK t1, 0x11223344

  # Misaligned, inside the page.
  li t0, 0x0102030405060708
  sd t0, 17(s0)
  ld t1, 17(s0)
  CHECK t1, 0x0102030405060708
  lw t1, 19(s0)
  CHECK t1, 0x03040506
  lh t1, 21(s0)
  CHECK t1, 0x0304

  # Misaligned across the page boundary at the end of `buffer`'s page.
  la s1, page_end
  li t0, 0xa1a2a3a4a5a6a7a8
  sd t0, -3(s1)
  ld t1, -3(s1)
  CHECK t1, 0xa1a2a3a4a5a6a7a8
  lbu t1, 0(s1)
  CHECK t1, 0xa5
  lwu t1, -2(s1)
  CHECK t1, 0xa4a5a6a7

  # Nothing is mapped past 128 MiB of RAM: the load faults (cause 5) and is skipped.
  li s2, 0x88000000
  li t1, 77
  ld t1, 0(s2)
  CHECK t1, 77
  sd t1, 0(s2)

  # The mask ROM ignores stores.
  li s2, 0x1000
  lw s3, 0(s2)
  sw zero, 0(s2)
  lw t1, 0(s2)
  sub t1, t1, s3
  CHECK t1, 0

  # Self-modifying code: `li a0, 1; ret`, then `li a0, 2; ret`.
  la s2, code
  li t0, 0x00100513
  sw t0, 0(s2)
  li t0, 0x00008067
  sw t0, 4(s2)
  fence.i
  jalr ra, 0(s2)
  CHECK a0, 1
  li t0, 0x00200513
  sw t0, 0(s2)
  fence.i
  jalr ra, 0(s2)
  CHECK a0, 2

  DUMP buffer, t1
  ld ra, 0(sp)
  addi sp, sp, 16
  ret

.data
.align 12
buffer: .space 4096
page_end: .space 64
.align 3
code: .space 16
