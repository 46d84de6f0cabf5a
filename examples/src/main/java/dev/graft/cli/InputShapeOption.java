package dev.graft.cli;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code --input-shape} / {@code --layout}: the input of a plain DL4J zip, which has no card to say it, or of an ONNX
 * model whose graph leaves height and width dynamic (NCHW).
 */
final class InputShapeOption {
    @Option(names = "--input-shape", paramLabel = "SHAPE",
            description = "for a plain DL4J zip without a model card: one example's shape, e.g. 64 or 3,224,224; for an "
                    + "ONNX model (.onnx or imported zip) with dynamic height/width: C,H,W (NCHW)")
    String shape;

    @Option(names = "--layout", paramLabel = "LAYOUT",
            description = "with --input-shape: flat, nchw, nhwc, ncw or nwc (default: flat for 1 number, nchw for 3, ncw for 2)")
    String layout;

    /**
     * The model with the stated input, or the model unchanged when no shape was stated.
     *
     * @throws IllegalArgumentException for a malformed shape or layout, or a shape the network cannot take
     * @throws IllegalStateException if the model has a card of its own
     */
    GraftModel apply(GraftModel m, Path file) {
        long[] dims = dims();
        if (dims == null) {
            return m;
        }
        return m.withStatedInput(file, layout(dims), dims);
    }

    /**
     * The ONNX model with the stated example shape {@code [C, H, W]} (NCHW) on its card, or unchanged when no shape
     * was stated: for a {@code .onnx} file or imported zip whose graph leaves height/width dynamic.
     *
     * @throws IllegalArgumentException for a malformed shape, a layout other than nchw, or a shape the graph's input
     *     cannot take
     */
    dev.graft.zoo.onnx.OnnxModel apply(dev.graft.zoo.onnx.OnnxModel m) {
        long[] dims = onnxDims();
        if (dims == null) {
            return m;
        }
        return dev.graft.zoo.onnx.OnnxModel.of(m.graph(), m.card().toBuilder().input(InputLayout.NCHW, dims).build());
    }

    /**
     * The stated shape for an ONNX model, C,H,W, or null when none was given.
     *
     * @throws IllegalArgumentException for a malformed shape or one that is not NCHW
     */
    long[] onnxDims() {
        long[] dims = dims();
        if (dims != null && layout(dims) != InputLayout.NCHW) {
            throw new IllegalArgumentException("--input-shape '" + shape + "'" + (layout == null ? "" : " --layout "
                    + layout) + " for an ONNX model must be C,H,W (NCHW), e.g. --input-shape 3,224,224");
        }
        return dims;
    }

    /** The stated shape, or null when none was given (then --layout must not be given either). */
    long[] dims() {
        if (shape == null) {
            if (layout != null) {
                throw new IllegalArgumentException("--layout needs --input-shape (e.g. --input-shape 3,224,224 --layout nchw)");
            }
            return null;
        }
        String[] parts = shape.trim().split("\\s*[,x]\\s*");
        long[] dims = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].matches("\\d{1,9}") || Long.parseLong(parts[i]) == 0) {
                throw new IllegalArgumentException("--input-shape '" + shape + "' must be positive whole numbers separated by "
                        + "commas, e.g. 64 or 3,224,224");
            }
            dims[i] = Long.parseLong(parts[i]);
        }
        layout(dims);
        return dims;
    }

    private InputLayout layout(long[] dims) {
        InputLayout l;
        if (layout != null) {
            try {
                l = InputLayout.valueOf(layout.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown --layout '" + layout + "'; use flat, nchw, nhwc, ncw or nwc");
            }
        } else {
            l = dims.length == 1 ? InputLayout.FLAT : dims.length == 2 ? InputLayout.NCW : InputLayout.NCHW;
        }
        if (l.rank() != dims.length) {
            throw new IllegalArgumentException("--input-shape '" + shape + "' has " + dims.length + " dimensions but layout "
                    + l + " needs " + l.rank());
        }
        return l;
    }
}
