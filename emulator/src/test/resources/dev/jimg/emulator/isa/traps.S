# Traps and privilege changes: ECALL from each mode, EBREAK, illegal instructions, delegation of
# U-mode ECALLs to an S-mode handler, SRET/MRET, the privileged instructions from lower modes,
# mstatus.TSR/TW/TVM, and counter access from U-mode gated by mcounteren/scounteren.
.include "macros.S"

# Continues in M-mode at `label` (see the prelude's trap handler).
.macro TO_M label
  la a0, \label
  li a7, 93
  ecall
.endm

# Enters S-mode at `label` from M-mode.
.macro TO_S label
  li t0, 0x1800
  csrc mstatus, t0
  li t0, 0x0800
  csrs mstatus, t0
  la t0, \label
  csrw mepc, t0
  mret
.endm

.text
.globl main
main:
  addi sp, sp, -16
  sd ra, 0(sp)
  ecall
  ebreak
  .word 0xffffffff
  .word 0x00000000

  la t0, s_handler
  csrw stvec, t0
  # Delegate ECALL from U (8) and illegal instructions (2) to S.
  li t0, (1 << 8) | (1 << 2)
  csrw medeleg, t0
  li t0, 7
  csrw mcounteren, t0
  TO_S in_s
in_s:
  ecall                      # ECALL from S: cause 9, to M
  csrr t1, mstatus           # illegal from S: delegated to the S handler
  csrr t1, sstatus
  li t0, 1 << 8
  csrc sstatus, t0           # SPP = U
  la t0, in_u
  csrw sepc, t0
  sret
in_u:
  ecall                      # ECALL from U: delegated, cause 8 in S
  wfi                        # illegal from U when S-mode exists
  csrr t1, cycle             # mcounteren.CY is set but scounteren.CY is not: illegal
  sret                       # illegal from U
  csrr t1, time              # illegal from U
  TO_M back_in_m             # through the S handler, which forwards it
  j bad
back_in_m:
  csrw medeleg, zero
  csrw scounteren, 7
  li t0, (1 << 22) | (1 << 21) | (1 << 20)
  csrs mstatus, t0           # TSR, TW, TVM
  TO_S in_s2
in_s2:
  sret                       # illegal with TSR
  wfi                        # illegal with TW
  csrr t1, satp              # illegal with TVM
  sfence.vma                 # illegal with TVM
  csrr t1, cycle             # allowed from S: mcounteren.CY
  TO_M done
  j bad
done:
  li t0, (1 << 22) | (1 << 21) | (1 << 20)
  csrc mstatus, t0
  csrw mcounteren, zero
  csrw scounteren, zero
  ld ra, 0(sp)
  addi sp, sp, 16
  ret
bad:
  li a0, 999
  j fail

# S-mode handler: prints scause and stval, skips the instruction (all are 4 bytes here), and
# forwards ECALLs with a7 = 93 to M-mode.
.align 2
s_handler:
  csrw sscratch, ra
  la ra, s_save
  sd a0, 0(ra)
  sd a1, 8(ra)
  sd t0, 16(ra)
  csrr a1, scause
  la a0, scause_name
  call putnamed
  csrr a1, stval
  la a0, stval_name
  call putnamed
  la ra, s_save
  ld a0, 0(ra)
  ld a1, 8(ra)
  ld t0, 16(ra)
  csrr ra, sscratch
  li t1, 93
  beq a7, t1, 1f
  csrr t1, sepc
  addi t1, t1, 4
  csrw sepc, t1
  sret
1: ecall

.section .rodata
scause_name: .asciz "scause"
stval_name: .asciz "stval"
.section .bss
.align 3
s_save: .space 32
