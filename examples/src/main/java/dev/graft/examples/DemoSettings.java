package dev.graft.examples;

import java.nio.file.Path;
import java.util.List;

/**
 * Settings of {@link DigitsTransferDemo}. {@link #defaults()} is the protocol the README reports:
 * 20 labels per class for the main table, a curve over 2, 5, 10 and 20 labels per class.
 *
 * @param seeds                number of repetitions (seeds {@code firstSeed .. firstSeed+seeds-1})
 * @param firstSeed            first repetition seed
 * @param labelsPerClass       labelled examples per target class for the main table
 * @param curve                labels-per-class counts of the curve (must contain {@code labelsPerClass})
 * @param outDir               where models and caches are written
 * @param batchSize            mini-batch size of training on the few target labels (and of featurizing them)
 * @param sourceBatchSize      mini-batch size of the source network's training
 * @param sourceLearningRate   Adam learning rate of the source network and of training from scratch
 * @param sourceMaxEpochs      epoch limit of the source network's early stopping
 * @param patience             epochs without validation improvement before early stopping ends
 * @param headLearningRate     Adam learning rate of the new head (frozen base)
 * @param headEpochs           epochs of head training
 * @param fineTuneLearningRate Adam learning rate once the top two hidden layers are unfrozen
 * @param fineTuneEpochs       epochs of that fine-tuning
 * @param scratchEpochs        epochs of training from scratch
 */
public record DemoSettings(int seeds, long firstSeed, int labelsPerClass, List<Integer> curve, Path outDir,
                           int batchSize, int sourceBatchSize, double sourceLearningRate, int sourceMaxEpochs, int patience,
                           double headLearningRate, int headEpochs, double fineTuneLearningRate, int fineTuneEpochs,
                           int scratchEpochs) {

    /** Checks the settings. */
    public DemoSettings {
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
        }
        if (labelsPerClass < 1) {
            throw new IllegalArgumentException("--labels must be at least 1, got " + labelsPerClass);
        }
        curve = curve.stream().distinct().sorted().toList();
        if (!curve.contains(labelsPerClass)) {
            throw new IllegalArgumentException("the curve " + curve + " must contain the main labels-per-class count "
                    + labelsPerClass);
        }
        for (int n : curve) {
            if (n < 1) {
                throw new IllegalArgumentException("labels-per-class counts must be positive, got " + curve);
            }
        }
        if (batchSize < 1 || sourceBatchSize < 1 || headEpochs < 1 || fineTuneEpochs < 1 || scratchEpochs < 1 || sourceMaxEpochs < 1) {
            throw new IllegalArgumentException("batch size and epoch counts must be positive");
        }
    }

    /** The README's protocol, one seed, files under {@code graft-out/demo}. */
    public static DemoSettings defaults() {
        return new DemoSettings(1, 1, 20, List.of(2, 5, 10, 20), Path.of("graft-out", "demo"),
                16, 32, 1e-3, 100, 10, 3e-3, 100, 3e-4, 100, 150);
    }

    /** A copy with another seed count and first seed. */
    public DemoSettings withSeeds(int count, long first) {
        return new DemoSettings(count, first, labelsPerClass, curve, outDir, batchSize, sourceBatchSize, sourceLearningRate,
                sourceMaxEpochs, patience, headLearningRate, headEpochs, fineTuneLearningRate, fineTuneEpochs,
                scratchEpochs);
    }

    /** A copy with another output folder. */
    public DemoSettings withOutDir(Path dir) {
        return new DemoSettings(seeds, firstSeed, labelsPerClass, curve, dir, batchSize, sourceBatchSize, sourceLearningRate,
                sourceMaxEpochs, patience, headLearningRate, headEpochs, fineTuneLearningRate, fineTuneEpochs,
                scratchEpochs);
    }

    /** A copy with another main labels-per-class count and curve. */
    public DemoSettings withLabels(int perClass, List<Integer> curvePoints) {
        return new DemoSettings(seeds, firstSeed, perClass, curvePoints, outDir, batchSize, sourceBatchSize, sourceLearningRate,
                sourceMaxEpochs, patience, headLearningRate, headEpochs, fineTuneLearningRate, fineTuneEpochs,
                scratchEpochs);
    }

    /** A copy with other epoch counts (source limit, head, fine-tune, scratch). */
    public DemoSettings withEpochs(int sourceMax, int head, int fineTune, int scratch) {
        return new DemoSettings(seeds, firstSeed, labelsPerClass, curve, outDir, batchSize, sourceBatchSize, sourceLearningRate,
                sourceMax, patience, headLearningRate, head, fineTuneLearningRate, fineTune, scratch);
    }
}
