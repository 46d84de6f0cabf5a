package dev.graft.zoo.onnx.export;

import org.deeplearning4j.nn.conf.CNN2DFormat;

/**
 * A DL4J activation as it lives in the ONNX graph being written. Image activations are always held channels-first
 * ({@code [N, C, H, W]}) in the graph, whatever layout DL4J holds them in ({@link #format}); the exporter
 * transposes only where DL4J's layout shows: at graph inputs and outputs, before a flatten, and for axis-numbered
 * operations.
 *
 * @param name the ONNX tensor name
 * @param image true for a 4-d image activation, false for a 2-d {@code [N, F]} one
 * @param format for images, the layout DL4J holds the activation in; null otherwise
 * @param height for images, the height if known (the input type was given), else -1
 * @param width for images, the width if known, else -1
 */
record Dl4jTensor(String name, boolean image, CNN2DFormat format, long height, long width) {

    static Dl4jTensor features(String name) {
        return new Dl4jTensor(name, false, null, -1, -1);
    }

    static Dl4jTensor image(String name, CNN2DFormat format) {
        return new Dl4jTensor(name, true, format, -1, -1);
    }

    static Dl4jTensor image(String name, CNN2DFormat format, long height, long width) {
        return new Dl4jTensor(name, true, format, height, width);
    }

    /** The same kind, layout and size under another name. */
    Dl4jTensor renamed(String newName) {
        return new Dl4jTensor(newName, image, format, height, width);
    }

    /** The same kind and layout, another name and spatial size (-1: unknown). */
    Dl4jTensor resized(String newName, long newHeight, long newWidth) {
        return new Dl4jTensor(newName, image, format, height < 0 ? -1 : newHeight, width < 0 ? -1 : newWidth);
    }

    /** The axis of the graph's channels-first tensor that is axis {@code dl4jAxis} of DL4J's array. */
    int graphAxis(int dl4jAxis) {
        int a = dl4jAxis < 0 ? dl4jAxis + (image ? 4 : 2) : dl4jAxis;
        if (!image || format == CNN2DFormat.NCHW) {
            return a;
        }
        return new int[] {0, 2, 3, 1}[a]; // NHWC: n, h, w, c
    }

    String describe() {
        return image ? "image activation (" + format + ")" : "feature activation [N, F]";
    }
}
