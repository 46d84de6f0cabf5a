package dev.graft.transfer.cache;

import dev.graft.zoo.Checksums;
import dev.graft.zoo.onnx.OnnxGraph;
import dev.graft.zoo.onnx.OnnxRunner;
import dev.graft.zoo.onnx.export.ExportedOnnxModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A DL4J featurizer's frozen part exported to ONNX and opened in ONNX Runtime ({@link OnnxRunner}: the engine's
 * threads, spinning off, the batch handed over without a copy). The session is closed by {@link #close()} or, failing
 * that, when the featurizer holding it becomes unreachable.
 */
final class ExportedFrozenPart implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final OnnxRunner runner;
    private final String sha256;
    private final int nodes;
    private final Cleaner.Cleanable cleanable;

    private ExportedFrozenPart(OnnxRunner runner, String sha256, int nodes, Object owner) {
        this.runner = runner;
        this.sha256 = sha256;
        this.nodes = nodes;
        this.cleanable = CLEANER.register(owner, runner::close);
    }

    /**
     * Opens {@code exported} in ONNX Runtime with {@code threads} intra-op threads; the session is closed when
     * {@code owner} becomes unreachable, if not before.
     *
     * @throws IllegalArgumentException if ONNX Runtime cannot load the graph (its reason in the message)
     */
    static ExportedFrozenPart open(ExportedOnnxModel exported, String source, int threads, Object owner) {
        byte[] bytes = exported.toByteArray();
        OnnxGraph graph;
        try {
            graph = OnnxGraph.parse(bytes, source);
        } catch (IOException e) {
            throw new UncheckedIOException("the ONNX export of " + source + " cannot be read back: " + e.getMessage(), e);
        }
        return new ExportedFrozenPart(OnnxRunner.open(graph, threads), Checksums.sha256(bytes), exported.nodeCount(),
                owner);
    }

    /** Runs a normalized batch (the network's layout); the output in DL4J's layout at the cut. */
    INDArray run(INDArray normalized) {
        return runner.run(normalized);
    }

    /** sha256 of the exported ONNX bytes (weights, graph, exporter's choices). */
    String sha256() {
        return sha256;
    }

    /** Nodes in the exported graph. */
    int nodes() {
        return nodes;
    }

    @Override
    public void close() {
        cleanable.clean();
    }
}
