package dev.graft.transfer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.graft.zoo.InputLayout;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** An empty class folder, wherever it sorts, does not cut the scan short: one run names every problem. */
class ImageFolderScanTest {

    @ParameterizedTest
    @ValueSource(strings = {"aaa-empty", "mmm-empty", "zzz-empty"})
    void everyBadFileAndEveryEmptyClassFolderIsNamedInOneError(String emptyName, @TempDir Path tmp) throws Exception {
        ImageFolderDataTest.images(tmp, "blue", Color.BLUE, 2, "png");
        ImageFolderDataTest.images(tmp, "red", Color.RED, 2, "png");
        ImageFolderDataTest.images(tmp, "green", Color.GREEN, 1, "png");
        Files.writeString(tmp.resolve("blue/corrupt.png"), "not an image");
        Files.write(tmp.resolve("blue/empty.jpg"), new byte[0]);
        Files.writeString(tmp.resolve("red/._0.png"), "apple double");
        Files.writeString(tmp.resolve("green/half.png"), "\u0089PNG\r\n");
        Files.createDirectories(tmp.resolve(emptyName));
        Files.createDirectories(tmp.resolve("notes-only"));
        Files.writeString(tmp.resolve("notes-only/readme.txt"), "x");
        for (boolean strict : new boolean[] {false, true}) {
            DataSpecException e = catchThrowableOfType(
                    () -> ImageFolderData.open(tmp, InputLayout.NCHW, 3, 4, 4, strict), DataSpecException.class);
            assertThat(e).isNotNull();
            assertThat(e.getMessage())
                    .contains("class folder " + tmp.resolve(emptyName) + " has no readable images (it is empty)")
                    .contains("class folder " + tmp.resolve("notes-only") + " has no readable images (1 not images by name)")
                    .contains("add images (").contains("to them or remove them")
                    .contains("unreadable files (4): ")
                    .contains(tmp.resolve("blue/corrupt.png").toString()).contains(tmp.resolve("blue/empty.jpg") + " (empty file)")
                    .contains(tmp.resolve("red/._0.png").toString()).contains(tmp.resolve("green/half.png").toString())
                    .doesNotContain("\n");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aClassFolderOfOnlyUnreadableFilesSaysSo(boolean strict, @TempDir Path tmp) throws Exception {
        ImageFolderDataTest.images(tmp, "a", Color.BLUE, 2, "png");
        ImageFolderDataTest.images(tmp, "c", Color.RED, 2, "png");
        Files.createDirectories(tmp.resolve("b"));
        Files.writeString(tmp.resolve("b/x.png"), "no");
        Files.writeString(tmp.resolve("c/y.png"), "no");
        DataSpecException e = catchThrowableOfType(
                () -> ImageFolderData.open(tmp, InputLayout.NCHW, 3, 4, 4, strict), DataSpecException.class);
        assertThat(e.getMessage()).startsWith("class folder " + tmp.resolve("b") + " has no readable images (1 unreadable); ")
                .contains("to it or remove it").contains("unreadable files (2): ").contains(tmp.resolve("b/x.png").toString())
                .contains(tmp.resolve("c/y.png").toString());
    }
}
