# Memory copy: 1 MiB from one buffer to another with ld/sd, 8 bytes per 5-instruction iteration,
# COPIES times (COPIES * 131072 iterations).
#include "common.h"
#ifndef COPIES
#define COPIES 800
#endif
#define BYTES (1 << 20)
.globl _start
_start:
  li s0, COPIES
outer:
  li a0, 0x80400000
  li a1, 0x80600000
  li a2, BYTES / 8
inner:
  ld t0, 0(a0)
  sd t0, 0(a1)
  addi a0, a0, 8
  addi a1, a1, 8
  addi a2, a2, -1
  bnez a2, inner
  addi s0, s0, -1
  bnez s0, outer
  POWER_OFF
