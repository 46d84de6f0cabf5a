package dev.graft.zoo.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.SourceKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The parity check fails when outputs differ, explains bad reference files, and survives save and load. */
class ParityCheckTest {

    @TempDir
    static Path tmp;
    static GraftModel cnn;
    static Map<String, INDArray> ref;

    @BeforeAll
    static void importCnn() throws Exception {
        cnn = KerasImporter.builder(Fixtures.keras3("cnn.keras")).name("tiny-cnn")
                .normalization(Normalization.scale(1 / 255.0)).labels(List.of("a", "b", "c", "d", "e")).build()
                .importModel();
        ref = Nd4j.createFromNpzFile(Fixtures.keras3("cnn.npz").toFile());
    }

    @Test
    void cardRecordsSourceInputShapeLayoutNormalizationAndLabels() {
        assertThat(cnn.card().name()).isEqualTo("tiny-cnn");
        assertThat(cnn.card().source()).isEqualTo(SourceKind.KERAS3);
        assertThat(cnn.card().inputShape()).containsExactly(12, 12, 3);
        assertThat(cnn.card().layout()).isEqualTo(InputLayout.NHWC);
        assertThat(cnn.card().normalization()).isEqualTo(Normalization.scale(1 / 255.0));
        assertThat(cnn.card().labels()).containsExactly("a", "b", "c", "d", "e");
        assertThat(cnn.card().origin()).contains("cnn.keras").contains("Keras 3.15.1").contains("sha256 ");
    }

    @Test
    void outputsThatDifferByMoreThanTheToleranceFail() throws Exception {
        INDArray shifted = ref.get("output").add(0.01);
        Path npz = npz("shifted.npz", Map.of("input", ref.get("input"), "output", shifted));
        ParityReport p = ParityCheck.of(cnn, npz, 1e-4);
        assertThat(p.passed()).isFalse();
        assertThat(p.maxAbsDiff()).isBetween(0.0099, 0.0101);
        assertThatThrownBy(p::requirePassed).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not reproduce the reference outputs").hasMessageContaining("FAILED");
        assertThat(ParityCheck.of(cnn, npz, 0.02).passed()).isTrue();
    }

    @Test
    void aNaNOrInfinityInTheOutputFailsWhateverTheTolerance() {
        INDArray expected = Nd4j.createFromArray(new float[][] {{1f, 2f, 3f}});
        INDArray got = Nd4j.createFromArray(new float[][] {{1f, Float.NaN, 3f}});
        ParityReport p = ParityCheck.compare("network", got, expected, new Tolerance(1e9, 1));
        assertThat(p.passed()).isFalse();
        assertThat(p.nonFinite()).isEqualTo(1);
        assertThat(p.worstIndex()).isEqualTo(1);
        assertThat(p.toString()).contains("NaN or infinite").contains("element 1");
        INDArray inf = Nd4j.createFromArray(new float[][] {{1f, 2f, Float.NEGATIVE_INFINITY}});
        assertThat(ParityCheck.compare("network", inf, expected, new Tolerance(1e9, 1)).passed()).isFalse();
    }

    @Test
    void theBoundIsAbsolutePlusRelativeToEachReferenceValue() {
        INDArray expected = Nd4j.createFromArray(new float[][] {{0.001f, 1000f}});
        Tolerance t = new Tolerance(1e-4, 1e-3);
        // 1000 +- 0.9 is inside 1e-4 + 1e-3 * 1000 = 1.0001; 0.001 + 0.0002 is outside 1e-4 + 1e-6
        assertThat(ParityCheck.compare("n", Nd4j.createFromArray(new float[][] {{0.001f, 1000.9f}}), expected, t)
                .passed()).isTrue();
        ParityReport small = ParityCheck.compare("n", Nd4j.createFromArray(new float[][] {{0.0012f, 1000f}}),
                expected, t);
        assertThat(small.passed()).isFalse();
        assertThat(small.failing()).isEqualTo(1);
        assertThat(small.worstIndex()).isZero();
        assertThat(ParityCheck.compare("n", Nd4j.createFromArray(new float[][] {{0.001f, 1001.2f}}), expected, t)
                .passed()).isFalse();
    }

    @Test
    void outputsOfAnotherShapeAreReportedAsAShapeMismatch() {
        INDArray expected = Nd4j.rand(3, 5, 3);
        assertThatThrownBy(() -> ParityCheck.compare("network", Nd4j.rand(15, 3), expected, Tolerance.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shape mismatch")
                .hasMessageContaining("[15, 3]").hasMessageContaining("[3, 5, 3]");
    }

    @Test
    void toleranceRejectsNegativeAndNonFiniteBounds() {
        assertThatThrownBy(() -> new Tolerance(-1e-4, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1.0E-4");
        assertThatThrownBy(() -> new Tolerance(1e-4, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void referenceWithoutOutputArrayIsExplained() throws Exception {
        Path npz = npz("no-output.npz", Map.of("input", ref.get("input")));
        assertThatThrownBy(() -> ParityCheck.of(cnn, npz, 1e-4)).isInstanceOf(IOException.class)
                .hasMessageContaining("has no 'output' array").hasMessageContaining("numpy.savez");
    }

    @Test
    void referenceInputOfTheWrongShapeIsExplained() throws Exception {
        Path npz = npz("wrong.npz", Map.of("input", Nd4j.rand(2, 5), "output", Nd4j.rand(2, 5)));
        assertThatThrownBy(() -> ParityCheck.of(cnn, npz, 1e-4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reference input has shape [2, 5] but the model takes [12, 12, 3] (NHWC)");
    }

    @Test
    void savedAndReloadedImportKeepsCardAndOutputs() throws Exception {
        Path zip = tmp.resolve("cnn.zip");
        cnn.save(zip);
        GraftModel back = GraftModel.load(zip);
        assertThat(back.card().source()).isEqualTo(SourceKind.KERAS3);
        assertThat(back.card().inputShape()).containsExactly(12, 12, 3);
        assertThat(ParityCheck.of(back, Fixtures.keras3("cnn.npz"), 1e-4).passed()).isTrue();
        // predict() applies the card's normalization: raw pixels 0..255 give Keras' outputs for pixels 0..1
        INDArray raw = ref.get("input").mul(255.0);
        assertThat(back.predict(raw).sub(ref.get("output")).amaxNumber().doubleValue()).isLessThan(1e-4);
    }

    /** Writes arrays as NumPy's np.savez does: a zip of .npy files. */
    private static Path npz(String name, Map<String, INDArray> arrays) throws IOException {
        Path f = tmp.resolve(name);
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                z.write(Nd4j.toNpyByteArray(e.getValue().castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)));
                z.closeEntry();
            }
        }
        return f;
    }
}
