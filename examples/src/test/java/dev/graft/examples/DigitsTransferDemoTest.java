package dev.graft.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.examples.DigitsTransferDemo.SeedResult;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Runs the demo once on a shortened protocol and checks what it promises. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("slow") // the fast lane (-Pquick) leaves it out; mvn verify runs it
class DigitsTransferDemoTest {
    @TempDir
    static Path dir;

    private DemoSettings settings;
    private DemoReport report;

    @BeforeAll
    void runDemoOnce() throws Exception {
        settings = DemoSettings.defaults().withOutDir(dir).withLabels(20, List.of(5, 20)).withEpochs(40, 30, 20, 40);
        report = new DigitsTransferDemo(settings, Progress.none()).run();
    }

    @Test
    void frozenLayersAreBitIdenticalAfterHeadTraining() {
        assertThat(report.frozenLayersUnchanged()).isTrue();
    }

    @Test
    void headTrainedFromCacheEqualsHeadTrainedThroughFrozenLayers() {
        assertThat(report.maxCacheVsThroughDifference()).isLessThanOrEqualTo(1e-6);
    }

    @Test
    void savedSourceModelReloadsWithIdenticalOutputsAndACard() throws Exception {
        assertThat(report.reloadIdentical()).isTrue();
        SeedResult r = report.seeds().get(0);
        assertThat(r.sourceFile).isRegularFile();
        ModelCard card = ModelCard.read(ModelCard.besides(r.sourceFile));
        assertThat(card.labels()).containsExactly("0", "1", "2", "3", "4");
        assertThat(card.inputShape()).containsExactly(64);
        assertThat(card.normalization().scale()).isEqualTo(1 / 16.0);
        assertThat(GraftModel.load(r.transferFile).card().labels()).containsExactly("5", "6", "7", "8", "9");
    }

    @Test
    void featureCacheIsOnDisk() throws Exception {
        Path cache = report.seeds().get(0).cacheDir;
        try (Stream<Path> files = Files.walk(cache)) {
            assertThat(files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum())
                    .as("bytes in %s", cache).isGreaterThan(100L * 100 * 4);
        }
    }

    @Test
    void accuraciesAreThoseOfWorkingModels() {
        assertThat(report.meanSourceAccuracy()).isGreaterThan(0.95);
        for (int m = 0; m < 3; m++) {
            assertThat(report.meanAccuracy(m, 20)).as(DemoReport.METHODS[m]).isGreaterThan(0.7);
        }
    }

    @Test
    void secondRunReusesTheCacheAndReportsTheSameAccuracies() throws Exception {
        DemoReport again = new DigitsTransferDemo(settings, Progress.none()).run();
        assertThat(again.seeds().get(0).cacheReused).isTrue();
        for (int m = 0; m < 3; m++) {
            assertThat(again.meanAccuracy(m, 20)).isEqualTo(report.meanAccuracy(m, 20));
        }
    }

    @Test
    void tablePrintsEveryStepTheCurveAndAVerdict() {
        String table = report.render();
        assertThat(table).contains("1 source net", "2 save as Graft model", "3 frozen hidden layers",
                "4 top 2 hidden layers", "5 from scratch", "through the frozen layers", "labels per class",
                "Files (seed 1)");
        assertThat(report.verdict()).matches("At 20 labels/class .*");
    }
}
