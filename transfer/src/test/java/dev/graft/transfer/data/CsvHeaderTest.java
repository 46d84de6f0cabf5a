package dev.graft.transfer.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Headers that are all numbers: pandas' {@code 0,1,2,3,target}, and a first row whose class has no other row. */
class CsvHeaderTest {

    private static Path write(Path dir, String name, String first, int rows) throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add(first);
        for (int i = 0; i < rows; i++) {
            lines.add((0.5 + i) + "," + (-1.25 * i) + "," + (i % 7) + ".5," + (i * 3) + "," + (i % 2 == 0 ? "yes" : "no"));
        }
        Path f = dir.resolve(name);
        Files.write(f, lines);
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"0,1,2,3,target", "1,2,3,4,target", " 0, 1, 2, 3,label", "0,1,2,3,4"})
    void aPandasHeaderOfColumnNumbersIsSkippedAndSaidOnce(String header, @TempDir Path dir) throws Exception {
        Path f = write(dir, "p.csv", header, 20);
        LabeledData d = DataSpec.load("csv:" + f);
        assertThat(d.size()).isEqualTo(20);
        assertThat(d.labels()).containsExactly("no", "yes");
        assertThat(d.notes()).hasSize(1);
        assertThat(d.notes().get(0)).contains("line 1 skipped as a header (" + header + ")").contains("pandas");
    }

    /**
     * A fresh user's file (Excel/pandas quoting, CRLF lines): the quoted header was skipped but the classes kept their
     * quotes ("setosa"), so the card's labels matched no unquoted data. Quotes are CSV syntax, not part of a name; a
     * quoted label may hold a comma.
     */
    @Test
    void quotedCellsAreReadWithoutTheirQuotes(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("q.csv");
        StringBuilder b = new StringBuilder("\"a\",\"b\",\"species\"\r\n");
        for (int i = 0; i < 12; i++) {
            b.append(i).append(",\"").append(i * 0.5).append("\",").append(i % 2 == 0 ? "\"setosa\"" : "\"big, \"\"red\"\"\"")
                    .append("\r\n");
        }
        Files.writeString(f, b.toString());
        LabeledData d = DataSpec.load("csv:" + f);
        assertThat(d.size()).isEqualTo(12);
        assertThat(d.labels()).containsExactly("big, \"red\"", "setosa");
        assertThat(d.features().getDouble(3, 1)).isEqualTo(1.5);
    }

    @Test
    void aPandasHeaderStaysSkippedWhenClassesAreSelected(@TempDir Path dir) throws Exception {
        Path f = write(dir, "p.csv", "0,1,2,3,target", 10);
        LabeledData d = DataSpec.load("csv:" + f + "#yes");
        assertThat(d.labels()).containsExactly("yes");
        assertThat(d.size()).isEqualTo(5);
        assertThat(d.notes()).singleElement().asString().contains("skipped as a header");
    }

    @Test
    void columnNumbersWhoseLabelRecursAreData(@TempDir Path dir) throws Exception {
        Path f = write(dir, "p.csv", "0,1,2,3,yes", 10);
        LabeledData d = DataSpec.load("csv:" + f);
        assertThat(d.size()).isEqualTo(11);
        assertThat(d.notes()).isEmpty();
    }

    @Test
    void aFirstRowWhoseClassHasNoOtherRowIsKeptAndNamedInANote(@TempDir Path dir) throws Exception {
        // a header of a DataFrame with dropped columns: numbers, but not 0..k-1
        Path f = write(dir, "p.csv", "0,2,5,7,target", 10);
        LabeledData d = DataSpec.load("csv:" + f);
        assertThat(d.size()).isEqualTo(11);
        assertThat(d.labels()).containsExactly("no", "target", "yes");
        assertThat(d.notes()).singleElement().asString()
                .contains("class 'target' has a single example, the first row (line 1: 0,2,5,7,target)")
                .contains("header");
    }

    @Test
    void aSingleExampleClassElsewhereIsNoNote(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("p.csv");
        Files.write(f, List.of("0.5,1,a", "1.5,2,a", "2.5,3,b", "0,1,rare"));
        LabeledData d = DataSpec.load("csv:" + f);
        assertThat(d.size()).isEqualTo(4);
        assertThat(d.notes()).isEmpty();
    }

    @Test
    void oneRowPerClassIsDataThroughoutWithoutNotes(@TempDir Path dir) throws Exception {
        // prototypes, one row per class, the first of them 0,1,2: nothing marks it as a header
        Path f = dir.resolve("proto.csv");
        Files.write(f, List.of("0,1,2,circle", "3,1,0,square", "1,1,1,triangle"));
        LabeledData d = DataSpec.load("csv:" + f);
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.labels()).containsExactly("circle", "square", "triangle");
        assertThat(d.features().getFloat(0, 1)).isEqualTo(1f);
        assertThat(d.notes()).isEmpty();
    }

    @Test
    void unlabelledRowsOfColumnNumbersAreReadButSaid(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("u.csv");
        Files.write(f, List.of("0,1,2,3", "0.5,0.25,1,2", "1,2,3,4"));
        DataSpec.UnlabelledRows u = CsvData.readUnlabelled(f, 4);
        assertThat(u.features().rows()).isEqualTo(3);
        assertThat(u.notes()).singleElement().asString().contains("line 1 (0,1,2,3) is read as a row").contains("pandas");
    }
}
