# Physical memory protection: a NAPOT entry that denies S-mode every access to one page in front
# of an entry allowing everything, a TOR entry, and a locked entry that binds M-mode too and can
# no longer be changed.
.include "macros.S"
.text
.globl main
main:
  addi sp, sp, -16
  sd ra, 0(sp)
  la s0, secret
  li t0, 0x77
  sd t0, 0(s0)
  # Entry 0: NAPOT 4 KiB at `secret`, no permissions. Entry 1: off, its address is the bottom of
  # entry 2: TOR [low_data, low_data + 4 KiB) read-only. Entry 3: everything.
  srli t0, s0, 2
  ori t0, t0, 0x1ff
  csrw pmpaddr0, t0
  la s1, low_data
  srli t0, s1, 2
  csrw pmpaddr1, t0
  li t1, 4096 >> 2
  add t0, t0, t1
  csrw pmpaddr2, t0
  li t0, -1
  csrw pmpaddr3, t0
  li t0, (0x1f << 24) | (0x09 << 16) | 0x18
  csrw pmpcfg0, t0
  csrr t1, pmpcfg0
  CHECK t1, (0x1f << 24) | (0x09 << 16) | 0x18
  csrr t1, pmpaddr0
  srli t0, s0, 2
  ori t0, t0, 0x1ff
  sub t1, t1, t0
  CHECK t1, 0
  # M-mode is not bound by unlocked entries.
  ld t1, 0(s0)
  CHECK t1, 0x77
  li t0, 0x1800
  csrc mstatus, t0
  li t0, 0x0800
  csrs mstatus, t0
  la t0, in_s
  csrw mepc, t0
  mret
in_s:
  li t1, 1
  ld t1, 0(s0)                # load access fault
  CHECK t1, 1
  sd t1, 0(s0)                # store access fault
  jalr ra, 0(s0)              # instruction access fault, the handler returns to ra
  # The TOR entry: readable, not writable.
  la t0, low_data
  ld t1, 0(t0)
  CHECK t1, 0x99
  sd t1, 0(t0)                # store access fault
  la a0, in_m
  li a7, 93
  ecall
in_m:
  # Lock entry 0: now M-mode is denied too, and the entry cannot be unlocked.
  li t0, 0x80
  csrs pmpcfg0, t0
  li t1, 2
  ld t1, 0(s0)
  CHECK t1, 2
  csrc pmpcfg0, t0
  csrr t1, pmpcfg0
  andi t1, t1, 0xff
  CHECK t1, 0x98
  DUMP pmpcfg0, t1
  ld ra, 0(sp)
  addi sp, sp, 16
  ret

.data
.align 12
low_data: .dword 0x99
.align 12
secret: .space 4096
