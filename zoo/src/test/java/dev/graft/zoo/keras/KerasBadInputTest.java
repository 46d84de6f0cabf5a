package dev.graft.zoo.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damaged, empty and foreign files give one clear {@link KerasImportException} and never take the JVM down.
 * These run in the test JVM itself, with the native HDF5 library loaded: a crash there would end the test run.
 */
class KerasBadInputTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"model.h5", "model.keras", "model.json"})
    void emptyFileIsRejectedAsEmpty(String name) throws IOException {
        Path f = Files.createFile(tmp.resolve(name));
        assertThatThrownBy(() -> KerasImporter.builder(f).build().importModel())
                .isInstanceOf(KerasImportException.class).hasMessageContaining("is empty (0 bytes)");
    }

    @Test
    void missingFileIsNamed() {
        Path f = tmp.resolve("nope.keras");
        assertThatThrownBy(() -> KerasImporter.builder(f).build().preflight())
                .isInstanceOf(KerasImportException.class).hasMessageContaining(f + " does not exist");
    }

    @Test
    void textFileNamedH5IsNotAKerasFile() throws IOException {
        Path f = Files.writeString(tmp.resolve("notes.h5"), "these are my notes, not a model\n");
        assertThatThrownBy(() -> KerasImporter.builder(f).build().importModel())
                .isInstanceOf(KerasImportException.class)
                .hasMessageContaining("is not a Keras model file: it is neither a .keras zip, an HDF5 .h5 file nor a "
                        + "JSON config (first bytes \"these ar\")");
    }

    @Test
    void randomBytesAreNotAKerasFile() throws IOException {
        byte[] junk = new byte[4096];
        new Random(1).nextBytes(junk);
        junk[0] = 0x13;
        Path f = Files.write(tmp.resolve("junk.h5"), junk);
        assertThatThrownBy(() -> KerasImporter.builder(f).build().importModel())
                .isInstanceOf(KerasImportException.class).hasMessageContaining("is not a Keras model file");
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 40, 700, 5000, 20000, -1})
    void truncatedH5IsRejectedBeforeNativeCodeReadsIt(int keep) throws IOException {
        byte[] all = Files.readAllBytes(Fixtures.keras3("cnn.h5"));
        int n = keep < 0 ? all.length - 1 : keep;
        Path f = Files.write(tmp.resolve("cut.h5"), Arrays.copyOf(all, n));
        assertThatThrownBy(() -> KerasImporter.builder(f).build().importModel())
                .isInstanceOf(KerasImportException.class).hasMessageContaining("truncated HDF5 file")
                .hasMessageContaining("has " + n + " bytes");
    }

    @Test
    void truncatedKerasArchiveIsADamagedZip() throws IOException {
        byte[] all = Files.readAllBytes(Fixtures.keras3("cnn.keras"));
        Path f = Files.write(tmp.resolve("cut.keras"), Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> KerasImporter.builder(f).build().importModel())
                .isInstanceOf(KerasImportException.class).hasMessageContaining("damaged or truncated zip");
    }

    @Test
    void zipWithoutConfigJsonIsNotAKerasModel() throws IOException {
        Path f = tmp.resolve("photos.keras");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            z.putNextEntry(new ZipEntry("cat.jpg"));
            z.write("not really a cat".getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }
        assertThatThrownBy(() -> KerasImporter.builder(f).build().importModel())
                .isInstanceOf(KerasImportException.class)
                .hasMessageContaining("is a zip but not a Keras 3 model: it has no config.json (entries: cat.jpg)");
    }

    @Test
    void archiveWithTruncatedWeightsNamesTheDamagedMember() throws IOException {
        Path f = rewriteArchive("cnn.keras", "model.weights.h5", b -> Arrays.copyOf(b, b.length / 3));
        assertThatThrownBy(() -> KerasImporter.builder(f).build().importModel())
                .isInstanceOf(KerasImportException.class)
                .hasMessageContaining("its model.weights.h5 is damaged").hasMessageContaining("truncated HDF5 file");
    }

    @Test
    void archiveWithBrokenConfigJsonSaysSo() throws IOException {
        Path f = rewriteArchive("cnn.keras", "config.json", b -> Arrays.copyOf(b, b.length / 2));
        assertThatThrownBy(() -> KerasImporter.builder(f).build().importModel())
                .isInstanceOf(KerasImportException.class).hasMessageContaining("config.json is not valid JSON");
    }

    @Test
    void weightsOnlyH5AsModelFileAsksForItsConfig() {
        assertThatThrownBy(() -> KerasImporter.builder(Fixtures.keras2("simple_lstm_weights.h5")).build()
                .importModel())
                .isInstanceOf(KerasImportException.class).hasMessageContaining("without a model_config attribute");
    }

    /**
     * Bytes overwritten inside a complete HDF5 file (same length, so the truncation check passes) reach the
     * native library. Whatever it makes of them, the result is an import or a KerasImportException, and the JVM
     * carries on: the next import of an intact file still works.
     */
    @ParameterizedTest
    @ValueSource(ints = {96, 512, 800, 1200, 2048, 4096, 8000, 16000, 30000})
    void corruptedH5InsideGivesAnImportErrorOrAModelButNeverACrash(int at) throws Exception {
        byte[] all = Files.readAllBytes(Fixtures.keras3("cnn.h5"));
        byte[] bad = all.clone();
        Random r = new Random(at);
        for (int i = at; i < Math.min(at + 256, bad.length); i++) {
            bad[i] = (byte) r.nextInt(256);
        }
        Path f = Files.write(tmp.resolve("corrupt-" + at + ".h5"), bad);
        Throwable t = catchThrowable(() -> KerasImporter.builder(f).build().importModel());
        System.out.println("corrupted at " + at + ": " + (t == null ? "imported" : t.getMessage()));
        if (t != null) {
            assertThat(t).isInstanceOf(KerasImportException.class);
            assertThat(t.getMessage()).contains(f.toString());
        }
        // a collection now would make JavaCPP close anything a failed read left open, on its own thread,
        // while the next import runs; nothing may be left (Hdf5File closes every object itself)
        System.gc();
        assertThat(KerasImporter.builder(Fixtures.keras3("mlp.h5")).build().importModel().card().name())
                .isEqualTo("mlp");
    }

    private Path rewriteArchive(String fixture, String member, java.util.function.UnaryOperator<byte[]> change)
            throws IOException {
        Path out = tmp.resolve("re-" + fixture);
        try (ZipFile in = new ZipFile(Fixtures.keras3(fixture).toFile());
             OutputStream os = Files.newOutputStream(out);
             ZipOutputStream z = new ZipOutputStream(os)) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                byte[] b = in.getInputStream(e).readAllBytes();
                z.putNextEntry(new ZipEntry(e.getName()));
                z.write(e.getName().equals(member) ? change.apply(b) : b);
                z.closeEntry();
            }
        }
        return out;
    }
}
