package dev.graft.transfer.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.Networks;
import dev.graft.transfer.TransferPlan;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class CutTest {
    @TempDir
    Path tmp;

    private static ModelCard card(String name) {
        return ModelCard.builder(name).input(InputLayout.FLAT, 6).normalization(Normalization.identity()).build();
    }

    /** fc1(5) - fc2(4) - out(3) on 6 features. */
    private static GraftModel mlp() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).activation(Activation.RELU).list()
                .layer(new DenseLayer.Builder().name("fc1").nIn(6).nOut(5).build())
                .layer(new DenseLayer.Builder().name("fc2").nOut(4).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(6)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return GraftModel.of(net, card("mlp"));
    }

    /** a, b from the input, merged, fc, out. */
    private static GraftModel graph() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).graphBuilder().addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(6).nOut(3).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nIn(6).nOut(2).build(), "in")
                .addVertex("merge", new MergeVertex(), "a", "b")
                .addLayer("fc", new DenseLayer.Builder().nOut(4).build(), "merge")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("out").setInputTypes(InputType.feedForward(6)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return GraftModel.of(g, card("graph"));
    }

    private static GraftModel plan(GraftModel base, String freeze) {
        return TransferPlan.builder().freezeThrough(freeze).newClassifier(List.of("x", "y")).seed(1).build().apply(base);
    }

    @Test
    void thePlanRecordsItsCutAndCutOfReadsItBack() {
        GraftModel planned = plan(mlp(), "fc1");
        assertThat(planned.card().cut()).isEqualTo("fc1");
        Cut cut = Cut.of(planned);
        assertThat(cut.layer()).isEqualTo("fc1");
        assertThat(cut.topLayers()).containsExactly("fc2", "graft_output");
        assertThat(Cut.of(plan(mlp(), "0")).layer()).as("an index is recorded as the layer's name").isEqualTo("fc1");
        assertThat(plan(mlp(), "0").card().cut()).isEqualTo("fc1");

        GraftModel g = plan(graph(), "merge");
        assertThat(g.card().cut()).isEqualTo("merge");
        assertThat(Cut.of(g).topLayers()).containsExactly("fc", "graft_output");

        GraftModel none = TransferPlan.builder().newClassifier(List.of("x", "y")).build().apply(planned);
        assertThat(none.card().cut()).as("a plan that freezes nothing clears the cut").isNull();
        assertThat(Networks.frozenLayers(none.network())).isEmpty();
    }

    @Test
    void theRecordedCutSurvivesSaveAndLoad() throws Exception {
        for (GraftModel base : List.of(mlp(), graph())) {
            String at = base.isGraph() ? "merge" : "fc2";
            Path zip = tmp.resolve(base.card().name() + ".zip");
            plan(base, at).save(zip);
            GraftModel loaded = GraftModel.load(zip);
            assertThat(loaded.card().cut()).isEqualTo(at);
            assertThat(Cut.of(loaded).layer()).isEqualTo(at);
            assertThat(Files.readString(ModelCard.besides(zip))).contains("\"cut\" : \"" + at + "\"");
        }
    }

    @Test
    void aModelFilePlannedBeforeCutsWereRecordedStillLoadsAndFindsItsCut() throws Exception {
        GraftModel planned = plan(mlp(), "fc2");
        GraftModel old = planned.withCard(planned.card().toBuilder().cut(null).build()); // what older Graft wrote
        Path zip = tmp.resolve("old.zip");
        old.save(zip);
        assertThat(Files.readString(ModelCard.besides(zip))).doesNotContain("\"cut\"");
        GraftModel loaded = GraftModel.load(zip);
        assertThat(loaded.card().cut()).isNull();
        assertThat(Cut.of(loaded).layer()).as("found from the frozen layers").isEqualTo("fc2");
        assertThat(Cut.of(loaded.network()).layer()).isEqualTo("fc2");
    }

    @Test
    void aRecordedCutTheFrozenLayersDoNotMakeIsRefused() {
        GraftModel planned = plan(mlp(), "fc1");
        GraftModel lying = planned.withCard(planned.card().toBuilder().cut("fc2").build());
        assertThatThrownBy(() -> Cut.of(lying)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("model 'mlp' records its cut at 'fc2' but its frozen layers end at 'fc1' (frozen: fc1); the card "
                        + "and the network disagree: re-plan the model (TransferPlan freezeThrough / --cut LAYER)");
        GraftModel unknown = planned.withCard(planned.card().toBuilder().cut("fc9").build());
        assertThatThrownBy(() -> Cut.of(unknown)).hasMessageContaining("model 'mlp' records its cut at 'fc9', which names no layer")
                .hasMessageContaining("did you mean 'fc1' or 'fc2'?");
        GraftModel thawed = TransferPlan.builder().newClassifier(List.of("x", "y")).build().apply(planned);
        GraftModel stale = thawed.withCard(thawed.card().toBuilder().cut("fc1").build());
        assertThatThrownBy(() -> Cut.of(stale)).hasMessageContaining("records its cut at 'fc1' but its frozen layers do not make "
                + "that cut: the network has no frozen layers");
    }

    @Test
    void recordMakesTheCardTellTheCutTheFrozenLayersShowNow() {
        GraftModel planned = plan(mlp(), "fc2");
        assertThat(Cut.record(planned)).as("already true: the same model").isSameAs(planned);
        GraftModel stale = planned.withCard(planned.card().toBuilder().cut("fc1").build());
        assertThat(Cut.record(stale).card().cut()).isEqualTo("fc2");
        GraftModel thawed = TransferPlan.builder().newClassifier(List.of("x", "y")).build().apply(planned);
        GraftModel thawedStale = thawed.withCard(thawed.card().toBuilder().cut("fc2").build());
        assertThat(Cut.record(thawedStale).card().cut()).as("nothing frozen: no cut").isNull();
    }
}
