package dev.graft.transfer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * {@link DataSource#split} on every kind of source, and {@link DataSpec#source} with a card the data does not fit. The
 * split contract checked for each: the two parts together are exactly the set (every example in one part only, as a
 * multiset of feature rows and labels), each class holds out {@code round(n * fraction)} examples, both parts keep
 * the set's order, the same seed gives the same parts and another seed other ones, and the first part splits again.
 */
class DataSourceSplitTest {
    @TempDir
    Path tmp;

    private static final ModelCard DIGITS_CARD = ModelCard.builder("digits-0-4").input(InputLayout.FLAT, DataSpec.DIGITS_PIXELS)
            .labels(List.of("0", "1", "2", "3", "4")).build();

    /** The examples of a source in order, each as its label and its feature values. */
    private static List<String> examples(DataSource s) {
        List<String> out = new ArrayList<>();
        DataSetIterator it = s.iterator(7);
        while (it.hasNext()) {
            DataSet ds = it.next();
            for (int r = 0; r < ds.numExamples(); r++) {
                int label = ds.getLabels().getRow(r).argMax().getInt(0);
                float[] x = ds.getFeatures().slice(r).dup().data().asFloat();
                out.add(s.labels().get(label) + ":" + Arrays.toString(x));
            }
        }
        assertThat(out).hasSize(s.size());
        return out;
    }

    private static Map<String, Integer> counts(List<String> examples) {
        Map<String, Integer> m = new HashMap<>();
        examples.forEach(e -> m.merge(e, 1, Integer::sum));
        return m;
    }

    /** Whether {@code part} is {@code whole} with some elements left out, in the same order. */
    private static boolean inOrder(List<String> part, List<String> whole) {
        int j = 0;
        for (String p : part) {
            while (j < whole.size() && !whole.get(j).equals(p)) {
                j++;
            }
            if (j++ >= whole.size()) {
                return false;
            }
        }
        return true;
    }

    /** Checks the split contract on {@code s} at {@code fraction}. */
    private static void checkSplit(DataSource s, double fraction) {
        List<String> all = examples(s);
        DataSource.Split<? extends DataSource> p = s.split(fraction, 42);
        List<String> train = examples(p.train());
        List<String> test = examples(p.test());
        assertThat(p.train().size() + p.test().size()).isEqualTo(s.size());
        Map<String, Integer> union = counts(train);
        counts(test).forEach((k, v) -> union.merge(k, v, Integer::sum));
        assertThat(union).as("the parts together are the set, each example in one part").isEqualTo(counts(all));
        assertThat(p.train().labels()).isEqualTo(s.labels());
        assertThat(p.test().labels()).isEqualTo(s.labels());
        for (String c : s.labels()) {
            long n = all.stream().filter(e -> e.startsWith(c + ":")).count();
            long held = test.stream().filter(e -> e.startsWith(c + ":")).count();
            assertThat(held).as("class " + c + " held out").isEqualTo(Math.round(n * fraction));
        }
        assertThat(inOrder(train, all)).as("train keeps the set's order").isTrue();
        assertThat(inOrder(test, all)).as("test keeps the set's order").isTrue();
        DataSource.Split<? extends DataSource> again = s.split(fraction, 42);
        assertThat(again.train().fingerprint()).isEqualTo(p.train().fingerprint());
        assertThat(again.test().fingerprint()).isEqualTo(p.test().fingerprint());
        assertThat(examples(again.test())).isEqualTo(test);
        assertThat(s.split(fraction, 43).test().fingerprint()).as("another seed").isNotEqualTo(p.test().fingerprint());
        assertThat(p.train().fingerprint()).isNotEqualTo(s.fingerprint()).isNotEqualTo(p.test().fingerprint());
        DataSource.Split<? extends DataSource> twice = p.train().split(0.5, 1);
        assertThat(twice.train().size() + twice.test().size()).isEqualTo(p.train().size());
    }

    @Test
    void inMemoryDataSplits() {
        checkSplit(DataSpec.load("digits:0-4"), 0.25);
    }

    @Test
    void aCsvFileSplits() throws Exception {
        Path csv = tmp.resolve("t.csv");
        StringBuilder b = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 30; i++) {
            b.append(i).append(',').append(i * 2).append(',').append(i % 3 == 0 ? "x" : "y").append('\n');
        }
        Files.writeString(csv, b);
        DataSource s = DataSpec.source("csv:" + csv, null);
        assertThat(s.labels()).containsExactly("x", "y");
        checkSplit(s, 0.3);
    }

    @Test
    void anImageFolderSplitsByFile() throws Exception {
        ImageFolderDataTest.images(tmp, "red", Color.RED, 5, "png");
        ImageFolderDataTest.images(tmp, "green", Color.GREEN, 4, "png");
        ImageFolderDataTest.images(tmp, "blue", Color.BLUE, 6, "png");
        DataSource s = DataSpec.source("images:" + tmp, ImageFolderDataTest.card(InputLayout.NHWC, 4, 4, 3));
        checkSplit(s, 0.4);
        DataSource.Split<? extends DataSource> p = s.split(0.4, 42);
        assertThat(p.train().files()).doesNotContainAnyElementsOf(p.test().files());
        assertThat(p.train().files().size() + p.test().files().size()).isEqualTo(s.size());
    }

    @Test
    void generatedDataSplits() {
        SyntheticSource s = new SyntheticSource(50, new long[] {3}, 4, 9, 1.0);
        checkSplit(s, 0.2);
        // a part is generated as the whole set generates those rows
        DataSource.Split<SyntheticSource> p = s.split(0.2, 42);
        List<String> all = examples(s);
        assertThat(all).containsAll(examples(p.test()));
    }

    @Test
    void aSourceWithoutItsOwnSplitSplitsByStreaming() {
        SyntheticSource g = new SyntheticSource(40, new long[] {2}, 3, 5, 1.0);
        DataSource plain = new DataSource() {
            @Override
            public String describe() {
                return "plain";
            }

            @Override
            public String fingerprint() {
                return g.fingerprint();
            }

            @Override
            public int size() {
                return g.size();
            }

            @Override
            public List<String> labels() {
                return g.labels();
            }

            @Override
            public long[] exampleShape() {
                return g.exampleShape();
            }

            @Override
            public DataSetIterator iterator(int batchSize) {
                return g.iterator(batchSize);
            }
        };
        checkSplit(plain, 0.25);
        // the same examples held out as the generator's own split, which reads no row to split
        assertThat(examples(plain.split(0.25, 42).test())).isEqualTo(examples(g.split(0.25, 42).test()));
        assertThat(examples(plain.split(0.25, 42).train())).isEqualTo(examples(g.split(0.25, 42).train()));
    }

    @Test
    void dataNumberedAsACardsLabelsSplits() {
        DataSource s = DataSpec.source("digits:3,1", DIGITS_CARD, DataSpec.Options.DEFAULTS.withCardLabels(true));
        checkSplit(s, 0.25);
    }

    @Test
    void aShareThatDoesNotFitIsRefusedOnEverySource() {
        SyntheticSource s = new SyntheticSource(4, new long[] {2}, 2, 1, 1.0);
        assertThatThrownBy(() -> s.split(0.1, 1)).isInstanceOf(DataSpecException.class)
                .hasMessageContaining("too small for a 0.10 validation share");
        assertThatThrownBy(() -> s.split(1.0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 0 and 1");
    }

    @Test
    void aCardWhoseInputTheDataDoesNotHaveIsRefusedNamingBothShapes() throws Exception {
        Path csv = tmp.resolve("narrow.csv");
        Files.writeString(csv, "1,2,3,a\n4,5,6,b\n7,8,9,a\n");
        assertThatThrownBy(() -> DataSpec.source("csv:" + csv, DIGITS_CARD)).isInstanceOf(DataSpecException.class)
                .hasMessageContaining("data csv:" + csv + " has examples of shape [3] but model 'digits-0-4' takes [64] (FLAT")
                .hasMessageContaining("use data with that shape or another model");
        ModelCard image = ImageFolderDataTest.card(InputLayout.NCHW, 1, 8, 8);
        assertThatThrownBy(() -> DataSpec.source("digits", image)).isInstanceOf(DataSpecException.class)
                .hasMessageContaining("has examples of shape [64] but model 'img' takes [1, 8, 8] (NCHW");
        // a card without an input shape (a plain DL4J zip) checks nothing
        assertThat(DataSpec.source("csv:" + csv, ModelCard.builder("plain").build()).exampleShape()).containsExactly(3);
    }

    @Test
    void cardLabelsRefuseClassesTheModelDoesNotPredict() {
        DataSpec.Options labels = DataSpec.Options.DEFAULTS.withCardLabels(true);
        assertThatThrownBy(() -> DataSpec.source("digits:4-6", DIGITS_CARD, labels)).isInstanceOf(DataSpecException.class)
                .hasMessage("data digits:4-6 has classes 5, 6 that model 'digits-0-4' does not predict (its labels: 0, 1, 2, 3, 4); "
                        + "select the model's classes (e.g. #0,1,2,3,4) or use a model trained on these");
        ModelCard unlabelled = ModelCard.builder("bare").input(InputLayout.FLAT, 64).build();
        assertThatThrownBy(() -> DataSpec.source("digits:0-4", unlabelled, labels)).isInstanceOf(DataSpecException.class)
                .hasMessageContaining("model 'bare', but its card has none");
        assertThatThrownBy(() -> DataSpec.source("digits:0-4", null, labels)).isInstanceOf(DataSpecException.class)
                .hasMessageContaining("no model card was given");
        // without cardLabels, the data keeps its own classes (a new head is trained on them)
        assertThat(DataSpec.source("digits:5-9", DIGITS_CARD).labels()).containsExactly("5", "6", "7", "8", "9");
    }

    @Test
    void cardLabelsNumberTheExamplesAsTheModelDoes() {
        DataSource s = DataSpec.source("digits:3,1", DIGITS_CARD, DataSpec.Options.DEFAULTS.withCardLabels(true));
        assertThat(s.labels()).containsExactly("0", "1", "2", "3", "4");
        LabeledData own = DataSpec.load("digits:3,1");
        int[] byCard = s.inMemory().labelIndices();
        int[] byData = own.labelIndices();
        assertThat(byCard).hasSameSizeAs(byData);
        for (int i = 0; i < byData.length; i++) {
            assertThat(byCard[i]).isEqualTo(byData[i] == 0 ? 3 : 1);
        }
        assertThat(s.inMemory().features()).isEqualTo(own.features());
        assertThat(s.fingerprint()).isNotEqualTo(own.fingerprint());
        // already in the card's order: the source itself
        LabeledData same = DataSpec.load("digits:0-4");
        assertThat(DataSpec.source("digits:0-4", DIGITS_CARD, DataSpec.Options.DEFAULTS.withCardLabels(true)).fingerprint())
                .isEqualTo(same.fingerprint());
    }

    @Test
    void anImageFolderNeedsACard() {
        assertThatThrownBy(() -> DataSpec.source("images:" + tmp, null)).isInstanceOf(DataSpecException.class)
                .hasMessageContaining("is an image folder, which is read for a model");
        assertThatThrownBy(() -> DataSpec.load("images:" + tmp)).isInstanceOf(DataSpecException.class)
                .hasMessageContaining("is an image folder, which is read for a model");
    }

    @Test
    void anImageFolderReadIntoMemoryIsTheSameExamples() throws Exception {
        ImageFolderDataTest.images(tmp, "red", Color.RED, 2, "png");
        ImageFolderDataTest.images(tmp, "blue", Color.BLUE, 3, "png");
        DataSource s = DataSpec.source("images:" + tmp, ImageFolderDataTest.card(InputLayout.NCHW, 3, 4, 4));
        LabeledData m = s.inMemory();
        assertThat(examples(m)).isEqualTo(examples(s));
        assertThat(m.labels()).isEqualTo(s.labels());
        assertThat(IntStream.of(m.classCounts()).sum()).isEqualTo(5);
    }
}
