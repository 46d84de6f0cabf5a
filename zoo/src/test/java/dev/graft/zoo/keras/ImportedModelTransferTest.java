package dev.graft.zoo.keras;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.inspect.Inspection;
import dev.graft.zoo.inspect.ModelInspector;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * An imported Keras model is an ordinary DL4J network: it can be inspected (layer table, cut points) and cut
 * for transfer -- frozen below a cut point, with a new trainable head -- and the frozen part does not move.
 */
class ImportedModelTransferTest {

    @Test
    void importedMobileNetIsInspectedWithItsKerasLayerNamesAndCutPoints() throws Exception {
        GraftModel m = KerasImporter.builder(Fixtures.keras3("mobilenetv2.keras")).build().importModel();
        Inspection i = ModelInspector.inspect(m);

        assertThat(i.networkType()).isEqualTo("ComputationGraph");
        assertThat(i.totalParams()).isEqualTo(255_173L).isEqualTo(m.network().numParams());
        assertThat(i.row("block_16_project_BN").outputShape()).contains("80");
        assertThat(i.row("predictions").outputShape()).contains("5");
        // inside a residual block is no cut point; the block's merged output and the pooled features are
        assertThat(i.cutPoints()).contains("block_2_add", "global_average_pooling2d")
                .doesNotContain("block_2_expand", "predictions");
    }

    @Test
    void importedFunctionalModelIsCutAtAPointTheInspectorOffersAndOnlyTheNewHeadTrains() throws Exception {
        GraftModel m = KerasImporter.builder(Fixtures.keras3("mobilenetv2.keras")).build().importModel();
        String cut = "global_average_pooling2d";
        assertThat(ModelInspector.inspect(m).cutPoints()).contains(cut);

        ComputationGraph base = (ComputationGraph) m.network();
        ComputationGraph t = new TransferLearning.GraphBuilder(base)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Sgd(0.1)).seed(1).build())
                .setFeatureExtractor(cut)
                .removeVertexAndConnections("predictions")
                .addLayer("new_head", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(1280).nOut(2)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), cut)
                .setOutputs("new_head").build();
        Map<String, INDArray> before = copy(t.paramTable());

        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 32, 32, 3);
        INDArray y = Nd4j.zeros(4, 2);
        y.putScalar(0, 0, 1).putScalar(1, 1, 1).putScalar(2, 0, 1).putScalar(3, 1, 1);
        t.fit(new org.nd4j.linalg.dataset.DataSet(x, y));

        Map<String, INDArray> after = t.paramTable();
        for (Map.Entry<String, INDArray> e : before.entrySet()) {
            boolean head = e.getKey().startsWith("new_head_");
            assertThat(after.get(e.getKey()).equals(e.getValue())).as(e.getKey()).isEqualTo(!head);
        }
        // batch-norm statistics below the cut do not move either
        assertThat(after.get("Conv_1_bn_mean")).isEqualTo(before.get("Conv_1_bn_mean"));
    }

    @Test
    void importedSequentialCnnGetsAnOutputLayerInPlaceOfItsKerasDenseHead() throws Exception {
        GraftModel m = KerasImporter.builder(Fixtures.keras3("cnn.h5")).build().importModel();
        Inspection i = ModelInspector.inspect(m);
        assertThat(i.networkType()).isEqualTo("MultiLayerNetwork");
        // Keras' Flatten becomes a DL4J input preprocessor, so the last cut below the head is the dropout layer
        assertThat(i.cutPoints()).contains("conv2", "drop").doesNotContain("flatten", "predictions");

        MultiLayerNetwork base = m.multiLayerNetwork();
        int dropIndex = -1;
        for (int k = 0; k < base.getnLayers(); k++) {
            if (base.getLayer(k).conf().getLayer().getLayerName().equals("drop")) {
                dropIndex = k;
            }
        }
        assertThat(dropIndex).isPositive();
        MultiLayerNetwork t = new TransferLearning.Builder(base)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Sgd(0.1)).seed(1).build())
                .setFeatureExtractor(dropIndex)
                .removeLayersFromOutput(1)
                .addLayer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8 * 4 * 4).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
        INDArray frozenBefore = t.getLayer(0).params().dup();
        INDArray headBefore = t.getLayer(t.getnLayers() - 1).params().dup();
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 5, 12, 12, 3);
        INDArray y = Nd4j.eye(3).getRows(0, 1, 2, 0, 1);
        t.fit(x, y);
        assertThat(t.getLayer(0).params()).isEqualTo(frozenBefore);
        assertThat(t.getLayer(t.getnLayers() - 1).params()).isNotEqualTo(headBefore);
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> m) {
        Map<String, INDArray> c = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> c.put(k, v.dup()));
        return c;
    }
}
