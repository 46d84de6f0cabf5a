package dev.graft.transfer.tune;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.zoo.Normalization;
import dev.graft.zoo.onnx.OnnxImporter;
import dev.graft.zoo.onnx.OnnxModel;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

/**
 * The nodes above the boundary become DL4J layers for unfreezing; before anything trains, {@link OnnxTop#split}
 * checks on a probe batch that they compute what ONNX Runtime computes, so a node mapped wrongly is refused instead
 * of fine-tuned (a wrong success).
 */
class OnnxTopGateTest {
    static final Path ONNX = Path.of("../zoo/src/test/resources/onnx");

    static OnnxModel model() throws Exception {
        return OnnxImporter.builder(ONNX.resolve("small_cnn.onnx")).normalization(Normalization.scale(1 / 255.0))
                .build().importModel();
    }

    @Test
    void aFaithfulConversionPassesAndAWrongOneIsRefusedNamingTheBoundary() throws Exception {
        OnnxModel m = model();
        try (OnnxTop top = OnnxTop.split(m, "/Flatten_output_0", 2, 1)) {
            ComputationGraph net = (ComputationGraph) top.top().network();
            OnnxTop.requireSameOutputs(m, top.below(), net, top.boundary().tensor(), 1); // passes, as in split
            // a mapping mistake: the weights of the last weighted layer scaled (as a wrong BN fold or Gemm alpha would)
            ComputationGraph wrong = net.clone();
            org.deeplearning4j.nn.api.Layer last = java.util.Arrays.stream(wrong.getLayers())
                    .filter(l -> l.paramTable().containsKey("W")).reduce((a, b) -> b).orElseThrow();
            last.getParam("W").muli(1.5);
            assertThatThrownBy(() -> OnnxTop.requireSameOutputs(m, top.below(), wrong, top.boundary().tensor(), 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("above '" + top.boundary().tensor() + "'")
                    .hasMessageContaining("do not compute what ONNX Runtime computes")
                    .hasMessageContaining("unfreeze fewer layers");
        }
    }
}
