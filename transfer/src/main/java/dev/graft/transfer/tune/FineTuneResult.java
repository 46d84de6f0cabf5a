package dev.graft.transfer.tune;

import dev.graft.transfer.cache.CacheReport;
import dev.graft.zoo.GraftModel;
import java.util.List;
import org.nd4j.evaluation.classification.Evaluation;

/**
 * What a fine-tune produced: one model that predicts from raw input, the per-epoch history, the epoch whose
 * weights were kept, and the evaluation of the kept model on the validation data.
 *
 * @param model        base and trained top reassembled, with the model card (frozen layers stay frozen)
 * @param cut          the layer the top was trained above
 * @param history      every epoch of every stage
 * @param bestEpoch    the epoch whose weights the model holds (early stopping restores it)
 * @param evaluation   accuracy, per-class precision/recall and confusion matrix on the validation data (null without it)
 * @param lrFinder     the learning-rate range test, if one was run
 * @param cacheReports what the feature caches did (empty when the head was trained through the frozen layers)
 */
public record FineTuneResult(GraftModel model, String cut, List<EpochRecord> history, int bestEpoch, Evaluation evaluation,
        LrFinder.Result lrFinder, List<CacheReport> cacheReports) {

    /** Mean wall time of the epochs of a stage whose name starts with {@code stagePrefix}, seconds. */
    public double meanEpochSeconds(String stagePrefix) {
        return history.stream().filter(e -> e.stage().startsWith(stagePrefix)).mapToDouble(EpochRecord::seconds).average().orElse(Double.NaN);
    }
}
