package dev.graft.zoo;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Preprocessing a model expects: {@code x' = (x * scale - mean[c]) / std[c]} per channel {@code c}.
 *
 * <p>With no mean/std, only the scale is applied. Example: digits pixels 0..16 use
 * {@code Normalization.scale(1/16.0)}; ImageNet models use
 * {@code Normalization.of(1/255.0, new double[]{0.485, 0.456, 0.406}, new double[]{0.229, 0.224, 0.225})}.
 */
public final class Normalization {
    private static final Normalization IDENTITY = new Normalization(1.0, new double[0], new double[0]);

    private final double scale;
    private final double[] mean;
    private final double[] std;

    @JsonCreator
    private Normalization(@JsonProperty("scale") double scale,
                          @JsonProperty("mean") double[] mean,
                          @JsonProperty("std") double[] std) {
        this.scale = scale;
        this.mean = mean == null ? new double[0] : mean.clone();
        this.std = std == null ? new double[0] : std.clone();
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("normalization scale must be a positive finite number, got " + scale);
        }
        if (this.mean.length != this.std.length) {
            throw new IllegalArgumentException("normalization needs as many std values as mean values, got mean "
                    + Arrays.toString(this.mean) + " and std " + Arrays.toString(this.std));
        }
        for (double s : this.std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("normalization std values must be > 0, got " + Arrays.toString(this.std));
            }
        }
    }

    /** No preprocessing at all. */
    public static Normalization identity() {
        return IDENTITY;
    }

    /** Multiply by {@code scale} only. */
    public static Normalization scale(double scale) {
        return new Normalization(scale, null, null);
    }

    /** Multiply by {@code scale}, then subtract {@code mean[c]} and divide by {@code std[c]} per channel. */
    public static Normalization of(double scale, double[] mean, double[] std) {
        return new Normalization(scale, mean, std);
    }

    @JsonProperty("scale")
    public double scale() {
        return scale;
    }

    @JsonProperty("mean")
    public double[] mean() {
        return mean.clone();
    }

    @JsonProperty("std")
    public double[] std() {
        return std.clone();
    }

    /** True when applying this normalization changes nothing. */
    public boolean isIdentity() {
        return scale == 1.0 && mean.length == 0;
    }

    /**
     * Returns a normalized copy of a batch laid out as {@code layout} (batch dimension first).
     *
     * @throws IllegalArgumentException if per-channel statistics do not match the channel count
     */
    public INDArray apply(INDArray batch, InputLayout layout) {
        INDArray out = batch.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).mul(scale);
        if (mean.length == 0) {
            return out;
        }
        if (mean.length == 1) { // one value for every channel
            return out.subi(mean[0]).divi(std[0]);
        }
        int axis = layout.channelAxis() + 1;
        long channels = out.size(axis);
        if (channels != mean.length) {
            throw new IllegalArgumentException("normalization has " + mean.length + " per-channel values but the input has "
                    + channels + " channels on axis " + axis + " (layout " + layout + ", shape "
                    + Arrays.toString(out.shape()) + ")");
        }
        org.nd4j.linalg.api.ndarray.INDArray m = org.nd4j.linalg.factory.Nd4j.createFromArray(mean).castTo(out.dataType());
        org.nd4j.linalg.api.ndarray.INDArray s = org.nd4j.linalg.factory.Nd4j.createFromArray(std).castTo(out.dataType());
        out.subi(broadcastable(m, out.rank(), axis));
        out.divi(broadcastable(s, out.rank(), axis));
        return out;
    }

    private static INDArray broadcastable(INDArray v, int rank, int axis) {
        long[] shape = new long[rank];
        Arrays.fill(shape, 1);
        shape[axis] = v.length();
        return v.reshape(shape);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Normalization)) {
            return false;
        }
        Normalization n = (Normalization) o;
        return scale == n.scale && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return Objects.hash(scale, Arrays.hashCode(mean), Arrays.hashCode(std));
    }

    @Override
    public String toString() {
        return mean.length == 0 ? "x*" + scale
                : "(x*" + scale + " - " + Arrays.toString(mean) + ") / " + Arrays.toString(std);
    }
}
