package dev.graft.transfer.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.constraint.MaxNormConstraint;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

class DenseHeadTrainerTest {

    /** The toolbox a head may use: L2, element-wise clipping, max-norm, a schedule, per-layer updaters. */
    private static MultiLayerNetwork head(boolean dropout) {
        DenseLayer.Builder first = new DenseLayer.Builder().nIn(20).nOut(16).activation(Activation.RELU)
                .constrainWeights(new MaxNormConstraint(0.9, 1));
        if (dropout) {
            first.dropOut(0.8);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(11)
                .dataType(DataType.FLOAT).weightInit(WeightInit.RELU).l2(1e-3)
                .gradientNormalization(GradientNormalization.ClipElementWiseAbsoluteValue)
                .gradientNormalizationThreshold(0.5)
                .updater(new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 5e-3, 0.97))).list()
                .layer(first.build())
                .layer(new DenseLayer.Builder().nIn(16).nOut(12).activation(Activation.ELU)
                        .updater(new Nesterovs(0.02, 0.9)).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(12).nOut(4)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    private static List<DataSet> batches() {
        Nd4j.getRandom().setSeed(5);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < 6; b++) {
            int rows = b == 5 ? 7 : 16; // a short last batch, as a cache's last batch often is
            INDArray x = Nd4j.randn(DataType.FLOAT, rows, 20);
            INDArray y = Nd4j.zeros(DataType.FLOAT, rows, 4);
            for (int i = 0; i < rows; i++) {
                y.putScalar(i, (i + b) % 4, 1);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }

    /** Records what a listener sees. */
    private static final class Recorder extends BaseTrainingListener {
        final List<String> events = new ArrayList<>();
        final List<Double> scores = new ArrayList<>();

        @Override
        public void onEpochStart(Model model) {
            events.add("start");
        }

        @Override
        public void onEpochEnd(Model model) {
            events.add("end");
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            events.add(iteration + "@" + epoch);
            scores.add(model.score());
        }
    }

    @Test
    void leavesTheNetworkAsDl4jsFitDoes() {
        MultiLayerNetwork dl4j = head(false);
        MultiLayerNetwork graft = head(false);
        Recorder dl4jSaw = new Recorder();
        Recorder graftSaw = new Recorder();
        dl4j.setListeners(dl4jSaw);
        graft.setListeners(graftSaw);
        DenseHeadTrainer trainer = new DenseHeadTrainer(graft);
        for (int epoch = 0; epoch < 4; epoch++) {
            dl4j.fit(new ListDataSetIterator<>(batches(), 1));
            trainer.fit(new ListDataSetIterator<>(batches(), 1));
        }
        assertThat(graft.params().equalsWithEps(dl4j.params(), 1e-5)).as("parameters").isTrue();
        assertThat(graft.getUpdater().getStateViewArray().equalsWithEps(dl4j.getUpdater().getStateViewArray(), 1e-5))
                .as("updater state").isTrue();
        assertThat(graft.getIterationCount()).isEqualTo(dl4j.getIterationCount()).isEqualTo(24);
        assertThat(graft.getEpochCount()).isEqualTo(dl4j.getEpochCount()).isEqualTo(4);
        assertThat(graftSaw.events).isEqualTo(dl4jSaw.events);
        for (int i = 0; i < dl4jSaw.scores.size(); i++) {
            assertThat(graftSaw.scores.get(i)).as("score of step %d", i).isCloseTo(dl4jSaw.scores.get(i),
                    org.assertj.core.data.Offset.offset(1e-5));
        }
        INDArray x = batches().get(0).getFeatures();
        assertThat(graft.output(x).equalsWithEps(dl4j.output(x), 1e-5)).isTrue();
    }

    @Test
    void plainAdamHeadsTakeTheFusedStepWithTheSameResult() {
        MultiLayerNetwork dl4j = plainAdamHead();
        MultiLayerNetwork graft = plainAdamHead();
        Engine.attachFastUpdaters(graft);
        DenseHeadTrainer trainer = new DenseHeadTrainer(graft);
        assertThat(trainer.fusable()).isTrue();
        for (int epoch = 0; epoch < 3; epoch++) {
            dl4j.fit(new ListDataSetIterator<>(batches(), 1));
            trainer.fit(new ListDataSetIterator<>(batches(), 1));
        }
        assertThat(graft.params().equalsWithEps(dl4j.params(), 1e-6)).as("parameters").isTrue();
        assertThat(graft.getUpdater().getStateViewArray().equalsWithEps(dl4j.getUpdater().getStateViewArray(), 1e-6))
                .as("Adam moments").isTrue();

        MultiLayerNetwork regularized = head(false);
        Engine.attachFastUpdaters(regularized);
        assertThat(new DenseHeadTrainer(regularized).fusable()).as("L2 and clipping act between the passes").isFalse();
        assertThat(new DenseHeadTrainer(plainAdamHead()).fusable()).as("DL4J's own Adam").isFalse();
    }

    private static MultiLayerNetwork plainAdamHead() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(11)
                .dataType(DataType.FLOAT).weightInit(WeightInit.RELU).updater(new Adam(3e-3)).list()
                .layer(new DenseLayer.Builder().nIn(20).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(4)
                        .activation(Activation.SOFTMAX).updater(new Adam(1e-2)).build())
                .build());
        net.init();
        return net;
    }

    @Test
    void refusesWhatItCannotReproduceAndSaysWhy() {
        assertThat(DenseHeadTrainer.unsupported(head(false))).isEmpty();
        assertThat(Trainer.usesDenseHeadTrainer(head(false))).isTrue();
        try (Engine.Scope s = Engine.use(Engine.settings().toBuilder().denseHeadTrainer(false).build())) {
            assertThat(Trainer.usesDenseHeadTrainer(head(false))).as("switched off").isFalse();
        }
        assertThat(Trainer.usesDenseHeadTrainer(head(true))).as("dropout").isFalse();
        assertThat(DenseHeadTrainer.unsupported(head(true))).hasValueSatisfying(r -> assertThat(r).contains("dropout"));
        MultiLayerNetwork conv = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(2).build())
                .layer(new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 1)).build());
        conv.init();
        assertThat(DenseHeadTrainer.unsupported(conv)).isPresent();
        assertThatThrownBy(() -> new DenseHeadTrainer(head(true))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 0 has dropout").hasMessageContaining("MultiLayerNetwork.fit");
    }

    @Test
    void batchesWithMasksGoThroughDl4j() {
        MultiLayerNetwork dl4j = head(false);
        MultiLayerNetwork graft = head(false);
        DataSet b = batches().get(0);
        INDArray mask = Nd4j.ones(DataType.FLOAT, 16, 1);
        mask.putScalar(3, 0, 0);
        DataSet masked = new DataSet(b.getFeatures(), b.getLabels(), null, mask);
        dl4j.fit(masked);
        double score = new DenseHeadTrainer(graft).fit(masked);
        assertThat(graft.params().equals(dl4j.params())).isTrue();
        assertThat(score).isEqualTo(dl4j.score());
    }
}
