package dev.graft.transfer;

import dev.graft.engine.Engine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.learning.config.NoOp;

/** Applies a {@link TransferPlan} to a MultiLayerNetwork. */
final class MlnSurgery {

    private final TransferPlan plan;
    private final MultiLayerNetwork old;
    private final InputType declaredInput;
    private final List<String> names;
    private final String modelName;

    MlnSurgery(TransferPlan plan, MultiLayerNetwork old, InputType inputType, String modelName) {
        this.plan = plan;
        this.modelName = modelName;
        this.old = old;
        this.declaredInput = inputType;
        this.names = Layers.names(old);
    }

    int resolve(String ref, String what) {
        return LayerRef.resolveForPlan(old, ref, modelName, what).index();
    }

    MultiLayerNetwork run(boolean dryRun) {
        MultiLayerConfiguration oc = old.getLayerWiseConfigurations();
        int n = oc.getConfs().size();
        int drop = plan.head() != null ? Math.max(plan.dropTop(), 1) : plan.dropTop();
        if (drop >= n) {
            throw new TransferPlanException("cannot drop the top " + drop + " layers: the network has only " + n + " ("
                    + Layers.list(names) + ")");
        }
        int keep = n - drop;
        List<String> kept = names.subList(0, keep);
        int freeze = -1;
        if (plan.freezeThrough() != null) {
            freeze = resolve(plan.freezeThrough(), "freezeThrough");
            if (freeze >= keep) {
                throw new TransferPlanException("cannot freeze through '" + names.get(freeze) + "': the plan drops it; kept layers are: "
                        + Layers.list(kept));
            }
        }
        Map<Integer, Integer> tweaks = new HashMap<>();
        for (Map.Entry<String, Integer> e : plan.widths().entrySet()) {
            int t = resolve(e.getKey(), "tweakWidth");
            if (t >= keep) {
                throw new TransferPlanException("cannot change the width of '" + names.get(t) + "': the plan drops it; kept layers are: "
                        + Layers.list(kept));
            }
            if (t <= freeze) {
                throw new TransferPlanException("cannot change the width of '" + names.get(t) + "': it is frozen (frozen through '"
                        + names.get(freeze) + "'); layers above the freeze point: " + Layers.list(names.subList(freeze + 1, keep)));
            }
            Layer l = Layers.unwrap(oc.getConf(t).getLayer());
            if (!(l instanceof FeedForwardLayer) || l instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization) {
                throw new TransferPlanException("cannot change the width of '" + names.get(t) + "': a " + l.getClass().getSimpleName()
                        + " has no width of its own; dense and convolution layers have");
            }
            tweaks.put(t, e.getValue());
        }
        List<TransferPlan.NewLayer> newLayers = plan.newLayers(names::contains);
        for (TransferPlan.NewLayer nl : newLayers) {
            if (kept.contains(nl.name())) {
                throw new TransferPlanException("the plan adds a layer named '" + nl.name() + "' but the network already has one");
            }
        }
        boolean endsInOutput = newLayers.isEmpty() ? Layers.isOutputLayer(oc.getConf(keep - 1).getLayer())
                : Layers.isOutputLayer(newLayers.get(newLayers.size() - 1).layer());
        if (!endsInOutput) {
            Layer top = newLayers.isEmpty() ? Layers.unwrap(oc.getConf(keep - 1).getLayer()) : newLayers.get(newLayers.size() - 1).layer();
            throw new TransferPlanException("the top layer '" + (newLayers.isEmpty() ? names.get(keep - 1) : newLayers.get(newLayers.size() - 1).name())
                    + "' is a " + top.getClass().getSimpleName() + " without a loss (as Keras imports heads); use replaceHead(nOut, activation, loss)");
        }
        InputType input = declaredInput != null ? declaredInput : inferInput(oc);
        boolean needTypes = !tweaks.isEmpty() || !newLayers.isEmpty();
        if (needTypes && input == null) {
            throw new TransferPlanException("the plan changes layer sizes but the network's input type is unknown: give the model card an "
                    + "input shape or call inputType(...) on the plan");
        }

        List<NeuralNetConfiguration> confs = new ArrayList<>();
        Map<Integer, InputPreProcessor> pps = new HashMap<>();
        for (int i = 0; i < keep; i++) {
            NeuralNetConfiguration c = oc.getConf(i).clone();
            if (plan.seedSet()) {
                c.setSeed(plan.seed());
            }
            Layer l = Layers.unwrap(c.getLayer());
            l.setLayerName(names.get(i));
            if (i <= freeze) {
                c.setLayer(Layers.freeze(l));
            } else {
                revive(l);
                c.setLayer(l);
            }
            confs.add(c);
            InputPreProcessor pp = oc.getInputPreProcess(i);
            if (pp != null) {
                pps.put(i, pp.clone());
            }
        }
        // Resize: the tweaked layer's nOut, then every layer up to the next one with its own width gets a new input size.
        Set<Integer> affected = new HashSet<>();
        for (Map.Entry<Integer, Integer> t : tweaks.entrySet()) {
            ((FeedForwardLayer) Layers.unwrap(confs.get(t.getKey()).getLayer())).setNOut(t.getValue());
            for (int j = t.getKey() + 1; j < keep; j++) {
                affected.add(j);
                Layer l = Layers.unwrap(confs.get(j).getLayer());
                if (l instanceof FeedForwardLayer && !(l instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization)) {
                    break;
                }
            }
        }
        InputType type = input;
        if (needTypes) {
            for (int i = 0; i < keep; i++) {
                InputPreProcessor pp = pps.get(i);
                if (pp != null && affected.contains(i)) {
                    pp = Preprocessors.refit(pp, type, names.get(i));
                    pps.put(i, pp);
                }
                if (pp != null) {
                    type = pp.getOutputType(type);
                }
                Layer l = confs.get(i).getLayer();
                if (affected.contains(i)) {
                    Layers.unwrap(l).setNIn(type, true);
                }
                type = l.getOutputType(i, type);
            }
        }
        if (!newLayers.isEmpty()) {
            NeuralNetConfiguration.ListBuilder lb = new NeuralNetConfiguration.Builder().seed(plan.seed()).updater(plan.updater().clone())
                    .weightInit(plan.weightInit()).dataType(oc.getDataType()).list();
            for (int k = 0; k < newLayers.size(); k++) {
                Layer l = newLayers.get(k).layer();
                l.setLayerName(newLayers.get(k).name());
                lb.layer(k, l);
            }
            MultiLayerConfiguration nc = lb.setInputType(type).build();
            for (int k = 0; k < newLayers.size(); k++) {
                confs.add(nc.getConf(k));
                if (nc.getInputPreProcess(k) != null) {
                    pps.put(keep + k, nc.getInputPreProcess(k));
                }
            }
        }
        if (dryRun) {
            return old;
        }
        MultiLayerConfiguration conf = new MultiLayerConfiguration.Builder().confs(confs).inputPreProcessors(pps)
                .dataType(oc.getDataType()).backpropType(oc.getBackpropType())
                .tBPTTForwardLength(oc.getTbpttFwdLength()).tBPTTBackwardLength(oc.getTbpttBackLength())
                .trainingWorkspaceMode(oc.getTrainingWorkspaceMode()).inferenceWorkspaceMode(oc.getInferenceWorkspaceMode())
                .cacheMode(oc.getCacheMode()).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Engine.attachHelpers(net);
        for (int i = 0; i < keep; i++) {
            if (tweaks.containsKey(i) || affected.contains(i)) {
                continue;
            }
            Params.copy(old.getLayer(i), net.getLayer(i), names.get(i));
        }
        return net;
    }

