package dev.graft.engine;

import java.util.Locale;

/**
 * Which engine runs a DL4J network's frozen part when Graft featurizes it (setting {@code featurizeEngine},
 * {@code GRAFT_FEATURIZE_ENGINE}).
 */
public enum FeaturizeEngine {
    /**
     * ONNX Runtime when the frozen part contains a convolution, every layer up to the cut exports to ONNX and the
     * first batch agrees with DL4J element by element within {@code 1e-4 + 1e-3 |dl4j|}; DL4J otherwise, with the
     * reason kept for printing. Networks without convolutions stay on DL4J (no speed to gain, and their caches stay
     * bit-identical to DL4J's forward pass).
     */
    AUTO,
    /** Always DL4J (nothing is exported). */
    DL4J,
    /** Always ONNX Runtime; a frozen part that does not export is an error naming the layer. */
    ONNX;

    /** The setting's spelling: {@code auto}, {@code dl4j} or {@code onnx}. */
    public String settingValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The engine named {@code value} ({@code auto}, {@code dl4j}, {@code onnx}; case-insensitive).
     *
     * @throws IllegalArgumentException for anything else (the message lists the choices and echoes the value)
     */
    public static FeaturizeEngine parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (FeaturizeEngine e : values()) {
            if (e.settingValue().equals(v)) {
                return e;
            }
        }
        throw new IllegalArgumentException("featurize engine must be auto, dl4j or onnx, got '" + value + "'");
    }
}
