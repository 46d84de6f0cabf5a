package dev.graft.transfer;

import dev.graft.engine.Engine;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.NoOp;

/** Applies a {@link TransferPlan} to a ComputationGraph. */
final class GraphSurgery {

    private final TransferPlan plan;
    private final ComputationGraph old;
    private final InputType declaredInput;
    private final List<String> names;
    private final String modelName;

    GraphSurgery(TransferPlan plan, ComputationGraph old, InputType inputType, String modelName) {
        this.plan = plan;
        this.modelName = modelName;
        this.old = old;
        this.declaredInput = inputType;
        this.names = Layers.names(old);
    }

    private String resolve(String ref, String what) {
        return LayerRef.resolveForPlan(old, ref, modelName, what).name();
    }

    ComputationGraph run(boolean dryRun) {
        ComputationGraphConfiguration oc = old.getConfiguration();
        if (oc.getNetworkOutputs().size() != 1) {
            throw new TransferPlanException("the graph has " + oc.getNetworkOutputs().size() + " outputs (" + String.join(", ", oc.getNetworkOutputs())
                    + "); Graft transfer plans need a graph with one output");
        }
        List<String> inputs = oc.getNetworkInputs();
        Map<String, GraphVertex> vs = new LinkedHashMap<>();
        for (String n : names) {
            vs.put(n, Layers.unwrap(oc.getVertices().get(n).clone()));
        }
        Map<String, List<String>> ins = new HashMap<>();
        oc.getVertexInputs().forEach((k, v) -> ins.put(k, new ArrayList<>(v)));

        String top = oc.getNetworkOutputs().get(0);
        int drop = plan.head() != null ? Math.max(plan.dropTop(), 1) : plan.dropTop();
        Set<String> dropped = new HashSet<>();
        for (int k = 0; k < drop; k++) {
            List<String> in = ins.get(top);
            if (in.size() != 1 || inputs.contains(in.get(0))) {
                throw new TransferPlanException("cannot drop " + drop + " vertices from the top: '" + top + "' reads "
                        + (in.size() == 1 ? "the network input" : "several vertices (" + String.join(", ", in) + ")")
                        + ", so the graph below it has no single top; drop at most " + k);
            }
            vs.remove(top);
            ins.remove(top);
            dropped.add(top);
            top = in.get(0);
        }
        Set<String> live = ancestors(top, ins, inputs);
        live.add(top);
        for (String n : new ArrayList<>(vs.keySet())) {
            if (!live.contains(n)) {
                throw new TransferPlanException("dropping " + String.join(", ", dropped) + " leaves vertex '" + n
                        + "' feeding nothing; drop fewer vertices or use a graph with a single path to its output");
            }
        }
        List<String> keptNames = new ArrayList<>(vs.keySet());

        Set<String> frozen = new HashSet<>();
        if (plan.freezeThrough() != null) {
            String f = resolve(plan.freezeThrough(), "freezeThrough");
            if (!vs.containsKey(f)) {
                throw new TransferPlanException("cannot freeze through '" + f + "': the plan drops it; kept vertices are: " + Layers.list(keptNames));
            }
            frozen.addAll(ancestors(f, ins, inputs));
            frozen.add(f);
        }
        Map<String, Integer> tweaks = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : plan.widths().entrySet()) {
            String t = resolve(e.getKey(), "tweakWidth");
            if (!vs.containsKey(t)) {
                throw new TransferPlanException("cannot change the width of '" + t + "': the plan drops it; kept vertices are: " + Layers.list(keptNames));
            }
            if (frozen.contains(t)) {
                throw new TransferPlanException("cannot change the width of '" + t + "': it is frozen (frozen through '"
                        + plan.freezeThrough() + "'); trainable vertices: " + Layers.list(keptNames.stream().filter(x -> !frozen.contains(x)).toList()));
            }
            Layer l = vs.get(t) instanceof LayerVertex ? ((LayerVertex) vs.get(t)).getLayerConf().getLayer() : null;
            if (!(l instanceof FeedForwardLayer) || l instanceof BatchNormalization) {
                throw new TransferPlanException("cannot change the width of '" + t + "': a " + (l == null ? vs.get(t).getClass().getSimpleName()
                        : l.getClass().getSimpleName()) + " has no width of its own; dense and convolution layers have");
            }
            tweaks.put(t, e.getValue());
        }
        List<TransferPlan.NewLayer> newLayers = plan.newLayers(n -> vs.containsKey(n) || inputs.contains(n));
        for (TransferPlan.NewLayer nl : newLayers) {
            if (vs.containsKey(nl.name()) || inputs.contains(nl.name())) {
                throw new TransferPlanException("the plan adds a vertex named '" + nl.name() + "' but the graph already has one");
            }
        }
        GraphVertex topVertex = vs.get(top);
        boolean endsInOutput = newLayers.isEmpty()
                ? topVertex instanceof LayerVertex && Layers.isOutputLayer(((LayerVertex) topVertex).getLayerConf().getLayer())
                : Layers.isOutputLayer(newLayers.get(newLayers.size() - 1).layer());
        if (!endsInOutput) {
            String what = newLayers.isEmpty() ? top : newLayers.get(newLayers.size() - 1).name();
            String kind = newLayers.isEmpty() ? (topVertex instanceof LayerVertex ? ((LayerVertex) topVertex).getLayerConf().getLayer().getClass().getSimpleName()
                    : topVertex.getClass().getSimpleName()) : newLayers.get(newLayers.size() - 1).layer().getClass().getSimpleName();
            throw new TransferPlanException("the top vertex '" + what + "' is a " + kind
                    + " without a loss (as Keras imports heads); use replaceHead(nOut, activation, loss)");
        }
        InputType[] inTypes = declaredInput != null && inputs.size() == 1 ? new InputType[] {declaredInput} : null;
        boolean needTypes = !tweaks.isEmpty() || !newLayers.isEmpty();
        if (needTypes && inTypes == null) {
            throw new TransferPlanException("the plan changes layer sizes but the graph's input types are unknown: give the model card an "
                    + "input shape or call inputType(...) on the plan");
        }

