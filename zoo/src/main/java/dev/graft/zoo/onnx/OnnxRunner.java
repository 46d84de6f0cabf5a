package dev.graft.zoo.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs a one-input, one-output ONNX graph (typically one {@link OnnxGraph#cut(String) cut} at a feature tensor) with
 * ONNX Runtime, reading from and writing into ND4J's native buffers: the input batch is handed to ONNX Runtime as a
 * direct native-order {@link FloatBuffer} (no copy), and the output is written straight into a new {@link INDArray}
 * (a pinned output).
 *
 * <p>Sessions use {@code threads} intra-op threads, one inter-op thread, full graph optimization, and
 * {@code session.intra_op.allow_spinning=0}: spinning threads made ONNX Runtime 1.2-2.3x slower when another process
 * used a core, and no faster when quiet (the lesson of OMP_WAIT_POLICY=PASSIVE). Thread-safe: ONNX Runtime
 * sessions may be run concurrently.
 *
 * <p>A graph whose batch dimension is fixed at {@code k} (what {@code torch.onnx.export} writes without
 * {@code dynamic_axes}) runs batches of any size: they are fed in chunks of {@code k} rows, the last one padded with
 * zero rows whose outputs are dropped (see {@link #fixedBatch()}).
 * <pre>{@code
 * try (OnnxRunner r = OnnxRunner.open(graph.cut("/Flatten_output_0"), 2)) {
 *     INDArray features = r.run(normalizedBatch);   // [batch, 512]
 * }
 * }</pre>
 */
public final class OnnxRunner implements AutoCloseable {
    private final OnnxGraph graph;
    private final OrtSession session;
    private final String inputName;
    private final String outputName;
    private final long[] inputShape;
    private final int threads;
    private final java.util.concurrent.ConcurrentHashMap<String, long[]> outputShapes = new java.util.concurrent.ConcurrentHashMap<>();

    private OnnxRunner(OnnxGraph graph, OrtSession session, int threads) {
        this.graph = graph;
        this.session = session;
        this.threads = threads;
        OnnxGraph.Port in = graph.input();
        if (!in.elementType().equals("float")) {
            close();
            throw new IllegalArgumentException(graph.source() + " takes " + in.elementType() + " input '" + in.name()
                    + "'; Graft feeds float32 images — export the model with a float input");
        }
        if (graph.outputs().size() != 1) {
            close();
            throw new IllegalArgumentException(graph.source() + " has " + graph.outputs().size() + " outputs "
                    + graph.outputs() + "; cut it at one tensor first (OnnxGraph.cut)");
        }
        OnnxGraph.Port o = graph.outputs().get(0);
        if (!o.elementType().equals("float") && !o.elementType().equals("unknown")) {
            close();
            throw new IllegalArgumentException(graph.source() + ": output tensor '" + o.name() + "' is "
                    + o.elementType() + ", not float32; Graft runs graphs to float32 tensors — cut at a floating-point "
                    + "tensor (graft inspect lists them; OnnxGraph.cut casts float16/bfloat16/double to float32)");
        }
        this.inputName = in.name();
        this.inputShape = in.shape();
        this.outputName = graph.outputs().get(0).name();
    }

    /**
     * Opens an ONNX Runtime session on the graph.
     *
     * @param threads intra-op threads, {@code >= 1} (Graft passes its engine's thread count)
     * @throws IllegalArgumentException if threads is below 1, the graph has several inputs or outputs or a non-float
     *     input, or ONNX Runtime cannot load it (its reason is in the message)
     */
    public static OnnxRunner open(OnnxGraph graph, int threads) {
        Objects.requireNonNull(graph, "graph");
        if (threads < 1) {
            throw new IllegalArgumentException("ONNX Runtime threads must be >= 1, got " + threads);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(threads);
            o.setInterOpNumThreads(1);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.addConfigEntry("session.intra_op.allow_spinning", "0");
            o.addConfigEntry("session.inter_op.allow_spinning", "0");
            return new OnnxRunner(graph, env.createSession(graph.bytes(), o), threads);
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime cannot load " + graph.source() + ": " + e.getMessage()
                    + " — check that the file is a valid ONNX model (opset " + graph.opset() + ")", e);
        }
    }

    /** The graph this runner runs. */
    public OnnxGraph graph() {
        return graph;
    }

    /** Intra-op threads of the session. */
    public int threads() {
        return threads;
    }

    /** The graph's input shape with the batch dimension, {@code -1} where dynamic. */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /**
     * The batch size the graph's input is fixed at, or 0 when its batch dimension is dynamic. When fixed,
     * {@link #run(INDArray)} feeds batches of any size in chunks of this many rows.
     */
    public int fixedBatch() {
        return inputShape.length > 0 && inputShape[0] > 0 ? (int) inputShape[0] : 0;
    }

    /**
     * Shape of one example's output (no batch dimension) for examples of shape {@code example}: found by running one
     * zero example once (an inner tensor of a cut graph has no shape recorded) and remembered.
     *
     * @throws IllegalArgumentException if {@code example} does not fit the graph's input
     */
    public long[] outputShape(long... example) {
        long[] s = outputShapes.computeIfAbsent(Arrays.toString(example), k -> {
            INDArray out = runUnpinned(Nd4j.zeros(DataType.FLOAT, concat(Math.max(1, fixedBatch()), example)));
            return Arrays.copyOfRange(out.shape(), 1, out.rank());
        });
        return s.clone();
    }

    /**
     * Runs a batch through the graph, inference only.
     *
     * @param batch float {@code [batch, ...]} in the graph's own input layout (for torchvision models NCHW),
     *     already normalized; any batch size, also when the graph's batch is {@link #fixedBatch() fixed}
     * @return the graph's output, {@code [batch, ...outputShape]}, float, c order
     * @throws IllegalArgumentException if the batch's rank or a fixed dimension other than the batch differs from the
     *     graph's input (the message gives both shapes), or ONNX Runtime fails on it
     */
    public INDArray run(INDArray batch) {
        checkShape(batch);
        int k = fixedBatch();
        long n = batch.size(0);
        if (k > 0 && n != k) {
            return runInChunks(batch, k);
        }
        return runExact(batch);
    }

    /** Runs a graph with its batch fixed at k on n != k rows: chunks of k, the last padded with zeros. */
    private INDArray runInChunks(INDArray batch, int k) {
        long n = batch.size(0);
        long[] example = Arrays.copyOfRange(batch.shape(), 1, batch.rank());
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, concat(n, outputShape(example)), 'c');
        INDArray in = contiguousFloat(batch);
        for (long start = 0; start < n; start += k) {
            long rows = Math.min(k, n - start);
            INDArray chunk = Nd4j.zeros(DataType.FLOAT, concat(k, example));
            chunk.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, rows)).assign(
                    in.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, start + rows)));
            INDArray y = runExact(chunk);
            out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, start + rows)).assign(
                    y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, rows)));
        }
        return out;
    }

    private INDArray runExact(INDArray batch) {
        long[] example = Arrays.copyOfRange(batch.shape(), 1, batch.rank());
        long[] perExample = outputShape(example);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, concat(batch.size(0), perExample), 'c');
        INDArray in = contiguousFloat(batch);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor x = OnnxTensor.createTensor(env, floats(in), in.shape());
             OnnxTensor y = OnnxTensor.createTensor(env, floats(out), out.shape());
             OrtSession.Result r = session.run(Map.of(inputName, x), Map.of(outputName, y))) {
            return out;
        } catch (OrtException e) {
            throw failed(batch, e);
        }
    }

    private INDArray runUnpinned(INDArray batch) {
        checkShape(batch);
        INDArray in = contiguousFloat(batch);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor x = OnnxTensor.createTensor(env, floats(in), in.shape());
             OrtSession.Result r = session.run(Map.of(inputName, x))) {
            OnnxValue v = r.get(0);
            if (!(v instanceof OnnxTensor t)) {
                throw new IllegalArgumentException(graph.source() + ": output '" + outputName + "' is a "
                        + v.getType() + ", not a tensor; cut the graph at a tensor");
            }
            long[] shape = t.getInfo().getShape();
            FloatBuffer fb = t.getFloatBuffer();
            float[] data = new float[fb.remaining()];
            fb.get(data);
            return Nd4j.create(data, shape, 'c');
        } catch (OrtException e) {
            throw failed(batch, e);
        }
    }

    /**
     * The shapes (batch dimension included: 1, or the graph's fixed batch size) of the given tensors when one zero example of shape
     * {@code example} runs through the whole graph: the graph is run once with those tensors added as outputs.
     *
     * @param tensors node outputs of the graph
     * @return shape by tensor name, in the order given
     * @throws IllegalArgumentException if ONNX Runtime cannot run the graph on that shape
     */
    public static Map<String, long[]> shapes(OnnxGraph graph, java.util.List<String> tensors, long[] example,
                                             int threads) {
        if (tensors.isEmpty()) {
            return new java.util.LinkedHashMap<>();
        }
        onnx.Onnx.GraphProto.Builder g = graph.proto().getGraph().toBuilder().clearOutput();
        for (String t : tensors) {
            g.addOutput(onnx.Onnx.ValueInfoProto.newBuilder().setName(t));
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        byte[] bytes = graph.proto().toBuilder().setGraph(g).build().toByteArray();
        String in = graph.input().name();
        long[] declared = graph.input().shape();
        long k = declared.length > 0 && declared[0] > 0 ? declared[0] : 1; // a fixed batch takes only its own size
        INDArray zero = Nd4j.zeros(DataType.FLOAT, concat(k, example));
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(threads);
            o.addConfigEntry("session.intra_op.allow_spinning", "0");
            try (OrtSession s = env.createSession(bytes, o);
                 OnnxTensor x = OnnxTensor.createTensor(env, floats(zero), zero.shape());
                 OrtSession.Result r = s.run(Map.of(in, x))) {
                Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
                for (String t : tensors) {
                    OnnxValue v = r.get(t).orElseThrow();
                    shapes.put(t, ((ai.onnxruntime.TensorInfo) v.getInfo()).getShape());
                }
                return shapes;
            }
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime cannot run " + graph.source() + " on one example of "
                    + "shape " + Arrays.toString(example) + ": " + e.getMessage(), e);
        }
    }

    private IllegalArgumentException failed(INDArray batch, OrtException e) {
        return new IllegalArgumentException("ONNX Runtime failed to run " + graph.source() + " on a batch of shape "
                + Arrays.toString(batch.shape()) + " (graph input '" + inputName + "' "
                + Arrays.toString(inputShape).replace("-1", "?") + "): " + e.getMessage(), e);
    }

    private void checkShape(INDArray batch) {
        long[] got = batch.shape();
        boolean ok = got.length == inputShape.length;
        for (int i = 1; ok && i < got.length; i++) { // the batch: any size (a fixed one is fed in chunks)
            ok = inputShape[i] < 0 || inputShape[i] == got[i];
        }
        if (!ok) {
            throw new IllegalArgumentException(graph.source() + " takes input '" + inputName + "' of shape "
                    + Arrays.toString(inputShape).replace("-1", "?") + " (batch first, ? = any size), got a batch of "
                    + "shape " + Arrays.toString(got) + "; give examples of shape " + Arrays.toString(Arrays.copyOfRange(
                    inputShape, 1, inputShape.length)).replace("-1", "?") + " in the model's input layout (ONNX image "
                    + "models are usually NCHW: resize the images, or re-import with --input-shape C,H,W)");
        }
        if (got[0] < 1) {
            throw new IllegalArgumentException("an empty batch (shape " + Arrays.toString(got) + ") cannot be run");
        }
    }

    private static INDArray contiguousFloat(INDArray a) {
        INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        if (f.isView() || f.ordering() != 'c' || f.offset() != 0 || f.data().length() != f.length()) {
            f = f.dup('c');
        }
        return f;
    }

    /** The array's native memory as a direct, native-order FloatBuffer of exactly its length (no copy). */
    private static FloatBuffer floats(INDArray a) {
        ByteBuffer bb = a.data().asNio().order(ByteOrder.nativeOrder());
        FloatBuffer fb = bb.asFloatBuffer();
        fb.position(0).limit((int) a.length());
        return fb.slice();
    }

    private static long[] concat(long first, long[] rest) {
        long[] s = new long[rest.length + 1];
        s[0] = first;
        System.arraycopy(rest, 0, s, 1, rest.length);
        return s;
    }

    /** Closes the ONNX Runtime session. */
    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the ONNX Runtime session of " + graph.source() + " failed: "
                    + e.getMessage(), e);
        }
    }
}
