package dev.graft.cli;

import java.util.Arrays;
import java.util.zip.Adler32;

/**
 * Test helper: makes a zip file's Adler32 equal any given value by writing chosen bytes into the zip's trailing
 * comment. The zip still reads normally. This is how a tiny stand-in can carry VGG16's published Adler32
 * (3501732770) when the real 500 MB file cannot be had, and it shows why Adler32 is only a transfer check.
 */
final class Adler32Forge {
    private static final int MOD = 65521;
    private static final int EOCD = 22;

    private Adler32Forge() {
    }

    /** Returns {@code zip} with a comment of {@code n} bytes chosen so that the result's Adler32 is {@code target}. */
    static byte[] forge(byte[] zip, long target, int n) {
        int e = zip.length - EOCD;
        if (e < 0 || zip[e] != 0x50 || zip[e + 1] != 0x4b || zip[e + 2] != 5 || zip[e + 3] != 6
                || zip[e + 20] != 0 || zip[e + 21] != 0) {
            throw new IllegalArgumentException("expected a zip ending in an end record without comment");
        }
        byte[] out = Arrays.copyOf(zip, zip.length + n);
        out[e + 20] = (byte) (n & 0xFF);
        out[e + 21] = (byte) ((n >>> 8) & 0xFF);
        Adler32 a = new Adler32();
        a.update(out, 0, zip.length);
        long a0 = a.getValue() & 0xFFFF;
        long b0 = a.getValue() >>> 16;
        long at = target & 0xFFFF;
        long bt = target >>> 16;
        // appending c_1..c_n: A = a0 + S, B = b0 + n*a0 + sum (n-i+1) c_i  (mod 65521)
        long s = Math.floorMod(at - a0, MOD);
        while (s < 255L * n / 2) {
            s += MOD;
        }
        long w = Math.floorMod(bt - b0 - (long) n * a0, MOD);
        while (w < wMin(s, n)) {
            w += MOD;
        }
        if (w > wMax(s, n)) {
            throw new IllegalStateException("cannot forge with " + n + " bytes; use more");
        }
        for (int i = 0; i < n; i++) {
            int weight = n - i;
            int rest = weight - 1;
            int chosen = -1;
            for (int c = 255; c >= 0; c--) {
                long s2 = s - c;
                long w2 = w - (long) weight * c;
                if (s2 >= 0 && s2 <= 255L * rest && w2 >= wMin(s2, rest) && w2 <= wMax(s2, rest)) {
                    chosen = c;
                    break;
                }
            }
            if (chosen < 0) {
                throw new IllegalStateException("forge failed at byte " + i);
            }
            out[zip.length + i] = (byte) chosen;
            s -= chosen;
            w -= (long) weight * chosen;
        }
        Adler32 check = new Adler32();
        check.update(out);
        if (check.getValue() != target) {
            throw new IllegalStateException("forge produced " + check.getValue() + ", wanted " + target);
        }
        return out;
    }

    /** Smallest weighted sum of {@code m} bytes (weights m..1) that add up to {@code s}: mass on the low weights. */
    private static long wMin(long s, int m) {
        long full = s / 255;
        long rem = s % 255;
        if (full >= m) {
            return full == m && rem == 0 ? 255L * m * (m + 1) / 2 : Long.MAX_VALUE;
        }
        return 255L * full * (full + 1) / 2 + rem * (full + 1);
    }

    /** Largest weighted sum: mass on the high weights. */
    private static long wMax(long s, int m) {
        long full = s / 255;
        long rem = s % 255;
        if (full >= m) {
            return full == m && rem == 0 ? 255L * m * (m + 1) / 2 : Long.MIN_VALUE;
        }
        long top = 0;
        for (long k = 0; k < full; k++) {
            top += m - k;
        }
        return 255L * top + rem * (m - full);
    }
}
