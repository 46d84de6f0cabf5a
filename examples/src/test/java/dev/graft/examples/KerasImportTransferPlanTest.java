package dev.graft.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.transfer.Networks;
import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.data.LabeledData;
import dev.graft.transfer.tune.FineTuneResult;
import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.transfer.tune.FineTuner;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.inspect.ModelInspector;
import dev.graft.zoo.keras.KerasImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Issue 4's last promise across modules: a Keras-imported model goes through {@code inspect} and a
 * {@link TransferPlan} unchanged — cut at a point the inspector offers, new head, trained from the feature cache
 * by {@link FineTuner}, frozen weights (batch-norm statistics included) bit-identical afterwards.
 */
class KerasImportTransferPlanTest {
    private static final Path KERAS3 = Path.of("..", "zoo", "src", "test", "resources", "keras", "keras3");

    @TempDir
    Path dir;

    @Test
    void importedMobileNetV2IsPlannedCutAndFineTunedFromTheCache() throws Exception {
        GraftModel imported = KerasImporter.builder(KERAS3.resolve("mobilenetv2.keras")).build().importModel();
        String cut = "global_average_pooling2d";
        assertThat(ModelInspector.inspect(imported).cutPoints()).contains(cut);
        assertFrozenPartUnchangedAfterFineTune(imported, cut);
    }

    @Test
    void importedSequentialCnnWithAKerasDenseHeadIsPlannedCutAndFineTuned() throws Exception {
        GraftModel imported = KerasImporter.builder(KERAS3.resolve("cnn.h5")).build().importModel();
        assertThat(imported.network()).isInstanceOf(MultiLayerNetwork.class);
        assertThat(ModelInspector.inspect(imported).cutPoints()).contains("drop");
        assertFrozenPartUnchangedAfterFineTune(imported, "drop");
    }

    private void assertFrozenPartUnchangedAfterFineTune(GraftModel imported, String cut) throws Exception {
        GraftModel planned = TransferPlan.builder().freezeThrough(cut)
                .replaceHead(2, Activation.SOFTMAX, LossFunction.MCXENT).labels(List.of("a", "b")).seed(3)
                .build().apply(imported);
        List<String> frozen = Networks.frozenLayers(planned.network());
        assertThat(frozen).isNotEmpty();
        Map<String, INDArray> before = params(planned.network());

        LabeledData data = randomImages(imported, 12);
        FineTuneResult r = FineTuner.builder(planned).train(data).cacheDirectory(dir.resolve("cache"))
                .config(FineTuneConfig.builder().epochs(2).batchSize(4).seed(5).build()).build().run();

        Map<String, INDArray> after = params(r.model().network());
        int frozenChecked = 0;
        int trainedChanged = 0;
        for (Map.Entry<String, INDArray> e : before.entrySet()) {
            if (frozen.contains(e.getKey())) {
                assertThat(after.get(e.getKey())).as("frozen layer %s", e.getKey()).isEqualTo(e.getValue());
                frozenChecked++;
            } else if (!after.get(e.getKey()).equals(e.getValue())) {
                trainedChanged++;
            }
        }
        assertThat(frozenChecked).isGreaterThan(0);
        assertThat(trainedChanged).as("the new head trained").isGreaterThan(0);
        assertThat(Files.list(dir.resolve("cache")).count()).as("feature cache on disk").isPositive();
        INDArray probs = r.model().predict(data.features());
        assertThat(probs.shape()).containsExactly(12, 2);
    }

    private static LabeledData randomImages(GraftModel m, int n) {
        long[] shape = m.card().inputShape();
        long[] batch = new long[shape.length + 1];
        batch[0] = n;
        System.arraycopy(shape, 0, batch, 1, shape.length);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch);
        Nd4j.getRandom().setSeed(11);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
        }
        return new LabeledData(x, labels, List.of("a", "b"), "random " + Arrays.toString(shape));
    }

    /** Parameters (batch-norm statistics included) of every layer with parameters, by layer name. */
    private static Map<String, INDArray> params(Model net) {
        org.deeplearning4j.nn.api.Layer[] layers = net instanceof ComputationGraph ? ((ComputationGraph) net).getLayers()
                : ((MultiLayerNetwork) net).getLayers();
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (org.deeplearning4j.nn.api.Layer l : layers) {
            if (l.numParams() > 0) {
                out.put(l.conf().getLayer().getLayerName(), l.params().dup());
            }
        }
        return out;
    }
}
