package dev.graft.zoo.keras;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Compares an imported model's outputs with the ones Keras computed, stored in an {@code .npz} with arrays
 * {@code input} and {@code output}:
 * <pre>{@code
 * np.savez("ref.npz", input=x, output=model.predict(x))
 * }</pre>
 * The input is fed to the network as it is (it is what the Keras model received, so the card's normalization is
 * not applied); Keras' channels-last batches are permuted when the imported network is channels-first. Every
 * element must be finite and within {@code atol + rtol * |ref|} ({@link Tolerance}); a NaN or an infinity anywhere
 * fails, and an output whose shape cannot be matched to the reference's is reported as a shape mismatch.
 */
public final class ParityCheck {
    /** The absolute tolerance of {@link Tolerance#DEFAULT}. */
    public static final double DEFAULT_TOLERANCE = Tolerance.DEFAULT.atol();

    private ParityCheck() {
    }

    /** The two arrays of a reference file: what the model received and what it returned. */
    public record Reference(INDArray input, INDArray output) {
    }

    /**
     * Runs the reference input through the model and compares element by element.
     *
     * @throws IOException if the npz is missing, unreadable, or lacks {@code input}/{@code output}
     * @throws IllegalArgumentException if the shapes cannot be matched (the message says both shapes)
     */
    public static ParityReport of(GraftModel model, Path referenceNpz, Tolerance tolerance) throws IOException {
        Objects.requireNonNull(tolerance, "tolerance");
        Reference ref = reference(referenceNpz);
        INDArray in = toNetworkLayout(model, ref.input());
        return compare("network", output(model.network(), in), ref.output(), tolerance);
    }