    /** A layer that trains again after being frozen gets the plan's updater in place of the frozen NoOp. */
    private void revive(Layer l) {
        if (l instanceof BaseLayer) {
            BaseLayer b = (BaseLayer) l;
            if (b.getIUpdater() == null || b.getIUpdater() instanceof NoOp) {
                b.setIUpdater(plan.updater().clone());
            }
            if (b.getBiasUpdater() instanceof NoOp) {
                b.setBiasUpdater(null);
            }
        }
    }

    /** Input type from the first layer: a dense nIn, or the shape a FeedForwardToCnn preprocessor declares. */
    private static InputType inferInput(MultiLayerConfiguration oc) {
        InputPreProcessor pp = oc.getInputPreProcess(0);
        if (pp instanceof FeedForwardToCnnPreProcessor) {
            FeedForwardToCnnPreProcessor f = (FeedForwardToCnnPreProcessor) pp;
            return InputType.convolutionalFlat(f.getInputHeight(), f.getInputWidth(), f.getNumChannels());
        }
        Layer l = Layers.unwrap(oc.getConf(0).getLayer());
        if (pp == null && l instanceof FeedForwardLayer && !(l instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer)
                && ((FeedForwardLayer) l).getNIn() > 0) {
            return InputType.feedForward(((FeedForwardLayer) l).getNIn());
        }
        return null;
    }
}
