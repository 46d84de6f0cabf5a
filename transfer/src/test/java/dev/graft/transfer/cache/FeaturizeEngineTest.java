package dev.graft.transfer.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.Engine;
import dev.graft.engine.EngineSettings;
import dev.graft.engine.FeaturizeEngine;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Featurizers.cut on DL4J or ONNX Runtime: the auto choice, its fall-backs and reasons, forced modes, cache keys. */
class FeaturizeEngineTest {
    private static final INDArray RAW = DataSpec.load("digits:0-4").iterator(20).next().getFeatures();
    private static final INDArray IMAGES = RAW.reshape(20, 1, 8, 8);

    @TempDir
    Path tmp;

    /** Every element within |ort - dl4j| <= 1e-4 + 1e-3 |dl4j|, and something to compare (not all zeros). */
    private static void assertWithinTolerance(INDArray ort, INDArray dl4j) {
        assertThat(ort.shape()).containsExactly(dl4j.shape());
        INDArray bound = org.nd4j.linalg.ops.transforms.Transforms.abs(dl4j).mul(1e-3).add(1e-4);
        INDArray diff = org.nd4j.linalg.ops.transforms.Transforms.abs(ort.sub(dl4j));
        assertThat(diff.sub(bound).maxNumber().doubleValue()).as("max(|diff| - bound)").isLessThanOrEqualTo(0.0);
        assertThat(dl4j.amaxNumber().doubleValue()).isGreaterThan(0.0);
    }

    /** conv (3x3, 6) → bn → relu → pool → conv "conv2" → dense "fc" → out; NCHW [1, 8, 8]. */
    static GraftModel cnnWithBatchNorm(PoolingType pooling) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(6).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new ActivationLayer.Builder().name("relu").activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(pooling).name("pool").kernelSize(2, 2).stride(2, 2).pnorm(2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv2").nOut(5).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(7).activation(Activation.SIGMOID).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(5)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        // running statistics that are not the identity, so the batch norm (folded or not) matters
        INDArray bnParams = net.getLayer(1).params();
        for (int i = 0; i < bnParams.length(); i++) {
            bnParams.putScalar(i, 0.3 + 0.1 * (i % 7));
        }
        return GraftModel.of(net, ModelCard.builder("cnn-bn-" + pooling).architecture("tiny-cnn")
                .input(InputLayout.NCHW, 1, 8, 8).normalization(Normalization.scale(1 / DataSpec.DIGITS_MAX)).build());
    }

