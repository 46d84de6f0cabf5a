package dev.graft.cli;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/** {@code --input-shape} / {@code --layout}: the input of a plain DL4J zip, which has no card to say it. */
final class InputShapeOption {
    @Option(names = "--input-shape", paramLabel = "SHAPE",
            description = "for a plain DL4J zip without a model card: one example's shape, e.g. 64 or 3,224,224")
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
        if (shape == null) {
            if (layout != null) {
                throw new IllegalArgumentException("--layout needs --input-shape (e.g. --input-shape 3,224,224 --layout nchw)");
            }
            return m;
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
        return m.withStatedInput(file, l, dims);
    }
}
