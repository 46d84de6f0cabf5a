package dev.graft.transfer.tune;

/**
 * One epoch of a fine-tune.
 *
 * @param epoch        epoch number, counting from 1 across all stages
 * @param stage        {@code head (cache)}, {@code head (through)} or {@code unfreeze 2 @0.1}
 * @param trainLoss    mean training loss over the epoch's batches
 * @param valLoss      validation loss after the epoch (NaN without validation data)
 * @param valAccuracy  validation accuracy after the epoch (NaN without validation data)
 * @param learningRate base learning rate at the end of the epoch
 * @param seconds      wall time of the epoch's training (validation excluded)
 */
public record EpochRecord(int epoch, String stage, double trainLoss, double valLoss, double valAccuracy, double learningRate,
        double seconds) {
}
