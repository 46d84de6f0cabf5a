package dev.graft.zoo.onnx.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import onnx.Onnx;

/**
 * A DL4J network (or its part up to a cut) written as ONNX: the model, the names of its inputs and outputs (DL4J's
 * input and layer/vertex names), and what the export did. Inputs take the arrays DL4J takes, in the same layout
 * ({@code [N, C, H, W]} or {@code [N, H, W, C]} for images, {@code [N, F]} for features); outputs are the
 * activations DL4J gives at the cut, in DL4J's layout. The batch dimension is dynamic. Immutable.
 */
public final class ExportedOnnxModel {
    private final Onnx.ModelProto model;
    private final List<String> inputNames;
    private final List<String> outputNames;
    private final int foldedBatchNorms;
    private volatile byte[] bytes;

    ExportedOnnxModel(Onnx.ModelProto model, List<String> inputNames, List<String> outputNames,
            int foldedBatchNorms) {
        this.model = model;
        this.inputNames = List.copyOf(inputNames);
        this.outputNames = List.copyOf(outputNames);
        this.foldedBatchNorms = foldedBatchNorms;
    }

    /** The ONNX model (opset {@value OnnxGraphDraft#OPSET}), as nd4j-api's protobuf class {@code onnx.Onnx}. */
    public Onnx.ModelProto model() {
        return model;
    }

    /**
     * The serialized model, as ONNX Runtime's {@code OrtEnvironment.createSession(byte[], ...)} reads it. Serialized
     * once and kept (VGG16's is 550 MB); the same array on every call, so do not change it.
     */
    public byte[] toByteArray() {
        byte[] b = bytes;
        if (b == null) {
            b = model.toByteArray();
            bytes = b;
        }
        return b;
    }

    /**
     * Writes the model to {@code file} (conventionally {@code .onnx}) atomically: the file appears whole or not at
     * all; returns {@code file}.
     *
     * @throws IOException if it cannot be written
     */
    public Path save(Path file) throws IOException {
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        // a crash or a full disk never leaves a truncated .onnx under the name: write beside it, then rename
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + System.nanoTime() + ".part");
        try {
            Files.write(tmp, toByteArray());
            Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }

    /** The graph's input names, DL4J's network input names ("input" for a MultiLayerNetwork). */
    public List<String> inputNames() {
        return inputNames;
    }

    /** The graph's output names: the cut layer or vertex, or DL4J's network outputs. */
    public List<String> outputNames() {
        return outputNames;
    }

    /** How many batch normalizations were folded into the convolution before them. */
    public int foldedBatchNorms() {
        return foldedBatchNorms;
    }

    /** How many ONNX nodes the graph has. */
    public int nodeCount() {
        return model.getGraph().getNodeCount();
    }

    @Override
    public String toString() {
        return "ExportedOnnxModel{inputs=" + inputNames + ", outputs=" + outputNames + ", nodes=" + nodeCount()
                + ", foldedBatchNorms=" + foldedBatchNorms + "}";
    }
}
