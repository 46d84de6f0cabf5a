package dev.graft.spark;

import dev.graft.transfer.cache.Featurizer;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.ModelCard;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.HashMap;
import org.apache.commons.io.file.PathUtils;

/**
 * The frozen part of a model as it is broadcast to executors: the saved GraftModel's bytes (DL4J zip and model
 * card) and the cut layer. Each executor task thread loads it once ({@link #featurizer()}) and checks that its
 * fingerprint is the driver's.
 */
final class FrozenPart implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Per task thread: a DL4J network is not safe to run from two threads at once (local[N] runs N tasks in one JVM). */
    private static final ThreadLocal<Map<String, Featurizer>> LOADED = ThreadLocal.withInitial(HashMap::new);

    private final byte[] zip;
    private final byte[] card;
    private final String cut;
    private final String fingerprint;

    private FrozenPart(byte[] zip, byte[] card, String cut, String fingerprint) {
        this.zip = zip;
        this.card = card;
        this.cut = cut;
        this.fingerprint = fingerprint;
    }

    /** Saves {@code model} to bytes; {@code cut} is checked here, on the driver. */
    static FrozenPart of(GraftModel model, String cut) throws IOException {
        String fp = Featurizers.cut(model, cut).fingerprint();
        Path dir = Files.createTempDirectory("graft-frozen");
        try {
            Path z = dir.resolve("model.zip");
            model.save(z);
            return new FrozenPart(Files.readAllBytes(z), Files.readAllBytes(ModelCard.besides(z)), cut, fp);
        } finally {
            PathUtils.deleteDirectory(dir);
        }
    }

    String fingerprint() {
        return fingerprint;
    }

    /** The featurizer, loaded once per executor thread. */
    Featurizer featurizer() {
        return LOADED.get().computeIfAbsent(fingerprint + "/" + cut, k -> load());
    }

    private Featurizer load() {
        try {
            Path dir = Files.createTempDirectory("graft-frozen");
            try {
                Path z = dir.resolve("model.zip");
                Files.write(z, zip);
                Files.write(ModelCard.besides(z), card);
                Featurizer f = Featurizers.cut(GraftModel.load(z), cut);
                if (!f.fingerprint().equals(fingerprint)) {
                    throw new IllegalStateException("the frozen part loaded on this executor has fingerprint "
                            + f.fingerprint() + ", the driver's is " + fingerprint);
                }
                return f;
            } finally {
                PathUtils.deleteDirectory(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the broadcast frozen part: " + e.getMessage(), e);
        }
    }
}
