package dev.graft.zoo.keras;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads the weights of a Keras 3 model and names them as DL4J's importer expects ({@code kernel}, {@code bias},
 * {@code depthwise_kernel}, {@code moving_mean}, ...). The arrays are copied unchanged: Keras 3 keeps the
 * Keras 2 shapes and layouts, only the names and the file structure moved.
 *
 * <p>Two layouts: the native one ({@code .keras} archives and {@code .weights.h5}) stores
 * {@code layers/<snake_case class>[_n]/vars/<i>} with positional names; the legacy {@code .h5} one stores
 * {@code model_weights/<layer name>/.../<weight name>}.
 */
final class Keras3Weights {
    private Keras3Weights() {
    }

    /** Weights per layer name, for every layer that has weights. */
    static Map<String, Map<String, INDArray>> read(KerasSource src, List<Keras3Translator.LayerSpec> layers)
            throws KerasImportException {
        Hdf5File h5 = src.weights();
        // for messages only: a .keras archive's weights are read from a temporary copy, which the user never saw
        Path file = src.format() == KerasFormat.KERAS3_ARCHIVE ? Path.of(src.file() + " (model.weights.h5)")
                : src.weightsFile();
        boolean legacy = src.format() == KerasFormat.KERAS3_H5;
        Map<String, Map<String, INDArray>> out = new LinkedHashMap<>();
        for (Keras3Translator.LayerSpec l : layers) {
            if (!l.hasWeights()) {
                continue;
            }
            Map<String, INDArray> w = l.className().equals("Bidirectional") ? readBidirectional(h5, file, l, legacy)
                    : legacy ? readLegacy(h5, file, l) : readNative(h5, file, l);
            checkShapes(src, l, w);
            if (l.className().equals("BatchNormalization")) {
                completeBatchNorm(w);
            }
            if (l.className().equals("Conv2D") && l.keras3Config().path("groups").asInt(1) > 1) {
                asDepthwise(w, l.keras3Config().path("groups").asInt());
            }
            if ((l.className().equals("LSTM") || l.className().equals("SimpleRNN")) && !w.containsKey("bias")
                    && w.containsKey("recurrent_kernel")) {
                w.put("bias", Nd4j.zeros(w.get("recurrent_kernel").dataType(), w.get("recurrent_kernel").size(1)));
            }
            if (l.weightTransform() != null) {
                w = l.weightTransform().apply(w);
            }
            out.put(l.name(), w);
        }
        return out;
    }

    /**
     * A Bidirectional wrapper's weights: per direction, the wrapped recurrent layer's {@code kernel},
     * {@code recurrent_kernel}, {@code bias}, named {@code forward_*} / {@code backward_*}. Native files keep them
     * at {@code layers/<key>/forward_layer/cell/vars/i}; legacy {@code .h5} files under a group whose name starts
     * with {@code forward_} / {@code backward_} somewhere below the layer's group.
     */
    private static Map<String, INDArray> readBidirectional(Hdf5File h5, Path file, Keras3Translator.LayerSpec l,
            boolean legacy) throws KerasImportException {
        Map<String, INDArray> w = new LinkedHashMap<>();
        int perDirection = l.paramNames().size() / 2;
        for (String dir : new String[] {"forward", "backward"}) {
            List<String> names = l.paramNames().subList(dir.equals("forward") ? 0 : perDirection,
                    dir.equals("forward") ? perDirection : 2 * perDirection);
            Map<String, String> found = new HashMap<>();
            if (legacy) {
                String group = legacyGroup(h5, l.legacyPath());
                if (group == null) {
                    throw new KerasImportException("weights of layer '" + l.name() + "' (Bidirectional) not found in "
                            + file + ": expected group /model_weights/" + l.legacyPath());
                }
                List<String> paths = new java.util.ArrayList<>();
                dataSetPaths(h5, group, paths);
                for (String path : paths) {
                    if (path.contains("/" + dir + "_")) {
                        found.put(path.substring(path.lastIndexOf('/') + 1).replaceFirst(":\\d+$", ""), path);
                    }
                }
            } else {
                String group = "layers/" + l.weightKey() + "/" + dir + "_layer/cell/vars";
                if (!hasPath(h5, group)) {
                    throw new KerasImportException("weights of layer '" + l.name() + "' (Bidirectional) not found in "
                            + file + ": expected group /" + group);
                }
                List<String> sets = h5.dataSets(group);
                String[] order = {"kernel", "recurrent_kernel", "bias"};
                for (int i = 0; i < sets.size() && i < order.length; i++) {
                    found.put(order[i], group + "/" + i);
                }
            }
            for (String name : names) {
                String plain = name.substring(dir.length() + 1);
                String where = found.get(plain);
                if (where == null && plain.equals("bias") && found.containsKey("recurrent_kernel")) {
                    continue; // use_bias=False: zeros below
                }
                if (where == null) {
                    throw new KerasImportException("layer '" + l.name() + "' (Bidirectional) in " + file + " has no "
                            + dir + " weight '" + plain + "'; it has " + found.keySet());
                }
                w.put(name, h5.readFloats(where));
            }
            if (!w.containsKey(dir + "_bias")) { // use_bias=False: DL4J's LSTM has a bias; zero is no bias
                w.put(dir + "_bias", Nd4j.zeros(w.get(dir + "_recurrent_kernel").dataType(),
                        w.get(dir + "_recurrent_kernel").size(1)));
            }
        }
        return w;
    }

