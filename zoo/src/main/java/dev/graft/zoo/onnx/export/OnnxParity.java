package dev.graft.zoo.onnx.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs an exported model in ONNX Runtime next to the DL4J network it came from, on the same batch, and compares
 * element-wise: each output element must satisfy {@code |ort - dl4j| <= 1e-4 + 1e-3 |dl4j|}; a NaN or infinity on
 * either side fails. DL4J's side is inference mode (no dropout, batch norm from its running statistics).
 *
 * <p>Example: {@code OnnxParity.Result r = OnnxParity.check(net, exported, batch); if (!r.passed()) ...}.
 */
public final class OnnxParity {
    /** Absolute part of the tolerance. */
    public static final double ABSOLUTE = 1e-4;
    /** Relative part of the tolerance (times |dl4j|). */
    public static final double RELATIVE = 1e-3;

    private OnnxParity() {
    }

    /**
     * The outcome of one comparison.
     *
     * @param passed whether every element of every output is within tolerance
     * @param maxAbsDiff the largest {@code |ort - dl4j|} (NaN if a non-finite value was met)
     * @param worstRatio the largest {@code |ort - dl4j| / (1e-4 + 1e-3 |dl4j|)}: at most 1 when passed
     * @param detail which output and element was worst, and the values there
     */
    public record Result(boolean passed, double maxAbsDiff, double worstRatio, String detail) {
    }

    /**
     * Compares ONNX Runtime's outputs of {@code exported} with DL4J's activations of the same layers/vertices.
     *
     * @param network the network {@code exported} came from, unchanged since
     * @param inputs one batch per network input, in DL4J's layout
     * @throws OrtException if ONNX Runtime cannot load or run the model
     */
    public static Result check(Model network, ExportedOnnxModel exported, INDArray... inputs) throws OrtException {
        // DL4J gets copies: its activation layers work in place, on the caller's array when one comes first
        INDArray[] copies = Arrays.stream(inputs).map(INDArray::dup).toArray(INDArray[]::new);
        List<INDArray> expected = dl4jOutputs(network, exported, copies);
        List<INDArray> actual = run(exported, 1, inputs);
        return compare(exported.outputNames(), expected, actual);
    }

    /**
     * Runs {@code exported} in ONNX Runtime (a session made for this call, {@code threads} intra-op threads, no
     * spinning); returns its outputs in order.
     *
     * @throws OrtException if ONNX Runtime cannot load or run the model
     */
    public static List<INDArray> run(ExportedOnnxModel exported, int threads, INDArray... inputs)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = sessionOptions(threads);
                OrtSession session = env.createSession(exported.toByteArray(), opts)) {
            return run(session, exported, inputs);
        }
    }

    /** Session options as Graft measured them fastest: {@code threads} intra-op threads, no spin-waiting. */
    public static OrtSession.SessionOptions sessionOptions(int threads) throws OrtException {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setIntraOpNumThreads(threads);
        opts.setInterOpNumThreads(1);
        opts.addConfigEntry("session.intra_op.allow_spinning", "0");
        opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return opts;
    }

    /**
     * Runs an open session of {@code exported} on {@code inputs}; returns its outputs in order.
     *
     * @throws IllegalArgumentException if the number of inputs differs from the model's
     * @throws OrtException if ONNX Runtime fails
     */
    public static List<INDArray> run(OrtSession session, ExportedOnnxModel exported, INDArray... inputs)
            throws OrtException {
        if (inputs.length != exported.inputNames().size()) {
            throw new IllegalArgumentException(inputs.length + " input arrays given; the model takes "
                    + exported.inputNames().size() + ": " + exported.inputNames());
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            for (int i = 0; i < inputs.length; i++) {
                INDArray in = inputs[i];
                feed.put(exported.inputNames().get(i), OnnxTensor.createTensor(env,
                        FloatBuffer.wrap(LayerExporter.floats(in)), in.shape()));
            }
            try (OrtSession.Result r = session.run(feed)) {
                List<INDArray> out = new ArrayList<>();
                for (int i = 0; i < r.size(); i++) {
                    OnnxTensor t = (OnnxTensor) r.get(i);
                    FloatBuffer fb = t.getFloatBuffer();
                    float[] f = new float[fb.remaining()];
                    fb.get(f);
                    out.add(Nd4j.create(f, t.getInfo().getShape(), 'c'));
                }
                return out;
            }
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    /** DL4J's inference activations at the exported model's outputs. */
    public static List<INDArray> dl4jOutputs(Model network, ExportedOnnxModel exported, INDArray... inputs) {
        List<INDArray> out = new ArrayList<>();
        if (network instanceof MultiLayerNetwork) {
            MultiLayerNetwork n = (MultiLayerNetwork) network;
            int idx = OnnxExporter.Builder.layerIndex(n, exported.outputNames().get(0));
            out.add(n.feedForwardToLayer(idx, inputs[0], false).get(idx + 1));
        } else {
            // the forward pass stops at each output, so no later (in-place) activation layer can change it
            // (DL4J's output(List, ...) left a workspace open on DL4J's zoo Darknet19)
            for (String o : exported.outputNames()) {
                out.add(activation((ComputationGraph) network, o, inputs));
            }
        }
        return out;
    }

    /** DL4J's inference activation of vertex {@code name}, the forward pass stopped there. */
    static INDArray activation(ComputationGraph g, String name, INDArray... inputs) {
        int vertex = g.getVertex(name).getVertexIndex();
        int[] order = g.topologicalSortOrder();
        int position = 0;
        while (order[position] != vertex) {
            position++;
        }
        return g.feedForward(inputs, position, false, false).get(name);
    }

    /** Element-wise comparison of {@code actual} (ONNX Runtime) with {@code expected} (DL4J). */
    public static Result compare(List<String> names, List<INDArray> expected, List<INDArray> actual) {
        double maxAbs = 0;
        double worst = 0;
        String detail = "all within tolerance";
        boolean passed = true;
        for (int o = 0; o < expected.size(); o++) {
            INDArray e = expected.get(o);
            INDArray a = actual.get(o);
            if (!Arrays.equals(e.shape(), a.shape())) {
                return new Result(false, Double.NaN, Double.POSITIVE_INFINITY, "output '" + names.get(o)
                        + "': DL4J shape " + Arrays.toString(e.shape()) + ", ONNX Runtime shape "
                        + Arrays.toString(a.shape()));
            }
            double[] ev = e.castTo(DataType.DOUBLE).dup('c').reshape(e.length()).toDoubleVector();
            double[] av = a.castTo(DataType.DOUBLE).dup('c').reshape(a.length()).toDoubleVector();
            for (int i = 0; i < ev.length; i++) {
                double d = Math.abs(av[i] - ev[i]);
                double ratio = d / (ABSOLUTE + RELATIVE * Math.abs(ev[i]));
                if (!Double.isFinite(ev[i]) || !Double.isFinite(av[i])) {
                    return new Result(false, Double.NaN, Double.POSITIVE_INFINITY, "output '" + names.get(o)
                            + "' element " + i + ": DL4J " + ev[i] + ", ONNX Runtime " + av[i] + " (not finite)");
                }
                maxAbs = Math.max(maxAbs, d);
                if (ratio > worst) {
                    worst = ratio;
                    detail = "worst: output '" + names.get(o) + "' element " + i + ": DL4J " + ev[i]
                            + ", ONNX Runtime " + av[i];
                }
                passed &= ratio <= 1.0;
            }
        }
        return new Result(passed, maxAbs, worst, detail);
    }
}
