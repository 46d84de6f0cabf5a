package dev.graft.zoo.keras;

import java.util.Locale;

/**
 * How far an output may be from its reference: element-wise {@code |got - ref| <= atol + rtol * |ref|}, the rule of
 * NumPy's {@code allclose} and PyTorch's {@code allclose}. A relative part is needed because a deep network's float32
 * outputs differ from a float64 (or differently ordered float32) reference by about 1e-4 of their scale (measured
 * on Keras' ResNet50 and InceptionV3); a pure absolute bound either fails those or passes wrong small outputs.
 *
 * @param atol absolute part, {@code >= 0}
 * @param rtol relative part, {@code >= 0}
 */
public record Tolerance(double atol, double rtol) {
    /** The default: {@code atol 1e-4}, {@code rtol 1e-3}. */
    public static final Tolerance DEFAULT = new Tolerance(1e-4, 1e-3);

    /**
     * Checks the bounds.
     *
     * @throws IllegalArgumentException if either part is negative, NaN or infinite
     */
    public Tolerance {
        if (!(atol >= 0) || Double.isInfinite(atol)) {
            throw new IllegalArgumentException("absolute tolerance must be a finite number >= 0, got " + atol);
        }
        if (!(rtol >= 0) || Double.isInfinite(rtol)) {
            throw new IllegalArgumentException("relative tolerance must be a finite number >= 0, got " + rtol);
        }
    }

    /** A purely absolute tolerance ({@code rtol = 0}). */
    public static Tolerance absolute(double atol) {
        return new Tolerance(atol, 0);
    }

    /** The largest difference accepted where the reference is {@code ref}. */
    public double allowed(double ref) {
        return atol + rtol * Math.abs(ref);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "atol %.3g + rtol %.3g", atol, rtol);
    }
}
