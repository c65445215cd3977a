# F and D: arithmetic under each rounding mode, fflags, NaN boxing and the canonical NaN,
# saturating conversions, FMIN/FMAX with NaNs and signed zeros, FCLASS, FS=Off and an invalid
# dynamic rounding mode (both illegal instructions).
.include "macros.S"

# Loads the 64-bit pattern `bits` into f register `fr` (through t0).
.macro FLI fr, bits
  li t0, \bits
  fmv.d.x \fr, t0
.endm

# Loads the single-precision pattern `bits`, NaN-boxed.
.macro FLIS fr, bits
  li t0, \bits
  fmv.w.x \fr, t0
.endm

.text
.globl main
main:
  addi sp, sp, -16
  sd ra, 0(sp)
  li t0, 0x2000
  csrs mstatus, t0           # FS = Initial
  csrw fcsr, zero

  # 1/3 in double: rounding to nearest and down agree, up is one ulp more.
  FLI f1, 0x3ff0000000000000
  FLI f2, 0x4008000000000000
  fdiv.d f3, f1, f2, rne
  fmv.x.d t1, f3
  CHECK t1, 0x3fd5555555555555
  fdiv.d f3, f1, f2, rup
  fmv.x.d t1, f3
  CHECK t1, 0x3fd5555555555556
  fdiv.d f3, f1, f2, rtz
  fmv.x.d t1, f3
  CHECK t1, 0x3fd5555555555555
  csrr t1, fflags
  CHECK t1, 1                # NX
  csrw fflags, zero

  # 1/0: +inf and DZ; 0/0: canonical NaN and NV.
  fmv.d.x f4, zero
  fdiv.d f3, f1, f4
  fmv.x.d t1, f3
  CHECK t1, 0x7ff0000000000000
  fdiv.d f3, f4, f4
  fmv.x.d t1, f3
  CHECK t1, 0x7ff8000000000000
  csrr t1, fflags
  CHECK t1, 0x18

  # Single precision: 0.1f + 0.2f and the boxing of results.
  FLIS f5, 0x3dcccccd
  FLIS f6, 0x3e4ccccd
  fadd.s f7, f5, f6
  fmv.x.d t1, f7
  CHECK t1, 0xffffffff3e99999a
  fmv.x.w t1, f7
  CHECK t1, 0x3e99999a
  # An unboxed single operand reads as the canonical NaN.
  FLI f8, 0x000000003f800000
  fadd.s f9, f8, f5
  fmv.x.w t1, f9
  CHECK t1, 0x7fc00000
  fsgnj.s f9, f8, f8
  fmv.x.w t1, f9
  CHECK t1, 0x7fc00000

  # Conversions saturate and flag NV; the 32-bit results are sign-extended.
  FLI f10, 0x7ff0000000000000
  fcvt.w.d t1, f10
  CHECK t1, 0x7fffffff
  fcvt.wu.d t1, f10
  CHECK t1, -1
  FLI f10, 0xc000000000000000  # -2.0
  fcvt.wu.d t1, f10
  CHECK t1, 0
  fcvt.l.d t1, f10
  CHECK t1, -2
  FLI f10, 0x4004000000000000  # 2.5
  fcvt.l.d t1, f10, rne
  CHECK t1, 2
  fcvt.l.d t1, f10, rmm
  CHECK t1, 3
  fcvt.l.d t1, f10, rdn
  CHECK t1, 2
  li t2, -7
  fcvt.s.l f11, t2
  fmv.x.w t1, f11
  CHECK t1, 0xffffffffc0e00000

  # FMIN/FMAX: -0 < +0, a quiet NaN operand yields the other operand.
  FLI f12, 0x8000000000000000
  fmv.d.x f13, zero
  fmin.d f14, f12, f13
  fmv.x.d t1, f14
  CHECK t1, 0x8000000000000000
  fmax.d f14, f12, f13
  fmv.x.d t1, f14
  CHECK t1, 0
  FLI f15, 0x7ff8000000000000
  fmin.d f14, f15, f1
  fmv.x.d t1, f14
  CHECK t1, 0x3ff0000000000000
  fclass.d t1, f12
  CHECK t1, 0x8
  fclass.d t1, f15
  CHECK t1, 0x200
  fclass.s t1, f8
  CHECK t1, 0x200

  # Fused multiply-add rounds once.
  FLI f16, 0x3ff0000000000001
  FLI f17, 0xbff0000000000002
  fmadd.d f18, f16, f16, f17
  fmv.x.d t1, f18
  CHECK t1, 0x3970000000000000

  # The dynamic rounding mode follows frm; a reserved frm makes the instruction illegal.
  fsrmi 3                    # RUP
  fdiv.d f3, f1, f2
  fmv.x.d t1, f3
  CHECK t1, 0x3fd5555555555556
  fsrmi 5
  fmv.d.x f3, zero
  fdiv.d f3, f1, f2          # illegal: f3 keeps +0
  fmv.x.d t1, f3
  CHECK t1, 0
  fsgnj.d f3, f1, f1         # no rounding: allowed
  fsrmi 0

  # FS = Off: FP instructions are illegal.
  li t0, 0x6000
  csrc mstatus, t0
  fadd.d f3, f1, f1
  csrs mstatus, t0
  fmv.x.d t1, f3
  CHECK t1, 0x3ff0000000000000
  csrr t1, mstatus
  srli t1, t1, 63
  CHECK t1, 1                # SD: FS is dirty
  csrr t1, fflags
  DUMP fflags, t1
  ld ra, 0(sp)
  addi sp, sp, 16
  ret
