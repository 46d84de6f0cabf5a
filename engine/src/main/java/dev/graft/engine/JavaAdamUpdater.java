package dev.graft.engine;

import java.util.stream.IntStream;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * DL4J's Adam step computed by a plain Java loop that the JIT vectorizes, instead of libnd4j's {@code adam_updater}
 * op.
 *
 * <p>libnd4j 1.0.0-M2.1 computes the per-element square root of Adam's second moment with a scalar call; on the
 * 1.05 M parameters of a 4096-256-10 head the op takes about 4 ms a step against 0.5 ms for this loop (both one
 * thread; BENCHMARKS.md). The arithmetic is the op's, in the same order and in float: the moments and the update
 * come out bit-identical (tested). The state (first and second moment) stays where DL4J keeps it, in the
 * network's updater state array, so saving, resuming and {@code setLrAndSchedule} on the {@link Adam} config
 * work unchanged; each step copies gradient and moments chunk by chunk into small reused heap arrays and back.
 * With enough parameters, contiguous ranges run in parallel on the cores Graft was given ({@link #parallelism()};
 * the loop is memory-bound).
 *
 * <p>Arrays that are not contiguous float vectors fall back to the native op. Graft installs this updater in
 * place of DL4J's through {@link Engine#attachFastUpdaters}; the network's configuration still says
 * {@code Adam}.
 *
 * @apiNote Internal: public only for transfer's dense head step.
 */
public final class JavaAdamUpdater extends AdamUpdater {
    /** Elements per chunk: four float chunks of 64 KiB stay in a core's L2 cache. */
    static final int CHUNK = 16_384;

    /** Per part: gradient, first moment, second moment and parameter chunks. */
    private float[][][] scratch = {new float[4][CHUNK]};

    /** An updater for {@code config} (the same object DL4J's updater uses, so rate changes apply). */
    public JavaAdamUpdater(Adam config) {
        super(config);
    }

    /** Takes over the state views of {@code dl4j} (same config, same moment arrays). */
    static JavaAdamUpdater replacing(AdamUpdater dl4j) {
        JavaAdamUpdater u = new JavaAdamUpdater(dl4j.getConfig());
        u.setM(dl4j.getM());
        u.setV(dl4j.getV());
        u.setGradientReshapeOrder(dl4j.getGradientReshapeOrder());
        return u;
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (!run(gradient, null, 1f, iteration, epoch)) {
            super.applyUpdater(gradient, iteration, epoch);
        }
    }

    /**
     * What DL4J does to a block's gradient and parameters in a plain SGD step with this updater, fused into one
     * pass: divide the gradient by {@code divisor} (the minibatch size, as DL4J's updater does; 1 for none), take
     * the Adam step, subtract the update from {@code params}. Same float operations in the same order as the
     * separate passes, so parameters and moments come out bit-identical; the gradient array is left as it was
     * (DL4J would leave the update in it). Only for blocks without regularization or gradient normalization
     * (those act between the passes); callers check that.
     *
     * @return false, changing nothing, if an array is not a contiguous float vector laid out like the state
     */
    public boolean applyAndStep(INDArray gradient, INDArray params, float divisor, int iteration, int epoch) {
        return params != null && run(gradient, params, divisor, iteration, epoch);
    }

    private boolean run(INDArray gradient, INDArray params, float divisor, int iteration, int epoch) {
        INDArray stateM = getM();
        INDArray stateV = getV();
        if (stateM == null || stateV == null) {
            throw new IllegalStateException("Adam updater has no state view; DL4J sets it with setStateViewArray");
        }
        if (!contiguousFloat(gradient) || !sameLayout(gradient, stateM) || !sameLayout(gradient, stateV)
                || (params != null && !sameLayout(gradient, params)) || gradient.length() > Integer.MAX_VALUE) {
            return false;
        }
        Adam c = getConfig();
        int n = (int) gradient.length();
        // scalars exactly as libnd4j's adamUpdater_<float> derives them
        float lr = (float) c.getLearningRate(iteration, epoch);
        float beta1 = (float) c.getBeta1();
        float beta2 = (float) c.getBeta2();
        float epsilon = (float) c.getEpsilon();
        float beta1T = (float) Math.pow(beta1, iteration + 1f);
        float beta2T = (float) Math.pow(beta2, iteration + 1f);
        float epsilonT = (float) ((lr * (float) Math.sqrt((float) (1.0 - beta2T))) / (1.0 - beta1T));
        if (Float.isNaN(epsilonT) || Float.isInfinite(epsilonT) || epsilonT == 0f) {
            epsilonT = epsilon;
        }
        FloatPointer[] arrays = {pointer(gradient), pointer(stateM), pointer(stateV),
            params == null ? null : pointer(params)};
        float[] k = {beta1, beta2, epsilon, epsilonT, divisor};
        int chunks = (n + CHUNK - 1) / CHUNK;
        int parts = Math.min(parallelism(), chunks / 4); // worth splitting from 4 chunks per part
        if (parts <= 1) {
            range(0, n, 0, arrays, k);
            return true;
        }
        scratch(parts);
        // contiguous ranges of whole chunks, one per native thread (the parallel stream's workers plus the caller)
        IntStream.range(0, parts).parallel().forEach(p -> {
            int from = (int) ((long) chunks * p / parts) * CHUNK;
            int to = Math.min(n, (int) ((long) chunks * (p + 1) / parts) * CHUNK);
            FloatPointer[] own = new FloatPointer[arrays.length];
            for (int i = 0; i < arrays.length; i++) {
                own[i] = arrays[i] == null ? null : new FloatPointer(arrays[i]);
            }
            range(from, to, p, own, k);
        });
        return true;
    }

    /**
     * Parts a large step splits into: the native thread count, or the count the process started with if that is
     * larger. Graft trains dense networks with one native thread ({@link Engine#trainingThreads}: their many small
     * ops only wait on each other), but this memory-bound loop gains from the second core: a 4096-256-10 head
     * 1.03-1.19x faster with 2 parts than 1 (BENCHMARKS.md). The parts run on the common fork-join pool, whose
     * caller takes any part no worker has started, so a busy core delays nothing.
     */
    static int parallelism() {
        return Math.max(Engine.threads(), Engine.startThreads());
    }

    /**
     * Elements {@code [from, to)}, chunk by chunk through scratch set {@code part}, so the heap copies stay in cache:
     * memory traffic is one read and one write per array. {@code a}: gradient, m, v, and parameters or null.
     */
    private void range(int from, int to, int part, FloatPointer[] a, float[] k) {
        float[][] s = scratch[part];
        long[] base = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            base[i] = a[i] == null ? 0 : a[i].position();
        }
        boolean fused = a[3] != null;
        for (int at = from; at < to; at += CHUNK) {
            int len = Math.min(CHUNK, to - at);
            for (int i = 0; i < (fused ? 4 : 3); i++) {
                a[i].position(base[i] + at).get(s[i], 0, len);
            }
            if (fused) {
                stepAndSubtract(s[0], s[1], s[2], s[3], len, k[4], k[0], k[1], k[2], k[3]);
                a[3].position(base[3] + at).put(s[3], 0, len);
            } else {
                step(s[0], s[1], s[2], len, k[0], k[1], k[2], k[3]);
                a[0].position(base[0] + at).put(s[0], 0, len);
            }
            a[1].position(base[1] + at).put(s[1], 0, len);
            a[2].position(base[2] + at).put(s[2], 0, len);
        }
    }

    private void scratch(int parts) {
        if (scratch.length < parts) {
            float[][][] more = java.util.Arrays.copyOf(scratch, parts);
            for (int p = scratch.length; p < parts; p++) {
                more[p] = new float[4][CHUNK];
            }
            scratch = more;
        }
    }

    /** One Adam step in place: {@code gs} becomes the update. Kept small and branch-free for the JIT. */
    static void step(float[] gs, float[] ms, float[] vs, int n, float beta1, float beta2, float epsilon,
            float epsilonT) {
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        for (int i = 0; i < n; i++) {
            float grad = gs[i];
            float mi = beta1 * ms[i] + grad * oneMinusBeta1;
            float vi = beta2 * vs[i] + grad * grad * oneMinusBeta2;
            ms[i] = mi;
            vs[i] = vi;
            gs[i] = (mi * epsilonT) / ((float) Math.sqrt(vi) + epsilon);
        }
    }

    /** {@link #step} on the gradient divided by {@code divisor}, then {@code ps -= update}. */
    static void stepAndSubtract(float[] gs, float[] ms, float[] vs, float[] ps, int n, float divisor, float beta1,
            float beta2, float epsilon, float epsilonT) {
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        for (int i = 0; i < n; i++) {
            float grad = gs[i] / divisor;
            float mi = beta1 * ms[i] + grad * oneMinusBeta1;
            float vi = beta2 * vs[i] + grad * grad * oneMinusBeta2;
            ms[i] = mi;
            vs[i] = vi;
            ps[i] = ps[i] - (mi * epsilonT) / ((float) Math.sqrt(vi) + epsilon);
        }
    }

    private static boolean contiguousFloat(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.length() > 0 && (a.length() == 1 || a.elementWiseStride() == 1)
                && !a.wasClosed();
    }

    /** True if element i of {@code a} and of {@code b} sit at the same position of their buffers' runs. */
    private static boolean sameLayout(INDArray a, INDArray b) {
        if (!contiguousFloat(b) || a.length() != b.length()) {
            return false;
        }
        boolean linear = (a.isVector() || a.length() == 1) && (b.isVector() || b.length() == 1);
        return linear || (java.util.Arrays.equals(a.shape(), b.shape()) && java.util.Arrays.equals(a.stride(), b.stride())
                && a.ordering() == b.ordering());
    }

    /** Native pointer to element 0 of {@code a} (a view's buffer may itself start at an offset). */
    private static FloatPointer pointer(INDArray a) {
        return new FloatPointer(a.data().addressPointer()).position(a.offset() - a.data().offset());
    }
}
