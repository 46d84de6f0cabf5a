package dev.graft.transfer.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.cache.OnnxFeaturizer;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.onnx.OnnxImporter;
import dev.graft.zoo.onnx.OnnxModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The ONNX mode of {@link FineTuner}: a head planned on an imported ONNX model trains from the ONNX part's cache. */
class OnnxHeadTest {
    static final Path ONNX = Path.of("../zoo/src/test/resources/onnx");

    @TempDir
    Path tmp;

    static OnnxModel smallCnn() throws Exception {
        return OnnxImporter.builder(ONNX.resolve("small_cnn.onnx")).normalization(Normalization.scale(1 / 255.0)).build()
                .importModel();
    }

    /** Bright and dark images, two classes. */
    static LabeledData images(OnnxModel m, int n, long seed) {
        long[] shape = m.card().inputShape();
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, shape[0], shape[1], shape[2]).muli(60);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            if (y[i] == 1) {
                x.slice(i).addi(180);
            }
        }
        return new LabeledData(x, y, List.of("dark", "bright"), "synthetic images seed " + seed);
    }

    @Test
    void oneFineTunerTrainsAHeadOnAnOnnxBaseFromItsCache() throws Exception {
        OnnxModel m = smallCnn();
        GraftModel planned = OnnxHead.plan(m, "/Flatten_output_0", List.of("dark", "bright"), 4, 3);
        INDArray headBefore = planned.network().params().dup();
        FineTuneResult r = FineTuner.builder(planned).train(images(m, 16, 1)).validation(images(m, 8, 2))
                .cacheDirectory(tmp).config(FineTuneConfig.builder().epochs(10).batchSize(8).learningRate(0.05).build())
                .build().run();
        assertThat(r.cut()).isEqualTo("/Flatten_output_0");
        assertThat(r.history()).hasSize(10).allSatisfy(e -> assertThat(e.stage()).isEqualTo("head (cache)"));
        assertThat(r.model().onnxBase()).isPresent();
        assertThat(r.model().onnxBase().get().bytes()).isEqualTo(m.graph().cut("/Flatten_output_0").bytes());
        assertThat(r.model().predict(images(m, 2, 5).features()).shape()).containsExactly(2, 2);
        assertThat(r.evaluation().accuracy()).isEqualTo(1.0);
        assertThat(planned.network().params()).as("the planned head is not trained in place").isEqualTo(headBefore);
        // the cache is keyed like the ONNX model's own cut: the same features, found again
        try (OnnxFeaturizer cut = OnnxFeaturizer.cut(m, "/Flatten_output_0", 1);
             OnnxFeaturizer base = OnnxFeaturizer.base(planned, 1)) {
            assertThat(base.fingerprint()).isEqualTo(cut.fingerprint());
        }
        FineTuneResult again = FineTuner.builder(planned).train(images(m, 16, 1)).cacheDirectory(tmp).build().run();
        assertThat(again.cacheReports().get(0).summary()).containsIgnoringCase("reused");
    }

    @Test
    void anOnnxBaseIsNeitherUnfrozenNorTrainedThrough() throws Exception {
        OnnxModel m = smallCnn();
        GraftModel planned = OnnxHead.plan(m, "/Flatten_output_0", List.of("dark", "bright"), null, 3);
        assertThatThrownBy(() -> FineTuner.builder(planned).train(images(m, 4, 1))
                .config(FineTuneConfig.builder().unfreeze(Unfreeze.top(1)).build()).build())
                .hasMessageContaining("cannot unfreeze ONNX layers").hasMessageContaining("OnnxTop.split");
        assertThatThrownBy(() -> FineTuner.builder(planned).train(images(m, 4, 1)).trainThrough(true).build())
                .hasMessageContaining("not through the base");
        assertThatThrownBy(() -> OnnxHead.plan(m, "/block2/Relu_output_0", List.of("a", "b"), null, 1))
                .hasMessageContaining("cut at the pooled features").hasMessageContaining("/Flatten_output_0");
    }
}
