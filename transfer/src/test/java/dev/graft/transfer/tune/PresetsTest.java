package dev.graft.transfer.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.TransferPlan;
import dev.graft.zoo.GraftModel;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.constraint.MaxNormConstraint;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class PresetsTest {
    @TempDir
    Path tmp;

    static List<String> presetNames() {
        return Presets.names();
    }

    @ParameterizedTest
    @MethodSource("presetNames")
    void everyPresetFineTunesATinyModel(String name) throws Exception {
        Preset preset = Presets.get(name);
        TransferPlan.Builder plan = TransferPlan.builder().freezeThrough("bn").dropTop(2).seed(3).labels(List.of("x", "y"));
        preset.addHidden(plan, "hidden", 4);
        plan.replaceHead(2, Activation.SOFTMAX, LossFunction.MCXENT);
        GraftModel planned = plan.build().apply(FineTunerTest.mlpBase());
        FineTuneResult r = FineTuner.builder(planned).train(FineTunerTest.data(32, 1)).validation(FineTunerTest.data(16, 2))
                .config(preset.training(FineTuneConfig.builder()).epochs(2).batchSize(16).build()).cacheDirectory(tmp).build().run();
        assertThat(r.history()).isNotEmpty().allSatisfy(e -> assertThat(e.trainLoss()).isFinite());
        assertThat(r.evaluation().accuracy()).isBetween(0.0, 1.0);
    }

    @Test
    void composedPresetsConfigureTheTrainableLayers() {
        Preset p = Presets.get("momentum,l2,dropout,max-norm,clip-norm");
        DenseLayer layer = new DenseLayer.Builder().nIn(3).nOut(2).build();
        TrainableLayers.configure(layer, p.training(), null, null);
        assertThat(layer.getIUpdater()).isInstanceOf(Nesterovs.class);
        assertThat(layer.getRegularization()).singleElement().isInstanceOf(L2Regularization.class);
        assertThat(((Dropout) layer.getIDropout()).getP()).isEqualTo(0.7);
        assertThat(layer.getConstraints()).singleElement().isInstanceOf(MaxNormConstraint.class);
        assertThat(((BaseLayer) layer).getGradientNormalization()).isEqualTo(GradientNormalization.ClipL2PerLayer);
    }

    @Test
    void hiddenLayersFollowThePresetsInitActivationAndNormalization() {
        TransferPlan.Builder plan = TransferPlan.builder().freezeThrough("bn").dropTop(2);
        Presets.get("prelu,batchnorm").addHidden(plan, "h", 5);
        plan.replaceHead(2, Activation.SOFTMAX, LossFunction.MCXENT);
        MultiLayerNetwork net = plan.build().apply(FineTunerTest.mlpBase()).multiLayerNetwork();
        assertThat(dev.graft.transfer.Networks.layerNames(net)).containsExactly("fc1", "bn", "h", "h_prelu", "h_bn", "graft_output");
        assertThat(((DenseLayer) net.getLayer("h").conf().getLayer()).getActivationFn().toString()).isEqualTo("identity");
        DenseLayer selu = (DenseLayer) TransferPlanHidden.selu().getLayer("h").conf().getLayer();
        assertThat(selu.getActivationFn().toString()).isEqualTo("selu");
        assertThat(selu.getWeightInitFn()).isEqualTo(org.deeplearning4j.nn.weights.WeightInit.LECUN_NORMAL.getWeightInitFunction());
    }

    @Test
    void unknownPresetListsTheKnownOnes() {
        assertThatThrownBy(() -> Presets.get("practical,turbo"))
                .hasMessageStartingWith("unknown preset 'turbo'; presets are: he, xavier, lecun")
                .hasMessageContaining("practical");
    }

    /** A plan with a SELU hidden layer. */
    static final class TransferPlanHidden {
        static MultiLayerNetwork selu() {
            TransferPlan.Builder plan = TransferPlan.builder().freezeThrough("bn").dropTop(2);
            Presets.get("selu").addHidden(plan, "h", 5);
            plan.replaceHead(2, Activation.SOFTMAX, LossFunction.MCXENT);
            return plan.build().apply(FineTunerTest.mlpBase()).multiLayerNetwork();
        }
    }
}
