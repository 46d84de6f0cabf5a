package dev.graft.transfer.tune;

import dev.graft.transfer.cache.Augmenters;
import dev.graft.transfer.cache.CacheReport;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizer;
import dev.graft.transfer.cache.OnnxFeaturizer;
import dev.graft.transfer.cache.Precision;
import dev.graft.transfer.data.DataSource;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** The frozen part's outputs on disk: the training cache (with its augmented views) and the validation cache. */
final class HeadFeatures {
    final FeatureCache train;
    final FeatureCache validation;
    final List<CacheReport> reports;

    private HeadFeatures(FeatureCache train, FeatureCache validation, List<CacheReport> reports) {
        this.train = train;
        this.validation = validation;
        this.reports = reports;
    }

    /**
     * Builds (or reuses) the caches of the frozen part of {@code planned} ({@link HeadSplit#featurizer}) under
     * {@code dir}: {@code train/}, and {@code val/} when there is validation data.
     */
    static HeadFeatures build(GraftModel planned, DataSource train, DataSource validation, Path dir,
            FineTuneConfig config, Precision precision, Consumer<String> log) throws IOException {
        Featurizer f = HeadSplit.featurizer(planned);
        try {
            return build(f, planned.card().layout(), train, validation, dir, config, precision, log);
        } finally {
            if (f instanceof OnnxFeaturizer o) {
                o.close();
            }
        }
    }

    private static HeadFeatures build(Featurizer f, InputLayout layout, DataSource train, DataSource validation,
            Path dir, FineTuneConfig config, Precision precision, Consumer<String> log) throws IOException {
        List<CacheReport> reports = new ArrayList<>();
        FeatureCache.Builder tb = FeatureCache.builder(dir.resolve("train")).featurizer(f).source(train)
                .precision(precision).batchSize(config.batchSize()).progress(config.progress());
        String spec = config.augmentation() == null ? "" : augmentationFor(config.augmentation(), layout);
        if (!spec.isEmpty()) {
            tb.augment(Augmenters.parse(spec, layout), config.augmentedViews(), config.seed()).keepOriginal(true);
            log.accept("augmentation: " + config.augmentedViews() + " views per example (" + spec + ")");
        }
        FeatureCache trainCache = tb.build();
        reports.add(trainCache.build());
        log.accept(reports.get(0).summary());
        log.accept("featurize engine: " + f.engine().describe());
        FeatureCache valCache = null;
        if (validation != null) {
            valCache = FeatureCache.builder(dir.resolve("val")).featurizer(f).source(validation).precision(precision)
                    .batchSize(config.batchSize()).progress(config.progress()).build();
            reports.add(valCache.build());
            log.accept(reports.get(1).summary());
        }
        return new HeadFeatures(trainCache, valCache, List.copyOf(reports));
    }

    /** The training rows, shuffled with {@code seed} ({@code -1}: source order). */
    DataSetIterator train(int batchSize, long seed) {
        try {
            return train.iterator(batchSize, seed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The validation rows in source order, or null without validation data. */
    DataSetIterator validation(int batchSize) {
        try {
            return validation == null ? null : validation.iterator(batchSize, -1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The augmentation spec without image-only steps (shift) when the model's input is not an image. */
    static String augmentationFor(String spec, InputLayout layout) {
        if (layout == InputLayout.NCHW || layout == InputLayout.NHWC) {
            return spec;
        }
        List<String> kept = new ArrayList<>();
        for (String part : spec.split(",")) {
            if (!part.trim().startsWith("shift")) {
                kept.add(part.trim());
            }
        }
        return String.join(",", kept);
    }

    /** Deletes a folder and everything in it. */
    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
