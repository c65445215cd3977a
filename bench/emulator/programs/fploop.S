# Floating-point loop: fused multiply-add, add, multiply and a conversion in double precision,
# 7 instructions per iteration, ITERATIONS iterations.
#include "common.h"
#ifndef ITERATIONS
#define ITERATIONS 40000000
#endif
.globl _start
_start:
  li t0, 0x2000
  csrs mstatus, t0
  li t0, 0x3ff0000000000001
  fmv.d.x f1, t0
  li t0, 0x3fe0000000000000
  fmv.d.x f2, t0
  fmv.d.x f3, zero
  li t0, ITERATIONS
loop:
  fmadd.d f3, f1, f2, f3
  fadd.d f4, f3, f1
  fmul.d f5, f4, f2
  fcvt.l.d t1, f5, rtz
  fsub.d f3, f3, f5
  addi t0, t0, -1
  bnez t0, loop
  POWER_OFF
