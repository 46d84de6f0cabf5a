package dev.graft.zoo.npz;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Assigns weights from a NumPy {@code .npz} archive (e.g. a PyTorch {@code state_dict} or a TF export) to a DL4J
 * network, by a {@link NameMap}, converting layouts and checking every shape before anything is written.
 * <pre>{@code
 * NpzWeights.Report r = NpzWeights.load(net, Path.of("w.npz"), NameMap.read(Path.of("w.map.json")));
 * System.out.println(r.unmappedParameters());   // parameters left at their initial values
 * }</pre>
 */
public final class NpzWeights {
    private NpzWeights() {
    }

    /**
     * What an import did.
     *
     * @param assigned DL4J parameters that received an array ({@code layer/param})
     * @param unmappedParameters DL4J parameters the map did not mention (left as they were)
     * @param unusedArrays npz arrays the map did not use
     */
    public record Report(List<String> assigned, List<String> unmappedParameters, List<String> unusedArrays) {
    }

    /** Reads {@code npz} and assigns its arrays to {@code model} by {@code map}. */
    public static Report load(Model model, Path npz, NameMap map) throws IOException {
        return assign(model, NpzFile.read(npz), map);
    }

    /**
     * Assigns arrays to {@code model} by {@code map}. All entries are checked (array present, layer and parameter
     * present, shape after layout conversion equal to the parameter's) before any parameter is changed, so a bad
     * map leaves the model untouched.
     *
     * @throws IllegalArgumentException naming the entry, the parameter and both shapes on any mismatch
     */
    public static Report assign(Model model, Map<String, INDArray> arrays, NameMap map) {
        Map<String, Layer> layers = layersByName(model);
        Map<String, Layer> byIndex = indexAliases(model, layers);
        Map<INDArray, INDArray> writes = new java.util.IdentityHashMap<>();
        List<String> assigned = new ArrayList<>();
        Set<String> usedArrays = new LinkedHashSet<>();
        for (NameMap.Entry e : map.entries().values()) {
            INDArray src = arrays.get(e.array());
            if (src == null) {
                throw new IllegalArgumentException("name map entry '" + e.target() + "' names npz array '" + e.array()
                        + "', which the archive does not have; arrays are: " + String.join(", ", arrays.keySet()));
            }
            Layer layer = layers.containsKey(e.layer()) ? layers.get(e.layer()) : byIndex.get(e.layer());
            if (layer == null) {
                throw new IllegalArgumentException("name map entry '" + e.target() + "': layer '" + e.layer()
                        + "' not found; layers with parameters are: " + String.join(", ", layers.keySet()));
            }
            INDArray param = layer.paramTable().get(e.param());
            if (param == null) {
                throw new IllegalArgumentException("name map entry '" + e.target() + "': layer '" + e.layer()
                        + "' has no parameter '" + e.param() + "'; its parameters are: "
                        + String.join(", ", layer.paramTable().keySet()));
            }
            INDArray converted = e.layout().toDl4j(src, e.array());
            if (converted.dataType().isFPType() && (converted.isNaN().any() || converted.isInfinite().any())) {
                long bad = converted.isNaN().castTo(org.nd4j.linalg.api.buffer.DataType.INT32).sumNumber().longValue()
                        + converted.isInfinite().castTo(org.nd4j.linalg.api.buffer.DataType.INT32).sumNumber()
                        .longValue();
                throw new IllegalArgumentException("npz array '" + e.array() + "' (for '" + e.target() + "') holds " + bad
                        + " NaN or infinite value(s) of " + converted.length() + "; the network would predict NaN — "
                        + "export the weights again from a model that trained without diverging");
            }
            INDArray fitted = fit(converted, param);
            if (fitted == null) {
                String conv = e.layout() == ArrayLayout.AS_IS || e.layout() == ArrayLayout.DENSE_IN_OUT
                        || e.layout() == ArrayLayout.CONV_OIHW ? ""
                        : " (" + Arrays.toString(converted.shape()) + " after " + e.layout() + ")";
                throw new IllegalArgumentException("shape mismatch for parameter '" + e.target() + "': npz array '"
                        + e.array() + "' has shape " + Arrays.toString(src.shape()) + conv + " but the model's "
                        + e.param() + " has shape " + Arrays.toString(param.shape()));
            }
            writes.put(param, fitted);
            assigned.add(e.target());
            usedArrays.add(e.array());
        }
        writes.forEach((param, value) -> param.assign(value.castTo(param.dataType())));
        List<String> unmapped = new ArrayList<>();
        Set<Layer> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        layers.forEach((name, layer) -> {
            if (seen.add(layer)) {
                layer.paramTable().forEach((p, arr) -> {
                    if (!writes.containsKey(layer.getParam(p))) {
                        unmapped.add(name + "/" + p);
                    }
                });
            }
        });
        List<String> unused = new ArrayList<>();
        for (String a : arrays.keySet()) {
            if (!usedArrays.contains(a)) {
                unused.add(a);
            }
        }
        return new Report(List.copyOf(assigned), List.copyOf(unmapped), List.copyOf(unused));
    }

    /** The array reshaped to the parameter's shape if they hold the same data, else null. */
    private static INDArray fit(INDArray value, INDArray param) {
        if (Arrays.equals(value.shape(), param.shape())) {
            return value;
        }
        boolean vectors = isVector(value) && isVector(param) && value.length() == param.length();
        return vectors ? value.reshape(param.shape()) : null;
    }

    private static boolean isVector(INDArray a) {
        long big = Arrays.stream(a.shape()).filter(d -> d != 1).count();
        return big <= 1;
    }

    /** A MultiLayerNetwork's layers by index, so maps may say {@code 0/W} for a named layer too. */
    private static Map<String, Layer> indexAliases(Model model, Map<String, Layer> named) {
        Map<String, Layer> out = new LinkedHashMap<>();
        if (model instanceof MultiLayerNetwork) {
            Layer[] ls = ((MultiLayerNetwork) model).getLayers();
            for (int i = 0; i < ls.length; i++) {
                if (ls[i].numParams() > 0) {
                    out.put(String.valueOf(i), ls[i]);
                }
            }
        }
        return out;
    }

    /** Layers that have parameters, by DL4J name (MultiLayerNetwork layers also by index when unnamed). */
    private static Map<String, Layer> layersByName(Model model) {
        Map<String, Layer> out = new LinkedHashMap<>();
        if (model instanceof MultiLayerNetwork) {
            MultiLayerNetwork net = (MultiLayerNetwork) model;
            Layer[] ls = net.getLayers();
            for (int i = 0; i < ls.length; i++) {
                if (ls[i].numParams() == 0) {
                    continue;
                }
                String name = ls[i].conf().getLayer().getLayerName();
                out.put(name == null ? String.valueOf(i) : name, ls[i]);
            }
        } else if (model instanceof ComputationGraph) {
            for (Layer l : ((ComputationGraph) model).getLayers()) {
                if (l.numParams() > 0) {
                    out.put(l.conf().getLayer().getLayerName(), l);
                }
            }
        } else {
            throw new IllegalArgumentException("npz weights go into a MultiLayerNetwork or ComputationGraph, got "
                    + (model == null ? "null" : model.getClass().getName()));
        }
        return out;
    }
}
