package dev.graft.zoo.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.zoo.GraftModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A .keras archive is read with its CRCs checked, and an imported model's labels must fit its outputs. */
class KerasArchiveIntegrityTest {

    @Test
    void aChangedByteInAStoredWeightsEntryFailsItsCrcInsteadOfImporting(@TempDir Path dir) throws Exception {
        byte[] b = Files.readAllBytes(Fixtures.keras3("mlp.keras"));
        byte[] name = "model.weights.h5".getBytes(StandardCharsets.UTF_8);
        int dataStart = -1;
        for (int i = 0; i + 30 < b.length && dataStart < 0; i++) {
            if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] == 3 && b[i + 3] == 4) {
                int n = (b[i + 26] & 0xff) | (b[i + 27] & 0xff) << 8;
                int extra = (b[i + 28] & 0xff) | (b[i + 29] & 0xff) << 8;
                if (n == name.length && java.util.Arrays.equals(b, i + 30, i + 30 + n, name, 0, n)) {
                    dataStart = i + 30 + n + extra;
                }
            }
        }
        assertThat(dataStart).isPositive();
        long size;
        try (java.util.zip.ZipFile zf = new java.util.zip.ZipFile(Fixtures.keras3("mlp.keras").toFile())) {
            size = zf.getEntry("model.weights.h5").getCompressedSize();
        }
        b[dataStart + (int) (size * 3 / 4)] ^= 0x01; // one bit of the stored (uncompressed) weights file
        Path damaged = Files.write(dir.resolve("mlp.keras"), b);
        assertThatThrownBy(() -> KerasImporter.builder(damaged).build().importModel())
                .isInstanceOf(KerasImportException.class).hasMessageContaining(damaged.toString())
                .hasMessageContaining("model.weights.h5 fails its CRC check").hasMessageContaining("save the .keras file again");
    }

    @Test
    void labelsThatDoNotFitTheOutputsAreRefusedBeforeSaving(@TempDir Path dir) throws Exception {
        GraftModel m = KerasImporter.builder(Fixtures.keras3("mlp.keras")).labels(List.of("a", "b")).build().importModel();
        long outputs = m.outputSize();
        assertThat(outputs).isGreaterThan(2);
        assertThatThrownBy(() -> m.save(dir.resolve("m.zip"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names 2 labels (a, b)").hasMessageContaining("has " + outputs + " outputs");
        assertThat(dir.resolve("m.zip")).doesNotExist();
    }
}
