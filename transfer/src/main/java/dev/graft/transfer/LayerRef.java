package dev.graft.transfer;

import dev.graft.zoo.GraftModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A layer of a network as a user named it, resolved once by the one rule set every Graft entry point uses
 * ({@link TransferPlan}'s freeze point and width changes, {@code Featurizers.cut}, the recorded cut of a
 * planned model, the CLI's {@code --cut}, Spark's frozen part).
 *
 * <pre>{@code
 * LayerRef ref = LayerRef.resolve(model, "fc2");   // or "3", the fourth layer
 * int index = ref.index();                          // position in Networks.layerNames(model.network())
 * }</pre>
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>the reference (surrounding blanks trimmed) is the name of a layer (MultiLayerNetwork) or of a vertex
 *       (ComputationGraph), as {@link Networks#layerNames} lists them: DL4J, Keras and ONNX imports keep the
 *       names they were recorded with, so a name wins even when it is itself a number (DL4J's VGG16 names its
 *       layers "0" to "20");</li>
 *   <li>{@code layerN} names layer N of a MultiLayerNetwork that has no name of its own (DL4J's default name);</li>
 *   <li>a non-negative number is an index: layer order for a MultiLayerNetwork, the topological order of
 *       {@link Networks#layerNames} for a graph (what {@code graft inspect} prints).</li>
 * </ol>
 * A graph's input is not a layer. Anything else is refused with one message: what was asked, the nearest
 * names ("did you mean"), the valid names and how to list them ({@code graft inspect MODEL}).
 *
 * @param name the layer's name as {@link Networks#layerNames} lists it
 * @param index its position in that list
 */
public record LayerRef(String name, int index) {

    /** Checks the fields. */
    public LayerRef {
        Objects.requireNonNull(name, "name");
        if (index < 0) {
            throw new IllegalArgumentException("a layer index is 0 or more, got " + index);
        }
    }

    /**
     * Resolves {@code ref} in a model's network; errors name the model.
     *
     * @throws UnknownLayerException if {@code ref} is null, blank, a graph input, an index out of range or no name
     */
    public static LayerRef resolve(GraftModel model, String ref) {
        Objects.requireNonNull(model, "model");
        return resolve(model.network(), ref, model.card().name());
    }

    /**
     * Resolves {@code ref} in a MultiLayerNetwork or ComputationGraph.
     *
     * @throws UnknownLayerException if {@code ref} is null, blank, a graph input, an index out of range or no name
     */
    public static LayerRef resolve(Model network, String ref) {
        return resolve(network, ref, null);
    }

    /** As {@link #resolve(Model, String)}; {@code modelName} (may be null) is named in errors. */
    static LayerRef resolve(Model network, String ref, String modelName) {
        Objects.requireNonNull(network, "network");
        boolean graph = network instanceof ComputationGraph;
        if (!graph && !(network instanceof MultiLayerNetwork)) {
            throw new IllegalArgumentException("cannot name layers of a " + network.getClass().getName()
                    + "; Graft works with MultiLayerNetwork and ComputationGraph");
        }
        List<String> names = Networks.layerNames(network);
        String noun = graph ? "vertex" : "layer";
        String where = modelName == null ? "" : " in model '" + modelName + "'";
        if (ref == null || ref.isBlank()) {
            throw new UnknownLayerException(ref, List.of(), "a " + noun + " name or index is needed" + where
                    + ", got " + (ref == null ? "none" : "'" + ref + "'") + "; " + valid(names, graph));
        }
        String r = ref.trim();
        int byName = names.indexOf(r);
        if (byName >= 0) {
            return new LayerRef(r, byName);
        }
        if (!graph && r.matches("layer\\d{1,9}")) {
            int i = Integer.parseInt(r.substring(5));
            MultiLayerNetwork net = (MultiLayerNetwork) network;
            if (i < names.size()) {
                String own = net.getLayerWiseConfigurations().getConf(i).getLayer().getLayerName();
                if (own == null || own.isBlank()) {
                    return new LayerRef(names.get(i), i);
                }
            }
        }
        if (graph && ((ComputationGraph) network).getConfiguration().getNetworkInputs().contains(r)) {
            throw new UnknownLayerException(r, List.of(), "'" + r + "' is the input of "
                    + (modelName == null ? "the graph" : "model '" + modelName + "'") + ", not a vertex; " + valid(names, true));
        }
        if (r.matches("-?\\d{1,9}")) {
            int i = Integer.parseInt(r);
            if (i >= 0 && i < names.size()) {
                return new LayerRef(names.get(i), i);
            }
            throw new UnknownLayerException(r, List.of(), noun + " '" + r + "' not found" + where + ": no " + noun
                    + " has that name and index " + i + " is out of range 0.." + (names.size() - 1) + "; " + valid(names, graph));
        }
        List<String> near = nearest(r, names);
        throw new UnknownLayerException(r, near, noun + " '" + r + "' not found" + where + "; "
                + (near.isEmpty() ? "" : "did you mean " + quoteAll(near) + "? ") + valid(names, graph));
    }

    /** As {@link #resolve(Model, String, String)}, the error a {@link TransferPlanException} prefixed with the plan step. */
    static LayerRef resolveForPlan(Model network, String ref, String modelName, String step) {
        try {
            return resolve(network, ref, modelName);
        } catch (UnknownLayerException e) {
            throw new TransferPlanException(step + ": " + e.getMessage(), e);
        }
    }

    /** The valid names and how to list them, for error messages. */
    static String valid(List<String> names, boolean graph) {
        return (graph ? "vertices" : "layers") + " are: " + Layers.list(names) + " (by name, or by index 0.."
                + (names.size() - 1) + "); 'graft inspect MODEL' lists them with their shapes";
    }

    /** Up to three names close to {@code ref}: same name but for case, a prefix or part of it, or a few edits away. */
    static List<String> nearest(String ref, List<String> names) {
        String r = ref.toLowerCase(Locale.ROOT);
        int limit = Math.max(1, Math.min(3, r.length() / 3));
        record Scored(String name, int score) {
        }
        List<Scored> scored = new ArrayList<>();
        for (String n : names) {
            String l = n.toLowerCase(Locale.ROOT);
            int d;
            if (l.equals(r)) {
                d = 0;
            } else if (r.length() >= 3 && (l.contains(r) || r.contains(l) && l.length() >= 3)) {
                d = 1;
            } else {
                d = distance(r, l, limit);
            }
            if (d <= limit) {
                scored.add(new Scored(n, d));
            }
        }
        scored.sort(Comparator.comparingInt(Scored::score));
        return scored.stream().limit(3).map(Scored::name).toList();
    }

    /** Levenshtein distance, or {@code limit + 1} as soon as it is sure to exceed {@code limit}. */
    private static int distance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) > limit) {
            return limit + 1;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                rowMin = Math.min(rowMin, cur[j]);
            }
            if (rowMin > limit) {
                return limit + 1;
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String quoteAll(List<String> names) {
        List<String> q = names.stream().map(n -> "'" + n + "'").toList();
        return q.size() == 1 ? q.get(0) : String.join(", ", q.subList(0, q.size() - 1)) + " or " + q.get(q.size() - 1);
    }
}
