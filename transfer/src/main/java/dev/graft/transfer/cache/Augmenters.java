package dev.graft.transfer.cache;

import dev.graft.zoo.InputLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Ready-made {@link Augmenter}s and the CLI's augmentation spec: comma-separated steps applied in order,
 * {@code noise:SIGMA} (add Gaussian noise, raw units), {@code mask:P} (zero each value with probability P),
 * {@code shift:N} (move images up to N pixels each way, zero fill; rank-3 examples).
 * <pre>{@code
 * Augmenter a = Augmenters.parse("shift:1,noise:0.5", InputLayout.NCHW);
 * }</pre>
 */
public final class Augmenters {
    private Augmenters() {
    }

    /** Adds Gaussian noise with standard deviation {@code sigma} (in raw input units). */
    public static Augmenter gaussianNoise(double sigma) {
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("noise sigma must be a positive number, got " + sigma);
        }
        return new ValueAugmenter("noise(sigma=" + sigma + ")") {
            @Override
            float change(float v, Random r) {
                return (float) (v + sigma * r.nextGaussian());
            }
        };
    }

    /** Sets each value to 0 with probability {@code p}. */
    public static Augmenter mask(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("mask probability must be in (0, 1), got " + p);
        }
        return new ValueAugmenter("mask(p=" + p + ")") {
            @Override
            float change(float v, Random r) {
                return r.nextDouble() < p ? 0f : v;
            }
        };
    }

    /**
     * Translates each image by a random whole number of pixels in {@code [-maxPixels, maxPixels]} along height
     * and width, filling with zeros. Examples must be rank 3 in {@code layout} (NCHW or NHWC).
     */
    public static Augmenter shift(int maxPixels, InputLayout layout) {
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("shift needs a positive number of pixels, got " + maxPixels);
        }
        if (layout != InputLayout.NCHW && layout != InputLayout.NHWC) {
            throw new IllegalArgumentException("shift works on images (NCHW or NHWC), but the model's layout is " + layout);
        }
        return new Augmenter() {
            @Override
            public INDArray augment(INDArray x, Random[] randoms) {
                if (x.rank() != 4) {
                    throw new IllegalArgumentException("shift needs image batches [n, ...3 dims], got shape "
                            + java.util.Arrays.toString(x.shape()));
                }
                int hAxis = layout == InputLayout.NCHW ? 2 : 1;
                int wAxis = hAxis + 1;
                INDArray out = Nd4j.zeros(DataType.FLOAT, x.shape());
                INDArray src = x.castTo(DataType.FLOAT);
                long h = x.size(hAxis);
                long w = x.size(wAxis);
                for (int n = 0; n < x.size(0); n++) {
                    Random r = randoms[n];
                    int dy = r.nextInt(2 * maxPixels + 1) - maxPixels;
                    int dx = r.nextInt(2 * maxPixels + 1) - maxPixels;
                    for (long y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
                        for (long xx = Math.max(0, dx); xx < Math.min(w, w + dx); xx++) {
                            copyPixel(src, out, n, y - dy, xx - dx, y, xx, hAxis);
                        }
                    }
                }
                return out;
            }

            private void copyPixel(INDArray src, INDArray dst, long n, long sy, long sx, long ty, long tx, int hAxis) {
                long channels = hAxis == 2 ? src.size(1) : src.size(3);
                for (long c = 0; c < channels; c++) {
                    if (hAxis == 2) {
                        dst.putScalar(new long[] {n, c, ty, tx}, src.getFloat(n, c, sy, sx));
                    } else {
                        dst.putScalar(new long[] {n, ty, tx, c}, src.getFloat(n, sy, sx, c));
                    }
                }
            }

            @Override
            public String fingerprint() {
                return "shift(max=" + maxPixels + ", " + layout + ")";
            }
        };
    }

    /** Applies {@code steps} one after another. */
    public static Augmenter chain(List<Augmenter> steps) {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("an augmentation chain needs at least one step");
        }
        List<Augmenter> copy = List.copyOf(steps);
        return new Augmenter() {
            @Override
            public INDArray augment(INDArray x, Random[] randoms) {
                INDArray out = x;
                for (Augmenter a : copy) {
                    out = a.augment(out, randoms);
                }
                return out;
            }

            @Override
            public String fingerprint() {
                List<String> parts = new ArrayList<>();
                copy.forEach(a -> parts.add(a.fingerprint()));
                return String.join(" > ", parts);
            }
        };
    }

    /**
     * Parses an augmentation spec such as {@code shift:1,noise:0.5} for a model whose examples are laid out as
     * {@code layout}.
     *
     * @throws IllegalArgumentException naming the bad step and the accepted ones
     */
    public static Augmenter parse(String spec, InputLayout layout) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty augmentation spec; use e.g. noise:0.5, mask:0.1, shift:1");
        }
        List<Augmenter> steps = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            int colon = p.indexOf(':');
            String name = colon < 0 ? p : p.substring(0, colon);
            String arg = colon < 0 ? "" : p.substring(colon + 1);
            try {
                switch (name) {
                    case "noise":
                        steps.add(gaussianNoise(Double.parseDouble(arg)));
                        break;
                    case "mask":
                        steps.add(mask(Double.parseDouble(arg)));
                        break;
                    case "shift":
                        steps.add(shift(Integer.parseInt(arg), layout));
                        break;
                    default:
                        throw new IllegalArgumentException("unknown augmentation '" + part.trim()
                                + "'; use noise:SIGMA, mask:P or shift:PIXELS, comma-separated");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("augmentation '" + part.trim() + "' needs a number after ':', got '"
                        + arg + "'");
            }
        }
        return steps.size() == 1 ? steps.get(0) : chain(steps);
    }

    /** An augmenter that changes each value independently. */
    private abstract static class ValueAugmenter implements Augmenter {
        private final String fingerprint;

        ValueAugmenter(String fingerprint) {
            this.fingerprint = fingerprint;
        }

        abstract float change(float v, Random r);

        @Override
        public INDArray augment(INDArray x, Random[] randoms) {
            float[] v = x.castTo(DataType.FLOAT).dup('c').data().asFloat();
            int n = (int) x.size(0);
            int per = v.length / n;
            for (int e = 0; e < n; e++) {
                Random r = randoms[e];
                for (int i = e * per; i < (e + 1) * per; i++) {
                    v[i] = change(v[i], r);
                }
            }
            return Nd4j.create(v, x.shape(), 'c');
        }

        @Override
        public String fingerprint() {
            return fingerprint;
        }
    }
}
