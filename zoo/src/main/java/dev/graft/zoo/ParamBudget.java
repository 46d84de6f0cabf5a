package dev.graft.zoo;

import java.util.Locale;
import org.bytedeco.javacpp.Pointer;

/**
 * Refuses network sizes that cannot fit before anything is allocated: a width typed with too many zeros would
 * otherwise run for a minute and die in native code ({@code std::bad_alloc}) or with an OutOfMemoryError.
 *
 * @apiNote Internal: public only for the CLI's size checks.
 */
public final class ParamBudget {
    /** Bytes per parameter while training: weights, gradients and two Adam moments, in float32. */
    static final long TRAINING_BYTES_PER_PARAM = 16;

    private ParamBudget() {
    }

    /**
     * Requires that a network of {@code params} parameters can be trained in this process: fewer than 2^31 parameters
     * (DL4J keeps them in one flat array) and weights, gradients and updater state within the memory ND4J may use
     * (JavaCPP's {@code maxBytes}, and the machine's physical memory).
     *
     * @param what what asks for the parameters, e.g. {@code "--widths 100000000 on 64 inputs"}
     * @param fix  what to do instead, e.g. {@code "use narrower layers"}
     * @throws IllegalArgumentException saying how many parameters and bytes were asked for and what is available
     */
    public static void require(long params, String what, String fix) {
        long limit = memoryLimit();
        boolean overflow = params < 0 || params > Long.MAX_VALUE / TRAINING_BYTES_PER_PARAM;
        long bytes = overflow ? Long.MAX_VALUE : params * TRAINING_BYTES_PER_PARAM;
        if (overflow || params >= Integer.MAX_VALUE || bytes > limit) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s needs %s parameters (%s for weights, gradients and updater state), more than fit in this process "
                            + "(at most %,d parameters and %s of memory); %s",
                    what, overflow ? "too many" : String.format(Locale.ROOT, "%,d", params),
                    overflow ? "too much memory" : Pointer.formatBytes(bytes), Integer.MAX_VALUE - 1L,
                    Pointer.formatBytes(limit), fix));
        }
    }

    /** Saturating product of non-negative sizes. */
    public static long times(long a, long b) {
        if (a == 0 || b == 0) {
            return 0;
        }
        return a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }

    /** Parameters of dense layers of these widths on {@code inputs} inputs (weights and biases), saturating. */
    public static long denseStack(long inputs, int... widths) {
        long total = 0;
        long in = inputs;
        for (int w : widths) {
            long layer = times(in + 1, w);
            total = layer > Long.MAX_VALUE - total ? Long.MAX_VALUE : total + layer;
            in = w;
        }
        return total;
    }

    private static long memoryLimit() {
        long limit = Pointer.maxBytes() > 0 ? Pointer.maxBytes() : Long.MAX_VALUE;
        try {
            long physical = Pointer.totalPhysicalBytes();
            if (physical > 0) {
                limit = Math.min(limit, physical);
            }
        } catch (UnsatisfiedLinkError e) {
            // JavaCPP's native helper not loaded: the JavaCPP limit alone
        }
        return limit;
    }
}
