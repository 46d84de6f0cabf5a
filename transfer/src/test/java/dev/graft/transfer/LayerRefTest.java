package dev.graft.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.cache.Featurizers;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class LayerRefTest {

    /** Layers named "1", "0", "x" (names that are numbers, in another order than their indices) and an unnamed one. */
    private static GraftModel numberNamed() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new DenseLayer.Builder().name("1").nIn(4).nOut(3).build())
                .layer(new DenseLayer.Builder().name("0").nOut(3).build())
                .layer(new DenseLayer.Builder().nOut(3).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("x").nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(4)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return GraftModel.of(net, TinyNets.card("numbers", InputLayout.FLAT, 4));
    }

    @Test
    void aNameResolvesToItsLayerInEitherKindOfNetwork() {
        assertThat(LayerRef.resolve(TinyNets.mlp(), "fc2")).isEqualTo(new LayerRef("fc2", 2));
        assertThat(LayerRef.resolve(TinyNets.mlp(), "  bn ")).as("blanks around are trimmed").isEqualTo(new LayerRef("bn", 1));
        // Graph: the topological order of Networks.layerNames (inputs excluded).
        GraftModel g = TinyNets.graph();
        LayerRef merge = LayerRef.resolve(g, "merge");
        assertThat(merge.name()).isEqualTo("merge");
        assertThat(Networks.layerNames(g.network()).get(merge.index())).isEqualTo("merge");
    }

    @Test
    void anIndexResolvesInLayerOrderOrTopologicalOrder() {
        assertThat(LayerRef.resolve(TinyNets.mlp(), "3")).isEqualTo(new LayerRef("out", 3));
        assertThat(LayerRef.resolve(TinyNets.mlp().network(), "0")).isEqualTo(new LayerRef("fc1", 0));
        GraftModel g = TinyNets.graph();
        int last = Networks.layerNames(g.network()).size() - 1;
        assertThat(LayerRef.resolve(g, String.valueOf(last))).isEqualTo(new LayerRef("out", last));
    }

    @Test
    void aNameWinsOverAnIndexAndUnnamedLayersAnswerToDl4jsDefaultName() {
        GraftModel m = numberNamed();
        assertThat(LayerRef.resolve(m, "0")).as("the layer named 0, not index 0").isEqualTo(new LayerRef("0", 1));
        assertThat(LayerRef.resolve(m, "1")).isEqualTo(new LayerRef("1", 0));
        String unnamed = Networks.layerNames(m.network()).get(2);
        assertThat(LayerRef.resolve(m, "2")).isEqualTo(new LayerRef(unnamed, 2));
        assertThat(LayerRef.resolve(m, "layer2")).as("DL4J's default name").isEqualTo(new LayerRef(unnamed, 2));
        assertThatThrownBy(() -> LayerRef.resolve(m, "layer3")).as("layer 3 has a name of its own")
                .isInstanceOf(UnknownLayerException.class).hasMessageContaining("layer 'layer3' not found");
    }

    @Test
    void anUnknownNameSaysWhatWasAskedTheNearestNamesAndHowToListThem() {
        assertThatThrownBy(() -> LayerRef.resolve(TinyNets.mlp(), "fc3"))
                .isInstanceOf(UnknownLayerException.class)
                .hasMessage("layer 'fc3' not found in model 'mlp'; did you mean 'fc1' or 'fc2'? layers are: fc1, bn, fc2, out "
                        + "(by name, or by index 0..3); 'graft inspect MODEL' lists them with their shapes");
        UnknownLayerException e = org.junit.jupiter.api.Assertions.assertThrows(UnknownLayerException.class,
                () -> LayerRef.resolve(TinyNets.graph(), "Merge"));
        assertThat(e.ref()).isEqualTo("Merge");
        assertThat(e.suggestions()).containsExactly("merge");
        assertThat(e.getMessage()).startsWith("vertex 'Merge' not found in model 'graph'; did you mean 'merge'? vertices are: ");
        assertThatThrownBy(() -> LayerRef.resolve(TinyNets.mlp().network(), "zzz"))
                .as("a raw network: no model name; nothing near: no suggestion")
                .hasMessage("layer 'zzz' not found; layers are: fc1, bn, fc2, out (by name, or by index 0..3); "
                        + "'graft inspect MODEL' lists them with their shapes");
    }

    @Test
    void badIndicesBlanksAndGraphInputsAreRefused() {
        assertThatThrownBy(() -> LayerRef.resolve(TinyNets.mlp(), "7")).isInstanceOf(UnknownLayerException.class)
                .hasMessageContaining("layer '7' not found in model 'mlp': no layer has that name and index 7 is out of range 0..3");
        assertThatThrownBy(() -> LayerRef.resolve(TinyNets.mlp(), "-1"))
                .hasMessageContaining("index -1 is out of range 0..3");
        assertThatThrownBy(() -> LayerRef.resolve(TinyNets.mlp(), " ")).isInstanceOf(UnknownLayerException.class)
                .hasMessageContaining("a layer name or index is needed in model 'mlp', got ' '; layers are: fc1, bn");
        assertThatThrownBy(() -> LayerRef.resolve(TinyNets.mlp(), null)).hasMessageContaining("got none");
        assertThatThrownBy(() -> LayerRef.resolve(TinyNets.graph(), "in")).isInstanceOf(UnknownLayerException.class)
                .hasMessageContaining("'in' is the input of model 'graph', not a vertex; vertices are: ")
                .hasMessageContaining("merge");
    }

    @Test
    void planFeaturizerAndRecordedCutGiveTheSameAnswerAndTheSameError() {
        GraftModel m = TinyNets.mlp();
        String expected = "layer 'fc3' not found in model 'mlp'; did you mean 'fc1' or 'fc2'? layers are: fc1, bn, fc2, out "
                + "(by name, or by index 0..3); 'graft inspect MODEL' lists them with their shapes";
        assertThatThrownBy(() -> TransferPlan.builder().freezeThrough("fc3").build().apply(m))
                .isInstanceOf(TransferPlanException.class).hasMessage("freezeThrough: " + expected);
        assertThatThrownBy(() -> TransferPlan.builder().tweakWidth("fc3", 2).build().apply(m))
                .isInstanceOf(TransferPlanException.class).hasMessage("tweakWidth: " + expected);
        assertThatThrownBy(() -> Featurizers.cut(m, "fc3")).isInstanceOf(UnknownLayerException.class).hasMessage(expected);
        // The same reference reaches the same layer through every door.
        GraftModel byIndex = TransferPlan.builder().freezeThrough("1").newClassifier(java.util.List.of("p", "q")).build().apply(m);
        assertThat(byIndex.card().cut()).isEqualTo("bn");
        assertThat(Featurizers.cut(m, "1").featureShape()).isEqualTo(Featurizers.cut(m, "bn").featureShape());
    }
}
