# Integer loop: 6 instructions per iteration (ALU, shift, branch), ITERATIONS iterations.
#include "common.h"
#ifndef ITERATIONS
#define ITERATIONS 100000000
#endif
.globl _start
_start:
  li t0, ITERATIONS
  li t1, 0
  li t2, 0
loop:
  addi t1, t1, 3
  xor t2, t2, t1
  slli t3, t2, 1
  add t2, t2, t3
  addi t0, t0, -1
  bnez t0, loop
  POWER_OFF