    /** The full path of every data set below a group. */
    private static void dataSetPaths(Hdf5File h5, String group, List<String> out) throws KerasImportException {
        for (String ds : h5.dataSets(group)) {
            out.add(group + "/" + ds);
        }
        for (String g : h5.groups(group)) {
            dataSetPaths(h5, group + "/" + g, out);
        }
    }

    private static Map<String, INDArray> readNative(Hdf5File h5, Path file, Keras3Translator.LayerSpec l)
            throws KerasImportException {
        if (!hasPath(h5, "layers/" + l.weightKey())) {
            throw new KerasImportException("weights of layer '" + l.name() + "' (" + l.className() + ") not found in "
                    + file + ": expected group /layers/" + l.weightKey());
        }
        String group = "layers/" + l.weightKey() + (Keras3Translator.keepsWeightsInCell(l.className()) ? "/cell" : "")
                + "/vars";
        List<String> sets = h5.dataSets(group);
        List<String> names = l.paramNames();
        if (sets.size() != names.size()) {
            throw new KerasImportException("layer '" + l.name() + "' (" + l.className() + ") in " + file + " has "
                    + sets.size() + " weight arrays at /" + group + " but its config implies " + names.size() + " "
                    + names);
        }
        Map<String, INDArray> w = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            w.put(names.get(i), h5.readFloats(group + "/" + i));
        }
        return w;
    }

    private static Map<String, INDArray> readLegacy(Hdf5File h5, Path file, Keras3Translator.LayerSpec l)
            throws KerasImportException {
        String group = legacyGroup(h5, l.legacyPath());
        if (group == null) {
            throw new KerasImportException("weights of layer '" + l.name() + "' (" + l.className() + ") not found in "
                    + file + ": expected group /model_weights/" + l.legacyPath());
        }
        Map<String, String> found = new HashMap<>();
        collect(h5, group, found);
        Map<String, INDArray> w = new LinkedHashMap<>();
        for (String name : l.paramNames()) {
            String stored = l.className().equals("DepthwiseConv2D") && name.equals("depthwise_kernel")
                    && !found.containsKey(name) ? "kernel" : name;
            String where = found.get(stored);
            if (where == null && found.size() == 1 && l.paramNames().size() == 1) {
                // a custom layer's single weight made without a name (ConvNeXt's LayerScale: "variable")
                where = found.values().iterator().next();
            }
            if (where == null) {
                throw new KerasImportException("layer '" + l.name() + "' (" + l.className() + ") in " + file
                        + " has no weight '" + stored + "'; it has " + found.keySet());
            }
            w.put(name, h5.readFloats(where));
        }
        if (found.size() != w.size()) {
            throw new KerasImportException("layer '" + l.name() + "' (" + l.className() + ") in " + file + " has "
                    + found.size() + " weights " + found.keySet() + " but its config implies " + l.paramNames());
        }
        return w;
    }

    /**
     * A batch norm saved with {@code scale=False} has no gamma and with {@code center=False} no beta; Keras then
     * computes with gamma 1 and beta 0. DL4J's importer needs both (it fails on a null array), so they are given
     * with those values; the translator switches {@code scale}/{@code center} on in the config DL4J reads.
     */
    static void completeBatchNorm(Map<String, INDArray> w) {
        INDArray mean = w.get("moving_mean");
        if (mean == null) {
            return;
        }
        w.computeIfAbsent("gamma", k -> Nd4j.onesLike(mean));
        w.computeIfAbsent("beta", k -> Nd4j.zerosLike(mean));
    }

    /**
     * A Conv2D with {@code groups} equal to its input channels, as the depthwise convolution the translator made
     * of it: kernel {@code [kh, kw, 1, C*M]} becomes {@code depthwise_kernel [kh, kw, C, M]}, the same values in the
     * same order (output channel {@code c*M + m} is group {@code c}'s {@code m}-th filter in both).
     */
    static void asDepthwise(Map<String, INDArray> w, int groups) {
        INDArray k = w.remove("kernel");
        long[] s = k.shape();
        w.put("depthwise_kernel", k.dup('c').reshape('c', s[0], s[1], groups, s[3] / groups));
    }

    /**
     * The group holding a layer's weights in a legacy {@code .h5}: {@code model_weights/<path>}, where a layer of a
     * nested model has the path {@code <model>/<layer>}. Keras writes a nested Sequential's layers one level deeper,
     * under {@code <model>/<model>/<layer>}; that form is tried second. Null when neither exists.
     */
    private static String legacyGroup(Hdf5File h5, String legacyPath) throws KerasImportException {
        String direct = "model_weights/" + legacyPath;
        if (hasPath(h5, direct)) {
            return direct;
        }
        int slash = legacyPath.lastIndexOf('/');
        if (slash > 0) {
            String parent = legacyPath.substring(0, slash);
            String model = parent.substring(parent.lastIndexOf('/') + 1);
            String doubled = "model_weights/" + parent + "/" + model + legacyPath.substring(slash);
            if (hasPath(h5, doubled)) {
                return doubled;
            }
        }
        return null;
    }

    /** Whether the group {@code a/b/c} exists, each step checked from the root. */
    private static boolean hasPath(Hdf5File h5, String path) throws KerasImportException {
        String parent = "";
        for (String part : path.split("/")) {
            if (!h5.hasGroup(parent, part)) {
                return false;
            }
            parent = parent.isEmpty() ? part : parent + "/" + part;
        }
        return true;
    }

    /** Finds every data set below a group; keys are weight names without a {@code :0} suffix, values paths. */
    private static void collect(Hdf5File h5, String group, Map<String, String> found) throws KerasImportException {
        for (String ds : h5.dataSets(group)) {
            found.put(ds.replaceFirst(":\\d+$", ""), group + "/" + ds);
        }
        for (String g : h5.groups(group)) {
            collect(h5, group + "/" + g, found);
        }
    }

    /** Checks what the config says about each weight's size, so a misplaced array is never loaded quietly. */
    private static void checkShapes(KerasSource src, Keras3Translator.LayerSpec l, Map<String, INDArray> w)
            throws KerasImportException {
        JsonNode c = l.keras3Config();
        long units = c.path("units").asLong(c.path("filters").asLong(-1));
        int gates = l.className().equals("LSTM") ? 4 : l.className().equals("GRU") ? 3 : 1;
        for (Map.Entry<String, INDArray> e : w.entrySet()) {
            long[] s = e.getValue().shape();
            long last = s.length == 0 ? -1 : s[s.length - 1];
            String name = e.getKey();
            boolean ok = true;
            if (units > 0 && (name.equals("kernel") || name.equals("pointwise_kernel") || name.equals("bias")
                    || name.equals("recurrent_kernel"))) {
                ok = last == units * gates || (name.equals("bias") && e.getValue().length() == units * gates * 2);
                if (name.equals("kernel") && l.className().endsWith("Transpose")) {
                    // transposed convolutions keep [k..., filters, in_channels]: the filters come second to last
                    ok = s.length >= 2 && s[s.length - 2] == units;
                }
            }
            if (name.equals("embeddings")) {
                ok = s.length == 2 && s[0] == c.path("input_dim").asLong() && s[1] == c.path("output_dim").asLong();
            }
            if (name.equals("recurrent_kernel") && ok) {
                ok = s.length == 2 && s[0] == units;
            }
            long[] want = ok ? expectedShape(l, name) : null;
            if (want != null && !fits(s, want)) {
                // DL4J copies a weight by its element count: a kernel stored [out, in] or with its axes permuted
                // imported without complaint and computed something else (tools/import-fuzz/REPORT.md)
                throw new KerasImportException("weight '" + name + "' of layer '" + l.name() + "' (" + l.className()
                        + ") in " + src.file() + " has shape " + Arrays.toString(s) + " where the layer's config and "
                        + "its input imply " + Arrays.toString(want).replace("-1", "?") + "; the weights file does "
                        + "not belong to this config (or was written with another layout)");
            }
            if (!ok) {
                throw new KerasImportException("weight '" + name + "' of layer '" + l.name() + "' (" + l.className()
                        + ") in " + src.file() + " has shape " + Arrays.toString(s)
                        + ", which does not fit the layer's config; the weights file does not belong to this config");
            }
        }
    }

    /** Whether {@code shape} is {@code want}, where {@code -1} in {@code want} matches any size. */
    private static boolean fits(long[] shape, long[] want) {
        if (shape.length != want.length) {
            return false;
        }
        for (int i = 0; i < shape.length; i++) {
            if (want[i] >= 0 && shape[i] != want[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The full shape Keras gives a weight of the layer ({@code -1} for a size the config and the recorded input
     * shape do not say), or null when Graft has no rule for it. Kernels: {@code [k..., in, filters]} (transposed:
     * {@code [k..., filters, in]}), depthwise {@code [k..., in, multiplier]}, pointwise {@code [1, 1, in*m,
     * filters]}; per-channel vectors {@code [channels]}; recurrent {@code [in, g*units]}, {@code [units, g*units]}.
     */
    static long[] expectedShape(Keras3Translator.LayerSpec l, String name) {
        JsonNode c = l.keras3Config();
        JsonNode shape = l.inputShape();
        long in = shape != null && shape.size() > 1 && shape.get(shape.size() - 1).isNumber()
                ? shape.get(shape.size() - 1).asLong() : -1;
        long units = c.path("units").asLong(c.path("filters").asLong(-1));
        List<Long> k = new ArrayList<>();
        c.path("kernel_size").forEach(x -> k.add(x.asLong()));
        String cls = l.className();
        switch (cls) {
            case "Dense":
                if (shape != null && shape.size() != 2) {
                    return null; // on a sequence or an image: the kernel is still [in, units], checked as such
                }
                return name.equals("kernel") ? new long[] {in, units} : name.equals("bias") ? new long[] {units}
                        : null;
            case "Conv1D": case "Conv2D": case "Conv3D": {
                long groups = c.path("groups").asLong(1);
                return name.equals("kernel") ? with(k, in < 0 ? -1 : in / groups, units)
                        : name.equals("bias") ? new long[] {units} : null;
            }
            case "Conv1DTranspose": case "Conv2DTranspose": case "Conv3DTranspose":
                return name.equals("kernel") ? with(k, units, in) : name.equals("bias") ? new long[] {units} : null;
            case "DepthwiseConv2D": {
                long m = c.path("depth_multiplier").asLong(1);
                return name.equals("depthwise_kernel") ? with(k, in, m)
                        : name.equals("bias") ? new long[] {in < 0 ? -1 : in * m} : null;
            }
            case "SeparableConv2D": {
                long m = c.path("depth_multiplier").asLong(1);
                if (name.equals("depthwise_kernel")) {
                    return with(k, in, m);
                }
                return name.equals("pointwise_kernel") ? new long[] {1, 1, in < 0 ? -1 : in * m, units}
                        : name.equals("bias") ? new long[] {units} : null;
            }
            case "BatchNormalization":
            case "LayerNormalization":
                return shape != null && shape.size() > 1 && Set.of("gamma", "beta", "moving_mean", "moving_variance")
                        .contains(name) && lastAxis(c, shape.size()) ? new long[] {in} : null;
            case "Embedding":
                return name.equals("embeddings")
                        ? new long[] {c.path("input_dim").asLong(-1), c.path("output_dim").asLong(-1)} : null;
            case "LSTM": case "SimpleRNN": case "GRU": {
                long g = cls.equals("LSTM") ? 4 : cls.equals("GRU") ? 3 : 1;
                if (name.equals("kernel")) {
                    return new long[] {in, g * units};
                }
                if (name.equals("recurrent_kernel")) {
                    return new long[] {units, g * units};
                }
                return null; // bias: [g*units], or [2, g*units] for GRU(reset_after=True); checked above
            }
            default:
                return null;
        }
    }

    private static boolean lastAxis(JsonNode c, int rank) {
        JsonNode axis = c.path("axis");
        int a = axis.isArray() && axis.size() == 1 ? axis.get(0).asInt() : axis.asInt(-1);
        return !(axis.isArray() && axis.size() != 1) && (a == -1 || a == rank - 1);
    }

    private static long[] with(List<Long> kernel, long a, long b) {
        long[] s = new long[kernel.size() + 2];
        for (int i = 0; i < kernel.size(); i++) {
            s[i] = kernel.get(i);
        }
        s[kernel.size()] = a;
        s[kernel.size() + 1] = b;
        return s;
    }
}
