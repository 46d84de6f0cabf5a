package dev.graft.transfer.cache;

/** IEEE 754 half-precision conversion (Java 17 has none built in). */
final class Half {
    private static final float[] TO_FLOAT = new float[1 << 16];

    static {
        for (int h = 0; h < TO_FLOAT.length; h++) {
            TO_FLOAT[h] = decode(h);
        }
    }

    private Half() {
    }

    /** The float a half's bits stand for (table lookup). */
    static float toFloat(short half) {
        return TO_FLOAT[half & 0xffff];
    }

    private static float decode(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1.0p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** The nearest half to {@code f} (ties to even); overflow gives infinity, NaN stays NaN. */
    static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        short sign = (short) ((bits >>> 16) & 0x8000);
        if (Float.isNaN(f)) {
            return (short) (sign | 0x7e00);
        }
        float abs = Math.abs(f);
        if (abs >= 65520f) {            // halfway between the largest half (65504) and 2^16 rounds up: infinity
            return (short) (sign | 0x7c00);
        }
        if (abs <= 0x1.0p-25f) {        // at most half the smallest subnormal: rounds to (even) zero
            return sign;
        }
        int exp = Math.getExponent(f);
        int shift = 13;
        int significand = bits & 0x007fffff;
        if (exp < -14) {                // a half subnormal: make the implicit bit explicit and shift further
            shift += -14 - exp;
            exp = -15;
            significand |= 0x00800000;
        }
        int kept = significand >>> shift;
        int lsb = significand & (1 << shift);
        int round = significand & (1 << (shift - 1));
        int sticky = significand & ((1 << (shift - 1)) - 1);
        if (round != 0 && (lsb | sticky) != 0) {
            kept++;                     // may carry into the exponent, which is what rounding up must do
        }
        return (short) (sign | (((exp + 15) << 10) + kept));
    }
}
