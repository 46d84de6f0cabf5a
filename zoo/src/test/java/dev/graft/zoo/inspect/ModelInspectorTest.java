package dev.graft.zoo.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.zoo.GraftHome;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Zoo;
import dev.graft.zoo.store.WeightStore;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class ModelInspectorTest {
    @TempDir
    Path home;

    @Test
    void lenetRowsHaveShapesParamsAndEveryLayerButTheLastIsACutPoint() throws Exception {
        Zoo zoo = Zoo.builder().store(WeightStore.builder().home(GraftHome.at(home)).offline(true).build()).build();
        GraftModel lenet = zoo.init("lenet", 10, 1);

        Inspection i = ModelInspector.inspect(lenet);

        assertThat(i.networkType()).isEqualTo("MultiLayerNetwork");
        assertThat(i.totalParams()).isEqualTo(lenet.network().numParams());
        assertThat(i.rows().get(0).inputShape()).isEqualTo("[1, 28, 28]");
        assertThat(i.rows().get(0).type()).isEqualTo("ConvolutionLayer");
        LayerInfo last = i.rows().get(i.rows().size() - 1);
        assertThat(last.outputShape()).isEqualTo("[10]");
        assertThat(last.cutPoint()).isFalse();
        assertThat(i.cutPoints()).hasSize(i.rows().size() - 1);
        for (int k = 1; k < i.rows().size(); k++) {
            assertThat(i.rows().get(k).inputShape()).isEqualTo(i.rows().get(k - 1).outputShape());
        }
        // without the card, the shape is inferred from LeNet's own input preprocessor
        assertThat(ModelInspector.inspect(lenet.network()).rows().get(0).inputShape()).startsWith("[784]");
        assertThat(i.toTable()).contains("cut points (*)").contains("ConvolutionLayer");
    }

    @Test
    void frozenLayersAreFlagged() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(6).build())
                .layer(new DenseLayer.Builder().nOut(5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(4)).build());
        net.init();
        MultiLayerNetwork frozen = new TransferLearning.Builder(net).setFeatureExtractor(0).build();

        Inspection i = ModelInspector.inspect(frozen);

        assertThat(i.rows()).extracting(LayerInfo::frozen).containsExactly(true, false, false);
        assertThat(i.rows().get(0).type()).isEqualTo("DenseLayer");
        assertThat(i.rows().get(0).inputShape()).isEqualTo("[4]");
        assertThat(i.frozenParams()).isEqualTo(4 * 6 + 6);
    }

    @Test
    void inAResidualGraphOnlyTheBlockBoundariesAreCutPoints() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(4).nOut(6).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nIn(6).nOut(6).build(), "a")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a", "b")
                .addLayer("c", new DenseLayer.Builder().nIn(6).nOut(5).build(), "add")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "c")
                .setOutputs("out").build());
        g.init();
        ComputationGraph frozen = new TransferLearning.GraphBuilder(g).setFeatureExtractor("add").build();

        Inspection i = ModelInspector.inspect(frozen);

        assertThat(i.cutPoints()).containsExactly("a", "add", "c");
        assertThat(i.row("in").type()).isEqualTo("Input");
        assertThat(i.row("add").type()).contains("ElementWiseVertex");
        assertThat(i.row("add").inputShape()).isEqualTo("[6] + [6]");
        assertThat(i.row("out").outputShape()).isEqualTo("[3]");
        assertThat(i.row("a").frozen()).isTrue();
        assertThat(i.row("b").frozen()).isTrue();
        assertThat(i.row("c").frozen()).isFalse();
        assertThatThrownBy(() -> i.row("fc3")).hasMessageContaining("layer 'fc3' not found; layers are: in, a, b");
    }
}
