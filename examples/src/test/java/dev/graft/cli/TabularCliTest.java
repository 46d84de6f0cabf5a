package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.zoo.GraftModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tabular path end to end on scikit-learn's own wine, breast-cancer and iris CSVs, header lines included, as a new
 * user runs it: {@code pretrain autoencoder --standardize}, {@code finetune --standardize --test-fraction 0.25} with
 * default epochs and rate, then {@code predict}. Test accuracy must be within 0.02 of scikit-learn's MLPClassifier on
 * the same stratified split ({@code docs/data/sklearn/reference.txt}, made by {@code tools/data/sklearn_tabular.py}).
 */
@Tag("slow") // the fast lane (-Pquick) leaves it out; mvn verify runs it
class TabularCliTest {
    static final Path DATA = Path.of("..", "docs", "data", "sklearn");

    @TempDir
    static Path tmp;

    /** MLPClassifier's mean test accuracy per file, from the committed reference. */
    static final Map<String, Double> MLP = new HashMap<>();

    @BeforeAll
    static void reference() throws Exception {
        for (String line : Files.readAllLines(DATA.resolve("reference.txt"))) {
            String[] f = line.split(" ");
            if (f.length >= 6 && f[0].endsWith(".csv")) {
                MLP.put(f[0], Double.parseDouble(f[5]));
            }
        }
        assertThat(MLP).containsOnlyKeys("wine.csv", "breast_cancer.csv", "iris.csv");
    }

