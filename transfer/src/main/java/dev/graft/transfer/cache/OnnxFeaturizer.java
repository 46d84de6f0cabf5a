package dev.graft.transfer.cache;

import dev.graft.engine.Engine;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.onnx.CutPoint;
import dev.graft.zoo.onnx.OnnxGraph;
import dev.graft.zoo.onnx.OnnxModel;
import dev.graft.zoo.onnx.OnnxRunner;
import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The frozen part of an imported ONNX model, from its input to a cut tensor, run by ONNX Runtime
 * ({@link OnnxRunner}: the engine's threads, spinning off, the batch handed over without a copy, the features written
 * straight into the returned array). Its fingerprint covers the ONNX bytes up to the cut (the pruned graph), the cut
 * tensor and the card's normalization, layout and input shape, so a {@link FeatureCache} of it is keyed like any other.
 * Thread-safe (ONNX Runtime sessions run concurrently); {@link #close()} releases the session.
 */
public final class OnnxFeaturizer implements Featurizer, AutoCloseable {
    private final OnnxModel model;
    private final String tensor;
    private final OnnxGraph base;
    private final OnnxRunner runner;
    private final boolean normalizeInGraph;
    private String fingerprint;

    private OnnxFeaturizer(OnnxModel model, String tensor, OnnxGraph base, int threads) {
        this.model = model;
        this.tensor = tensor;
        this.base = base;
        // the card's normalization runs inside the graph, in ONNX Runtime's threads (BENCHMARKS.md section 8),
        // where the input is float; otherwise in ND4J before the run
        this.normalizeInGraph = "float".equals(base.input().elementType());
        this.runner = OnnxRunner.open(normalizeInGraph
                ? base.withNormalization(model.card().normalization(), model.card().layout()) : base, threads);
    }

    /**
     * The model from its input through the tensor {@code cut}, which must be one of its
     * {@link OnnxGraph#cutPoints() cut points} (a tensor or node name); runs with the engine's thread count.
     *
     * @throws IllegalArgumentException if {@code cut} is not a cut point (the message lists them)
     */
    public static OnnxFeaturizer cut(OnnxModel model, String cut) {
        return cut(model, cut, Math.max(1, Engine.startThreads()));
    }

    /**
     * As {@link #cut(OnnxModel, String)} with {@code threads} ONNX Runtime intra-op threads.
     *
     * @throws IllegalArgumentException if {@code cut} is not a cut point or threads is below 1
     */
    public static OnnxFeaturizer cut(OnnxModel model, String cut, int threads) {
        Objects.requireNonNull(model, "model");
        if (cut == null || cut.isBlank()) {
            throw new IllegalArgumentException("a cut needs a tensor name; see 'graft inspect' for the cut points");
        }
        CutPoint point = model.graph().cutPoint(cut.trim());
        return new OnnxFeaturizer(model, point.tensor(), model.graph().cut(point.tensor()), threads);
    }

    /**
     * The frozen ONNX part of a model that has one ({@link dev.graft.zoo.GraftModel#withOnnxBase}): its whole graph,
     * fed raw input normalized as the model's card says; keyed like {@link #cut} at the same tensor.
     *
     * @throws IllegalArgumentException if the model has no ONNX base, or threads is below 1
     */
    public static OnnxFeaturizer base(dev.graft.zoo.GraftModel model, int threads) {
        OnnxGraph g = model.onnxBase().orElseThrow(() -> new IllegalArgumentException("model '" + model.card().name()
                + "' has no ONNX base; featurize a DL4J model with Featurizers.cut"));
        if (threads < 1) {
            throw new IllegalArgumentException("ONNX Runtime needs at least 1 thread, got " + threads);
        }
        return new OnnxFeaturizer(OnnxModel.of(g, model.card()), g.outputs().get(0).name(), g, threads);
    }

    /** The graph that runs: the model's graph cut at {@link #tensor()}. */
    public OnnxGraph base() {
        return base;
    }

    /** The cut tensor. */
    public String tensor() {
        return tensor;
    }

    /** The imported model. */
    public OnnxModel model() {
        return model;
    }

    @Override
    public INDArray featurize(INDArray rawBatch) {
        if (!normalizeInGraph) {
            return runner.run(model.preprocess(rawBatch));
        }
        model.checkInput(rawBatch);
        return runner.run(rawBatch);
    }

    @Override
    public long[] featureShape() {
        return runner.outputShape(model.card().inputShape());
    }

    @Override
    public synchronized String fingerprint() {
        if (fingerprint == null) {
            NetworkFingerprint fp = new NetworkFingerprint();
            fp.text("graft-featurizer/1");
            fp.text(normalizeInGraph ? "normalization inside the onnx graph" : "normalization in nd4j");
            fp.text("onnx cut at '" + tensor + "'");
            ModelCard card = model.card();
            fp.text("normalization " + card.normalization().scale() + " " + Arrays.toString(card.normalization().mean())
                    + " " + Arrays.toString(card.normalization().std()));
            fp.text("layout " + card.layout() + " input " + Arrays.toString(card.inputShape()));
            fp.text("onnx graph sha256 " + base.sha256());
            // another ONNX Runtime may round differently: a cache never mixes the features of two versions
            fp.text("onnx runtime " + EngineChoice.onnxRuntimeVersion());
            fingerprint = fp.hex();
        }
        return fingerprint;
    }

    /** Always ONNX Runtime: an imported ONNX model has no other engine. */
    @Override
    public EngineChoice engine() {
        return EngineChoice.onnxRuntime("an imported ONNX model");
    }

    @Override
    public String describe() {
        return "onnx '" + model.card().name() + "' cut at '" + tensor + "' -> " + Arrays.toString(featureShape());
    }

    @Override
    public String toString() {
        return describe();
    }

    /** Closes the ONNX Runtime session. */
    @Override
    public void close() {
        runner.close();
    }
}