        // Freeze, revive.
        for (Map.Entry<String, GraphVertex> e : vs.entrySet()) {
            GraphVertex v = e.getValue();
            if (frozen.contains(e.getKey())) {
                if (v instanceof LayerVertex) {
                    LayerVertex lv = (LayerVertex) v;
                    lv.getLayerConf().setLayer(Layers.freeze(lv.getLayerConf().getLayer()));
                } else {
                    e.setValue(new FrozenVertex(v));
                }
            } else if (v instanceof LayerVertex) {
                Layer l = ((LayerVertex) v).getLayerConf().getLayer();
                if (l instanceof BaseLayer && (((BaseLayer) l).getIUpdater() == null || ((BaseLayer) l).getIUpdater() instanceof NoOp)) {
                    ((BaseLayer) l).setIUpdater(plan.updater().clone());
                    if (((BaseLayer) l).getBiasUpdater() instanceof NoOp) {
                        ((BaseLayer) l).setBiasUpdater(null);
                    }
                }
            }
        }
        // Resize: the tweaked layer, then its readers, through layers without a width of their own (pooling, batch norm, merges).
        Set<String> affected = new HashSet<>();
        Map<String, List<String>> readers = readers(ins);
        for (Map.Entry<String, Integer> t : tweaks.entrySet()) {
            ((FeedForwardLayer) ((LayerVertex) vs.get(t.getKey())).getLayerConf().getLayer()).setNOut(t.getValue());
            Deque<String> todo = new ArrayDeque<>(readers.getOrDefault(t.getKey(), List.of()));
            while (!todo.isEmpty()) {
                String r = todo.poll();
                if (!vs.containsKey(r) || !affected.add(r)) {
                    continue;
                }
                GraphVertex v = vs.get(r);
                Layer l = v instanceof LayerVertex ? ((LayerVertex) v).getLayerConf().getLayer() : null;
                if (!(l instanceof FeedForwardLayer) || l instanceof BatchNormalization) {
                    todo.addAll(readers.getOrDefault(r, List.of()));
                }
            }
        }
        // New layers on top.
        NeuralNetConfiguration.Builder global = new NeuralNetConfiguration.Builder().seed(plan.seed()).updater(plan.updater().clone())
                .weightInit(plan.weightInit()).dataType(oc.getDataType());
        Set<String> fresh = new HashSet<>();
        for (TransferPlan.NewLayer nl : newLayers) {
            nl.layer().setLayerName(nl.name());
            NeuralNetConfiguration c = global.clone().layer(nl.layer()).build();
            vs.put(nl.name(), new LayerVertex(c, null));
            ins.put(nl.name(), new ArrayList<>(List.of(top)));
            fresh.add(nl.name());
            top = nl.name();
        }
        List<String> order = topo(vs.keySet(), ins, inputs);
        if (needTypes) {
            Map<String, InputType> types = new HashMap<>();
            for (int i = 0; i < inputs.size(); i++) {
                types.put(inputs.get(i), inTypes[i]);
            }
            for (String n : order) {
                GraphVertex v = vs.get(n);
                InputType[] vin = ins.get(n).stream().map(types::get).toArray(InputType[]::new);
                if (v instanceof LayerVertex && (affected.contains(n) || fresh.contains(n))) {
                    LayerVertex lv = (LayerVertex) v;
                    Layer l = lv.getLayerConf().getLayer();
                    InputType t = vin[0];
                    InputPreProcessor pp = lv.getPreProcessor();
                    if (pp != null) {
                        pp = Preprocessors.refit(pp, t, n);
                    } else if (fresh.contains(n)) {
                        pp = l.getPreProcessorForInputType(t);
                    }
                    lv.setPreProcessor(pp);
                    if (pp != null) {
                        t = pp.getOutputType(t);
                    }
                    l.setNIn(t, true);
                }
                types.put(n, v.getOutputType(-1, vin));
            }
        }
        if (dryRun) {
            return old;
        }
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder(oc.getDefaultConfiguration().clone());
        if (plan.seedSet()) {
            base.seed(plan.seed());
        }
        ComputationGraphConfiguration.GraphBuilder gb = base.graphBuilder()
                .addInputs(inputs.toArray(new String[0]));
        if (inTypes != null) {
            gb.setInputTypes(inTypes);
        }
        for (String n : order) {
            gb.addVertex(n, vs.get(n), ins.get(n).toArray(new String[0]));
        }
        gb.setOutputs(top);
        gb.backpropType(oc.getBackpropType()).tBPTTForwardLength(oc.getTbpttFwdLength()).tBPTTBackwardLength(oc.getTbpttBackLength());
        ComputationGraphConfiguration conf = gb.build();
        conf.setTrainingWorkspaceMode(oc.getTrainingWorkspaceMode());
        conf.setInferenceWorkspaceMode(oc.getInferenceWorkspaceMode());
        conf.setCacheMode(oc.getCacheMode());
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        Engine.attachHelpers(g);
        for (String n : order) {
            if (fresh.contains(n) || affected.contains(n) || tweaks.containsKey(n) || old.getLayer(n) == null) {
                continue;
            }
            Params.copy(old.getLayer(n), g.getLayer(n), n);
        }
        return g;
    }

    /** All vertices {@code v} depends on, network inputs excluded. */
    static Set<String> ancestors(String v, Map<String, List<String>> ins, List<String> inputs) {
        Set<String> out = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(ins.getOrDefault(v, List.of()));
        while (!todo.isEmpty()) {
            String a = todo.poll();
            if (inputs.contains(a) || !out.add(a)) {
                continue;
            }
            todo.addAll(ins.getOrDefault(a, List.of()));
        }
        return out;
    }

    static Map<String, List<String>> readers(Map<String, List<String>> ins) {
        Map<String, List<String>> out = new HashMap<>();
        ins.forEach((v, list) -> list.forEach(i -> out.computeIfAbsent(i, k -> new ArrayList<>()).add(v)));
        return out;
    }

    /** Vertices in an order where each comes after its inputs. */
    static List<String> topo(Set<String> vertices, Map<String, List<String>> ins, List<String> inputs) {
        List<String> out = new ArrayList<>();
        Set<String> done = new HashSet<>(inputs);
        List<String> left = new ArrayList<>(vertices);
        while (!left.isEmpty()) {
            boolean progress = false;
            for (var it = left.iterator(); it.hasNext();) {
                String v = it.next();
                if (done.containsAll(ins.getOrDefault(v, List.of()))) {
                    out.add(v);
                    done.add(v);
                    it.remove();
                    progress = true;
                }
            }
            if (!progress) {
                throw new TransferPlanException("the graph has a cycle or a missing input among: " + String.join(", ", left));
            }
        }
        return out;
    }
}
