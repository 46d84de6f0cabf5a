package dev.graft.transfer.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

class FineTuneConfigTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        FineTuneConfig c = FineTuneConfig.defaults();
        assertThat(c.epochs()).isEqualTo(10);
        assertThat(c.batchSize()).isEqualTo(32);
        assertThat(c.seed()).isEqualTo(42);
        assertThat(c.shuffle()).isTrue();
        assertThat(c.restoreBest()).isTrue();
        assertThat(c.learningRate()).isNull();
        assertThat(c.patience()).isNull();
        assertThat(c.unfreeze().stages()).isEmpty();
    }

    @Test
    void toBuilderKeepsEveryValue() {
        FineTuneConfig c = FineTuneConfig.builder().epochs(3).batchSize(7).seed(9).shuffle(false).learningRate(0.02)
                .patience(2).restoreBest(false).plateau(0.5, 2).layerRate("fc2", 0.1).oneCycle(true).l2(1e-4)
                .dropout(0.2).unfreeze(Unfreeze.top(1).epochs(2).rateFactor(0.5)).augmentation("noise:0.1", 2).build();
        FineTuneConfig d = c.toBuilder().build();
        assertThat(d.toString()).isEqualTo(c.toString());
        assertThat(d.layerRates()).containsEntry("fc2", 0.1);
        assertThat(d.plateau()).isEqualTo(new FineTuneConfig.Plateau(0.5, 2));
        assertThat(d.unfreeze()).isEqualTo(c.unfreeze());
        assertThat(d.l2()).isEqualTo(1e-4);
        assertThat(d.dropout()).isEqualTo(0.2);
        assertThat(d.augmentedViews()).isEqualTo(2);
        assertThat(d.patience()).isEqualTo(2);
        assertThat(d.shuffle()).isFalse();
    }

    @Test
    void theLearningRateHasOneHomeAndTheLastSettingWins() {
        ExponentialSchedule s = new ExponentialSchedule(ScheduleType.EPOCH, 1e-3, 0.9);
        assertThat(FineTuneConfig.builder().learningRate(0.1).schedule(s).build().learningRate()).isNull();
        assertThat(FineTuneConfig.builder().schedule(s).learningRate(0.1).build().schedule()).isNull();
        // an optimizer brings its rate only when none is set
        assertThat(FineTuneConfig.builder().updater(new Sgd(0.05)).build().learningRate()).isEqualTo(0.05);
        assertThat(FineTuneConfig.builder().updater(new Sgd(0.05)).learningRate(0.2).build().learningRate()).isEqualTo(0.2);
    }

    @Test
    void aPresetsTrainingHalfComposesAndLaterSettingsWin() {
        FineTuneConfig c = Presets.get("momentum,practical").training(FineTuneConfig.builder().epochs(4)).patience(9).build();
        assertThat(c.epochs()).isEqualTo(4);
        assertThat(c.patience()).isEqualTo(9); // practical says 5; the caller's later setting wins
        assertThat(c.updater()).isInstanceOf(org.nd4j.linalg.learning.config.Adam.class); // practical's Adam over momentum
        assertThat(c.learningRate()).isEqualTo(1e-3);
        assertThat(c.l2()).isEqualTo(1e-4);
        assertThat(c.plateau()).isEqualTo(new FineTuneConfig.Plateau(0.5, 2));
        assertThat(Presets.get("momentum").training().updater()).isInstanceOf(Nesterovs.class);
        assertThat(Presets.get("momentum").setsLearningRate()).isTrue();
        assertThat(Presets.get("dropout").setsLearningRate()).isFalse();
    }

    @Test
    void badValuesAreRefusedWithTheValueAndTheRange() {
        assertThatThrownBy(() -> FineTuneConfig.builder().epochs(0).build()).hasMessage("epochs must be at least 1, got 0");
        assertThatThrownBy(() -> FineTuneConfig.builder().batchSize(0).build()).hasMessage("batch size must be at least 1, got 0");
        assertThatThrownBy(() -> FineTuneConfig.builder().patience(0).build()).hasMessageStartingWith("patience must be at least 1 epoch, got 0");
        assertThatThrownBy(() -> FineTuneConfig.builder().learningRate(-1).build())
                .hasMessage("learning rate must be a positive number, got -1.0");
        assertThatThrownBy(() -> FineTuneConfig.builder().layerRate("fc2", 0).build())
                .hasMessage("learning-rate factor of layer 'fc2' must be positive, got 0.0");
        assertThatThrownBy(() -> FineTuneConfig.builder().dropout(1.0).build()).hasMessage("dropout rate must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> FineTuneConfig.builder().plateau(2, 1).build()).hasMessageContaining("0 < factor < 1");
    }

    @Test
    void typedUnfreezingIsTheSameValueAsTheCliString() {
        assertThat(Unfreeze.top(2).epochs(3).rateFactor(0.1).schedule()).isEqualTo(UnfreezeSchedule.parse("3:2@0.1"));
        assertThat(Unfreeze.top(1).epochs(3).rateFactor(0.1).then(Unfreeze.top(2).epochs(3).rateFactor(0.01)))
                .isEqualTo(UnfreezeSchedule.parse("3:1@0.1,3:2@0.01"));
        assertThat(UnfreezeSchedule.parse("3:1@0.1").then(Unfreeze.top(2).epochs(1).rateFactor(0.5)).toString())
                .isEqualTo("3:1@0.1,1:2@0.5");
        assertThatThrownBy(() -> Unfreeze.top(2).then(Unfreeze.top(1)))
                .hasMessageContaining("unfreezes fewer layers than the stage before it");
        // each value is checked when it is given, not when the fine-tune runs
        assertThatThrownBy(() -> Unfreeze.top(1).rateFactor(2)).hasMessageContaining("must be in (0, 1]")
                .hasMessageContaining("got 2.0");
        assertThatThrownBy(() -> Unfreeze.top(1).rateFactor(Double.NaN)).hasMessageContaining("got NaN");
        assertThatThrownBy(() -> Unfreeze.top(0)).hasMessageContaining("at least 1 layer, got 0");
        assertThatThrownBy(() -> Unfreeze.top(-1)).hasMessageContaining("got -1");
        assertThatThrownBy(() -> Unfreeze.top(1).epochs(0)).hasMessageContaining("at least 1 epoch, got 0");
    }
}
