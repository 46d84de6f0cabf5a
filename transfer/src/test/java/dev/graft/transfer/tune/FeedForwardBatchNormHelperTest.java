package dev.graft.transfer.tune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.Engine;
import dev.graft.engine.EngineSettings;
import dev.graft.transfer.TransferPlan;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import java.util.List;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A fresh user's crash: a Keras-imported MLP (Dense, BatchNormalization, Dense) fine-tuned with the batch norm
 * unfrozen above a frozen Dense failed in backprop with native helpers on ("[32, 1, 1, 8] vs [32, 1]": the oneDNN
 * batch-norm helper returned a channels-last gradient for a feed-forward batch). Training with helpers must give what
 * DL4J's plain path gives, in both formats the layer can have (Keras' import sets channels-last).
 */
class FeedForwardBatchNormHelperTest {

    static GraftModel planned(CNN2DFormat format) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).graphBuilder().addInputs("in")
                .addLayer("d1", new DenseLayer.Builder().nIn(6).nOut(8).activation(Activation.RELU).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().dataFormat(format).eps(1e-3).decay(0.99)
                        .activation(Activation.SIGMOID).build(), "d1")
                .addLayer("d2", new DenseLayer.Builder().nOut(5).activation(Activation.RELU).build(), "bn")
                .setOutputs("d2").setInputTypes(InputType.feedForward(6)).build());
        g.init();
        GraftModel base = GraftModel.of(g, ModelCard.builder("mlp").input(InputLayout.FLAT, 6).build());
        return TransferPlan.builder().freezeThrough("d1").newClassifier(List.of("a", "b", "c")).seed(5).build()
                .apply(base);
    }

    @Test
    void aBatchNormAboveAFrozenDenseTrainsWithHelpersAsOnThePlainPath() {
        Nd4j.getRandom().setSeed(5);
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 32, 6), Nd4j.eye(3)
                .getRows(IntStream.range(0, 32).map(i -> i % 3).toArray()).castTo(DataType.FLOAT));
        for (CNN2DFormat format : CNN2DFormat.values()) {
            INDArray plain = trained(planned(format), batch, false);
            INDArray helped = trained(planned(format), batch, true);
            double diff = helped.sub(plain).amaxNumber().doubleValue();
            assertThat(diff).as("%s: max |helpers - plain| over the parameters", format).isLessThan(1e-4);
        }
    }

    private static INDArray trained(GraftModel m, DataSet batch, boolean helpers) {
        ComputationGraph g = (ComputationGraph) m.network();
        try (Engine.Scope s = Engine.use(EngineSettings.builder().helpers(helpers).build())) {
            for (int i = 0; i < 3; i++) {
                Engine.training(g, () -> {
                    g.fit(batch);
                    return null;
                });
            }
            if (helpers) {
                assertThat(Engine.helpersOf(g)).containsEntry("bn", "MKLDNNBatchNormHelper (dense input)");
            }
        }
        return g.params().dup();
    }
}
