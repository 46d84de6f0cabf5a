package dev.graft.zoo.onnx;

import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.SourceKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Imports an {@code .onnx} file (e.g. a torchvision model exported with {@code torch.onnx.export}) as an
 * {@link OnnxModel}: reads the graph and writes its card.
 *
 * <p>The card's input shape is the graph input's shape without the batch dimension, NCHW (give it with
 * {@link Builder#inputShape} when the graph leaves height or width dynamic). Preprocessing, labels, license and origin
 * come from the builder, or else from the ONNX file's {@code metadata_props} under these keys (comma-separated lists):
 * {@value #META_SCALE}, {@value #META_MEAN}, {@value #META_STD}, {@value #META_LABELS}, {@value #META_LICENSE},
 * {@value #META_ORIGIN}. Mean and std apply after scale, per channel: {@code (x * scale - mean[c]) / std[c]}.
 * <pre>{@code
 * OnnxModel m = OnnxImporter.builder(Path.of("resnet18.onnx"))
 *     .normalization(Normalization.of(1 / 255.0, new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225}))
 *     .build().importModel();
 * }</pre>
 */
public final class OnnxImporter {
    /** metadata_props key: factor applied to raw input first. */
    public static final String META_SCALE = "scale";
    /** metadata_props key: per-channel means, comma-separated. */
    public static final String META_MEAN = "mean";
    /** metadata_props key: per-channel standard deviations, comma-separated. */
    public static final String META_STD = "std";
    /** metadata_props key: class labels in output order, comma-separated. */
    public static final String META_LABELS = "labels";
    /** metadata_props key: license of the weights. */
    public static final String META_LICENSE = "license";
    /** metadata_props key: where the weights came from. */
    public static final String META_ORIGIN = "origin";

    private final Path file;
    private final String name;
    private final Normalization normalization;
    private final List<String> labels;
    private final String license;
    private final String origin;
    private final long[] inputShape;

    private OnnxImporter(Builder b) {
        this.file = b.file;
        this.name = b.name;
        this.normalization = b.normalization;
        this.labels = b.labels;
        this.license = b.license;
        this.origin = b.origin;
        this.inputShape = b.inputShape;
    }

    /** Starts an import of {@code file}. */
    public static Builder builder(Path file) {
        return new Builder(file);
    }

    /**
     * Reads the file and builds the model and its card (the sha256 of the ONNX bytes recorded under the file's name).
     *
     * @throws java.io.FileNotFoundException if the file is missing
     * @throws IOException if it is not a self-contained ONNX model
     * @throws IllegalArgumentException if the graph has several inputs, a non-float or non-image input, an input
     *     that looks channels-last ({@code [?, H, W, 3]} or {@code [?, H, W, 1]}: Graft feeds NCHW), the input shape
     *     is dynamic beyond the batch and none was given, the metadata's values are not numbers, mean or std have
     *     neither 1 value nor one per channel, or the labels are not one per output of a {@code [batch, classes]}
     *     output (each message names the values and how to fix it)
     */
    public OnnxModel importModel() throws IOException {
        OnnxGraph g = OnnxGraph.read(file);
        OnnxGraph.Port in = g.input();
        if (!in.elementType().equals("float")) {
            throw new IllegalArgumentException(file + ": input '" + in.name() + "' is " + in.elementType()
                    + "; Graft imports models with a float32 image input");
        }
        long[] declared = in.shape();
        // [?, H, W, 1|3] with H not a channel count; [?, C, H, 1] (an NCHW input one pixel wide, e.g. [?, 4, 1, 1]) is not
        if (declared.length == 4 && (declared[3] == 1 || declared[3] == 3) && declared[1] != 1 && declared[1] != 3
                && declared[2] != 1) {
            throw new IllegalArgumentException(file + ": input '" + in.name() + "' has shape " + Arrays.toString(
                    declared).replace("-1", "?") + ", which looks channels-last (NHWC, " + declared[3] + " channels); "
                    + "Graft feeds ONNX models NCHW [batch, channels, height, width] — export an NCHW model (PyTorch "
                    + "exports NCHW; for a TensorFlow/Keras model: python -m tf2onnx.convert ... --inputs-as-nchw "
                    + in.name() + "), or put a Transpose(perm=[0,3,1,2]) in front of the graph");
        }
        long[] shape = inputShape;
        if (shape == null) {
            if (in.shape().length != 4) {
                throw new IllegalArgumentException(file + ": input '" + in.name() + "' has shape " + Arrays.toString(
                        in.shape()).replace("-1", "?") + "; Graft imports image models with an NCHW input [batch, "
                        + "channels, height, width]");
            }
            shape = Arrays.copyOfRange(in.shape(), 1, 4);
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException(file + ": input '" + in.name() + "' has dynamic dimensions "
                            + Arrays.toString(in.shape()).replace("-1", "?") + "; give one example's shape C,H,W "
                            + "with --input-shape (import, inspect, featurize and finetune take it), e.g. "
                            + "--input-shape " + (in.shape()[1] > 0 ? in.shape()[1] : 3) + ",224,224");
                }
            }
        }
        Map<String, String> meta = g.metadata();
        Normalization norm = normalization != null ? normalization : fromMetadata(meta, shape[0]);
        if (normalization != null) {
            for (double[] a : new double[][] {normalization.mean(), normalization.std()}) {
                if (a.length > 1 && a.length != shape[0]) {
                    throw new IllegalArgumentException(file + ": mean/std have " + a.length + " values ("
                            + Arrays.toString(a) + ") but the input has " + shape[0] + " channels (shape "
                            + Arrays.toString(shape) + "); give 1 value or " + shape[0]);
                }
            }
        }
        String stem = file.getFileName().toString().replaceFirst("(?i)\\.onnx$", "");
        ModelCard.Builder card = ModelCard.builder(name != null ? name : stem)
                .architecture(g.producer().isEmpty() ? "onnx" : "onnx (" + g.producer() + ", opset " + g.opset() + ")")
                .source(SourceKind.ONNX)
                .input(InputLayout.NCHW, shape)
                .normalization(norm)
                .license(license != null ? license : meta.get(META_LICENSE))
                .origin(origin != null ? origin : meta.getOrDefault(META_ORIGIN, file.toAbsolutePath().toString()))
                .sha256(file.getFileName().toString(), g.sha256());
        List<String> l = labels != null ? labels : list(meta.get(META_LABELS));
        if (l != null) {
            long classes = outputWidth(g, shape);
            if (classes > 0 && classes != l.size()) {
                throw new IllegalArgumentException(file + ": " + l.size() + " labels " + (labels != null ? "given"
                        : "in metadata 'labels'") + " but the model's output '" + g.outputs().get(0).name() + "' has "
                        + classes + " values per example; give exactly " + classes + " labels, in output order");
            }
            card.labels(l);
        }
        return OnnxModel.of(g, card.build());
    }

    /**
     * Values per example of the graph's first output when it is {@code [batch, n]}: the declared width, else found
     * by running one zero example of {@code example}; 0 when the output is not a vector per example.
     */
    private static long outputWidth(OnnxGraph g, long[] example) {
        if (g.outputs().size() != 1) {
            return 0;
        }
        OnnxGraph.Port out = g.outputs().get(0);
        if (out.shape().length == 2 && out.shape()[1] > 0) {
            return out.shape()[1];
        }
        long[] s = OnnxRunner.shapes(g, List.of(out.name()), example, 1).get(out.name());
        return s.length == 2 ? s[1] : 0;
    }

    private Normalization fromMetadata(Map<String, String> meta, long channels) {
        double scale = meta.containsKey(META_SCALE) ? number(META_SCALE, meta.get(META_SCALE)) : 1.0;
        double[] mean = numbers(META_MEAN, meta.get(META_MEAN));
        double[] std = numbers(META_STD, meta.get(META_STD));
        if (mean == null && std == null) {
            return Normalization.scale(scale);
        }
        for (double[] a : new double[][] {mean, std}) {
            if (a != null && a.length != 1 && a.length != channels) {
                throw new IllegalArgumentException(file + ": metadata mean/std has " + a.length + " values but the "
                        + "input has " + channels + " channels; give --mean/--std on the command line instead");
            }
        }
        return Normalization.of(scale, mean == null ? new double[0] : mean, std == null ? new double[0] : std);
    }

    private double number(String key, String v) {
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": metadata '" + key + "' is not a number: '" + v
                    + "'; give it on the command line instead", e);
        }
    }

    private double[] numbers(String key, String v) {
        if (v == null) {
            return null;
        }
        List<String> parts = list(v);
        double[] d = new double[parts.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = number(key, parts.get(i));
        }
        return d;
    }

    private static List<String> list(String v) {
        if (v == null) {
            return null;
        }
        return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** Builds an {@link OnnxImporter}; what is not set comes from the file's metadata or defaults. */
    public static final class Builder {
        private final Path file;
        private String name;
        private Normalization normalization;
        private List<String> labels;
        private String license;
        private String origin;
        private long[] inputShape;

        private Builder(Path file) {
            this.file = file;
        }

        /** Model name for the card (default: the file name without {@code .onnx}). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Input preprocessing (default: from metadata_props, else none). */
        public Builder normalization(Normalization normalization) {
            this.normalization = normalization;
            return this;
        }

        /** Class labels in output order (default: metadata_props "labels", else none). */
        public Builder labels(List<String> labels) {
            this.labels = labels == null ? null : List.copyOf(labels);
            return this;
        }

        /** License of the weights (default: metadata_props, else unknown). */
        public Builder license(String license) {
            this.license = license;
            return this;
        }

        /** Where the weights came from (default: metadata_props, else the file's path). */
        public Builder origin(String origin) {
            this.origin = origin;
            return this;
        }

        /** Shape of one example, NCHW without the batch (default: the graph input's). */
        public Builder inputShape(long... shape) {
            this.inputShape = shape == null ? null : shape.clone();
            return this;
        }

        /**
         * Checks and builds.
         *
         * @throws IllegalArgumentException if no file was given or the input shape is not [channels, height, width]
         */
        public OnnxImporter build() {
            if (file == null) {
                throw new IllegalArgumentException("an ONNX import needs a file");
            }
            if (inputShape != null && (inputShape.length != 3 || Arrays.stream(inputShape).anyMatch(d -> d <= 0))) {
                throw new IllegalArgumentException("input shape must be [channels, height, width] with positive sizes, "
                        + "got " + Arrays.toString(inputShape).toLowerCase(Locale.ROOT));
            }
            return new OnnxImporter(this);
        }
    }
}
