package dev.graft.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.transfer.tune.FineTuneResult;
import dev.graft.transfer.tune.FineTuner;
import dev.graft.transfer.tune.Unfreeze;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Using Graft as a library" example, compiled and run: {@link #readmeExample} holds the code between
 * the markers, and the test checks that README.md shows exactly those lines.
 */
class ReadmeLibraryExampleTest {
    @TempDir
    Path tmp;

    /** The README's example, verbatim between the markers (run in {@code dir}, with the demo's model there). */
    static FineTuneResult readmeExample(Path dir) throws Exception {
        // README:begin
        GraftModel base = GraftModel.load(dir.resolve("graft-out/demo/seed-1/source-0-4.zip")); // card inside
        LabeledData few = DataSpec.load("digits:5-9").samplePerClass(20, 1);      // 20 labelled examples per digit
        GraftModel planned = TransferPlan.builder()
                .freezeThrough("3")                                                 // the cut: layers 0-3 frozen
                .newClassifier(few.labels()).build().apply(base);                   // softmax head, cross-entropy, card labels
        FineTuneResult tuned = FineTuner.builder(planned).train(few)
                .cacheDirectory(dir.resolve("cache"))                               // featurize once, train the top many times
                .config(FineTuneConfig.builder().epochs(20)                         // the new head: 20 epochs from the cache
                        .unfreeze(Unfreeze.top(2).epochs(3).rateFactor(0.1))        // then the top 2 frozen layers: 3 epochs, rate x0.1
                        .build())
                .build().run();
        tuned.model().save(dir.resolve("digits-5-9.zip"));                          // one model: raw pixels in, card inside
        // README:end
        return tuned;
    }

    @Test
    void theReadmesLibraryExampleRunsAndIsWhatTheReadmeShows() throws Exception {
        Path model = tmp.resolve("graft-out/demo/seed-1/source-0-4.zip");
        Files.createDirectories(model.getParent());
        LabeledData source = DataSpec.load("digits:0-4");
        ModelCard card = ModelCard.builder("digits-0-4").input(InputLayout.FLAT, DataSpec.DIGITS_PIXELS)
                .normalization(Normalization.scale(1 / DataSpec.DIGITS_MAX)).labels(source.labels()).build();
        GraftModel.of(DigitsMlp.build(1, 0.01, DataSpec.DIGITS_PIXELS, 5, 5), card).save(model);

        FineTuneResult tuned = readmeExample(tmp);

        GraftModel saved = GraftModel.load(tmp.resolve("digits-5-9.zip"));
        assertThat(saved.card().labels()).hasSize(5);
        assertThat(saved.card().cut()).as("the card tells the cut after unfreezing")
                .isEqualTo(dev.graft.transfer.tune.Cut.of(saved.network()).layer());
        assertThat(tuned.history()).extracting(r -> r.stage()).contains("head (cache)", "unfreeze 2 @0.1");
        assertThat(Files.list(tmp.resolve("cache")).count()).as("the cache stays for the next run").isPositive();

        String readme = Files.readString(Path.of("..", "README.md"));
        String code = Files.readAllLines(Path.of("src/test/java/dev/graft/examples/ReadmeLibraryExampleTest.java"))
                .stream().dropWhile(l -> !l.contains("// README:begin")).skip(1)
                .takeWhile(l -> !l.contains("// README:end")).map(l -> l.substring(Math.min(8, l.length())))
                .map(l -> l.replace("dir.resolve(\"", "Path.of(\"")).collect(Collectors.joining("\n"));
        assertThat(readme).as("README.md shows the example as it compiles here").contains(code);
        // and the imports it shows are the ones this file compiles it with
        String testSource = Files.readString(Path.of("src/test/java/dev/graft/examples/ReadmeLibraryExampleTest.java"));
        String block = readme.substring(readme.lastIndexOf("```java", readme.indexOf(code)), readme.indexOf(code));
        List<String> shown = block.lines().filter(l -> l.startsWith("import ")).toList();
        assertThat(shown).as("imports shown in README.md").isNotEmpty()
                .allSatisfy(l -> assertThat(testSource).contains("\n" + l + "\n"));
    }
}
