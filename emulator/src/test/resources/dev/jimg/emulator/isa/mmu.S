# Sv39 and Sv48 from S-mode: hardware A/D updates, read-only/invalid/reserved PTEs, U pages and
# SUM, execute-only pages and MXR, a misaligned superpage, a non-canonical address, and the same
# table reached through an Sv48 root. Faults are taken by the M-mode handler, which skips them.
.include "macros.S"

.equ PTE_V, 1
.equ PTE_R, 2
.equ PTE_W, 4
.equ PTE_X, 8
.equ PTE_U, 16
.equ PTE_A, 64
.equ PTE_D, 128

# Stores a PTE pointing at the physical address in `reg` into table entry `index`.
.macro PTE table, index, reg, flags
  la t0, \table
  li t1, \index * 8
  add t0, t0, t1
  srli t1, \reg, 12
  slli t1, t1, 10
  ori t1, t1, \flags
  sd t1, 0(t0)
.endm

.macro TO_M label
  la a0, \label
  li a7, 93
  ecall
.endm

.text
.globl main
main:
  addi sp, sp, -16
  sd ra, 0(sp)
  li t2, 0x80000000
  PTE root, 2, t2, PTE_V|PTE_R|PTE_W|PTE_X|PTE_A|PTE_D
  la t2, l1
  PTE root, 0, t2, PTE_V
  la t2, l0
  PTE l1, 0, t2, PTE_V
  li t2, 0x10000000
  PTE l1, 0x80, t2, PTE_V|PTE_R|PTE_W|PTE_A|PTE_D
  la t2, page
  PTE l1, 1, t2, PTE_V|PTE_R|PTE_W|PTE_A|PTE_D
  li t2, 0x100000
  PTE l0, 0x100, t2, PTE_V|PTE_R|PTE_W|PTE_A|PTE_D
  la t2, page
  PTE l0, 1, t2, PTE_V|PTE_R|PTE_W
  PTE l0, 2, t2, PTE_V|PTE_R|PTE_A
  PTE l0, 3, t2, PTE_V|PTE_R|PTE_W|PTE_U|PTE_A|PTE_D
  PTE l0, 5, t2, PTE_V|PTE_X|PTE_A
  PTE l0, 6, t2, PTE_V|PTE_W|PTE_A|PTE_D
  la t2, root
  PTE root48, 0, t2, PTE_V

  la t0, root
  srli t0, t0, 12
  li t1, 8 << 60
  or t0, t0, t1
  csrw satp, t0
  li t0, 0x1800
  csrc mstatus, t0
  li t0, 0x0800
  csrs mstatus, t0
  la t0, in_s
  csrw mepc, t0
  mret

in_s:
  sfence.vma
  li s0, 0x1000
  li t0, 0x5a5a
  sd t0, 0(s0)
  # The walk set A and D in the leaf.
  la t1, l0
  ld t1, 8(t1)
  andi t1, t1, PTE_A|PTE_D
  CHECK t1, PTE_A|PTE_D
  li s1, 0x2000
  ld t1, 0(s1)
  CHECK t1, 0x5a5a
  sd t0, 8(s1)                # read-only: store page fault
  li s1, 0x3000
  li t1, 1
  ld t1, 0(s1)                # U page from S without SUM: load page fault
  CHECK t1, 1
  li t0, 1 << 18
  csrs sstatus, t0
  ld t1, 0(s1)
  CHECK t1, 0x5a5a
  csrc sstatus, t0
  li s1, 0x4000
  li t1, 2
  ld t1, 0(s1)                # invalid: load page fault
  CHECK t1, 2
  li s1, 0x5000
  ld t1, 0(s1)                # execute-only: load page fault
  CHECK t1, 2
  li t0, 1 << 19
  csrs sstatus, t0
  ld t1, 0(s1)                # MXR makes it readable
  CHECK t1, 0x5a5a
  csrc sstatus, t0
  li s1, 0x6000
  li t1, 3
  ld t1, 0(s1)                # W without R is reserved: page fault
  CHECK t1, 3
  li s1, 0x200000
  ld t1, 0(s1)                # misaligned megapage: page fault
  CHECK t1, 3
  li s1, 0x8000000000
  ld t1, 0(s1)                # not sign-extended from bit 38: page fault
  CHECK t1, 3

  # The same mappings through an Sv48 root.
  la t0, root48
  srli t0, t0, 12
  li t1, 9 << 60
  or t0, t0, t1
  csrw satp, t0
  sfence.vma
  csrr t1, satp
  srli t1, t1, 60
  CHECK t1, 9
  li s0, 0x1000
  ld t1, 0(s0)
  CHECK t1, 0x5a5a
  li s1, 0x8000000000
  li t1, 4
  ld t1, 0(s1)                # canonical in Sv48, but nothing is mapped there
  CHECK t1, 4
  TO_M done
done:
  csrw satp, zero
  sfence.vma
  la t1, l0
  ld t1, 8(t1)
  DUMP pte, t1
  ld ra, 0(sp)
  addi sp, sp, 16
  ret

.data
.align 12
root: .space 4096
l1: .space 4096
l0: .space 4096
root48: .space 4096
page: .space 4096