    @ParameterizedTest
    @ValueSource(strings = {"wine", "breast_cancer", "iris"})
    void standardizedDefaultsMatchScikitLearnOnTheSameSplit(String name) throws Exception {
        Path csv = DATA.resolve(name + ".csv");
        Path base = tmp.resolve(name + "-base.zip");
        CliRun pre = CliRun.of("pretrain", "autoencoder", "--data", "csv:" + csv, "--standardize", "--out", base.toString(), "--quiet");
        assertThat(pre.code()).as(pre.err()).isZero();

        Path out = tmp.resolve(name + ".zip");
        CliRun ft = CliRun.of("finetune", base.toString(), "--cut", "base0", "--data", "csv:" + csv, "--standardize",
                "--test-fraction", "0.25", "--out", out.toString(), "--cache", tmp.resolve(name + "-cache").toString());
        assertThat(ft.code()).as(ft.err()).isZero();
        // the header line is skipped and said once
        assertThat(ft.err()).containsOnlyOnce("line 1 skipped as a header");
        String firstLine = Files.readAllLines(csv).get(0);
        assertThat(ft.err()).contains(firstLine);
        assertThat(ft.out()).contains("standardized").containsPattern("\\d+ train, \\d+ validation, \\d+ test")
                .contains("confusion matrix (rows: actual, columns: predicted)").contains("precision  recall");
        double test = Double.parseDouble(ft.out().replaceAll("(?s).*; test accuracy ([0-9.]+) on.*", "$1"));
        assertThat(test).as(name + " test accuracy vs scikit-learn MLPClassifier " + MLP.get(name + ".csv"))
                .isCloseTo(MLP.get(name + ".csv"), org.assertj.core.data.Offset.offset(0.02));
        String html = Files.readString(tmp.resolve(name + "-report/index.html"));
        assertThat(html).contains("Test (held out before validation)").contains("Validation");

        // the card carries the training split's statistics, applied by predict
        GraftModel m = GraftModel.load(out);
        int features = (int) m.card().inputShape()[0];
        assertThat(m.card().normalization().mean()).hasSize(features);
        assertThat(java.util.Arrays.stream(m.card().normalization().std()).allMatch(s -> s > 0)).isTrue();

        // predict: labelled (with header) and unlabelled rows, one output row per input
        List<String> rows = Files.readAllLines(csv).subList(1, 11);
        Path unlabelled = tmp.resolve(name + "-rows.csv");
        Files.write(unlabelled, rows.stream().map(r -> r.substring(0, r.lastIndexOf(','))).collect(Collectors.toList()));
        Path preds = tmp.resolve(name + "-preds.csv");
        CliRun p = CliRun.of("predict", out.toString(), "csv:" + csv, "csv:" + unlabelled, "--output", preds.toString());
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(p.out()).contains("csv:" + unlabelled + ": 10 rows predicted (no label column)")
                .contains("confusion matrix").containsPattern("csv:" + java.util.regex.Pattern.quote(csv.toString()) + ": accuracy 0\\.9\\d+");
        List<String> lines = Files.readAllLines(preds);
        int n = Files.readAllLines(csv).size() - 1;
        assertThat(lines).hasSize(1 + n + 10);
        assertThat(lines.get(0)).startsWith("input,label,predicted,p_");
        // unlabelled rows: empty label, the same prediction as the same rows read with their labels
        for (int i = 0; i < 10; i++) {
            String[] labelled = lines.get(1 + i).split(",");
            String[] bare = lines.get(1 + n + i).split(",");
            assertThat(bare[0]).isEqualTo("csv:" + unlabelled + "#" + i);
            assertThat(bare[1]).isEmpty();
            assertThat(bare[2]).isEqualTo(labelled[2]);
            assertThat(bare).hasSameSizeAs(labelled);
            for (int c = 3; c < bare.length; c++) { // batches of another size round the last bits differently
                assertThat(Double.parseDouble(bare[c])).isCloseTo(Double.parseDouble(labelled[c]), org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @Test
    void noLabelsRefusesALabelledWidthAndAClassSelection() throws Exception {
        Path csv = DATA.resolve("iris.csv");
        Path base = tmp.resolve("nl-base.zip");
        assertThat(CliRun.of("pretrain", "autoencoder", "--data", "csv:" + csv, "--standardize", "--widths", "8,4", "--epochs", "1",
                "--out", base.toString(), "--quiet").code()).isZero();
        Path out = tmp.resolve("nl.zip");
        CliRun ft = CliRun.of("finetune", base.toString(), "--cut", "base0", "--data", "csv:" + csv, "--epochs", "1", "--out", out.toString());
        assertThat(ft.code()).as(ft.err()).isZero();
        CliRun wide = CliRun.of("predict", out.toString(), "csv:" + csv, "--no-labels");
        assertThat(wide.code()).isEqualTo(2);
        assertThat(wide.err()).contains("has 5 columns, expected 4 features (no label column)");
        CliRun sel = CliRun.of("predict", out.toString(), "csv:" + csv + "#0-1", "--no-labels");
        assertThat(sel.code()).isEqualTo(2);
        assertThat(sel.err()).contains("cannot select classes");
        CliRun bad = CliRun.of("predict", out.toString(), "digits", "--output", tmp.resolve("p.txt").toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--output must name a .csv file");
    }

    @Test
    void aSeparateTestSetIsScoredAndMustHaveTheSameClasses() throws Exception {
        Path csv = DATA.resolve("iris.csv");
        List<String> lines = Files.readAllLines(csv);
        Path train = tmp.resolve("iris-train.csv");
        Path test = tmp.resolve("iris-test.csv");
        List<String> tr = new java.util.ArrayList<>(List.of("sepal_length,sepal_width,petal_length,petal_width,species"));
        List<String> te = new java.util.ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (i % 5 == 0) {
                te.add(lines.get(i));
            } else {
                tr.add(lines.get(i).replaceFirst(",(\\d)$", ",$1.0")); // the train file spells labels 0.0, 1.0, 2.0: the same classes
            }
        }
        Files.write(train, tr);
        Files.write(test, te);
        Path base = tmp.resolve("st-base.zip");
        assertThat(CliRun.of("pretrain", "autoencoder", "--data", "csv:" + train, "--standardize", "--widths", "16,8", "--epochs", "2",
                "--out", base.toString(), "--quiet").code()).isZero();
        CliRun ft = CliRun.of("finetune", base.toString(), "--cut", "base0", "--data", "csv:" + train, "--test", "csv:" + test,
                "--standardize", "--epochs", "50", "--out", tmp.resolve("st.zip").toString());
        assertThat(ft.code()).as(ft.err()).isZero();
        assertThat(ft.out()).contains("test: 30 held-out examples").containsPattern("; test accuracy 0\\.\\d+ on 30 examples");
        Path two = tmp.resolve("two-classes.csv");
        Files.write(two, te.stream().filter(l -> !l.endsWith(",2")).collect(Collectors.toList()));
        CliRun bad = CliRun.of("finetune", base.toString(), "--cut", "base0", "--data", "csv:" + train, "--test", "csv:" + two,
                "--out", tmp.resolve("bad.zip").toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("has classes 0,1 but --data").contains("same classes");
        CliRun both = CliRun.of("finetune", base.toString(), "--cut", "base0", "--data", "csv:" + train, "--test", "csv:" + two,
                "--test-fraction", "0.2", "--out", tmp.resolve("bad.zip").toString());
        assertThat(both.err()).contains("not both");
    }

    @Test
    void aTestShareTooLargeForTheDataNamesItsOption() throws Exception {
        Path csv = tmp.resolve("tiny.csv");
        Files.write(csv, List.of("a,b,label", "1,2,x", "3,4,x", "5,6,y", "7,8,y"));
        Path base = tmp.resolve("tiny-base.zip");
        assertThat(CliRun.of("pretrain", "autoencoder", "--data", "csv:" + csv, "--widths", "4,2", "--epochs", "1",
                "--out", base.toString(), "--quiet").code()).isZero();
        CliRun r = CliRun.of("finetune", base.toString(), "--cut", "base0", "--data", "csv:" + csv, "--test-fraction", "0.9",
                "--out", tmp.resolve("tiny.zip").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("a 0.90 test share leaves none to train on").contains("lower --test-fraction");
        assertThat(Files.exists(tmp.resolve("tiny.zip"))).isFalse();
    }

    @Test
    void listPresetsNeedsNoOtherOption() {
        CliRun r = CliRun.of("finetune", "--list-presets");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("practical");
        CliRun missing = CliRun.of("finetune", "m.zip", "--cut", "fc2");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("missing: --data, --out");
    }
}
