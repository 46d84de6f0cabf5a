package dev.graft.transfer.cache;

import dev.graft.engine.ChannelsLast;
import dev.graft.engine.Engine;
import dev.graft.engine.FeaturizeEngine;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.onnx.export.ExportedOnnxModel;
import dev.graft.zoo.onnx.export.OnnxExportException;
import dev.graft.zoo.onnx.export.OnnxExporter;
import dev.graft.zoo.onnx.export.OnnxParity;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What MultiLayerNetwork and ComputationGraph featurizers share: normalization, shape probing, fingerprint memo, and
 * the engine choice (DL4J, or the frozen part exported to ONNX and run by ONNX Runtime; see {@link FeaturizeEngine}).
 */
abstract class AbstractFeaturizer implements Featurizer {
    /** Examples in the probe batch used when the engine must be chosen before any data was seen. */
    private static final int PROBE_BATCH = 2;
    private static final long PROBE_SEED = 0x6772616674L;

    protected final GraftModel model;
    private final FeaturizeEngine requested;
    private long[] featureShape;
    private String fingerprint;
    private Model runNetwork;
    private volatile EngineChoice choice;
    private volatile ExportedFrozenPart onnx; // written before choice

    AbstractFeaturizer(GraftModel model, FeaturizeEngine requested) {
        this.model = model; // GraftModel attached the network's native helpers (Engine.attachHelpers)
        this.requested = requested;
    }

    /**
     * Runs the already-normalized batch to the cut, inference mode, on {@link #runNetwork()}. Input and output are
     * in the model's own layout whichever network runs.
     */
    protected abstract INDArray forward(INDArray normalized);

    /**
     * The network {@link #forward} runs: a channels-last inference copy ({@link ChannelsLast}) when DL4J's oneDNN
     * helpers are on, the input is an image batch and every layer can be converted; otherwise the model's own.
     * Decided once, on first use; the copy snapshots the parameters at that moment, like {@link #fingerprint()}.
     */
    protected final Model runNetwork() {
        synchronized (model.network()) {
            return chooseRunNetwork();
        }
    }

    private Model chooseRunNetwork() {
        if (runNetwork == null) {
            Model own = model.network();
            runNetwork = own;
            boolean wanted = Engine.settings().channelsLast() && model.card().layout() == InputLayout.NCHW && Engine.helpersAvailable();
            if (wanted) {
                Model copy = ChannelsLast.convert(own, keptVertices());
                if (copy != null) {
                    runNetwork = copy;
                }
            }
        }
        return runNetwork;
    }

    /** Graph vertices a channels-last copy must keep (the cut); empty for layer stacks. */
    protected Set<String> keptVertices() {
        return Set.of();
    }

    /** Whether {@link #runNetwork()} is a channels-last copy (then inputs are permuted to NHWC and back). */
    protected final boolean channelsLast() {
        return runNetwork() != model.network();
    }

    /** Input shape of one example when the card does not give one, or null if it cannot be told. */
    protected abstract long[] guessInputShape();

    /** Where the cut is, for fingerprints and descriptions. */
    protected abstract String cutPoint();

    /** Feeds the fingerprint with everything below the cut. */
    protected abstract void hashNetwork(NetworkFingerprint fp);

    /** Configurations of the layers the cut depends on (frozen wrappers included). */
    protected abstract List<Layer> layersBelowCut();

    /** The cut as {@link OnnxExporter.Builder#cutAt} names it, or null if it cannot be named unambiguously. */
    protected abstract String exportCut();

    @Override
    public EngineChoice engine() {
        synchronized (model.network()) {
            decide(null);
            return choice;
        }
    }

    @Override
    public void chooseEngine(Supplier<INDArray> firstRawBatch) {
        if (choice != null || requested == FeaturizeEngine.DL4J) {
            engine();
            return;
        }
        synchronized (model.network()) {
            if (choice == null) {
                decide(exportable() ? () -> model.preprocess(firstRawBatch.get()) : null);
            }
        }
    }

    /** Whether the choice may go to ONNX Runtime at all (auto: only frozen parts with a convolution). */
    private boolean exportable() {
        return requested == FeaturizeEngine.ONNX || (requested == FeaturizeEngine.AUTO && hasConvolution());
    }

    private boolean hasConvolution() {
        for (Layer l : layersBelowCut()) {
            if (dev.graft.engine.Frozen.unwrap(l) instanceof ConvolutionLayer) {
                return true;
            }
        }
        return false;
    }

