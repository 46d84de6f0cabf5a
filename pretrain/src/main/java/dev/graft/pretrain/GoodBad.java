package dev.graft.pretrain;

import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.pretrain.corrupt.Corruptor;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The good/bad training loop shared by {@link CorruptionTask} and {@link MarginRanking}. */
final class GoodBad {
    private GoodBad() {
    }

    /**
     * One minibatch: the good examples (label good) and {@code copies} corrupted copies of each (label bad).
     *
     * @param oneHot true for two-column one-hot labels (good, bad); false for one column, 1 = good, 0 = bad
     */
    static DataSet batch(INDArray goods, Corruptor corruptor, int copies, long seed, boolean oneHot) {
        int n = (int) goods.size(0);
        List<INDArray> parts = new ArrayList<>();
        parts.add(goods);
        for (int c = 0; c < copies; c++) {
            parts.add(corruptor.corrupt(goods, seed * 31 + c));
        }
        INDArray x = Nd4j.concat(0, parts.toArray(new INDArray[0]));
        int total = n * (copies + 1);
        INDArray y = Nd4j.zeros(DataType.FLOAT, total, oneHot ? 2 : 1);
        for (int i = 0; i < total; i++) {
            boolean good = i < n;
            if (oneHot) {
                y.putScalar(i, good ? 0 : 1, 1f);
            } else {
                y.putScalar(i, 0, good ? 1f : 0f);
            }
        }
        return new DataSet(x, y);
    }

    /** Trains {@code net} for the configured epochs on fresh corruptions; returns the mean loss per epoch. */
    static double[] train(MultiLayerNetwork net, INDArray goods, Corruptor corruptor, int copies, boolean oneHot,
                          FineTuneConfig t, String taskName) {
        int perBatch = Math.max(1, t.batchSize() / (copies + 1));
        return Nets.trainEpochs(net, t, taskName, (int) goods.size(0), perBatch, (perm, from, to, rnd, seed) ->
                batch(Nets.rows(goods, perm, from, to), corruptor, copies, seed, oneHot));
    }
}
