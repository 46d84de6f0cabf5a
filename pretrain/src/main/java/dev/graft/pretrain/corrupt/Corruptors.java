package dev.graft.pretrain.corrupt;

import java.util.Arrays;

/**
 * Factory of the built-in corruptors, and the parser of the CLI's {@code --corrupt} specs:
 * <ul>
 *   <li>{@code gaussian:SIGMA} — additive Gaussian noise;</li>
 *   <li>{@code mask:FRACTION} — pixels/features set to 0;</li>
 *   <li>{@code patch:SIDE} — square patches shuffled (images: square flat rows or {@code [c, h, w]});</li>
 *   <li>{@code words:FRACTION:VOCAB} — random word replacement in token-id sequences (ids 0 and 1 are
 *       padding and unknown).</li>
 * </ul>
 */
public final class Corruptors {
    private Corruptors() {
    }

    /** Additive Gaussian noise. */
    public static Corruptor gaussian(double sigma) {
        return new GaussianNoise(sigma);
    }

    /** Masking with zeros. */
    public static Corruptor mask(double fraction) {
        return new FeatureMasking(fraction, 0);
    }

    /** Patch shuffle of {@code channels x height x width} images. */
    public static Corruptor patchShuffle(int channels, int height, int width, int patch) {
        return new PatchShuffle(channels, height, width, patch);
    }

    /** Random word replacement; ids 0 (padding) and 1 (unknown) are left alone. */
    public static Corruptor words(double fraction, int vocabularySize) {
        return new WordReplacement(fraction, vocabularySize, 2);
    }

    /**
     * Parses a corruptor spec for examples of shape {@code exampleShape}.
     *
     * @throws IllegalArgumentException naming the spec and the accepted forms
     */
    public static Corruptor parse(String spec, long[] exampleShape) {
        String usage = "; use gaussian:SIGMA, mask:FRACTION, patch:SIDE or words:FRACTION:VOCAB";
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty corruptor spec" + usage);
        }
        String[] p = spec.trim().split(":");
        try {
            switch (p[0]) {
                case "gaussian":
                    expectParts(spec, p, 2, usage);
                    return gaussian(Double.parseDouble(p[1]));
                case "mask":
                    expectParts(spec, p, 2, usage);
                    return mask(Double.parseDouble(p[1]));
                case "patch":
                    expectParts(spec, p, 2, usage);
                    long[] chw = imageShape(exampleShape);
                    return patchShuffle((int) chw[0], (int) chw[1], (int) chw[2], Integer.parseInt(p[1]));
                case "words":
                    expectParts(spec, p, 3, usage);
                    return words(Double.parseDouble(p[1]), Integer.parseInt(p[2]));
                default:
                    throw new IllegalArgumentException("unknown corruptor '" + p[0] + "' in '" + spec + "'" + usage);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("corruptor spec '" + spec + "' has a value that is not a number" + usage, e);
        }
    }

    private static void expectParts(String spec, String[] p, int n, String usage) {
        if (p.length != n) {
            throw new IllegalArgumentException("corruptor spec '" + spec + "' needs " + (n - 1) + " value(s)" + usage);
        }
    }

    private static long[] imageShape(long[] shape) {
        if (shape.length == 3) {
            return shape.clone();
        }
        if (shape.length == 1) {
            long side = Math.round(Math.sqrt(shape[0]));
            if (side * side == shape[0]) {
                return new long[] {1, side, side};
            }
        }
        throw new IllegalArgumentException("patch shuffle needs square flat images or [channels, height, width] examples, got "
                + Arrays.toString(shape));
    }
}