    /** in → conv a, conv b → add → merge(add, a) → global average pool "gap" → out; NCHW [1, 8, 8]. */
    static GraftModel graphWithAddAndMerge() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-3))
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(8, 8, 1))
                .addLayer("a", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("b", new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.IDENTITY).build(), "in")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a", "b")
                .addVertex("merge", new MergeVertex(), "add", "a")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "merge")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5)
                        .activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out").build());
        g.init();
        return GraftModel.of(g, ModelCard.builder("graph-add-merge").architecture("tiny-graph")
                .input(InputLayout.NCHW, 1, 8, 8).normalization(Normalization.scale(1 / DataSpec.DIGITS_MAX)).build());
    }

    @Test
    void autoRunsAConvolutionalFrozenPartOnOnnxRuntimeWithinTolerance() {
        GraftModel model = cnnWithBatchNorm(PoolingType.MAX);
        Featurizer auto = Featurizers.cut(model, "fc", FeaturizeEngine.AUTO);
        Featurizer dl4j = Featurizers.cut(model, "fc", FeaturizeEngine.DL4J);
        INDArray ort = auto.featurize(IMAGES);
        assertThat(auto.engine().isOnnx()).as(auto.engine().describe()).isTrue();
        assertThat(auto.engine().reason()).startsWith("auto: exported").contains("first batch within tolerance");
        assertThat(auto.engine().version()).isEqualTo(EngineChoice.onnxRuntimeVersion()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(dl4j.engine().engine()).isEqualTo(FeaturizeEngine.DL4J);
        assertWithinTolerance(ort, dl4j.featurize(IMAGES));
        assertWithinTolerance(Featurizers.cut(model, "conv2", FeaturizeEngine.AUTO).featurize(IMAGES),
                Featurizers.cut(model, "conv2", FeaturizeEngine.DL4J).featurize(IMAGES));
        assertThat(auto.featureShape()).containsExactly(7);
    }

    @Test
    void aGraphWithAddAndMergeFeaturizesOnBothEnginesAlike() {
        GraftModel model = graphWithAddAndMerge();
        for (String cut : new String[] {"add", "merge", "gap"}) {
            Featurizer ort = Featurizers.cut(model, cut, FeaturizeEngine.ONNX);
            INDArray fromOrt = ort.featurize(IMAGES);
            assertThat(ort.engine().isOnnx()).isTrue();
            assertThat(ort.engine().reason()).startsWith("featurizeEngine=onnx: exported");
            assertWithinTolerance(fromOrt, Featurizers.cut(model, cut, FeaturizeEngine.DL4J).featurize(IMAGES));
        }
    }

    @Test
    void anNhwcModelRunsOnOnnxRuntimeInItsOwnLayout() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(9).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(5).dataFormat(
                        org.deeplearning4j.nn.conf.CNN2DFormat.NHWC).activation(Activation.RELU).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.MAX).name("gmp").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 1, org.deeplearning4j.nn.conf.CNN2DFormat.NHWC)).build());
        net.init();
        GraftModel model = GraftModel.of(net, ModelCard.builder("nhwc").architecture("tiny-nhwc")
                .input(InputLayout.NHWC, 8, 8, 1).normalization(Normalization.scale(1 / DataSpec.DIGITS_MAX)).build());
        INDArray nhwc = RAW.reshape(20, 8, 8, 1);
        Featurizer auto = Featurizers.cut(model, "conv", FeaturizeEngine.AUTO);
        INDArray ort = auto.featurize(nhwc);
        assertThat(auto.engine().isOnnx()).as(auto.engine().describe()).isTrue();
        assertThat(ort.shape()).containsExactly(20, 6, 6, 5);
        assertWithinTolerance(ort, Featurizers.cut(model, "conv", FeaturizeEngine.DL4J).featurize(nhwc));
        assertWithinTolerance(Featurizers.cut(model, "gmp", FeaturizeEngine.AUTO).featurize(nhwc),
                Featurizers.cut(model, "gmp", FeaturizeEngine.DL4J).featurize(nhwc));
    }

    @Test
    void anMlpStaysOnDl4jUnderAutoButRunsOnOnnxRuntimeWhenForced() {
        GraftModel model = TinyModels.mlp(1);
        Featurizer auto = Featurizers.cut(model, "dense2", FeaturizeEngine.AUTO);
        Featurizer dl4j = Featurizers.cut(model, "dense2", FeaturizeEngine.DL4J);
        INDArray expected = dl4j.featurize(RAW);
        assertThat(auto.featurize(RAW)).as("bit-identical: DL4J ran it").isEqualTo(expected);
        assertThat(auto.engine().engine()).isEqualTo(FeaturizeEngine.DL4J);
        assertThat(auto.engine().reason()).contains("no convolution");
        assertThat(auto.fingerprint()).isEqualTo(dl4j.fingerprint());

        Featurizer onnx = Featurizers.cut(model, "dense2", FeaturizeEngine.ONNX);
        assertWithinTolerance(onnx.featurize(RAW), expected);
        assertThat(onnx.engine().isOnnx()).isTrue();
        assertThat(onnx.fingerprint()).as("another engine, another fingerprint").isNotEqualTo(dl4j.fingerprint());
        // a graph of dense layers and a merge, forced
        GraftModel graph = TinyModels.graph(1);
        assertWithinTolerance(Featurizers.cut(graph, "merge", FeaturizeEngine.ONNX).featurize(RAW),
                Featurizers.cut(graph, "merge", FeaturizeEngine.DL4J).featurize(RAW));
    }

    @Test
    void anUnexportableLayerFallsBackToDl4jUnderAutoWithTheLayerNamedAndFailsWhenOnnxIsForced() {
        GraftModel model = cnnWithBatchNorm(PoolingType.PNORM);
        Featurizer auto = Featurizers.cut(model, "fc", FeaturizeEngine.AUTO);
        INDArray features = auto.featurize(IMAGES);
        EngineChoice choice = auto.engine();
        assertThat(choice.engine()).isEqualTo(FeaturizeEngine.DL4J);
        assertThat(choice.reason()).startsWith("auto: export refused").contains("'pool'").contains("PNORM");
        assertThat(choice.describe()).startsWith("DL4J (auto: export refused");
        assertThat(features).isEqualTo(Featurizers.cut(model, "fc", FeaturizeEngine.DL4J).featurize(IMAGES));
        assertThat(auto.fingerprint()).isEqualTo(Featurizers.cut(model, "fc", FeaturizeEngine.DL4J).fingerprint());

        Featurizer forced = Featurizers.cut(model, "fc", FeaturizeEngine.ONNX);
        assertThatThrownBy(() -> forced.featurize(IMAGES)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("featurizeEngine=onnx").hasMessageContaining("'pool'")
                .hasMessageContaining("PNORM").hasMessageContaining("GRAFT_FEATURIZE_ENGINE");
        // below the unexportable layer, auto exports
        assertThat(Featurizers.cut(model, "relu", FeaturizeEngine.AUTO).engine().isOnnx()).isTrue();
    }

    @Test
    void aFirstBatchOutsideToleranceFallsBackToDl4jWithTheWorstElement() {
        GraftModel model = cnnWithBatchNorm(PoolingType.MAX);
        model.multiLayerNetwork().getLayer(0).params().putScalar(0, Double.NaN); // NaN fails the comparison
        Featurizer auto = Featurizers.cut(model, "conv2", FeaturizeEngine.AUTO);
        auto.featurize(IMAGES);
        assertThat(auto.engine().engine()).isEqualTo(FeaturizeEngine.DL4J);
        assertThat(auto.engine().reason()).contains("differs from DL4J on the first batch").contains("not finite");
    }

    @Test
    void whenTheGateFailsAFloat64PassDecidesWhetherOnnxRuntimeIsNoWorseThanDl4jsOwnFloat32Path() {
        // the rule: ONNX Runtime's worst element against float64, in tolerance units, no farther than DL4J's
        assertThat(AbstractFeaturizer.keepOnnxRuntime(1.08, 2.05)).as("VGG16's measured ratios").isTrue();
        assertThat(AbstractFeaturizer.keepOnnxRuntime(0.9, 0.3)).as("within the tolerance of float64").isTrue();
        assertThat(AbstractFeaturizer.keepOnnxRuntime(2.2, 2.05)).isFalse();
        assertThat(AbstractFeaturizer.keepOnnxRuntime(Double.NaN, 2.0)).isFalse();
        assertThat(AbstractFeaturizer.keepOnnxRuntime(1.0, Double.NaN)).isFalse();
        // the float64 pass computes what DL4J computes, in double precision, on both kinds of network
        INDArray x = IMAGES.dup();
        for (GraftModel model : new GraftModel[] {cnnWithBatchNorm(PoolingType.MAX), graphWithAddAndMerge()}) {
            AbstractFeaturizer f = (AbstractFeaturizer) Featurizers.cut(model, model.isGraph() ? "merge" : "conv2",
                    FeaturizeEngine.DL4J);
            INDArray normalized = model.preprocess(x.dup());
            INDArray f32 = f.forward(normalized.dup());
            INDArray f64 = f.forward64(normalized.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
            assertThat(f64.dataType()).isEqualTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
            assertThat(f64.shape()).isEqualTo(f32.shape());
            assertThat(f64.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).sub(f32).amaxNumber().doubleValue())
                    .as(model.card().name()).isLessThan(1e-4);
        }
    }

    @Test
    void theSettingsInForceChooseTheEngineAndAProbeDecidesWhenNoBatchWasSeen() {
        GraftModel model = cnnWithBatchNorm(PoolingType.MAX);
        try (Engine.Scope s = Engine.use(EngineSettings.builder().featurizeEngine(FeaturizeEngine.DL4J).build())) {
            Featurizer f = Featurizers.cut(model, "fc");
            assertThat(f.engine().reason()).isEqualTo("featurizeEngine=dl4j");
        }
        try (Engine.Scope s = Engine.use(EngineSettings.builder().featurizeEngine(FeaturizeEngine.ONNX).build())) {
            Featurizer f = Featurizers.cut(model, "fc");
            assertThat(f.engine().isOnnx()).isTrue();
            assertThat(f.engine().reason()).contains("probe batch within tolerance");
        }
        assertThatThrownBy(() -> Featurizers.cut(model, "fc", null)).hasMessageContaining("engine is null");
    }

    @Test
    void oneModelTwoEnginesTwoCacheKeysAndAnOnnxCacheIsReusedAndRebuiltOnSwitch() throws Exception {
        GraftModel model = cnnWithBatchNorm(PoolingType.MAX);
        LabeledData digits = DataSpec.load("digits:0-4");
        DataSource data = new LabeledData(digits.features().reshape(digits.size(), 1, 8, 8), digits.labelIndices(),
                digits.labels(), "digits 0-4 as [1, 8, 8] images");
        Path dir = tmp.resolve("cache");
        FeatureCache onnx = FeatureCache.builder(dir).featurizer(Featurizers.cut(model, "fc", FeaturizeEngine.AUTO))
                .source(data).shardRows(200).batchSize(32).build();
        FeatureCache dl4j = FeatureCache.builder(dir).featurizer(Featurizers.cut(model, "fc", FeaturizeEngine.DL4J))
                .source(data).shardRows(200).batchSize(32).build();
        assertThat(onnx.key()).isNotEqualTo(dl4j.key());
        assertThat(onnx.featurizer().engine().isOnnx()).as("decided on the data's first batch").isTrue();
        assertThat(onnx.featurizer().engine().reason()).contains("first batch within tolerance");
        assertThat(onnx.keyComponents().get("featurizer")).isNotEqualTo(dl4j.keyComponents().get("featurizer"));

        assertThat(onnx.build().outcome()).isEqualTo(CacheReport.Outcome.BUILT);
        FeatureCache again = FeatureCache.builder(dir).featurizer(Featurizers.cut(model, "fc", FeaturizeEngine.ONNX))
                .source(data).shardRows(200).batchSize(32).build();
        assertThat(again.build().outcome()).as("same engine, same key").isEqualTo(CacheReport.Outcome.REUSED);
        INDArray first = again.iterator(32, -1).next().getFeatures();
        assertWithinTolerance(first, dl4j.featurizer().featurize(data.iterator(32).next().getFeatures()));

        // a shard lost (as if a build had died) is rebuilt by a new featurizer, a new export and a new session: same bytes
        Path shard1 = dir.resolve(CacheShards.fileName(1));
        byte[] before = java.nio.file.Files.readAllBytes(shard1);
        java.nio.file.Files.delete(shard1);
        FeatureCache resumed = FeatureCache.builder(dir).featurizer(Featurizers.cut(model, "fc", FeaturizeEngine.AUTO))
                .source(data).shardRows(200).batchSize(32).build();
        CacheReport repaired = resumed.build();
        assertThat(repaired.outcome()).isEqualTo(CacheReport.Outcome.REPAIRED);
        assertThat(repaired.shardsBuilt()).isEqualTo(1);
        assertThat(java.nio.file.Files.readAllBytes(shard1)).isEqualTo(before);

        CacheReport switched = dl4j.build();
        assertThat(switched.outcome()).isEqualTo(CacheReport.Outcome.REBUILT);
        assertThat(switched.summary()).contains("featurizer");
    }
}
