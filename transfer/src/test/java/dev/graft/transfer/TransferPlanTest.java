package dev.graft.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.zoo.GraftModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class TransferPlanTest {
    @TempDir
    Path tmp;

    private static TransferPlan headOnly(String freeze, int classes) {
        return TransferPlan.builder().freezeThrough(freeze).replaceHead(classes, Activation.SOFTMAX, LossFunction.MCXENT).seed(3).build();
    }

    private static void fit(GraftModel m, DataSet ds, int epochs) {
        for (int e = 0; e < epochs; e++) {
            if (m.isGraph()) {
                ((ComputationGraph) m.network()).fit(ds);
            } else {
                m.multiLayerNetwork().fit(ds);
            }
        }
    }

    private static void assertBitIdentical(Map<String, INDArray> a, Map<String, INDArray> b) {
        assertThat(b.keySet()).isEqualTo(a.keySet());
        a.forEach((k, v) -> assertThat(b.get(k)).as(k).isEqualTo(v));
    }

    @Test
    void unknownLayerIsRejectedWithTheValidNames() {
        assertThatThrownBy(() -> headOnly("fc3", 2).apply(TinyNets.mlp()))
                .isInstanceOf(TransferPlanException.class)
                .hasMessage("freezeThrough: layer 'fc3' not found in model 'mlp'; did you mean 'fc1' or 'fc2'? "
                        + "layers are: fc1, bn, fc2, out (by name, or by index 0..3); 'graft inspect MODEL' lists them with their shapes");
        assertThatThrownBy(() -> headOnly("conv9", 2).apply(TinyNets.graph()))
                .hasMessageContaining("vertex 'conv9' not found in model 'graph'; vertices are: ").hasMessageContaining("merge");
        assertThatThrownBy(() -> headOnly("7", 2).apply(TinyNets.mlp()))
                .hasMessageContaining("index 7 is out of range 0..3");
    }

    @Test
    void planErrorsAreCaughtBeforeSurgery() {
        assertThatThrownBy(() -> TransferPlan.builder().freezeThrough("fc2").tweakWidth("fc1", 9).replaceHead(2, Activation.SOFTMAX, LossFunction.MCXENT)
                .build().apply(TinyNets.mlp()))
                .hasMessageContaining("cannot change the width of 'fc1': it is frozen");
        assertThatThrownBy(() -> TransferPlan.builder().freezeThrough("out").dropTop(1).build().apply(TinyNets.mlp()))
                .hasMessageContaining("cannot freeze through 'out': the plan drops it");
        assertThatThrownBy(() -> TransferPlan.builder().replaceHead(2, Activation.SOFTMAX, LossFunction.MCXENT).labels(List.of("x")).build())
                .hasMessageContaining("2 outputs but 1 labels");
        assertThatThrownBy(() -> TransferPlan.builder().tweakWidth("bn", 3).replaceHead(2, Activation.SOFTMAX, LossFunction.MCXENT).build()
                .apply(TinyNets.mlp()))
                .hasMessageContaining("a BatchNormalization has no width of its own");
        assertThatThrownBy(() -> TransferPlan.builder().dropTop(4).build().apply(TinyNets.mlp()))
                .hasMessageContaining("the network has only 4");
    }

    @Test
    void kerasStyleDenseHeadMustBeReplacedByAnOutputLayer() {
        GraftModel keras = TinyNets.kerasStyleMlp();
        assertThatThrownBy(() -> TransferPlan.builder().freezeThrough("dense").build().apply(keras))
                .hasMessageContaining("the top layer 'predictions' is a DenseLayer without a loss")
                .hasMessageContaining("replaceHead");
        GraftModel tuned = headOnly("dense", 2).apply(keras);
        DataSet ds = TinyNets.data(32, new long[] {8}, 2, 1);
        double before = tuned.multiLayerNetwork().score(ds);
        fit(tuned, ds, 20);
        assertThat(tuned.multiLayerNetwork().score(ds)).isLessThan(before);
        assertThat(tuned.multiLayerNetwork().getOutputLayer()).isInstanceOf(org.deeplearning4j.nn.layers.OutputLayer.class);
    }

    @Test
    void frozenParametersAndBatchNormStatisticsNeverMoveDespiteL2() {
        GraftModel base = TinyNets.mlp();
        Map<String, INDArray> before = TinyNets.params(base.network(), List.of("fc1", "bn"));
        GraftModel tuned = headOnly("bn", 2).apply(base);
        assertBitIdentical(before, TinyNets.params(tuned.network(), List.of("fc1", "bn")));
        Map<String, INDArray> headBefore = TinyNets.params(tuned.network(), List.of("fc2"));
        fit(tuned, TinyNets.data(64, new long[] {8}, 2, 2), 15);
        assertBitIdentical(before, TinyNets.params(tuned.network(), List.of("fc1", "bn")));
        assertThat(TinyNets.params(tuned.network(), List.of("fc2")).get("fc2/W")).isNotEqualTo(headBefore.get("fc2/W"));
    }

    @Test
    void frozenFlagsAndParametersSurviveSaveAndLoad() throws Exception {
        for (GraftModel base : List.of(TinyNets.mlp(), TinyNets.graph())) {
            String cut = base.isGraph() ? "merge" : "bn";
            List<String> frozen = base.isGraph() ? List.of("a", "b") : List.of("fc1", "bn");
            GraftModel tuned = headOnly(cut, 2).apply(base);
            fit(tuned, TinyNets.data(32, new long[] {8}, 2, 3), 5);
            Map<String, INDArray> expected = TinyNets.params(base.network(), frozen);
            Path zip = tmp.resolve(base.card().name() + ".zip");
            assertThat(tuned.card().labels()).as("the base's 3 labels do not name a 2-output head").isEmpty();
            tuned.save(zip);
            GraftModel loaded = GraftModel.load(zip);
            assertBitIdentical(expected, TinyNets.params(loaded.network(), frozen));
            assertThat(Networks.frozenLayers(loaded.network())).containsAll(frozen);
            for (String f : frozen) {
                org.deeplearning4j.nn.api.Layer impl = loaded.isGraph() ? ((ComputationGraph) loaded.network()).getLayer(f)
                        : loaded.multiLayerNetwork().getLayer(f);
                assertThat(impl).as(f).isInstanceOf(org.deeplearning4j.nn.layers.FrozenLayer.class);
            }
            fit(loaded, TinyNets.data(32, new long[] {8}, 2, 4), 5);
            assertBitIdentical(expected, TinyNets.params(loaded.network(), frozen));
        }
    }

    @Test
    void widthChangeBeforeSubsamplingAndFlattenRecomputesInputSizes() {
        // DL4J #6389 (nOutReplace before a subsampling layer) and #3302 (shape errors after nOutReplace at a flatten).
        GraftModel cnn = TinyNets.cnn();
        GraftModel tuned = TransferPlan.builder().tweakWidth("conv1", 7).tweakWidth("conv2", 5)
                .replaceHead(2, Activation.SOFTMAX, LossFunction.MCXENT).seed(1).build().apply(cnn);
        MultiLayerNetwork net = tuned.multiLayerNetwork();
        assertThat(net.getLayer("conv1").getParam("W").shape()).containsExactly(7, 1, 3, 3);
        assertThat(net.getLayer("conv2").getParam("W").shape()).containsExactly(5, 7, 2, 2);
        assertThat(net.getLayer("fc").getParam("W").shape()).containsExactly(5 * 2 * 2, 6);
        DataSet ds = TinyNets.data(16, new long[] {1, 8, 8}, 2, 5);
        fit(tuned, ds, 2);
        assertThat(net.output(ds.getFeatures()).shape()).containsExactly(16, 2);
    }

    @Test
    void addedLayersUseTheChosenInitAndActivation() {
        GraftModel tuned = TransferPlan.builder().freezeThrough("conv2").dropTop(2)
                .addDense("hidden", 9, Activation.ELU, org.deeplearning4j.nn.weights.WeightInit.RELU)
                .replaceHead(2, Activation.SOFTMAX, LossFunction.MCXENT).build().apply(TinyNets.cnn());
        MultiLayerNetwork net = tuned.multiLayerNetwork();
        assertThat(Layers.names(net)).containsExactly("conv1", "pool", "conv2", "hidden", "graft_output");
        org.deeplearning4j.nn.conf.layers.DenseLayer hidden = (org.deeplearning4j.nn.conf.layers.DenseLayer) net.getLayer("hidden").conf().getLayer();
        assertThat(hidden.getActivationFn().toString()).isEqualTo("elu(alpha=1.0)");
        assertThat(hidden.getNIn()).isEqualTo(16);
        fit(tuned, TinyNets.data(16, new long[] {1, 8, 8}, 2, 6), 2);
    }

    @Test
    void multiBranchGraphFreezesBothBranchesAndResizesAcrossTheMerge() {
        // DL4J #4933: a cut at a merge of two branches.
        GraftModel g = TinyNets.graph();
        GraftModel tuned = headOnly("merge", 2).apply(g);
        ComputationGraph net = (ComputationGraph) tuned.network();
        assertThat(Networks.frozenLayers(net)).containsExactlyInAnyOrder("a", "b", "merge");

        GraftModel wider = TransferPlan.builder().tweakWidth("b", 7).replaceHead(2, Activation.SOFTMAX, LossFunction.MCXENT).build().apply(g);
        ComputationGraph w = (ComputationGraph) wider.network();
        assertThat(w.getLayer("fc").getParam("W").shape()).containsExactly(12, 6);
        assertThat(w.getLayer("a").getParam("W")).isEqualTo(((ComputationGraph) g.network()).getLayer("a").getParam("W"));
        fit(wider, TinyNets.data(16, new long[] {8}, 2, 7), 2);
    }

    @Test
    void graphFreezeThroughOneBranchLeavesTheOtherTrainable() {
        GraftModel tuned = headOnly("a", 2).apply(TinyNets.graph());
        ComputationGraph net = (ComputationGraph) tuned.network();
        assertThat(Networks.frozenLayers(net)).containsExactly("a");
    }

    @Test
    void newClassifierPutsASoftmaxCrossEntropyHeadWithTheLabelsInTheCard() {
        List<String> labels = List.of("cat", "dog", "fox", "owl");
        GraftModel tuned = TransferPlan.builder().freezeThrough("bn").newClassifier(labels).seed(3).build().apply(TinyNets.mlp());
        assertThat(tuned.card().labels()).isEqualTo(labels);
        assertThat(tuned.card().cut()).isEqualTo("bn");
        MultiLayerNetwork net = tuned.multiLayerNetwork();
        org.deeplearning4j.nn.conf.layers.OutputLayer head =
                (org.deeplearning4j.nn.conf.layers.OutputLayer) net.getOutputLayer().conf().getLayer();
        assertThat(head.getNOut()).isEqualTo(4);
        assertThat(head.getLossFn()).isInstanceOf(org.nd4j.linalg.lossfunctions.impl.LossMCXENT.class);
        assertThat(head.getActivationFn()).isInstanceOf(org.nd4j.linalg.activations.impl.ActivationSoftmax.class);
        assertThat(Layers.names(net)).containsExactly("fc1", "bn", "fc2", "graft_output");

        DataSet ds = TinyNets.data(64, new long[] {8}, 4, 8);
        double before = net.score(ds);
        fit(tuned, ds, 30);
        assertThat(net.score(ds)).isLessThan(before * 0.8);
        INDArray p = net.output(ds.getFeatures());
        assertThat(p.shape()).containsExactly(64, 4);
        assertThat(p.sum(1).sub(1.0).amaxNumber().doubleValue()).as("softmax rows sum to 1").isLessThan(1e-5);

        // The same as the long form it replaces.
        GraftModel longForm = TransferPlan.builder().freezeThrough("bn").replaceHead(4, Activation.SOFTMAX, LossFunction.MCXENT)
                .labels(labels).seed(3).build().apply(TinyNets.mlp());
        assertThat(longForm.card()).isEqualTo(TransferPlan.builder().freezeThrough("bn").newClassifier(labels).seed(3).build()
                .apply(TinyNets.mlp()).card());
        assertThat(longForm.multiLayerNetwork().getLayerWiseConfigurations().toJson())
                .isEqualTo(TransferPlan.builder().freezeThrough("bn").newClassifier(labels).seed(3).build()
                        .apply(TinyNets.mlp()).multiLayerNetwork().getLayerWiseConfigurations().toJson());

        GraftModel graph = TransferPlan.builder().freezeThrough("merge").newClassifier(List.of("x", "y")).build().apply(TinyNets.graph());
        assertThat(graph.card().labels()).containsExactly("x", "y");
        assertThat(((ComputationGraph) graph.network()).getOutputLayer(0).getParam("W").shape()).containsExactly(6, 2);
    }

    @Test
    void newClassifierRefusesLabelsThatCannotNameAClassifiersOutputs() {
        assertThatThrownBy(() -> TransferPlan.builder().newClassifier(null)).isInstanceOf(TransferPlanException.class)
                .hasMessageContaining("needs the class labels, got null");
        assertThatThrownBy(() -> TransferPlan.builder().newClassifier(List.of("only")))
                .hasMessageContaining("at least two classes, got 1: [only]");
        assertThatThrownBy(() -> TransferPlan.builder().newClassifier(List.of("a", "b", "a")))
                .hasMessageContaining("class label 'a' appears twice in [a, b, a]");
        assertThatThrownBy(() -> TransferPlan.builder().newClassifier(List.of("a", " ")))
                .hasMessageContaining("must not be blank");
        assertThatThrownBy(() -> TransferPlan.builder().newClassifier(List.of("a", "b")).labels(List.of("a", "b", "c")).build())
                .as("labels changed afterwards must still match the head").hasMessageContaining("2 outputs but 3 labels");
    }
}
