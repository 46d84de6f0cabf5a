package dev.graft.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.cache.TinyModels;
import dev.graft.transfer.cluster.Cluster;
import dev.graft.transfer.cluster.ClusterProvider;
import dev.graft.transfer.cluster.ClusterSettings;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.transfer.tune.Cut;
import dev.graft.transfer.tune.EpochRecord;
import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.transfer.tune.FineTuneResult;
import dev.graft.transfer.tune.FineTuner;
import dev.graft.transfer.tune.Presets;
import dev.graft.transfer.tune.UnfreezeSchedule;
import dev.graft.zoo.GraftModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The Java API of docs/spark.md: FineTuner with its caches built on Spark and the head's epochs as Spark jobs. */
@Tag("slow") // the fast lane (-Pquick) leaves it out; mvn verify runs it
class SparkClusterFineTuneTest {
    @TempDir
    Path tmp;

    @Test
    void fineTunerOnSparkHonoursPresetEarlyStoppingAndUnfreezing() throws Exception {
        GraftModel source = TinyModels.mlp(4);
        LabeledData five = DataSpec.load("digits:5-9");
        DataSet all = new DataSet(source.preprocess(five.features()), five.oneHotLabels());
        for (int e = 0; e < 10; e++) {
            source.multiLayerNetwork().fit(new ListDataSetIterator<>(all.asList(), 32));
        }
        GraftModel planned = TransferPlan.builder().freezeThrough("dense2").seed(7)
                .replaceHead(5, Activation.SOFTMAX, LossFunctions.LossFunction.MCXENT).build().apply(source);
        DataSource.Split<LabeledData> split = DataSpec.load("digits:0-4").split(0.2, 3);
        Path dir = tmp.resolve("caches");
        List<String> log = new ArrayList<>();
        FineTuneResult r;
        try (SparkCluster cluster = SparkCluster.of(LocalSpark.context(), ClusterSettings.master(null))) {
            String cut = Cut.of(planned).layer();
            for (var part : Map.of("train", split.train(), "val", split.test()).entrySet()) {
                FeatureCache fc = FeatureCache.builder(dir.resolve(part.getKey()))
                        .featurizer(Featurizers.cut(planned, cut)).source(part.getValue()).batchSize(32).build();
                Cluster.CacheBuild b = cluster.featurize(fc, fc.directory().toString(), planned, cut, part.getValue(),
                        null);
                assertThat(b.shardsBuilt()).isEqualTo(b.shards()).isPositive();
            }
            Cluster.HeadTraining head = cluster.headTraining(80, 32, 42);
            assertThat(head.perEpoch()).isTrue();
            assertThat(head.stageEpochs()).isEqualTo(80);
            FineTuneConfig config = Presets.get("plateau").training(FineTuneConfig.builder()).patience(3)
                    .learningRate(0.05).unfreeze(UnfreezeSchedule.parse("2:1@0.1")).batchSize(32)
                    .epochs(head.stageEpochs()).build();
            r = FineTuner.builder(planned).train(split.train()).validation(split.test()).cacheDirectory(dir)
                    .config(config).log(log::add).headStep(head.step()).build().run();
        }
        String text = String.join("\n", log);
        // FineTuner featurized nothing itself: Spark's caches are the ones it asks for
        assertThat(text).as(text).containsPattern("feature cache \\S+/train: reused")
                .containsPattern("feature cache \\S+/val: reused")
                .contains("plateau: learning rate now 2.50e-02")
                .containsPattern("early stopping after epoch \\d+: no improvement for 3 epochs");
        long headEpochs = r.history().stream().filter(e -> e.stage().startsWith("head")).count();
        assertThat(headEpochs).as(text).isBetween(4L, 79L);
        assertThat(r.history().stream().map(EpochRecord::stage)).as(text).anyMatch(s -> s.startsWith("unfreeze"));
        // the training loss of a Spark epoch is the workers' mean score, not NaN
        assertThat(r.history().get(0).trainLoss()).isFinite();
        assertThat(r.evaluation().accuracy()).as(text).isGreaterThan(0.6); // 5 classes: chance is 0.2
        // the caller's planned model is left alone; the frozen base is unchanged in the result
        assertThat(((MultiLayerNetwork) r.model().network()).getLayer(0).params())
                .isEqualTo(((MultiLayerNetwork) planned.network()).getLayer(0).params());
    }

    @Test
    void gradientSharingIsOneDriverEpochAndSettingsAreCheckedBeforeSparkStarts() {
        ClusterProvider p = ClusterProvider.find().orElseThrow();
        assertThat(p).isInstanceOf(SparkClusterProvider.class);
        ClusterSettings sharing = new ClusterSettings(null, "graft", Map.of(), 2, "sharing", null, null, null, null,
                null);
        try (SparkCluster cluster = SparkCluster.of(LocalSpark.context(), sharing)) {
            Cluster.HeadTraining head = cluster.headTraining(15, 32, 1);
            assertThat(head.perEpoch()).isFalse();
            assertThat(head.stageEpochs()).isEqualTo(1);
            assertThat(head.description()).isEqualTo("gradient sharing");
        }
        assertThatThrownBy(() -> p.check(new ClusterSettings("local[2]", "graft", Map.of(), null, "sharing", 3, null,
                null, null, null))).hasMessage("--averaging applies to --training averaging only, got --averaging 3 "
                        + "with --training sharing: leave it out or use --training averaging");
        assertThatThrownBy(() -> p.check(new ClusterSettings("local[2]", "graft", Map.of(), 0, null, null, null, null,
                null, null))).hasMessageContaining("--workers must be positive, got 0");
        assertThatThrownBy(() -> p.check(new ClusterSettings("local[2]", "graft", Map.of(), null, "sharing", null,
                null, null, "nohost", null))).hasMessageContaining("--parameter-server must be HOST:PORT");
    }
}
