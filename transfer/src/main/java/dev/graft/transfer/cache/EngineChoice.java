package dev.graft.transfer.cache;

import ai.onnxruntime.OrtEnvironment;
import dev.graft.engine.FeaturizeEngine;

/**
 * Which engine a featurizer runs its frozen part on, and why: {@link FeaturizeEngine#DL4J} or
 * {@link FeaturizeEngine#ONNX} (never {@code AUTO}: that is a request, this is the outcome).
 * <pre>{@code
 * System.out.println("engine: " + Featurizers.cut(model, "avgpool").engine().describe());
 * // engine: ONNX Runtime 1.24.2 (auto: exported 120 nodes; first batch within tolerance, max |diff| 2.4e-06)
 * }</pre>
 *
 * @param engine the engine that runs: DL4J or ONNX
 * @param version the engine's version ("1.24.2" for ONNX Runtime; "" for DL4J)
 * @param reason why this engine, in words (for a DL4J fall-back under {@code auto}: the layer the export refused
 *     or the worst element of the parity check)
 */
public record EngineChoice(FeaturizeEngine engine, String version, String reason) {

    /** DL4J, for {@code reason}. */
    public static EngineChoice dl4j(String reason) {
        return new EngineChoice(FeaturizeEngine.DL4J, "", reason);
    }

    /** ONNX Runtime (the version loaded in this process), for {@code reason}. */
    public static EngineChoice onnxRuntime(String reason) {
        return new EngineChoice(FeaturizeEngine.ONNX, onnxRuntimeVersion(), reason);
    }

    /** The ONNX Runtime version loaded in this process, e.g. {@code 1.24.2}. */
    public static String onnxRuntimeVersion() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    /** Whether ONNX Runtime runs the frozen part. */
    public boolean isOnnx() {
        return engine == FeaturizeEngine.ONNX;
    }

    /** One line, e.g. {@code DL4J (auto: export refused: layer 'lstm' (LSTM) ...)}. */
    public String describe() {
        return (isOnnx() ? "ONNX Runtime " + version : "DL4J") + " (" + reason + ")";
    }
}
