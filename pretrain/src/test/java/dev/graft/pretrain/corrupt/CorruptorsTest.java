package dev.graft.pretrain.corrupt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CorruptorsTest {
    private static INDArray images() {
        return Nd4j.linspace(DataType.FLOAT, 1, 4 * 64, 1).reshape(4, 64);
    }

    private static INDArray tokens() {
        return Nd4j.createFromArray(new float[][] {{5, 7, 9, 11, 0, 0}, {2, 3, 4, 5, 6, 7}, {0, 0, 0, 0, 0, 0}});
    }

    @Test
    void everyCorruptorIsSeededDeterministicAndLeavesItsInputAlone() {
        for (Corruptor c : new Corruptor[] {Corruptors.gaussian(0.5), Corruptors.mask(0.3), Corruptors.patchShuffle(1, 8, 8, 4)}) {
            INDArray x = images();
            INDArray before = x.dup();
            INDArray a = c.corrupt(x, 7);
            assertThat(c.corrupt(x, 7)).as(c.describe() + " same seed").isEqualTo(a);
            assertThat(c.corrupt(x, 8)).as(c.describe() + " other seed").isNotEqualTo(a);
            assertThat(a).as(c.describe() + " changes the batch").isNotEqualTo(x);
            assertThat(x).as(c.describe() + " input untouched").isEqualTo(before);
        }
        Corruptor w = Corruptors.words(0.2, 20);
        assertThat(w.corrupt(tokens(), 3)).isEqualTo(w.corrupt(tokens(), 3));
    }

    @Test
    void patchShuffleMovesWholePatchesAndKeepsEveryPixel() {
        INDArray x = images();
        INDArray y = Corruptors.patchShuffle(1, 8, 8, 4).corrupt(x, 1);
        for (int i = 0; i < 4; i++) {
            float[] before = x.getRow(i).toFloatVector();
            float[] after = y.getRow(i).toFloatVector();
            assertThat(after).isNotEqualTo(before);
            Arrays.sort(before);
            Arrays.sort(after);
            assertThat(after).isEqualTo(before);
            // the top-left 4x4 patch of the result is some whole 4x4 patch of the input
            float corner = y.getFloat(i, 0);
            float rowStep = y.getFloat(i, 8) - corner;
            assertThat(rowStep).isEqualTo(8f);
            assertThat(y.getFloat(i, 3) - corner).isEqualTo(3f);
        }
    }

    @Test
    void wordReplacementReplacesAtLeastOneWordAndNeverPadding() {
        INDArray x = tokens();
        INDArray y = Corruptors.words(0.01, 20).corrupt(x, 11);
        assertThat(y.getRow(0).toFloatVector()).isNotEqualTo(x.getRow(0).toFloatVector());
        assertThat(y.getFloat(0, 4)).isZero();
        assertThat(y.getFloat(0, 5)).isZero();
        assertThat(y.getRow(2).toFloatVector()).containsOnly(0f);
        for (float v : y.data().asFloat()) {
            assertThat(v).isBetween(0f, 19f);
            assertThat(v).isNotEqualTo(1f);
        }
    }

    @Test
    void badInputGivesClearErrors() {
        assertThatThrownBy(() -> Corruptors.patchShuffle(1, 8, 8, 4).corrupt(Nd4j.zeros(2, 100), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expects examples of 64 values (1x8x8), got 100");
        assertThatThrownBy(() -> Corruptors.patchShuffle(1, 8, 8, 3)).hasMessageContaining("does not divide");
        assertThatThrownBy(() -> Corruptors.mask(0)).hasMessageContaining("fraction must be in (0, 1], got 0.0");
        assertThatThrownBy(() -> Corruptors.gaussian(-1)).hasMessageContaining("got -1.0");
        assertThatThrownBy(() -> Corruptors.mask(0.3).corrupt(Nd4j.zeros(DataType.FLOAT, 0, 4), 1))
                .hasMessageContaining("non-empty batch");
        assertThatThrownBy(() -> Corruptors.words(0.2, 10).corrupt(Nd4j.createFromArray(new float[][] {{3, 12}}), 1))
                .hasMessageContaining("token ids in 0..9, got 12.0");
        assertThatThrownBy(() -> Corruptors.parse("blur:3", new long[] {64})).hasMessageContaining("unknown corruptor 'blur'");
        assertThatThrownBy(() -> Corruptors.parse("patch:2", new long[] {10})).hasMessageContaining("square flat images");
        assertThat(Corruptors.parse("patch:4", new long[] {64}).describe()).isEqualTo("patch-shuffle(1x8x8, patch 4)");
        assertThat(Corruptors.parse("words:0.15:500", new long[] {32}).describe()).isEqualTo("words(0.15 of 500)");
    }
}
