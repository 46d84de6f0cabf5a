package dev.graft.transfer.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.Networks;
import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class FineTunerTest {
    @TempDir
    Path tmp;

    static GraftModel mlpBase() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(0.01)).l2(0.01)
                .activation(Activation.RELU).list()
                .layer(new DenseLayer.Builder().name("fc1").nIn(8).nOut(6).build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new DenseLayer.Builder().name("fc2").nOut(5).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("out").nOut(4).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(8)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return GraftModel.of(net, card());
    }

    static GraftModel graphBase() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(0.01))
                .activation(Activation.TANH).graphBuilder().addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(8).nOut(5).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nIn(8).nOut(4).build(), "in")
                .addVertex("merge", new MergeVertex(), "a", "b")
                .addLayer("fc", new DenseLayer.Builder().nOut(6).build(), "merge")
                .addLayer("out", new OutputLayer.Builder(LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("out").setInputTypes(InputType.feedForward(8)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return GraftModel.of(g, card());
    }

    static ModelCard card() {
        // Raw inputs are 0..16 like the digits; the card scales them, so predict() must apply it.
        return ModelCard.builder("tiny").input(InputLayout.FLAT, 8).normalization(Normalization.scale(1.0 / 16)).labels(List.of("p", "q", "r", "s")).build();
    }

    static GraftModel planned(GraftModel base, String cut) {
        return TransferPlan.builder().freezeThrough(cut).replaceHead(2, Activation.SOFTMAX, LossFunction.MCXENT).seed(5)
                .updater(new Adam(0.02)).labels(List.of("x", "y")).build().apply(base);
    }

    /** Raw 0..16 examples whose class is whether a fixed projection is positive. */
    static LabeledData data(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 8).muli(16);
        INDArray w = Nd4j.create(new float[] {1, -1, 0.5f, -0.5f, 1, -1, 0.3f, -0.3f}, new long[] {8, 1});
        INDArray s = x.mmul(w);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = s.getDouble(i, 0) > 0 ? 1 : 0;
        }
        return new LabeledData(x, y, List.of("x", "y"), "synthetic seed " + seed);
    }

    static Map<String, INDArray> params(Model net, List<String> layers) {
        Map<String, INDArray> out = new HashMap<>();
        for (String l : layers) {
            org.deeplearning4j.nn.api.Layer layer = net instanceof MultiLayerNetwork
                    ? ((MultiLayerNetwork) net).getLayer(Networks.layerNames(net).indexOf(l)) : ((ComputationGraph) net).getLayer(l);
            layer.paramTable().forEach((k, v) -> out.put(l + "/" + k, v.dup()));
        }
        return out;
    }

    /** Counts the training iterations it sees. */
    static final class CountingListener extends org.deeplearning4j.optimize.api.BaseTrainingListener {
        int iterations;

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            iterations++;
        }
    }

    /**
     * A fresh user's finding: a head planned with labels in another order than the data's trained output i as the
     * data's label i but saved the plan's labels, so predictions were named wrongly; a head of the wrong width
     * failed inside DL4J with a shape message.
     */
    @Test
    void theSavedCardNamesTheOutputsInTheOrderTheyTrainedAndAHeadOfTheWrongWidthIsRefused() throws Exception {
        LabeledData train = data(32, 1);
        GraftModel reversed = TransferPlan.builder().freezeThrough("bn").newClassifier(List.of("y", "x")).seed(5)
                .build().apply(mlpBase());
        List<String> log = new ArrayList<>();
        FineTuneResult r = FineTuner.builder(reversed).train(train).log(log::add)
                .config(FineTuneConfig.builder().epochs(1).batchSize(16).build()).build().run();
        assertThat(r.model().card().labels()).containsExactly("x", "y");
        assertThat(String.join("\n", log)).contains("note: the plan's labels [y, x] are not the training data's [x, y]");
        GraftModel narrow = TransferPlan.builder().freezeThrough("bn").newClassifier(List.of("x", "y", "z")).seed(5)
                .build().apply(mlpBase());
        assertThatThrownBy(() -> FineTuner.builder(narrow).train(train).build())
                .hasMessageContaining("has 3 outputs but the training data has 2 classes [x, y]")
                .hasMessageContaining("newClassifier(train.labels())");
    }

    @Test
    void theInputModelIsUnchangedAndTheUsersListenersSurviveAndHearEveryStage() throws Exception {
        for (GraftModel base : List.of(mlpBase(), graphBase())) {
            String cut = base.isGraph() ? "merge" : "bn";
            GraftModel p = planned(base, cut);
            INDArray before = p.network().params().dup();
            CountingListener mine = new CountingListener();
            p.network().setListeners(mine);
            for (boolean through : new boolean[] {false, true}) {
                // no preset and no rate: the path that used to write the head into the caller's network
                FineTuneResult r = FineTuner.builder(p).train(data(32, 1)).config(FineTuneConfig.builder().epochs(2).batchSize(16).unfreeze(UnfreezeSchedule.parse("1:1@0.1")).build())
                        .trainThrough(through).build().run();
                assertThat(r.model().network()).isNotSameAs(p.network());
                assertThat(r.model().network().params()).isNotEqualTo(before);
            }
            assertThat(p.network().params()).as("the planned model's parameters after two fine-tunes")
                    .isEqualTo(before);
            assertThat(p.isGraph() ? ((ComputationGraph) p.network()).getListeners()
                    : ((MultiLayerNetwork) p.network()).getListeners()).containsExactly(mine);
            // 2 runs x (head 2 epochs + unfreeze 1 epoch) x 2 batches
            assertThat(mine.iterations).as("iterations the user's listener heard").isEqualTo(2 * 3 * 2);
        }
    }

    @Test
    void engineSettingsGivenToTheBuilderHoldForTheRunOnly() throws Exception {
        GraftModel p = planned(mlpBase(), "bn");
        dev.graft.engine.EngineSettings plain = dev.graft.engine.EngineSettings.builder().plain().build();
        FineTuneResult a = FineTuner.builder(p).train(data(32, 1)).config(FineTuneConfig.builder().epochs(2).batchSize(16).shuffle(false).build())
                .engine(plain).build().run();
        FineTuneResult b = FineTuner.builder(p).train(data(32, 1)).config(FineTuneConfig.builder().epochs(2).batchSize(16).shuffle(false).build()).build()
                .run();
        assertThat(dev.graft.engine.Engine.settings()).isNotEqualTo(plain);
        // the speed switches (Graft's Adam, the dense head step) never change a result beyond float rounding
        INDArray pa = a.model().network().params();
        INDArray pb = b.model().network().params();
        assertThat(pa.sub(pb).amaxNumber().doubleValue()).isLessThan(1e-5);
    }

    /**
     * On the DL4J featurize engine (forced here: the tiny bases have no convolution, so {@code auto} would pick DL4J
     * too) the cache holds exactly what the frozen layers compute during training.
     */
    @Test
    void headTrainedFromCacheEqualsHeadTrainedThroughTheFrozenLayers() throws Exception {
        LabeledData train = data(48, 1);
        dev.graft.engine.EngineSettings dl4j = dev.graft.engine.Engine.settings().toBuilder()
                .featurizeEngine(dev.graft.engine.FeaturizeEngine.DL4J).build();
        for (GraftModel base : List.of(mlpBase(), graphBase())) {
            String cut = base.isGraph() ? "merge" : "bn";
            List<String> top = base.isGraph() ? List.of("fc", "graft_output") : List.of("fc2", "graft_output");
            FineTuneResult cached = FineTuner.builder(planned(base, cut)).train(train).config(FineTuneConfig.builder().epochs(3).batchSize(16).shuffle(false).build())
                    .engine(dl4j).cacheDirectory(tmp.resolve("c-" + base.isGraph())).build().run();
            FineTuneResult through = FineTuner.builder(planned(base, cut)).train(train).config(FineTuneConfig.builder().epochs(3).batchSize(16).shuffle(false).build())
                    .trainThrough(true).build().run();
            Map<String, INDArray> a = params(cached.model().network(), top);
            Map<String, INDArray> b = params(through.model().network(), top);
            Map<String, INDArray> start = params(planned(base, cut).network(), top);
            for (String k : a.keySet()) {
                assertThat(a.get(k).equalsWithEps(b.get(k), 1e-5)).as(k + " cache vs through").isTrue();
                assertThat(a.get(k).equalsWithEps(start.get(k), 1e-6)).as(k + " moved").isFalse();
            }
            for (int e = 0; e < 3; e++) {
                assertThat(cached.history().get(e).trainLoss()).isCloseTo(through.history().get(e).trainLoss(), org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    /** conv (2x2, Same) → bn → relu → dense "fc" → out, on the 8 features read as NCHW [2, 2, 2] images. */
    static GraftModel convBase() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(0.01)).list()
                .layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(2, 2).name("conv").nOut(4)
                        .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder().name("relu").activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(6).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("out").nOut(4).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(2, 2, 2)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return GraftModel.of(net, ModelCard.builder("tiny-conv").input(InputLayout.NCHW, 2, 2, 2)
                .normalization(Normalization.scale(1.0 / 16)).labels(List.of("p", "q", "r", "s")).build());
    }

    static LabeledData images(LabeledData flat) {
        return new LabeledData(flat.features().reshape(flat.size(), 2, 2, 2), flat.labelIndices(), flat.labels(),
                flat.describe() + " as [2, 2, 2] images");
    }

    /**
     * What replaces bit-identity when ONNX Runtime builds the cache: its features differ from DL4J's by at most
     * 1e-4 + 1e-3|x| per element (the gate {@code auto} applies), so the head trained from it follows the head trained
     * through DL4J's frozen layers to within 1e-3 on every parameter and every epoch's loss (measured: ~1e-6 here).
     */
    @Test
    void headTrainedFromAnOnnxRuntimeCacheMatchesTheHeadTrainedThroughTheFrozenLayersWithinTolerance() throws Exception {
        LabeledData train = images(data(48, 1));
        GraftModel planned = planned(convBase(), "relu");
        dev.graft.transfer.cache.Featurizer chosen = dev.graft.transfer.cache.Featurizers.cut(planned, "relu",
                dev.graft.engine.FeaturizeEngine.AUTO);
        chosen.chooseEngine(() -> train.features());
        assertThat(chosen.engine().isOnnx()).as(chosen.engine().describe()).isTrue();
        dev.graft.engine.EngineSettings auto = dev.graft.engine.Engine.settings().toBuilder()
                .featurizeEngine(dev.graft.engine.FeaturizeEngine.AUTO).build();
        List<String> log = new java.util.ArrayList<>();
        FineTuneResult cached = FineTuner.builder(planned(convBase(), "relu")).train(train).config(FineTuneConfig.builder().epochs(3).batchSize(16).shuffle(false).build()).engine(auto).log(log::add).cacheDirectory(tmp.resolve("c-onnx")).build().run();
        assertThat(log).anyMatch(l -> l.startsWith("featurize engine: ONNX Runtime ") && l.contains("first batch"));
        FineTuneResult through = FineTuner.builder(planned(convBase(), "relu")).train(train).config(FineTuneConfig.builder().epochs(3).batchSize(16).shuffle(false).build()).trainThrough(true).build().run();
        List<String> top = List.of("fc", "graft_output");
        Map<String, INDArray> a = params(cached.model().network(), top);
        Map<String, INDArray> b = params(through.model().network(), top);
        Map<String, INDArray> start = params(planned.network(), top);
        for (String k : a.keySet()) {
            assertThat(a.get(k).sub(b.get(k)).amaxNumber().doubleValue()).as(k + " cache vs through").isLessThan(1e-3);
            assertThat(a.get(k).equalsWithEps(start.get(k), 1e-6)).as(k + " moved").isFalse();
        }
        for (int e = 0; e < 3; e++) {
            assertThat(cached.history().get(e).trainLoss()).isCloseTo(through.history().get(e).trainLoss(),
                    org.assertj.core.data.Offset.offset(1e-3));
        }
    }

    @Test
    void frozenParametersAreBitIdenticalAfterFineTuneSaveAndLoad() throws Exception {
        for (GraftModel base : List.of(mlpBase(), graphBase())) {
            List<String> frozen = base.isGraph() ? List.of("a", "b") : List.of("fc1", "bn");
            Map<String, INDArray> before = params(base.network(), frozen);
            FineTuneResult r = FineTuner.builder(planned(base, base.isGraph() ? "merge" : "bn")).train(data(64, 2)).validation(data(32, 3))
                    .config(Presets.get("practical").training(FineTuneConfig.builder()).epochs(4).batchSize(16).build()).build().run();
            Path zip = tmp.resolve("tuned-" + base.isGraph() + ".zip");
            r.model().save(zip);
            GraftModel loaded = GraftModel.load(zip);
            Map<String, INDArray> after = params(loaded.network(), frozen);
            before.forEach((k, v) -> assertThat(after.get(k)).as(k).isEqualTo(v));
            assertThat(Networks.frozenLayers(loaded.network())).containsAll(frozen);
            assertThat(loaded.card().labels()).containsExactly("x", "y");
            INDArray raw = data(5, 9).features();
            assertThat(loaded.predict(raw)).isEqualTo(r.model().predict(raw));
        }
    }

    @Test
    void reassembledModelPredictsFromRawInputAndLearnsTheTask() throws Exception {
        LabeledData train = data(200, 4);
        LabeledData val = data(100, 5);
        FineTuneResult r = FineTuner.builder(planned(mlpBase(), "fc1")).train(train).validation(val).config(FineTuneConfig.builder().epochs(15).batchSize(20).learningRate(0.05).build()).build().run();
        // The frozen base is random (6 ReLU units), so the task cannot be learnt perfectly: check it is being learnt.
        double before = FineTuner.evaluate(planned(mlpBase(), "fc1"), val).accuracy();
        assertThat(r.history().get(r.history().size() - 1).trainLoss()).isLessThan(r.history().get(0).trainLoss());
        assertThat(r.evaluation().accuracy()).isGreaterThan(Math.max(0.6, before));
        assertThat(r.model().predict(val.features()).shape()).containsExactly(100, 2);
        assertThat(FineTuner.evaluate(r.model(), val).accuracy()).isEqualTo(r.evaluation().accuracy());
    }

    @Test
    void earlyStoppingRestoresTheBestEpoch() throws Exception {
        // SGD at a rate far too high: validation loss gets worse after the first epochs.
        GraftModel p = TransferPlan.builder().freezeThrough("bn").replaceHead(2, Activation.SOFTMAX, LossFunction.MCXENT).seed(5)
                .updater(new Sgd(0.05)).labels(List.of("x", "y")).build().apply(mlpBase());
        LabeledData val = data(40, 7);
        FineTuneResult r = FineTuner.builder(p).train(data(40, 6)).validation(val).config(FineTuneConfig.builder().epochs(12).batchSize(8).learningRate(8.0).patience(3).build()).build().run();
        EpochRecord best = r.history().stream().min(java.util.Comparator.comparingDouble(EpochRecord::valLoss)).orElseThrow();
        assertThat(r.bestEpoch()).isEqualTo(best.epoch());
        assertThat(r.bestEpoch()).isLessThan(r.history().size());
        double[] finalScore = Trainer.score(r.model().network(), new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(
                List.of(new org.nd4j.linalg.dataset.DataSet(r.model().preprocess(val.features()), val.oneHotLabels()))), null);
        assertThat(finalScore[0]).isCloseTo(best.valLoss(), org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void gradualUnfreezingTrainsTheTopFrozenLayerAndLeavesTheRestFrozen() throws Exception {
        GraftModel base = mlpBase();
        Map<String, INDArray> fc1 = params(base.network(), List.of("fc1", "bn"));
        Map<String, INDArray> fc2 = params(base.network(), List.of("fc2"));
        GraftModel p = planned(base, "fc2");
        FineTuneResult r = FineTuner.builder(p).train(data(48, 8)).config(FineTuneConfig.builder().epochs(2).batchSize(16).unfreeze(UnfreezeSchedule.parse("2:1@0.5")).build()).build().run();
        assertThat(r.history()).extracting(EpochRecord::stage)
                .containsExactly("head (cache)", "head (cache)", "unfreeze 1 @0.5", "unfreeze 1 @0.5");
        Model net = r.model().network();
        assertThat(Networks.frozenLayers(net)).containsExactly("fc1", "bn");
        params(net, List.of("fc1", "bn")).forEach((k, v) -> assertThat(v).as(k).isEqualTo(fc1.get(k)));
        assertThat(params(net, List.of("fc2")).get("fc2/W")).isNotEqualTo(fc2.get("fc2/W"));
        MultiLayerNetwork m = (MultiLayerNetwork) net;
        assertThat(m.getLearningRate(2)).isCloseTo(0.5 * m.getLearningRate(3), org.assertj.core.data.Offset.offset(1e-9));

        // Two stages: layers unfrozen earlier take the later stage's factor too.
        FineTuneResult two = FineTuner.builder(planned(base, "fc2")).train(data(48, 8)).config(FineTuneConfig.builder().epochs(1).batchSize(16).learningRate(0.01).unfreeze(UnfreezeSchedule.parse("1:1@0.5,1:2@0.1")).restoreBest(false).build()).build().run();
        MultiLayerNetwork t = (MultiLayerNetwork) two.model().network();
        assertThat(two.bestEpoch()).isEqualTo(3);
        assertThat(Networks.frozenLayers(t)).containsExactly("fc1");
        assertThat(t.getLearningRate(1)).isCloseTo(0.001, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(t.getLearningRate(2)).isCloseTo(0.001, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(t.getLearningRate(3)).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void graphGradualUnfreezingUnfreezesTheTopFrozenBranchLayer() throws Exception {
        GraftModel base = graphBase();
        Map<String, INDArray> a = params(base.network(), List.of("a"));
        FineTuneResult r = FineTuner.builder(planned(base, "merge")).train(data(32, 12)).config(FineTuneConfig.builder().epochs(1).batchSize(16).unfreeze(UnfreezeSchedule.parse("1:1@0.5")).build()).build().run();
        assertThat(Networks.frozenLayers(r.model().network())).containsExactly("a");
        params(r.model().network(), List.of("a")).forEach((k, v) -> assertThat(v).isEqualTo(a.get(k)));
    }

    @Test
    void layerGroupsLearnAtTheirOwnRates() throws Exception {
        FineTuneResult r = FineTuner.builder(planned(mlpBase(), "bn")).train(data(32, 13)).config(FineTuneConfig.builder().epochs(1).batchSize(16).learningRate(0.02).layerRate("fc2", 0.1).build()).build().run();
        MultiLayerNetwork m = (MultiLayerNetwork) r.model().network();
        assertThat(m.getLearningRate(2)).isCloseTo(0.002, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(m.getLearningRate(3)).isCloseTo(0.02, org.assertj.core.data.Offset.offset(1e-12));
        // The rates act: at a factor of 1e-9 a layer barely moves while the head beside it learns.
        GraftModel p = planned(mlpBase(), "bn");
        Map<String, INDArray> start = params(p.network(), List.of("fc2", "graft_output"));
        FineTuneResult slow = FineTuner.builder(p).train(data(32, 13)).config(FineTuneConfig.builder().epochs(2).batchSize(16).learningRate(0.02).layerRate("fc2", 1e-9).build()).build().run();
        Map<String, INDArray> end = params(slow.model().network(), List.of("fc2", "graft_output"));
        assertThat(end.get("fc2/W").sub(start.get("fc2/W")).amaxNumber().doubleValue()).isLessThan(1e-8);
        assertThat(end.get("graft_output/W").sub(start.get("graft_output/W")).amaxNumber().doubleValue()).isGreaterThan(1e-3);
        assertThatThrownBy(() -> FineTuner.builder(planned(mlpBase(), "bn")).train(data(8, 1)).config(FineTuneConfig.builder().layerRate("fc1", 0.1).build()).build().run())
                .hasMessageContaining("layer 'fc1' has no learning rate of its own here: it is not above the cut; trainable layers are: fc2, graft_output");
    }

    @Test
    void unfreezeScheduleRejectsBadStages() {
        assertThat(UnfreezeSchedule.parse("3:1@0.1,2:2@0.01").stages()).hasSize(2);
        assertThatThrownBy(() -> UnfreezeSchedule.parse("3-1")).hasMessageContaining("write EPOCHS:LAYERS@FACTOR");
        assertThatThrownBy(() -> UnfreezeSchedule.parse("3:2@0.1,1:1@0.1")).hasMessageContaining("fewer layers");
        assertThatThrownBy(() -> UnfreezeSchedule.parse("3:1@2")).hasMessageContaining("0 < factor <= 1");
        assertThatThrownBy(() -> UnfreezeSchedule.parse("3:99999999999@0.1")).hasMessageContaining("too large")
                .hasMessageNotContaining("For input string");
    }

    @Test
    void anUnfreezeStageAskingForMoreLayersThanAreFrozenIsRefusedBeforeTraining() {
        GraftModel p = planned(mlpBase(), "fc1"); // one frozen layer with parameters
        assertThatThrownBy(() -> FineTuner.builder(p).train(data(16, 1)).config(FineTuneConfig.builder().unfreeze(UnfreezeSchedule.parse("3:99@0.1")).build()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unfreeze schedule 3:99@0.1 unfreezes 99 layers, but the base has only 1 frozen layer with "
                        + "parameters (fc1); unfreeze at most 1 or freeze through a higher layer (--cut)");
    }

    @Test
    void lrFinderSuggestsARateAndLeavesTheModelUntouched() throws Exception {
        GraftModel p = planned(mlpBase(), "bn");
        INDArray before = ((MultiLayerNetwork) p.network()).params().dup();
        FineTuneResult r = FineTuner.builder(p).train(data(64, 10)).config(FineTuneConfig.builder().epochs(1).batchSize(8).lrFind(true).build()).build().run();
        assertThat(r.lrFinder().rates().length).isGreaterThan(10);
        assertThat(r.lrFinder().suggested()).isBetween(1e-6, 1.0);
        assertThat(r.history().get(0).learningRate()).isCloseTo(r.lrFinder().suggested(), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(((MultiLayerNetwork) p.network()).params()).isEqualTo(before);
    }

    @Test
    void lrFinderThroughTheFrozenLayersSeesEachBatchNormalizedOnce() throws Exception {
        // 8 examples, batch 4: the finder cycles through the data 25 times; normalizing twice would shrink the inputs to zero.
        FineTuneResult r = FineTuner.builder(planned(mlpBase(), "bn")).train(data(8, 14)).config(FineTuneConfig.builder().epochs(1).batchSize(4).lrFind(true).build())
                .trainThrough(true).build().run();
        FineTuneResult cached = FineTuner.builder(planned(mlpBase(), "bn")).train(data(8, 14)).config(FineTuneConfig.builder().epochs(1).batchSize(4).lrFind(true).shuffle(false).build()).build().run();
        assertThat(r.lrFinder().losses()[r.lrFinder().losses().length - 1])
                .isCloseTo(cached.lrFinder().losses()[cached.lrFinder().losses().length - 1], org.assertj.core.data.Offset.offset(0.05));
    }

    @Test
    void oneCycleRisesThenFalls() throws Exception {
        OneCycleSchedule s = OneCycleSchedule.of(0.1, 100);
        assertThat(s.valueAt(0, 0)).isCloseTo(0.004, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(s.valueAt(30, 0)).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(s.valueAt(99, 0)).isLessThan(1e-5);
        FineTuneResult r = FineTuner.builder(planned(mlpBase(), "bn")).train(data(32, 11)).config(FineTuneConfig.builder().epochs(2).batchSize(8).learningRate(0.05).oneCycle(true).build()).build().run();
        // the OneCycle callback put the head on the schedule: 2 epochs x 4 batches, the rate read after each epoch
        OneCycleSchedule eight = OneCycleSchedule.of(0.05, 8);
        assertThat(r.history().get(0).learningRate()).isCloseTo(eight.valueAt(4, 1), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(r.history().get(1).learningRate()).isCloseTo(eight.valueAt(8, 2), org.assertj.core.data.Offset.offset(1e-12))
                .isLessThan(1e-5);
        Path zip = tmp.resolve("cycle.zip");
        r.model().save(zip);
        assertThat(GraftModel.load(zip).predict(data(2, 1).features()).shape()).containsExactly(2, 2);
    }

    @Test
    void aModelWithoutAFrozenBaseIsRejected() {
        GraftModel unfrozen = TransferPlan.builder().replaceHead(2, Activation.SOFTMAX, LossFunction.MCXENT).build().apply(mlpBase());
        assertThatThrownBy(() -> FineTuner.builder(unfrozen).train(data(8, 1)).build())
                .hasMessageContaining("no frozen layers");
        GraftModel sideBranch = planned(graphBase(), "a");
        assertThatThrownBy(() -> FineTuner.builder(sideBranch).train(data(8, 1)).build())
                .hasMessageContaining("reads a, in");
    }
}