    /**
     * Chooses the engine once, under the network's lock: DL4J when asked for, or (auto) when nothing below the cut is
     * a convolution; otherwise exports the frozen part, runs {@code normalizedBatch} (or a seeded probe batch) on both
     * engines and keeps ONNX Runtime when every element agrees within {@code 1e-4 + 1e-3 |dl4j|} (auto) — forced
     * {@code onnx} keeps it regardless and records the comparison.
     */
    private void decide(Supplier<INDArray> normalizedBatch) {
        if (choice != null) {
            return;
        }
        if (requested == FeaturizeEngine.DL4J) {
            choice = EngineChoice.dl4j("featurizeEngine=dl4j");
            return;
        }
        boolean auto = requested == FeaturizeEngine.AUTO;
        if (auto && !hasConvolution()) {
            choice = EngineChoice.dl4j("auto: no convolution up to the cut, so ONNX Runtime has no speed to add; DL4J "
                    + "keeps the cache bit-identical to the network's own forward pass");
            return;
        }
        String cut = exportCut();
        ExportedOnnxModel exported;
        try {
            if (cut == null) {
                throw new OnnxExportException("the cut " + cutPoint() + " cannot be named unambiguously for the "
                        + "exporter (a layer named like another layer's index)");
            }
            exported = OnnxExporter.builder(model).cutAt(cut).build().export();
        } catch (OnnxExportException | RuntimeException e) {
            String why = "export refused: " + e.getMessage();
            if (!auto) {
                throw new IllegalStateException("featurizeEngine=onnx, but '" + model.card().name() + "' cut "
                        + cutPoint() + " cannot run on ONNX Runtime: " + why + "; set featurizeEngine to auto or dl4j "
                        + "(-Dgraft.featurizeEngine / GRAFT_FEATURIZE_ENGINE) to featurize it on DL4J", e);
            }
            choice = EngineChoice.dl4j("auto: " + why);
            return;
        }
        // the batch first: a data or shape error is the caller's to see, not a reason to fall back
        INDArray x = normalizedBatch != null ? normalizedBatch.get() : probe();
        ExportedFrozenPart part = null;
        try {
            part = ExportedFrozenPart.open(exported, "'" + model.card().name() + "' cut " + cutPoint() + " (exported)",
                    Math.max(1, Engine.startThreads()), this);
            String mode = auto ? "auto" : "featurizeEngine=onnx";
            String exportedWhat = "exported " + part.nodes() + " nodes";
            if (x == null) {
                if (auto) {
                    part.close();
                    choice = EngineChoice.dl4j("auto: the card gives no input shape, so ONNX Runtime cannot be checked "
                            + "against DL4J");
                    return;
                }
                onnx = part;
                choice = EngineChoice.onnxRuntime(mode + ": " + exportedWhat + "; not checked against DL4J (no input "
                        + "shape on the card)");
                return;
            }
            INDArray ort = part.run(x);
            INDArray dl4j = forward(x.dup()); // DL4J's activation layers may work in place
            OnnxParity.Result r = OnnxParity.compare(List.of(cut), List.of(dl4j), List.of(ort));
            String batch = normalizedBatch != null ? "first batch" : "probe batch";
            String arbitrated = null;
            if (!r.passed() && auto) {
                // float32 rounding of a deep net can exceed the gate on both engines (VGG16: Graft's own DL4J path
                // is 2.05x the tolerance from DL4J's plain path, ONNX Runtime 1.08x): ask a float64 DL4J pass
                INDArray ref = reference64(x);
                OnnxParity.Result ortVs64 = ref == null ? null
                        : OnnxParity.compare(List.of(cut), List.of(ref), List.of(ort));
                OnnxParity.Result dl4jVs64 = ref == null ? null
                        : OnnxParity.compare(List.of(cut), List.of(ref), List.of(dl4j));
                if (ref == null || !keepOnnxRuntime(ortVs64.worstRatio(), dl4jVs64.worstRatio())) {
                    part.close();
                    choice = EngineChoice.dl4j("auto: ONNX Runtime differs from DL4J on the " + batch + " beyond "
                            + "1e-4 + 1e-3|dl4j|: " + r.detail() + (ref == null ? ""
                            : String.format(Locale.ROOT, "; against a float64 DL4J pass ONNX Runtime is %.2fx the "
                                    + "tolerance, DL4J's float32 path %.2fx", ortVs64.worstRatio(),
                                    dl4jVs64.worstRatio())));
                    return;
                }
                arbitrated = String.format(Locale.ROOT, "%s differs from DL4J's float32 path by %.2fx the tolerance, "
                        + "but a float64 DL4J pass finds it no farther (%.2fx) than DL4J's float32 path (%.2fx)",
                        batch, r.worstRatio(), ortVs64.worstRatio(), dl4jVs64.worstRatio());
            }
            if (arbitrated != null) {
                onnx = part;
                choice = EngineChoice.onnxRuntime(mode + ": " + exportedWhat + "; " + arbitrated);
                return;
            }
            onnx = part;
            choice = EngineChoice.onnxRuntime(mode + ": " + exportedWhat + "; " + batch + (r.passed()
                    ? " within tolerance, max |diff| " + String.format(Locale.ROOT, "%.2g", r.maxAbsDiff())
                    : " OUTSIDE tolerance (" + r.detail() + ")"));
        } catch (RuntimeException e) {
            if (part != null && onnx != part) {
                part.close();
            }
            if (!auto) {
                throw e;
            }
            choice = EngineChoice.dl4j("auto: ONNX Runtime failed on the exported frozen part: " + e.getMessage());
        }
    }

