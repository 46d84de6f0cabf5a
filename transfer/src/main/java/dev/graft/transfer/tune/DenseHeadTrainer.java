package dev.graft.transfer.tune;

import dev.graft.transfer.data.BatchIterator;
import dev.graft.engine.JavaAdamUpdater;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.datasets.iterator.AsyncDataSetIterator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.OptimizationAlgorithm;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Trains a head made of dense layers and one output layer (what Graft puts on a cached base) with a lean step:
 * DL4J's own math, without DL4J's per-step machinery.
 *
 * <p>Each step runs the forward pass once (DL4J's {@code fit} runs every layer's matrix product twice: once
 * forward, once again inside backprop), skips the gradient with respect to the input of the first layer (nobody
 * uses it: the base is frozen and cached), and needs no workspaces. Everything else is DL4J's: the layers'
 * activation functions and loss function compute activations, score and deltas; gradients are written into the
 * network's own gradient views, the products DL4J's {@code DenseLayer} / {@code OutputLayer} compute; the
 * network's own updater applies regularization, gradient normalization, schedules and the update rule (or, for
 * Adam heads without regularization or clipping under {@code Engine.training}, Graft's Adam fuses DL4J's minibatch
 * division, the Adam step and the parameter update into one pass, bit for bit the same); constraints,
 * iteration and epoch counts, and listeners' {@code onEpochStart}/{@code iterationDone}/{@code onEpochEnd} follow
 * as in {@code MultiLayerNetwork.fit}. Parameters and updater state end as DL4J's {@code fit} would leave them
 * (within float rounding; tested), and the network is an ordinary {@code MultiLayerNetwork} afterwards.
 *
 * <p>Networks this step cannot reproduce exactly are refused by {@link #unsupported(Model)} (with the reason):
 * dropout, weight noise, layer norm, input preprocessors, layers other than {@code DenseLayer}/{@code OutputLayer},
 * non-float parameters, optimizers other than SGD. Batches with mask arrays go through DL4J's {@code fit}.
 * <pre>{@code
 * if (DenseHeadTrainer.unsupported(head).isEmpty()) {
 *     new DenseHeadTrainer((MultiLayerNetwork) head).fit(cache.iterator(64, seed));
 * }
 * }</pre>
 */
public final class DenseHeadTrainer {
    private final MultiLayerNetwork net;
    private final int depth;
    private final INDArray[] weights;
    private final INDArray[] biases;
    private final INDArray[] weightGrads;
    private final INDArray[] biasGrads;
    private final IActivation[] activations;
    private final ILossFunction loss;
    private final Gradient gradient;
    private final boolean plainLayers;

    /**
     * A trainer for {@code net}'s layers, in place.
     *
     * @throws IllegalArgumentException if {@link #unsupported(Model)} names a reason
     */
    public DenseHeadTrainer(MultiLayerNetwork net) {
        unsupported(net).ifPresent(reason -> {
            throw new IllegalArgumentException("DenseHeadTrainer cannot train this network: " + reason
                    + "; train it with MultiLayerNetwork.fit instead");
        });
        this.net = net;
        if (net.getGradientsViewArray() == null) {
            net.initGradientsView(); // DL4J does this lazily on the first fit
        }
        this.depth = net.getnLayers();
        this.weights = new INDArray[depth];
        this.biases = new INDArray[depth];
        this.weightGrads = new INDArray[depth];
        this.biasGrads = new INDArray[depth];
        this.activations = new IActivation[depth];
        this.gradient = new DefaultGradient(net.getGradientsViewArray());
        for (int i = 0; i < depth; i++) {
            Layer layer = net.getLayer(i);
            BaseLayer conf = (BaseLayer) layer.conf().getLayer();
            activations[i] = conf.getActivationFn();
            weights[i] = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
            Map<String, INDArray> grads = DefaultParamInitializer.getInstance()
                    .getGradientsFromFlattened(layer.conf(), layer.getGradientsViewArray());
            weightGrads[i] = grads.get(DefaultParamInitializer.WEIGHT_KEY);
            gradient.setGradientFor(i + "_" + DefaultParamInitializer.WEIGHT_KEY, weightGrads[i]);
            if (grads.containsKey(DefaultParamInitializer.BIAS_KEY)) {
                biases[i] = layer.getParam(DefaultParamInitializer.BIAS_KEY);
                biasGrads[i] = grads.get(DefaultParamInitializer.BIAS_KEY);
                gradient.setGradientFor(i + "_" + DefaultParamInitializer.BIAS_KEY, biasGrads[i]);
            }
        }
        this.loss = ((OutputLayer) net.getLayer(depth - 1).conf().getLayer()).getLossFn();
        boolean plain = true;
        for (int i = 0; i < depth; i++) {
            BaseLayer conf = (BaseLayer) net.getLayer(i).conf().getLayer();
            plain &= (conf.getRegularization() == null || conf.getRegularization().isEmpty())
                    && (conf.getRegularizationBias() == null || conf.getRegularizationBias().isEmpty())
                    && (conf.getGradientNormalization() == null
                            || conf.getGradientNormalization() == GradientNormalization.None);
        }
        this.plainLayers = plain;
    }

    /**
     * Why {@code network} cannot be trained by this class, or empty if it can.
     */
    public static Optional<String> unsupported(Model network) {
        if (!(network instanceof MultiLayerNetwork)) {
            return Optional.of("not a MultiLayerNetwork");
        }
        MultiLayerNetwork net = (MultiLayerNetwork) network;
        if (net.params() == null) {
            return Optional.of("network not initialised (call init())");
        }
        MultiLayerConfiguration c = net.getLayerWiseConfigurations();
        if (c.getInputPreProcessors() != null && !c.getInputPreProcessors().isEmpty()) {
            return Optional.of("it has input preprocessors");
        }
        if (c.getBackpropType() != BackpropType.Standard) {
            return Optional.of("backprop type " + c.getBackpropType());
        }
        if (net.params().dataType() != DataType.FLOAT) {
            return Optional.of("parameters are " + net.params().dataType() + ", not FLOAT");
        }
        int n = net.getnLayers();
        for (int i = 0; i < n; i++) {
            Layer layer = net.getLayer(i);
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            boolean last = i == n - 1;
            Class<?> expected = last ? OutputLayer.class : DenseLayer.class;
            if (conf.getClass() != expected) {
                return Optional.of("layer " + i + " is a " + conf.getClass().getSimpleName() + ", expected "
                        + expected.getSimpleName());
            }
            if (layer.getClass() != (last ? org.deeplearning4j.nn.layers.OutputLayer.class
                    : org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer.class)) {
                return Optional.of("layer " + i + " runs as " + layer.getClass().getSimpleName());
            }
            BaseLayer base = (BaseLayer) conf;
            if (base.getIDropout() != null) {
                return Optional.of("layer " + i + " has dropout");
            }
            if (base.getWeightNoise() != null) {
                return Optional.of("layer " + i + " has weight noise");
            }
            if (conf instanceof DenseLayer && ((DenseLayer) conf).hasLayerNorm()) {
                return Optional.of("layer " + i + " has layer norm");
            }
            if (layer.conf().getOptimizationAlgo() != OptimizationAlgorithm.STOCHASTIC_GRADIENT_DESCENT
                    || layer.conf().getStepFunction() != null) {
                return Optional.of("layer " + i + " uses optimizer " + layer.conf().getOptimizationAlgo());
            }
        }
        return Optional.empty();
    }

    /**
     * Whether steps fuse DL4J's minibatch division, Adam and the parameter update into one pass per updater block
     * ({@link JavaAdamUpdater#applyAndStep}): every block runs Graft's Adam (as under {@code Engine.training}) and no
     * layer has regularization or gradient normalization, which act between those passes.
     */
    boolean fusable() {
        if (!plainLayers) {
            return false;
        }
        for (UpdaterBlock block : ((BaseMultiLayerUpdater<?>) net.getUpdater()).getUpdaterBlocks()) {
            if (!(block.getGradientUpdater() instanceof JavaAdamUpdater)) {
                return false;
            }
        }
        return true;
    }

    /** The fused step of every block, or false (nothing changed) if it does not apply. */
    private boolean fusedStep(int rows, int iteration, int epoch) {
        if (!fusable()) {
            return false;
        }
        List<UpdaterBlock> blocks = ((BaseMultiLayerUpdater<?>) net.getUpdater()).getUpdaterBlocks();
        INDArray params = net.params();
        params = params.reshape(params.length());
        List<INDArray> paramViews = new ArrayList<>();
        for (UpdaterBlock block : blocks) {
            paramViews.add(params.get(NDArrayIndex.interval(block.getParamOffsetStart(), block.getParamOffsetEnd())));
        }
        float divisor = net.conf().isMiniBatch() ? rows : 1f;
        for (int i = 0; i < blocks.size(); i++) {
            JavaAdamUpdater adam = (JavaAdamUpdater) blocks.get(i).getGradientUpdater();
            if (!adam.applyAndStep(blocks.get(i).getGradientView(), paramViews.get(i), divisor, iteration, epoch)) {
                if (i == 0) {
                    return false; // nothing changed yet: the caller takes DL4J's path
                }
                throw new IllegalStateException("updater block " + i + " of " + blocks.size() + " cannot take the "
                        + "fused step after block 0 did; its arrays are not contiguous float vectors");
            }
        }
        return true;
    }

    /**
     * One pass over {@code data}, as {@code MultiLayerNetwork.fit(DataSetIterator)} does it (reset if exhausted,
     * background prefetch when the iterator allows it, epoch listeners, epoch count). Graft's own iterators are
     * read through {@link BatchIterator#visitRemaining}: a step keeps nothing of its batch, so the feature cache
     * fills the same arrays every step.
     */
    public void fit(DataSetIterator data) {
        DataSetIterator it = data.asyncSupported() ? new AsyncDataSetIterator(data, 2, true) : data;
        try {
            for (TrainingListener l : net.getListeners()) {
                l.onEpochStart(net);
            }
            if (!it.hasNext() && it.resetSupported()) {
                it.reset();
            }
            if (it instanceof BatchIterator) {
                ((BatchIterator) it).visitRemaining(this::fit);
            } else {
                while (it.hasNext()) {
                    DataSet batch = it.next();
                    if (batch.getFeatures() == null || batch.getLabels() == null) {
                        break;
                    }
                    fit(batch);
                }
            }
            for (TrainingListener l : net.getListeners()) {
                l.onEpochEnd(net);
            }
        } finally {
            if (it instanceof AsyncDataSetIterator) {
                ((AsyncDataSetIterator) it).shutdown();
            }
        }
        net.incrementEpochCount();
    }

    /**
     * One step on {@code batch}; returns the score DL4J would report for it (mean loss plus regularization).
     */
    public double fit(DataSet batch) {
        if (batch.hasMaskArrays()) {
            net.fit(batch);
            return net.score();
        }
        int rows = (int) batch.getFeatures().size(0);
        INDArray[] in = new INDArray[depth]; // input of each layer
        INDArray[] z = new INDArray[depth];  // pre-activation of each layer
        INDArray a = batch.getFeatures().castTo(DataType.FLOAT);
        for (int i = 0; i < depth; i++) {
            in[i] = a;
            z[i] = Nd4j.createUninitialized(DataType.FLOAT, rows, weights[i].size(1));
            a.mmuli(weights[i], z[i]);
            if (biases[i] != null) {
                z[i].addiRowVector(biases[i]);
            }
            if (i < depth - 1) {
                a = activations[i].getActivation(z[i].dup(), true);
            }
        }
        INDArray labels = batch.getLabels().castTo(DataType.FLOAT);
        int last = depth - 1;
        double score = loss.computeScore(labels, z[last].dup(), activations[last], null, false);
        if (net.conf().isMiniBatch()) {
            score /= rows;
        }
        score += net.calcRegularizationScore(true);

        INDArray delta = loss.computeGradient(labels, z[last], activations[last], null);
        for (int i = last; i >= 0; i--) {
            if (i < last) {
                delta = activations[i].backprop(z[i], delta).getFirst();
            }
            if (biasGrads[i] != null) {
                delta.sum(biasGrads[i], 0);
            }
            // dW = in^T delta into DL4J's 'f'-ordered view, computed as dW^T = delta^T in into its 'c'-ordered
            // transpose: the same memory, and OpenBLAS is faster writing it row-major (1.43 against 1.78 ms here)
            Nd4j.gemm(delta, in[i], weightGrads[i].transpose(), true, false, 1.0, 0.0);
            if (i > 0) { // the first layer's input gradient is never needed
                INDArray next = Nd4j.createUninitialized(DataType.FLOAT, new long[] {weights[i].size(0), rows}, 'f');
                delta = weights[i].mmuli(delta.transpose(), next).transpose();
            }
        }

        int iteration = net.getIterationCount();
        int epoch = net.getEpochCount();
        if (!fusedStep(rows, iteration, epoch)) {
            net.getUpdater().update(net, gradient, iteration, epoch, rows, LayerWorkspaceMgr.noWorkspaces());
            INDArray params = net.params();
            params.subi(net.getGradientsViewArray().reshape(params.shape())); // DL4J's SGD step: params -= update
        }
        net.setScore(score);
        for (TrainingListener l : net.getListeners()) {
            l.iterationDone(net, iteration, epoch);
        }
        BaseOptimizer.incrementIterationCount(net, 1);
        for (int i = 0; i < depth; i++) { // as MultiLayerNetwork.synchronizeIterEpochCounts
            net.getLayer(i).setIterationCount(iteration + 1);
            net.getLayer(i).setEpochCount(epoch);
        }
        net.applyConstraints(iteration + 1, epoch);
        return score;
    }
}
