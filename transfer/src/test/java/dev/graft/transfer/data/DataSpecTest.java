package dev.graft.transfer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSpecTest {

    @Test
    void embeddedDigitsHaveAllExamplesAndTenClasses() {
        LabeledData d = DataSpec.load("digits");
        assertThat(d.size()).isEqualTo(1797);
        assertThat(d.labels()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        assertThat(d.exampleShape()).containsExactly(64);
        assertThat(d.features().maxNumber().doubleValue()).isEqualTo(16.0);
        for (int c : d.classCounts()) {
            assertThat(c).isBetween(170, 190);
        }
    }

    @Test
    void classSelectionRenumbersInTheOrderGiven() {
        LabeledData d = DataSpec.load("digits:5-9");
        assertThat(d.labels()).containsExactly("5", "6", "7", "8", "9");
        assertThat(d.size()).isEqualTo(DataSpec.digits().classCounts()[5] + DataSpec.digits().classCounts()[6]
                + DataSpec.digits().classCounts()[7] + DataSpec.digits().classCounts()[8]
                + DataSpec.digits().classCounts()[9]);
        LabeledData odd = DataSpec.load("digits:9,1");
        assertThat(odd.labels()).containsExactly("9", "1");
        assertThat(odd.classCounts()[0]).isEqualTo(DataSpec.digits().classCounts()[9]);
    }

    @Test
    void samplingPerClassIsSeededAndBalanced() {
        LabeledData d = DataSpec.load("digits:5-9");
        LabeledData a = d.samplePerClass(20, 7);
        LabeledData b = d.samplePerClass(20, 7);
        LabeledData c = d.samplePerClass(20, 8);
        assertThat(a.size()).isEqualTo(100);
        assertThat(a.classCounts()).containsOnly(20);
        assertThat(a.fingerprint()).isEqualTo(b.fingerprint()).isNotEqualTo(c.fingerprint());
    }

    @Test
    void stratifiedSplitIsDisjointAndKeepsClassShares() {
        LabeledData d = DataSpec.load("digits");
        DataSource.Split<LabeledData> s = d.split(0.25, 42);
        assertThat(s.train().size() + s.test().size()).isEqualTo(d.size());
        for (int c = 0; c < 10; c++) {
            assertThat(s.test().classCounts()[c]).isEqualTo((int) Math.round(d.classCounts()[c] * 0.25));
        }
        assertThat(d.split(0.25, 42).test().fingerprint()).isEqualTo(s.test().fingerprint());
    }

    @Test
    void badSpecsGiveOneLineErrors() {
        assertThatThrownBy(() -> DataSpec.load("digits:0-12")).isInstanceOf(DataSpecException.class)
                .hasMessageContaining("class '10' is not in digits").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> DataSpec.load("csv:/no/such/file.csv")).isInstanceOf(DataSpecException.class)
                .hasMessage("CSV file /no/such/file.csv does not exist");
        assertThatThrownBy(() -> DataSpec.load("mnist")).isInstanceOf(DataSpecException.class)
                .hasMessageStartingWith("unknown data spec 'mnist'");
        assertThatThrownBy(() -> DataSpec.load("digits:4-0")).hasMessageContaining("reversed class range");
    }

    @Test
    void csvWithAWrongColumnCountNamesTheLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.csv");
        Files.write(f, List.of("1,2,3,0", "4,5,6,1", "7,8,1"));
        assertThatThrownBy(() -> DataSpec.load("csv:" + f)).isInstanceOf(DataSpecException.class)
                .hasMessage(f + " line 3 has 3 columns, expected 4 (3 features, then the label)");
    }

    @Test
    void csvWithHeaderAndTextLabelsLoads(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ok.csv");
        Files.write(f, List.of("a,b,label", "1,2,cat", "3,4,dog", "5,6,cat"));
        LabeledData d = DataSpec.load("csv:" + f);
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.labels()).containsExactly("cat", "dog");
        assertThat(d.labelIndices()).containsExactly(0, 1, 0);
        assertThat(DataSpec.load("csv:" + f + "#dog").size()).isEqualTo(1);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"nan", "NaN", "inf", "-Infinity", "1e39", "-4e38", "0x1p3",
        "1.5f", "2d", "1,5", "", " ", "1e", "--1", "abc"})
    void aCellThatIsNotAFiniteDecimalIsRefusedNamingFileLineAndColumn(String cell, @TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.csv");
        Files.write(f, List.of("1,2,0", "3," + cell + ",1", "5,6,0"));
        assertThatThrownBy(() -> DataSpec.load("csv:" + f)).isInstanceOf(DataSpecException.class)
                .hasMessageStartingWith(f + " line 2 ").hasMessageNotContaining("\n");
        if (!cell.contains(",")) {
            assertThatThrownBy(() -> DataSpec.load("csv:" + f)).hasMessageStartingWith(f + " line 2 column 2 ");
        }
    }

    @Test
    void plainDecimalsInEveryFormLoad(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ok.csv");
        Files.write(f, List.of("1, -2.5,0", "+.5,1e-3,1", "3.,1E2,0", "3.4e38,-0,1"));
        LabeledData d = DataSpec.load("csv:" + f);
        assertThat(d.features().toFloatMatrix()).isEqualTo(new float[][] {{1, -2.5f}, {0.5f, 0.001f}, {3, 100}, {3.4e38f, -0f}});
    }

    @Test
    void aByteOrderMarkIsSkippedAndTheFirstRowKept(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bom.csv");
        Files.write(f, ("\uFEFF1,2,0\n3,4,1\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(DataSpec.load("csv:" + f).size()).isEqualTo(2);
        Path h = dir.resolve("bomheader.csv");
        Files.write(h, ("\uFEFFx,y,label\n3,4,1\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(DataSpec.load("csv:" + h).size()).isEqualTo(1);
    }

    @Test
    void aTypoInTheFirstRowIsAnErrorNotAHeader(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("typo.csv");
        Files.write(f, List.of("1,2o,0", "3,4,1"));
        assertThatThrownBy(() -> DataSpec.load("csv:" + f)).hasMessageStartingWith(f + " line 1 column 2 is '2o'");
        Path g = dir.resolve("headertypo.csv");
        Files.write(g, List.of("a,b,label", "3,x4,1"));
        assertThatThrownBy(() -> DataSpec.load("csv:" + g)).hasMessageStartingWith(g + " line 2 column 2 is 'x4'");
    }

    @Test
    void aHeaderIsFoundByItsContentWhateverItsWidthAndSaidOnce(@TempDir Path dir) throws Exception {
        // scikit-learn's bundled CSVs: "rows,features,class names..." above the data, wider, narrower or as wide
        Path wide = dir.resolve("wide.csv");
        Files.write(wide, List.of("3,2,class_0,class_1,class_2", "1,2,0", "3,4,1", "5,6,2"));
        Path narrow = dir.resolve("narrow.csv");
        Files.write(narrow, List.of("2,4,malignant,benign", "1,2,3,4,0", "5,6,7,8,1"));
        Path same = dir.resolve("same.csv");
        Files.write(same, List.of("2,2,setosa,versicolor", "1,2,3,setosa", "4,5,6,versicolor"));
        for (Path f : List.of(wide, narrow, same)) {
            LabeledData d = DataSpec.load("csv:" + f);
            assertThat(d.notes()).singleElement().asString().startsWith(f + ": line 1 skipped as a header (")
                    .contains(Files.readAllLines(f).get(0));
            assertThat(d.size()).isEqualTo(Files.readAllLines(f).size() - 1);
        }
        assertThat(DataSpec.load("csv:" + same).labels()).containsExactly("setosa", "versicolor");
        // no header: no note; a label that is text does not make the first row a header
        Path plain = dir.resolve("plain.csv");
        Files.write(plain, List.of("1,2,a", "3,4,b"));
        assertThat(DataSpec.load("csv:" + plain).notes()).isEmpty();
        assertThat(DataSpec.load("csv:" + plain).size()).isEqualTo(2);
        // a first row of another width without names is a ragged row, not a header
        Path ragged = dir.resolve("ragged.csv");
        Files.write(ragged, List.of("1,2,3,0", "3,4,1"));
        assertThatThrownBy(() -> DataSpec.load("csv:" + ragged)).hasMessageStartingWith(ragged + " line 2 has 3 columns, expected 4");
    }

    @Test
    void syntheticSetsAreReadableBalancedAndReproducible(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.csv.gz");
        Path b = dir.resolve("b.csv.gz");
        SyntheticData.writeCsv(a, 1000, 5, 3, 2.0, 7);
        SyntheticData.writeCsv(b, 1000, 5, 3, 2.0, 7);
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        LabeledData d = DataSpec.load("csv:" + a);
        assertThat(d.size()).isEqualTo(1000);
        assertThat(d.exampleShape()).containsExactly(5);
        assertThat(d.classCounts()).containsExactly(334, 333, 333);
        assertThat(d.notes()).singleElement().asString().contains("x0,x1,x2,x3,x4,label");
        assertThatThrownBy(() -> SyntheticData.writeCsv(dir.resolve("c.csv"), 10, 2, 1, 1, 0)).hasMessageContaining("at least 2 classes");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("a.csv.gz", "b.csv.gz"); // no temp files left
        }
    }

    @Test
    void numericLabelsAreOneClassWhateverTheirSpelling(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("spelled.csv");
        Files.write(f, List.of("1,2", "3,2.0", "5,2.00", "6,1e0", "7,1"));
        LabeledData d = DataSpec.load("csv:" + f);
        assertThat(d.labels()).containsExactly("1", "2");
        assertThat(d.classCounts()).containsExactly(2, 3);
    }

    @Test
    void unlabelledRowsAreReadWithTheSameRulesAndTheirLines(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("rows.csv");
        Files.write(f, List.of("a,b", "1,2", "", "3,4"));
        DataSpec.UnlabelledRows u = CsvData.readUnlabelled(f, 2);
        assertThat(u.features().toFloatMatrix()).isEqualTo(new float[][] {{1, 2}, {3, 4}});
        assertThat(u.lines()).containsExactly(2, 4);
        assertThat(u.notes()).hasSize(1);
        assertThat(CsvData.dataColumns(f)).isEqualTo(2);
        Path bad = dir.resolve("bad.csv");
        Files.write(bad, List.of("1,2", "3,nan"));
        assertThatThrownBy(() -> CsvData.readUnlabelled(bad, 2)).hasMessageStartingWith(bad + " line 2 column 2 is 'nan'");
    }

    @Test
    void standardizationUsesTheTrainingStatisticsAndSurvivesAConstantColumn() {
        LabeledData d = new LabeledData(org.nd4j.linalg.factory.Nd4j.createFromArray(new float[][] {{1, 5}, {3, 5}, {5, 5}}),
                new int[] {0, 1, 0}, List.of("a", "b"), "tiny");
        dev.graft.zoo.Normalization n = Standardization.fit(d, dev.graft.zoo.Normalization.scale(2));
        assertThat(n.scale()).isEqualTo(2);
        assertThat(n.mean()).containsExactly(6, 10);
        assertThat(n.std()[0]).isCloseTo(Math.sqrt(32 / 3.0), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(n.std()[1]).isEqualTo(1);
        float[][] z = n.apply(d.features(), dev.graft.zoo.InputLayout.FLAT).toFloatMatrix();
        assertThat(z[1]).containsExactly(0f, 0f);
        assertThatThrownBy(() -> Standardization.fit(DataSpec.load("digits").subset(new int[] {0}, "one"), dev.graft.zoo.Normalization.identity()))
                .hasMessageContaining("at least 2 training examples");
    }

    @Test
    void anEmptyLabelIsAnErrorNamingTheLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("nolabel.csv");
        Files.write(f, List.of("1,2,a", "3,4, ", "5,6,b"));
        assertThatThrownBy(() -> DataSpec.load("csv:" + f)).isInstanceOf(DataSpecException.class)
                .hasMessageStartingWith(f + " line 2 has an empty label");
    }

    @Test
    void numericLabelsNameAClassByValue(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("labels.csv");
        Files.write(f, List.of("1,2,2", "3,4,2.0", "5,6,10", "7,8,02", "9,9,1.50", "1,1,1.5"));
        LabeledData d = DataSpec.load("csv:" + f);
        assertThat(d.labels()).containsExactly("1.5", "2", "10");
        assertThat(d.labelIndices()).containsExactly(1, 1, 2, 1, 0, 0);
        Path big = dir.resolve("big.csv");
        Files.write(big, List.of("1,2,99999999999999999999", "3,4,1"));
        assertThat(DataSpec.load("csv:" + big).labels()).containsExactly("1", "99999999999999999999");
    }

    @Test
    void hugeClassRangesAndNumbersAreRefusedBeforeExpanding() {
        assertThatThrownBy(() -> DataSpec.load("digits:0-2147483647")).isInstanceOf(DataSpecException.class)
                .hasMessageContaining("class range 0-2147483647 of 2147483648 classes");
        assertThatThrownBy(() -> DataSpec.load("digits:0-99999999999999999999")).isInstanceOf(DataSpecException.class)
                .hasMessageContaining("class number 99999999999999999999 that is too large");
    }

    @Test
    void anUnreadableFileIsNotReportedAsMissing(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                "permissions do not apply to root");
        Path f = Files.write(dir.resolve("secret.csv"), List.of("1,2,0"));
        f.toFile().setReadable(false);
        assertThatThrownBy(() -> DataSpec.load("csv:" + f)).hasMessageContaining("cannot be read (permission denied)");
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.write(locked.resolve("in.csv"), List.of("1,2,0"));
        locked.toFile().setExecutable(false);
        try {
            assertThatThrownBy(() -> DataSpec.load("csv:" + locked.resolve("in.csv"))).hasMessageContaining("cannot be searched");
        } finally {
            locked.toFile().setExecutable(true);
        }
    }
}
