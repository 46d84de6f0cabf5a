package dev.graft.zoo.onnx.export;

/**
 * A DL4J network (or the part of it asked for) cannot be written as an ONNX graph that computes what DL4J computes:
 * a layer, vertex, preprocessor or activation the exporter does not translate, or a setting of one it cannot
 * reproduce. The message names the layer, its type, the setting and what to do. Nothing is exported in that case:
 * the exporter never returns a graph that would compute something else.
 */
public final class OnnxExportException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An export failure described by {@code message}. */
    public OnnxExportException(String message) {
        super(message);
    }
}