    /**
     * Whether auto keeps ONNX Runtime after the float32 gate failed: when, against a float64 DL4J pass of the same
     * batch, ONNX Runtime's worst element is no farther (in units of {@code 1e-4 + 1e-3|ref|}) than DL4J's own
     * float32 path's, or within the tolerance. Non-finite ratios never keep it.
     */
    static boolean keepOnnxRuntime(double ortRatio, double dl4jRatio) {
        return Double.isFinite(ortRatio) && Double.isFinite(dl4jRatio) && ortRatio <= Math.max(1.0, dl4jRatio);
    }

    /**
     * The frozen part's output on {@code normalized} from a float64 copy of the network on DL4J's plain path (no
     * helpers, no channels-last copy), cast back to float; null when the copy cannot be made or run (then auto keeps
     * DL4J).
     */
    private INDArray reference64(INDArray normalized) {
        try (Engine.Scope s = Engine.use(Engine.settings().toBuilder().plain().build())) {
            return forward64(normalized.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE))
                    .castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        } catch (RuntimeException | OutOfMemoryError e) {
            return null;
        }
    }

    /** The output at the cut of a float64 copy of the network (DL4J's {@code convertDataType}) on a float64 batch. */
    protected abstract INDArray forward64(INDArray normalized64);

    /** A seeded Gaussian batch in the network's (normalized) input space, or null if the input shape is unknown. */
    private INDArray probe() {
        long[] in = model.card().inputShape();
        if (in.length == 0) {
            in = guessInputShape();
        }
        if (in == null) {
            return null;
        }
        long[] shape = new long[in.length + 1];
        shape[0] = PROBE_BATCH;
        System.arraycopy(in, 0, shape, 1, in.length);
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] values = new float[Math.toIntExact(n)];
        Random random = new Random(PROBE_SEED);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return Nd4j.create(values, shape, 'c');
    }

    /**
     * {@inheritDoc}
     *
     * <p>Featurizers of the same network run one batch at a time (they lock the network): DL4J layers and their
     * native helpers keep per-call state, and oneDNN's batch norm crashes the JVM when one layer runs in two threads.
     */
    @Override
    public INDArray featurize(INDArray rawBatch) {
        INDArray normalized = model.preprocess(rawBatch);
        INDArray out = null;
        ExportedFrozenPart part;
        synchronized (model.network()) {
            if (choice == null) {
                decide(exportable() ? () -> normalized : null);
            }
            part = onnx;
            if (part == null) {
                out = forward(normalized);
            }
        }
        if (part != null) {
            out = part.run(normalized); // ONNX Runtime sessions run concurrently: no lock
        }
        return out.dataType() == DataType.FLOAT ? out : out.castTo(DataType.FLOAT);
    }

    @Override
    public long[] featureShape() {
        synchronized (model.network()) {
            return probeFeatureShape();
        }
    }

    private long[] probeFeatureShape() {
        if (featureShape == null) {
            long[] in = model.card().inputShape();
            if (in.length == 0) {
                in = guessInputShape();
            }
            if (in == null) {
                throw new IllegalStateException("model card of '" + model.card().name() + "' has no input shape, so the "
                        + "feature shape at " + cutPoint() + " cannot be worked out; give the card one "
                        + "(ModelCard.builder(...).input(layout, shape))");
            }
            long[] batch = new long[in.length + 1];
            batch[0] = 1;
            System.arraycopy(in, 0, batch, 1, in.length);
            INDArray out = forward(Nd4j.zeros(DataType.FLOAT, batch));
            featureShape = Arrays.copyOfRange(out.shape(), 1, out.rank());
        }
        return featureShape.clone();
    }

    /**
     * {@inheritDoc}
     *
     * <p>When ONNX Runtime runs the frozen part, the fingerprint also covers its version and the sha256 of the
     * exported ONNX bytes, so a cache never mixes engines; on DL4J it is what it always was.
     */
    @Override
    public String fingerprint() {
        EngineChoice engine = engine(); // outside this object's lock: the choice takes the network's
        synchronized (this) {
            return fingerprint(engine);
        }
    }

    private String fingerprint(EngineChoice engine) {
        if (fingerprint == null) {
            NetworkFingerprint fp = new NetworkFingerprint();
            fp.text("graft-featurizer/1");
            fp.text(cutPoint());
            ModelCard card = model.card();
            fp.text("normalization " + card.normalization().scale() + " " + Arrays.toString(card.normalization().mean())
                    + " " + Arrays.toString(card.normalization().std()));
            fp.text("layout " + card.layout() + " input " + Arrays.toString(card.inputShape()));
            hashNetwork(fp);
            if (engine.isOnnx()) {
                fp.text("engine onnxruntime " + engine.version() + " export sha256 " + onnx.sha256());
            }
            fingerprint = fp.hex();
        }
        return fingerprint;
    }

    @Override
    public String describe() {
        return model.card().architecture() + " '" + model.card().name() + "' cut " + cutPoint() + " -> "
                + Arrays.toString(featureShape());
    }

    @Override
    public String toString() {
        return describe();
    }
}
