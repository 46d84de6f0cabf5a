package dev.graft.pretrain.corrupt;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Base of the built-in corruptors: works example by example on a float copy of the batch. */
abstract class AbstractCorruptor implements Corruptor {

    @Override
    public final INDArray corrupt(INDArray batch, long seed) {
        if (batch == null || batch.rank() < 2 || batch.size(0) == 0) {
            throw new IllegalArgumentException(describe() + " needs a non-empty batch [n, ...], got "
                    + (batch == null ? "null" : Arrays.toString(batch.shape())));
        }
        int n = (int) batch.size(0);
        int width = (int) (batch.length() / n);
        check(width, batch.shape());
        float[] values = batch.castTo(DataType.FLOAT).dup('c').data().asFloat();
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] row = new float[width];
        for (int i = 0; i < n; i++) {
            System.arraycopy(values, i * width, row, 0, width);
            corruptRow(row, rnd);
            System.arraycopy(row, 0, values, i * width, width);
        }
        return Nd4j.create(values, batch.shape(), 'c').castTo(batch.dataType());
    }

    /** Checks that examples of {@code width} values (batch shape {@code shape}) suit this corruptor. */
    void check(int width, long[] shape) {
    }

    /** Corrupts one example in place. */
    abstract void corruptRow(float[] row, SplittableRandom rnd);

    static double requireFraction(String what, double f) {
        if (!(f > 0 && f <= 1)) {
            throw new IllegalArgumentException(what + " fraction must be in (0, 1], got " + f);
        }
        return f;
    }

    @Override
    public String toString() {
        return describe();
    }
}
