package dev.graft.pretrain;

import dev.graft.transfer.data.DataSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/** The codes of one layer's input over the unlabelled data, computed once by the frozen encoders below it. */
final class LayerCodes {
    private final INDArray codes;

    private LayerCodes(INDArray codes) {
        this.codes = codes;
    }

    /** Featurizes {@code source} with {@code featurizer} (cache files under {@code dir}). */
    static LayerCodes build(EncoderFeaturizer featurizer, DataSource source, Path dir, int batchSize) {
        List<INDArray> parts = new ArrayList<>();
        DataSetIterator it = source.iterator(batchSize);
        while (it.hasNext()) {
            parts.add(featurizer.featurize(it.next().getFeatures()));
        }
        return new LayerCodes(Nd4j.concat(0, parts.toArray(new INDArray[0])));
    }

    /** The codes in minibatches (features only; labels unused), shuffled with {@code seed}. */
    DataSetIterator iterator(int batchSize, long seed) {
        int n = (int) codes.size(0);
        int[] perm = Nets.permutation(n, new Random(seed));
        List<DataSet> batches = new ArrayList<>();
        for (int from = 0; from < n; from += batchSize) {
            INDArray x = Nets.rows(codes, perm, from, Math.min(n, from + batchSize));
            batches.add(new DataSet(x, x));
        }
        return new ListDataSetIterator<>(batches, 1);
    }
}