    /**
     * The network's only output for {@code in}, in inference mode.
     *
     * @throws IllegalArgumentException if the network is a graph with several inputs or outputs
     */
    static INDArray output(org.deeplearning4j.nn.api.Model network, INDArray in) {
        if (network instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) network).output(in, false);
        }
        ComputationGraph g = (ComputationGraph) network;
        if (g.getNumInputArrays() != 1 || g.getNumOutputArrays() != 1) {
            throw new IllegalArgumentException("the parity check compares one input and one output array; this "
                    + "model has " + g.getNumInputArrays() + " inputs and " + g.getNumOutputArrays() + " outputs");
        }
        return g.outputSingle(false, in);
    }

    /**
     * Like {@link #of(GraftModel, Path, Tolerance)} with a purely absolute tolerance (kept for callers of Graft
     * 0.1; the relative form is the better check for deep networks).
     *
     * @throws IllegalArgumentException if the tolerance is negative
     */
    public static ParityReport of(GraftModel model, Path referenceNpz, double tolerance) throws IOException {
        return of(model, referenceNpz, Tolerance.absolute(tolerance));
    }

    /**
     * Reads a reference file's {@code input} and {@code output} as float arrays.
     *
     * @throws IOException if the file is missing, not an npz, or lacks either array
     */
    public static Reference reference(Path referenceNpz) throws IOException {
        Map<String, INDArray> ref = readNpz(referenceNpz);
        return new Reference(ref.get("input").castTo(DataType.FLOAT), ref.get("output").castTo(DataType.FLOAT));
    }

    /**
     * Compares {@code got} with {@code expected} element by element. {@code got} may be in the network's layout
     * (channels-first, or a sequence as [N, C, T]): it is permuted or reshaped to the reference's shape when the
     * element count and layout allow.
     *
     * @param path what produced {@code got}, for the report
     * @throws IllegalArgumentException if the shapes cannot be matched
     */
    public static ParityReport compare(String path, INDArray got, INDArray expected, Tolerance tolerance) {
        INDArray g = matchShape(got.castTo(DataType.FLOAT), expected).dup('c');
        float[] a = g.data().asFloat();
        float[] r = expected.castTo(DataType.FLOAT).dup('c').data().asFloat();
        double maxAbs = Double.NaN;
        long worst = -1;
        double worstExcess = 0;
        long failing = 0;
        long nonFinite = 0;
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i])) {
                nonFinite++;
                failing++;
                if (nonFinite == 1) {
                    worst = i;
                    worstExcess = Double.POSITIVE_INFINITY;
                }
                continue;
            }
            double d = Math.abs((double) a[i] - r[i]);
            if (!(d <= maxAbs)) {
                maxAbs = d;
            }
            double excess = d - tolerance.allowed(r[i]);
            if (!(excess <= 0)) { // NaN reference values fail too
                failing++;
                if (!(excess <= worstExcess) && worstExcess != Double.POSITIVE_INFINITY) {
                    worstExcess = Double.isNaN(excess) ? Double.MAX_VALUE : excess;
                    worst = i;
                }
            }
        }
        return new ParityReport(path, maxAbs, worst, worst < 0 ? Double.NaN : a[(int) worst],
                worst < 0 ? Double.NaN : r[(int) worst], failing, nonFinite, tolerance, expected.size(0),
                expected.shape());
    }

    /** Reads an .npz that must hold {@code input} and {@code output}. */
    static Map<String, INDArray> readNpz(Path npz) throws IOException {
        Map<String, INDArray> m = readArrays(npz);
        for (String k : new String[] {"input", "output"}) {
            if (!m.containsKey(k)) {
                throw new IOException("reference file " + npz + " has no '" + k + "' array (it has " + m.keySet()
                        + "); write it with numpy.savez(path, input=x, output=y)");
            }
        }
        return m;
    }

    /** Reads every array of an .npz (np.savez or np.savez_compressed): a zip of .npy files. */
    static Map<String, INDArray> readArrays(Path npz) throws IOException {
        if (!Files.isRegularFile(npz)) {
            throw new FileNotFoundException("reference file " + npz + " does not exist");
        }
        Map<String, INDArray> m = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            for (ZipEntry e : Collections.list(zip.entries())) {
                if (!e.getName().endsWith(".npy")) {
                    continue;
                }
                byte[] bytes;
                try (InputStream in = zip.getInputStream(e)) {
                    bytes = in.readAllBytes();
                }
                try {
                    m.put(e.getName().substring(0, e.getName().length() - 4), Nd4j.createNpyFromByteArray(bytes));
                } catch (RuntimeException ex) {
                    throw new IOException("reference file " + npz + ": array " + e.getName() + " is not a readable "
                            + ".npy (" + ex.getMessage() + ")", ex);
                }
            }
        } catch (ZipException e) {
            throw new IOException("reference file " + npz + " is not an .npz (not a zip: " + e.getMessage()
                    + "); write it with numpy.savez(path, input=x, output=y)", e);
        }
        return m;
    }

    /** Keras batches are channels-last; permute or reshape to what the imported network takes. */
    /**
     * The reference input (a Keras batch: channels-last) in the layout the imported network takes.
     *
     * @throws IllegalArgumentException if the input's size does not fit the model's input shape
     */
    public static INDArray toNetworkLayout(GraftModel model, INDArray x) {
        InputLayout layout = model.card().layout();
        long[] shape = model.card().inputShape();
        INDArray in = x;
        if (layout == InputLayout.NCHW && x.rank() == 4) {
            in = x.permute(0, 3, 1, 2).dup();
        } else if (layout == InputLayout.NCW && x.rank() == 3) {
            in = x.permute(0, 2, 1).dup();
        }
        if (shape.length > 0) {
            long[] want = new long[shape.length + 1];
            want[0] = in.size(0);
            System.arraycopy(shape, 0, want, 1, shape.length);
            if (!Arrays.equals(in.shape(), want)) {
                if (in.length() != Arrays.stream(want).reduce(1, (a, b) -> a * b)) {
                    throw new IllegalArgumentException("reference input has shape " + Arrays.toString(x.shape())
                            + " but the model takes " + Arrays.toString(shape) + " (" + layout + ") per example");
                }
                in = in.reshape(want);
            }
        }
        return in;
    }

    private static INDArray matchShape(INDArray got, INDArray expected) {
        if (Arrays.equals(got.shape(), expected.shape())) {
            return got;
        }
        if (got.rank() == 3 && expected.rank() == 3
                && Arrays.equals(got.permute(0, 2, 1).shape(), expected.shape())) {
            return got.permute(0, 2, 1);
        }
        if (got.rank() == 4 && expected.rank() == 4
                && Arrays.equals(got.permute(0, 2, 3, 1).shape(), expected.shape())) {
            return got.permute(0, 2, 3, 1); // NCHW network, NHWC reference
        }
        if (Arrays.equals(withoutOnes(got.shape()), withoutOnes(expected.shape()))
                || (got.size(0) == expected.size(0) && got.length() == expected.length())) {
            // e.g. [N, C, 1, 1] against [N, C], or DL4J leaving out a final Flatten: [N, T, C] against [N, T*C].
            // Row-major order is Keras' flatten order; a layout that differs shows up as a value mismatch.
            return got.reshape('c', expected.shape());
        }
        throw new IllegalArgumentException("shape mismatch: the model's output has shape "
                + Arrays.toString(got.shape()) + " but the reference output has " + Arrays.toString(expected.shape())
                + "; check that the reference was written by the same model");
    }

    private static long[] withoutOnes(long[] shape) {
        return Arrays.stream(shape).filter(d -> d != 1).toArray();
    }
}
