package dev.graft.transfer.tune;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a fine-tune remembers across its stages: every epoch's record, and the run-wide best epoch with the network
 * and parameters it had; plus the callbacks each stage trains with (history, best, plateau, early stopping).
 */
final class RunHistory {
    private final FineTuneConfig config;
    private final Consumer<String> log;
    final List<EpochRecord> epochs = new ArrayList<>();
    private double bestScore = Double.POSITIVE_INFINITY;
    int bestEpoch;
    Model bestModel;
    INDArray bestParams;
    /** Epochs run so far over all stages. */
    int epoch;

    RunHistory(FineTuneConfig config, Consumer<String> log) {
        this.config = config;
        this.log = log;
    }

    /**
     * The callbacks of a stage training {@code net}: the record, the run-wide best (its weights kept when
     * {@code keepBest}: a stage on the whole network; the head's stage keeps its own with {@link Trainer.RestoreBest}),
     * the config's plateau and early stopping; the stop is logged.
     */
    List<Trainer.Callback> forStage(Model net, List<String> rated, double base, boolean keepBest) {
        List<Trainer.Callback> callbacks = new ArrayList<>();
        FineTuneConfig.Plateau p = config.plateau();
        Trainer.Plateau plateau = p == null ? null : new Trainer.Plateau(p.patience(), p.factor(), base,
                r -> rated.forEach(l -> TrainableLayers.setRate(net, l, r)), log);
        callbacks.add(e -> record(e, TrainableLayers.rate(net, rated, plateau == null ? base : plateau.rate())));
        callbacks.add(e -> {
            if (e.metric() < bestScore) {
                bestScore = e.metric();
                bestEpoch = e.epoch();
                if (keepBest) {
                    bestModel = net;
                    bestParams = net.params().dup();
                }
            }
        });
        if (config.restoreBest() && !keepBest) {
            callbacks.add(new Trainer.RestoreBest());
        }
        if (plateau != null) {
            callbacks.add(plateau);
        }
        callbacks.add(new Trainer.EarlyStopping(config.patience() == null ? Integer.MAX_VALUE : config.patience()));
        callbacks.add(e -> {
            if (e.stopReason() != null) {
                log.accept(e.stopReason());
            }
        });
        return callbacks;
    }

    /** Takes {@code net}'s parameters now as the best when no epoch has been the best yet, or unconditionally. */
    void keep(Model net, boolean always) {
        if (always || bestModel == null) {
            bestModel = net;
            bestParams = net.params().dup();
        }
    }

    private void record(Trainer.EpochEnd e, double rate) {
        epochs.add(new EpochRecord(e.epoch(), e.stage(), e.trainLoss(), e.valLoss(), e.valAccuracy(), rate, e.seconds()));
        log.accept(String.format(Locale.ROOT, "epoch %d %s: loss %.4f  val loss %.4f  val acc %.3f  lr %.2e  %.2fs",
                e.epoch(), e.stage(), e.trainLoss(), e.valLoss(), e.valAccuracy(), rate, e.seconds()));
    }

    /**
     * Logs a note when restore-best kept an epoch from before the unfreeze stages: the saved model then has no layer
     * unfrozen, which the per-epoch lines alone do not say.
     */
    void noteUnfreezeKept(FineTuneConfig config) {
        if (!config.restoreBest() || config.unfreeze().stages().isEmpty()) {
            return;
        }
        String kept = epochs.stream().filter(e -> e.epoch() == bestEpoch).map(EpochRecord::stage).findFirst()
                .orElse("?");
        if (!kept.startsWith("unfreeze")) {
            log.accept("note: no unfreeze stage improved on epoch " + bestEpoch + " (" + kept + "); restore-best kept "
                    + "it, so the saved model has no layer unfrozen (try a lower unfreeze rate factor, more epochs, or "
                    + "restoreBest(false))");
        }
    }
}
