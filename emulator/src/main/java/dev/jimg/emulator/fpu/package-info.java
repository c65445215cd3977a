/**
 * Bit-exact IEEE 754 binary32/binary64 arithmetic for the RISC-V F and D extensions.
 *
 * <p>{@link dev.jimg.emulator.fpu.F32} and {@link dev.jimg.emulator.fpu.F64} provide one static
 * method per computational instruction, on raw bit patterns, with the rounding mode of
 * {@link dev.jimg.emulator.fpu.RoundingMode} and exception flags accrued into a
 * {@link dev.jimg.emulator.fpu.FloatFlags}. They match the ISA (and QEMU's softfloat as configured
 * for RISC-V) in result bits and flags: canonical NaNs, tininess after rounding, minimumNumber /
 * maximumNumber for FMIN/FMAX, saturating float-to-integer conversions, NV for
 * {@code inf * 0 + qNaN}.
 *
 * <p>The two classes differ only where their method does: binary32 arithmetic is evaluated in
 * binary64 together with the sign of its error and then rounded, binary64 arithmetic relies on
 * error-free transformations with an integer fallback. What the widths do alike is written once for a {@code BinaryFormat}: special
 * operands ({@code SpecialCases}), the comparisons and FMIN/FMAX ({@code Comparisons}), FCLASS,
 * rounding ({@code Rounder}) and float-to-integer conversion ({@code IntegerConversion}).
 *
 * <p>What stays with the CPU, because it is not arithmetic:
 * <ul>
 *   <li>Resolving {@code rm = DYN} from {@code frm}, and raising illegal-instruction for the
 *       reserved encodings 5 and 6 (or for DYN with an invalid {@code frm}); the methods reject
 *       such modes with {@link java.lang.IllegalArgumentException}.</li>
 *   <li>NaN-boxing: a binary32 operand whose upper 32 register bits are not all ones reads as the
 *       canonical NaN, and binary32 results are written with the upper bits set.</li>
 *   <li>FMSUB/FNMSUB/FNMADD as sign flips of FMADD operands (see
 *       {@link dev.jimg.emulator.fpu.F32#mulAdd}); FSGNJ*, FMV.* and loads/stores, which move bits
 *       untouched; sign-extending the 32-bit results of FCVT.W[U], FMV.X.W and comparisons.</li>
 *   <li>ORing the accrued flags into {@code fcsr} and marking {@code mstatus.FS} dirty.</li>
 * </ul>
 */
package dev.jimg.emulator.fpu;
