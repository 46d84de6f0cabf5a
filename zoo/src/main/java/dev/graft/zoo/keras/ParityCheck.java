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
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Compares an imported model's outputs with the ones Keras computed, stored in an {@code .npz} with arrays
 * {@code input} and {@code output}:
 * <pre>{@code
 * np.savez("ref.npz", input=x, output=model.predict(x))
 * }</pre>
 * The input is fed to the network as it is (it is what the Keras model received, so the card's normalization is
 * not applied); Keras' channels-last batches are permuted when the imported network is channels-first.
 */
public final class ParityCheck {
    /** The tolerance used when none is given. */
    public static final double DEFAULT_TOLERANCE = 1e-4;

    private ParityCheck() {
    }

    /**
     * Runs the reference input through the model and measures the largest absolute difference.
     *
     * @throws IOException if the npz is missing, unreadable, or lacks {@code input}/{@code output}
     * @throws IllegalArgumentException if the tolerance is negative or the shapes cannot be matched
     */
    public static ParityReport of(GraftModel model, Path referenceNpz, double tolerance) throws IOException {
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException("tolerance must be >= 0, got " + tolerance);
        }
        Map<String, INDArray> ref = readNpz(referenceNpz);
        INDArray x = ref.get("input").castTo(DataType.FLOAT);
        INDArray expected = ref.get("output").castTo(DataType.FLOAT);
        INDArray in = toNetworkLayout(model, x);
        INDArray got;
        if (model.network() instanceof MultiLayerNetwork) {
            got = ((MultiLayerNetwork) model.network()).output(in, false);
        } else {
            ComputationGraph g = (ComputationGraph) model.network();
            if (g.getNumInputArrays() != 1 || g.getNumOutputArrays() != 1) {
                throw new IllegalArgumentException("the parity check compares one input and one output array; this "
                        + "model has " + g.getNumInputArrays() + " inputs and " + g.getNumOutputArrays() + " outputs");
            }
            got = g.outputSingle(false, in);
        }
        got = matchShape(got.castTo(DataType.FLOAT), expected);
        double max = Transforms.abs(got.sub(expected)).maxNumber().doubleValue();
        return new ParityReport(max, tolerance, x.size(0), expected.shape());
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
    static INDArray toNetworkLayout(GraftModel model, INDArray x) {
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
        if (got.length() == expected.length()) {
            return got.reshape(expected.shape());
        }
        throw new IllegalArgumentException("the model's output has shape " + Arrays.toString(got.shape())
                + " but the reference output has " + Arrays.toString(expected.shape()));
    }
}
