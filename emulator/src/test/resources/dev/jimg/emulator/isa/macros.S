# Macros and addresses for the bare-metal test programs (`.include "macros.S"`); the code they
# call is in prelude.S, linked with every program.

.equ UART, 0x10000000
.equ FINISHER, 0x100000
.equ CLINT_MSIP, 0x2000000
.equ CLINT_MTIMECMP, 0x2004000
.equ CLINT_MTIME, 0x200bff8

.macro PUTC ch
  li a0, \ch
  call putc
.endm

# Prints a register as 16 hex digits and a newline.
.macro PUTHEX reg
  mv a0, \reg
  call puthex
.endm

# Prints "name=value" for a register.
.macro DUMP name, reg
  mv a1, \reg
  la a0, 9f
  call putnamed
  .pushsection .rodata
9: .asciz "\name"
  .popsection
.endm

.set check_count, 0
# Fails the program with the check's number unless reg == value.
.macro CHECK reg, value
  .set check_count, check_count + 1
  li t6, \value
  beq \reg, t6, 8f
  li a0, check_count
  j fail
8:
.endm

