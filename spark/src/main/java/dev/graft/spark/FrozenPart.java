package dev.graft.spark;

import dev.graft.engine.FeaturizeEngine;
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
 * card), the cut layer and the featurize engine the driver chose (DL4J or ONNX Runtime: executors use that engine,
 * whatever their own settings, so every shard of a cache comes from one engine). Each executor task thread loads it
 * once ({@link #featurizer()}) and checks that its fingerprint (which covers the engine) is the driver's.
 */
final class FrozenPart implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Per task thread: a DL4J network is not safe to run from two threads at once (local[N] runs N tasks in one JVM). */
    private static final ThreadLocal<Map<String, Featurizer>> LOADED = ThreadLocal.withInitial(HashMap::new);

    private final byte[] zip;
    private final byte[] card;
    private final String cut;
    private final FeaturizeEngine engine;
    private final String fingerprint;

    private FrozenPart(byte[] zip, byte[] card, String cut, FeaturizeEngine engine, String fingerprint) {
        this.zip = zip;
        this.card = card;
        this.cut = cut;
        this.engine = engine;
        this.fingerprint = fingerprint;
    }

    /**
     * Saves {@code model} to bytes; {@code cut} is checked here, on the driver.
     *
     * @param engine the engine the cache's featurizer chose (DL4J or ONNX), which executors will use
     */
    static FrozenPart of(GraftModel model, String cut, FeaturizeEngine engine) throws IOException {
        String fp = Featurizers.cut(model, cut, engine).fingerprint();
        String name = dev.graft.transfer.LayerRef.resolve(model, cut).name(); // executors cut by the layer's name
        Path dir = Files.createTempDirectory("graft-frozen");
        try {
            Path z = dir.resolve("model.zip");
            model.save(z);
            return new FrozenPart(Files.readAllBytes(z), Files.readAllBytes(ModelCard.besides(z)), name, engine, fp);
        } finally {
            PathUtils.deleteDirectory(dir);
        }
    }

    String fingerprint() {
        return fingerprint;
    }

    /** The engine executors featurize with. */
    FeaturizeEngine engine() {
        return engine;
    }

    /** The featurizer, loaded once per executor thread. */
    Featurizer featurizer() {
        return LOADED.get().computeIfAbsent(fingerprint + "/" + cut + "/" + engine, k -> load());
    }

    private Featurizer load() {
        try {
            Path dir = Files.createTempDirectory("graft-frozen");
            try {
                Path z = dir.resolve("model.zip");
                Files.write(z, zip);
                Files.write(ModelCard.besides(z), card);
                Featurizer f = Featurizers.cut(GraftModel.load(z), cut, engine);
                if (!f.fingerprint().equals(fingerprint)) {
                    throw new IllegalStateException("the frozen part loaded on this executor has fingerprint "
                            + f.fingerprint() + " (engine " + f.engine().describe() + "), the driver's is " + fingerprint);
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
