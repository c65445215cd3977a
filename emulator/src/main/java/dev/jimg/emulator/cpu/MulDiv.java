package dev.jimg.emulator.cpu;

/**
 * The M-extension operations other than the plain products (which the interpreter inlines), with
 * the results the Unprivileged ISA (chapter 7, table 7.1) defines for division by zero (quotient
 * all ones, remainder the dividend) and signed overflow (quotient the dividend, remainder zero).
 */
final class MulDiv {
    private MulDiv() {
    }

    static long compute(int op, long a, long b) {
        return switch (op) {
            case Op.MULH -> Math.multiplyHigh(a, b);
            case Op.MULHU -> Math.unsignedMultiplyHigh(a, b);
            // a * unsigned(b) = a * b + (b < 0 ? a << 64 : 0)
            case Op.MULHSU -> Math.multiplyHigh(a, b) + (b < 0 ? a : 0);
            case Op.DIV -> b == 0 ? -1 : a / b;
            case Op.DIVU -> b == 0 ? -1 : Long.divideUnsigned(a, b);
            case Op.REM -> b == 0 ? a : a % b;
            case Op.REMU -> b == 0 ? a : Long.remainderUnsigned(a, b);
            case Op.DIVW -> (int) b == 0 ? -1 : (int) a / (int) b;
            case Op.DIVUW -> (int) b == 0 ? -1 : Integer.divideUnsigned((int) a, (int) b);
            case Op.REMW -> (int) b == 0 ? (int) a : (int) a % (int) b;
            case Op.REMUW -> (int) b == 0 ? (int) a : Integer.remainderUnsigned((int) a, (int) b);
            default -> throw new IllegalArgumentException("not a division or high product: op " + op);
        };
    }
}
