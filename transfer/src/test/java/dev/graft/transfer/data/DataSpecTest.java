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
        LabeledData.Split s = d.stratifiedSplit(0.25, 42);
        assertThat(s.train().size() + s.test().size()).isEqualTo(d.size());
        for (int c = 0; c < 10; c++) {
            assertThat(s.test().classCounts()[c]).isEqualTo((int) Math.round(d.classCounts()[c] * 0.25));
        }
        assertThat(d.stratifiedSplit(0.25, 42).test().fingerprint()).isEqualTo(s.test().fingerprint());
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
}
