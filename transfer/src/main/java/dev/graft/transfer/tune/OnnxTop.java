package dev.graft.transfer.tune;

import dev.graft.zoo.keras.ParityCheck;
import dev.graft.zoo.keras.ParityReport;
import dev.graft.zoo.keras.Tolerance;
import dev.graft.zoo.onnx.OnnxRunner;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import dev.graft.transfer.cache.OnnxFeaturizer;
import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.Checksums;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.onnx.CutPoint;
import dev.graft.zoo.onnx.OnnxGraph;
import dev.graft.zoo.onnx.OnnxModel;
import dev.graft.zoo.onnx.OnnxToDl4j;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * An imported ONNX model split for fine-tuning with unfreezing: the graph below a boundary runs frozen on ONNX
 * Runtime, and the nodes above it become DL4J layers with the ONNX weights ({@link OnnxToDl4j}), so that
 * {@link FineTuner}'s gradual unfreezing reaches into the pretrained top. The boundary is the highest cut point below
 * the feature cut with at least as many weighted nodes (Conv, Gemm, MatMul, BatchNormalization) between it and the
 * cut as the schedule unfreezes — for torchvision's resnet18 cut at {@code /Flatten_output_0} and one layer, the
 * output of {@code layer4.0}: the last BasicBlock becomes DL4J layers.
 *
 * <p>The DL4J part sees the ONNX features at the boundary as its input ({@link #through(DataSource)} turns raw data
 * into them, the card's normalization applied first), so FineTuner, the feature cache and the presets run unchanged on
 * {@link #top()}; {@link #reassemble} puts the ONNX part back below the trained network.
 */
public final class OnnxTop implements AutoCloseable {
    private static final Set<String> WEIGHTED = Set.of("Conv", "Gemm", "MatMul", "BatchNormalization");
    /** The tensor the input is copied into when every weighted node below the cut is unfrozen. */
    static final String INPUT_CUT = "graft_input";

    private final OnnxModel model;
    private final CutPoint boundary;
    private final OnnxFeaturizer below;
    private final GraftModel top;

    private OnnxTop(OnnxModel model, CutPoint boundary, OnnxFeaturizer below, GraftModel top) {
        this.model = model;
        this.boundary = boundary;
        this.below = below;
        this.top = top;
    }

    /**
     * Splits {@code model} so that at least {@code layers} weighted nodes below the cut {@code cut} are DL4J layers.
     * When no cut point below the cut has that many above it but the graph has that many below the cut, the boundary
     * is the input itself (an Identity node {@code graft_input} put in front of the graph): every node up to the cut
     * becomes a DL4J layer.
     *
     * @param threads ONNX Runtime threads
     * @throws IllegalArgumentException if {@code cut} is not a cut point, there are not that many weighted nodes
     *     below it, or a node above the boundary cannot be mapped to DL4J (each is named: they would stay frozen, so
     *     unfreeze fewer layers)
     */
    public static OnnxTop split(OnnxModel model, String cut, int layers, int threads) {
        OnnxGraph g = model.graph();
        CutPoint c = g.cutPoint(cut);
        List<CutPoint> below = new ArrayList<>();
        for (CutPoint p : g.cutPoints()) {
            if (p.index() < c.index() && p.role() != CutPoint.Role.INNER) {
                below.add(p);
            }
        }
        CutPoint boundary = null;
        for (int i = below.size() - 1; i >= 0; i--) {
            if (weightedBetween(g, below.get(i).index(), c.index()) >= layers) {
                boundary = below.get(i);
                break;
            }
        }
        if (boundary == null && weightedBetween(g, -1, c.index()) >= layers) {
            // every weighted node below the cut is unfrozen: the boundary is the input itself, copied by an Identity
            // node in front of the graph (the frozen ONNX part then only copies the normalized input)
            g = g.withInputIdentity(INPUT_CUT);
            model = OnnxModel.of(g, model.card());
            c = g.cutPoint(c.tensor());
            boundary = g.cutPoint(INPUT_CUT);
        }
        if (boundary == null) {
            throw new IllegalArgumentException("cannot unfreeze " + layers + " layer(s) below '" + c.tensor() + "' of "
                    + model.card().name() + ": there are only " + weightedBetween(g, -1, c.index())
                    + " weighted nodes (Conv, Gemm, MatMul, BatchNormalization) below it; unfreeze at most that many");
        }
        List<String> unmapped = OnnxToDl4j.unmapped(g, boundary.tensor());
        if (!unmapped.isEmpty()) {
            throw new IllegalArgumentException("cannot unfreeze " + layers + " layer(s) below '" + c.tensor()
                    + "': they would be DL4J layers from '" + boundary.tensor() + "' up, but " + unmapped.size()
                    + " node(s) there cannot be mapped to DL4J (" + String.join("; ", unmapped)
                    + "); unfreeze fewer layers — nodes that cannot be mapped stay frozen in ONNX Runtime");
        }
        OnnxFeaturizer f = OnnxFeaturizer.cut(model, boundary.tensor(), threads);
        ComputationGraph net = OnnxToDl4j.convert(g, boundary.tensor(), threads);
        try {
            requireSameOutputs(model, f, net, boundary.tensor(), threads);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
        long[] shape = f.featureShape();
        ModelCard card = model.card().toBuilder().clearSha256()
                .input(shape.length == 3 ? InputLayout.NCHW : InputLayout.FLAT, shape)
                .normalization(Normalization.identity())
                .architecture(model.card().architecture() + " above '" + boundary.tensor() + "'").build();
        return new OnnxTop(model, boundary, f, GraftModel.of(net, card));
    }

    /**
     * How far the DL4J layers may be from ONNX Runtime on the probe batch: a gross-error gate (ten times issue 19's
     * {@code 1e-4 + 1e-3|ref|}), because float32 rounding of a deep top may exceed the tighter bound on both engines
     * while a mapping mistake (a transposed kernel, other padding) is off by the size of the values.
     */
    static final Tolerance GATE = new Tolerance(1e-3, 1e-2);

    /**
     * Checks that {@code net} (the nodes above {@code boundary} as DL4J layers) computes what ONNX Runtime computes for
     * the whole graph, on a seeded probe batch of two raw examples: a conversion that would fine-tune a different
     * function is refused instead of trained.
     *
     * @throws IllegalArgumentException with the worst element when they differ beyond {@link #GATE}
     */
    static void requireSameOutputs(OnnxModel model, OnnxFeaturizer below, ComputationGraph net, String boundary,
            int threads) {
        long[] in = model.card().inputShape();
        long[] shape = new long[in.length + 1];
        shape[0] = 2;
        System.arraycopy(in, 0, shape, 1, in.length);
        double scale = model.card().normalization().scale();
        // seeded and local: the probe draws nothing from ND4J's global generator (weight init stays as it was)
        java.util.Random random = new java.util.Random(11);
        float[] values = new float[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextFloat() * (scale > 0 ? 1 / scale : 1));
        }
        INDArray raw = Nd4j.create(values, shape, 'c');
        INDArray expected;
        try (OnnxRunner whole = OnnxRunner.open(model.graph().withNormalization(model.card().normalization(),
                model.card().layout()), threads)) {
            expected = whole.run(raw);
        }
        INDArray got = net.outputSingle(false, below.featurize(raw));
        ParityReport p = ParityCheck.compare("DL4J layers above '" + boundary + "'", got, expected, GATE);
        if (!p.passed()) {
            throw new IllegalArgumentException("the ONNX nodes above '" + boundary + "' of " + model.card().name()
                    + ", converted to DL4J layers for unfreezing, do not compute what ONNX Runtime computes on a probe "
                    + "batch (" + p + "); unfreeze fewer layers (those nodes then stay frozen in ONNX Runtime), and "
                    + "please report the model: a node was mapped wrongly");
        }
    }

    private static int weightedBetween(OnnxGraph g, int fromExclusive, int toInclusive) {
        int n = 0;
        List<String> ops = g.opTypes();
        for (int i = fromExclusive + 1; i <= toInclusive; i++) {
            if (WEIGHTED.contains(ops.get(i))) {
                n++;
            }
        }
        return n;
    }

    /** The cut point below which the graph stays in ONNX Runtime. */
    public CutPoint boundary() {
        return boundary;
    }

    /**
     * The DL4J network of the nodes above the boundary (the original classifier included), as a model whose input is
     * the ONNX features at the boundary: what {@link TransferPlan} and {@link FineTuner} work on.
     */
    public GraftModel top() {
        return top;
    }

    /** The frozen ONNX part, as a featurizer of raw input. */
    public OnnxFeaturizer below() {
        return below;
    }

    /**
     * A data source of the ONNX features at the boundary: raw examples normalized as the card says and run through
     * the frozen ONNX part, batch by batch, with the same labels. Its fingerprint covers the raw source's and the ONNX
     * part's, so feature caches of it are keyed on both.
     */
    public DataSource through(DataSource raw) {
        String fp = Checksums.sha256((raw.fingerprint() + " through " + below.fingerprint())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        long[] shape = below.featureShape();
        return new DataSource() {
            @Override
            public String describe() {
                return raw.describe() + " through ONNX up to '" + boundary.tensor() + "'";
            }

            @Override
            public String fingerprint() {
                return fp;
            }

            @Override
            public int size() {
                return raw.size();
            }

            @Override
            public List<String> labels() {
                return raw.labels();
            }

            @Override
            public long[] exampleShape() {
                return shape.clone();
            }

            @Override
            public DataSetIterator iterator(int batchSize) {
                // the raw source's batches as new DataSets of ONNX features (the source's own are never modified)
                return new RawIterator(raw, batchSize, below::featurize, false);
            }
        };
    }

    /**
     * The fine-tuned model that predicts from raw input: the frozen ONNX part (bytes unchanged) below the trained
     * network, with the imported model's card (raw input, normalization) and {@code labels}.
     */
    public GraftModel reassemble(GraftModel tuned, List<String> labels) {
        ModelCard card = model.card().toBuilder().clearSha256().labels(labels).build();
        return GraftModel.withOnnxBase(below.base(), tuned.network(), card);
    }

    /** Closes the ONNX Runtime session of the frozen part. */
    @Override
    public void close() {
        below.close();
    }

    @Override
    public String toString() {
        return "ONNX '" + model.card().name() + "' below '" + boundary.tensor() + "' " + Arrays.toString(
                below.featureShape()) + ", DL4J above (" + top.network().numParams() + " parameters)";
    }
}
