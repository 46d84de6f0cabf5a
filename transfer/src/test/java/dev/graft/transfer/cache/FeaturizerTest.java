package dev.graft.transfer.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.data.DataSpec;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Normalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

class FeaturizerTest {
    private static final INDArray RAW = DataSpec.load("digits:0-4").iterator(20).next().getFeatures();

    @Test
    void layerCutOutputsThatLayersActivationsOnNormalizedInput() {
        GraftModel model = TinyModels.mlp(1);
        MultiLayerNetwork net = model.multiLayerNetwork();
        Featurizer byName = Featurizers.cut(model, "dense2");
        INDArray expected = net.feedForwardToLayer(2, RAW.div(16.0), false).get(3);
        assertThat(byName.featurize(RAW)).isEqualTo(expected);
        assertThat(Featurizers.cut(model, "2").featurize(RAW)).isEqualTo(expected);
        assertThat(byName.featureShape()).containsExactly(8);
        assertThat(byName.describe()).contains("after layer 2 'dense2'").contains("[8]");
        assertThat(Featurizers.cut(model, "2").fingerprint()).isEqualTo(byName.fingerprint());
    }

    @Test
    void frozenNetworkInTrainingModeComputesExactlyTheCachedFeatures() {
        GraftModel model = TinyModels.mlp(1);
        Featurizer f = Featurizers.cut(model, "dense2");
        MultiLayerNetwork frozen = new TransferLearning.Builder(model.multiLayerNetwork().clone())
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Sgd(0.1)).build())
                .setFeatureExtractor(2).build();
        // What fit() feeds the head: the frozen layers' forward pass with training=true (FrozenLayer runs them
        // in inference mode, so batch norm uses its running statistics, as the featurizer does).
        INDArray duringTraining = frozen.feedForwardToLayer(2, RAW.div(16.0), true).get(3);
        assertThat(f.featurize(RAW)).isEqualTo(duringTraining);
    }

    @Test
    void convolutionalCutsApplyTheLayerPreprocessorsAndMatchTrainingTimeActivations() {
        GraftModel model = TinyModels.cnn(1);
        INDArray images = RAW.reshape(20, 1, 8, 8);
        Featurizer pool = Featurizers.cut(model, "pool");
        Featurizer fc = Featurizers.cut(model, "fc");
        assertThat(pool.featureShape()).containsExactly(4, 3, 3);
        assertThat(fc.featureShape()).containsExactly(10);
        MultiLayerNetwork frozen = new TransferLearning.Builder(model.multiLayerNetwork().clone())
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Sgd(0.1)).build())
                .setFeatureExtractor(2).build();
        assertThat(fc.featurize(images)).isEqualTo(frozen.feedForwardToLayer(2, images.div(16.0), true).get(3));
        assertThat(pool.featurize(images)).isEqualTo(frozen.feedForwardToLayer(1, images.div(16.0), true).get(2));
    }

    @Test
    void batchNormBelowTheCutRunsInInferenceModeSoRowsDoNotDependOnTheirBatch() {
        Featurizer f = Featurizers.cut(TinyModels.mlp(1), "bn");
        INDArray all = f.featurize(RAW);
        INDArray firstAlone = f.featurize(RAW.getRows(0));
        assertThat(firstAlone.getRow(0).sub(all.getRow(0)).amaxNumber().doubleValue()).isLessThan(1e-6);
    }

    @Test
    void graphCutAtAVertexMatchesTheGraphsActivations() {
        GraftModel model = TinyModels.graph(1);
        ComputationGraph g = (ComputationGraph) model.network();
        Featurizer f = Featurizers.cut(model, "merge");
        assertThat(f.featurize(RAW)).isEqualTo(g.feedForward(RAW.div(16.0), false).get("merge"));
        assertThat(f.featureShape()).containsExactly(18);
        assertThatThrownBy(() -> Featurizers.cut(model, "in")).hasMessageContaining("is the input")
                .hasMessageContaining("a, b, merge, fc, out");
    }

    @Test
    void multiInputGraphsAreRejectedClearly() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("x1", "x2").setInputTypes(InputType.feedForward(3), InputType.feedForward(2))
                .addVertex("m", new MergeVertex(), "x1", "x2")
                .addLayer("out", new OutputLayer.Builder().nOut(2).build(), "m").setOutputs("out").build());
        g.init();
        GraftModel model = GraftModel.of(g, TinyModels.digitsCard("two-inputs"));
        assertThatThrownBy(() -> Featurizers.cut(model, "m")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 inputs [x1, x2]").hasMessageContaining("single-input graphs only");
    }

    @Test
    void fingerprintCoversWeightsBelowTheCutAndPreprocessingOnly() {
        GraftModel model = TinyModels.mlp(1);
        String base = Featurizers.cut(model, "dense2").fingerprint();
        assertThat(Featurizers.cut(TinyModels.mlp(1), "dense2").fingerprint()).as("same weights, new object").isEqualTo(base);

        // Freezing the base and changing training settings or the head leave what the cut computes unchanged.
        MultiLayerNetwork frozen = new TransferLearning.Builder(model.multiLayerNetwork())
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Sgd(0.5)).build())
                .setFeatureExtractor(2).build();
        frozen.getLayer(3).params().addi(1.0);
        assertThat(Featurizers.cut(GraftModel.of(frozen, model.card()), "dense2").fingerprint()).isEqualTo(base);

        assertThat(Featurizers.cut(model, "dense1").fingerprint()).as("other cut").isNotEqualTo(base);
        GraftModel renormalized = model.withCard(model.card().toBuilder().normalization(Normalization.scale(0.5)).build());
        assertThat(Featurizers.cut(renormalized, "dense2").fingerprint()).as("other normalization").isNotEqualTo(base);
        GraftModel changed = TinyModels.mlp(1);
        changed.multiLayerNetwork().getLayer(1).params().putScalar(0, 3.0); // a batch-norm parameter
        assertThat(Featurizers.cut(changed, "dense2").fingerprint()).as("weight below the cut").isNotEqualTo(base);
        GraftModel otherActivation = withDense2Activation(model);
        assertThat(Featurizers.cut(otherActivation, "dense2").fingerprint()).as("other activation").isNotEqualTo(base);
    }

    private static GraftModel withDense2Activation(GraftModel model) {
        MultiLayerNetwork net = model.multiLayerNetwork().clone();
        ((DenseLayer) net.getLayerWiseConfigurations().getConf(2).getLayer())
                .setActivationFn(org.nd4j.linalg.activations.Activation.SIGMOID.getActivationFunction());
        return GraftModel.of(net, model.card());
    }

    @Test
    void graphFingerprintIgnoresVerticesAboveTheCut() {
        GraftModel a = TinyModels.graph(1);
        GraftModel b = TinyModels.graph(1);
        ((ComputationGraph) b.network()).getLayer("out").params().addi(1.0);
        ((ComputationGraph) b.network()).getLayer("fc").params().addi(1.0);
        assertThat(Featurizers.cut(b, "merge").fingerprint()).isEqualTo(Featurizers.cut(a, "merge").fingerprint());
        ((ComputationGraph) b.network()).getLayer("b").params().putScalar(0, 9.0);
        assertThat(Featurizers.cut(b, "merge").fingerprint()).isNotEqualTo(Featurizers.cut(a, "merge").fingerprint());
    }

    @Test
    void cutRejectsBlankAndOutOfRangeLayers() {
        GraftModel model = TinyModels.mlp(1);
        assertThatThrownBy(() -> Featurizers.cut(model, " ")).hasMessageContaining("a layer name or index is needed").hasMessageContaining("layers are: dense1, bn");
        assertThatThrownBy(() -> Featurizers.cut(model, "4")).hasMessageContaining("layer '4' not found");
    }

    @Test
    void aLayerNamedLikeAnotherLayersIndexIsCutAtTheSameLayerOnBothEngines() {
        // Layer 0 is named "1" (6 outputs) and layer 1 is named "0" (5 outputs): the name wins, for DL4J and the export.
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(2).list()
                .layer(new DenseLayer.Builder().name("1").nIn(64).nOut(6).build())
                .layer(new DenseLayer.Builder().name("0").nOut(5).build())
                .layer(new OutputLayer.Builder().name("out").nOut(3).build())
                .setInputType(InputType.feedForward(64)).build());
        net.init();
        GraftModel model = GraftModel.of(net, TinyModels.digitsCard("numbered"));
        Featurizer dl4j = Featurizers.cut(model, "0", dev.graft.engine.FeaturizeEngine.DL4J);
        Featurizer onnx = Featurizers.cut(model, "0", dev.graft.engine.FeaturizeEngine.ONNX);
        assertThat(((LayerFeaturizer) onnx).exportCut()).isEqualTo("0");
        INDArray want = dl4j.featurize(RAW);
        assertThat(want.shape()).containsExactly(RAW.size(0), 5);
        INDArray got = onnx.featurize(RAW);
        assertThat(onnx.engine().isOnnx()).as(onnx.engine().describe()).isTrue();
        assertThat(got.shape()).containsExactly(RAW.size(0), 5);
        assertThat(got.sub(want).amaxNumber().doubleValue()).isLessThan(1e-4);
    }

    @Test
    void inputOfTheWrongShapeIsRejectedByTheCard() {
        Featurizer f = Featurizers.cut(TinyModels.mlp(1), "dense2");
        assertThatThrownBy(() -> f.featurize(RAW.reshape(20, 8, 8))).hasMessageContaining("takes examples of shape [64]");
    }

}
