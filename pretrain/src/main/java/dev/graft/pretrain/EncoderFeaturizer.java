package dev.graft.pretrain;

import dev.graft.transfer.cache.Featurizer;
import dev.graft.zoo.Checksums;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.Normalization;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The frozen encoders trained so far, as a featurizer for the feature cache: raw batch → normalization →
 * encoder 1 → … → encoder k. With no encoders yet it yields the normalized input itself.
 */
final class EncoderFeaturizer implements Featurizer {
    private final MultiLayerNetwork encoders;
    private final Normalization normalization;
    private final long inputSize;
    private final long outputSize;
    private final String fingerprint;

    /**
     * @param encoders  the stack of trained encoders, or {@code null} for the input layer
     * @param inputSize values per raw example
     */
    EncoderFeaturizer(MultiLayerNetwork encoders, Normalization normalization, long inputSize) {
        this.encoders = encoders;
        this.normalization = normalization;
        this.inputSize = inputSize;
        this.outputSize = encoders == null ? inputSize
                : encoders.getLayer(encoders.getnLayers() - 1).getParam("W").size(1);
        MessageDigest md = Checksums.newSha256();
        md.update(("encoders/" + normalization + "/" + inputSize + "/" + depth()).getBytes(StandardCharsets.UTF_8));
        if (encoders != null) {
            float[] p = encoders.params().castTo(DataType.FLOAT).dup().data().asFloat();
            ByteBuffer buf = ByteBuffer.allocate(p.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : p) {
                buf.putFloat(v);
            }
            md.update(buf.array());
        }
        this.fingerprint = Checksums.hex(md.digest());
    }

    /** Codes of a raw batch. */
    @Override
    public INDArray featurize(INDArray rawBatch) {
        INDArray x = normalization.apply(rawBatch.reshape(rawBatch.size(0), inputSize), InputLayout.FLAT);
        return (encoders == null ? x : encoders.output(x, false)).castTo(DataType.FLOAT);
    }

    /** Shape of one code. */
    @Override
    public long[] featureShape() {
        return new long[] {outputSize};
    }

    /** Fingerprint of the normalization and the encoders' weights. */
    @Override
    public String fingerprint() {
        return fingerprint;
    }

    /** What this featurizer computes. */
    @Override
    public String describe() {
        return encoders == null ? "normalized input (" + normalization + ")"
                : "encoders 1.." + depth() + " of the layer-wise autoencoders (" + outputSize + " codes)";
    }

    private int depth() {
        return encoders == null ? 0 : encoders.getnLayers();
    }
}
