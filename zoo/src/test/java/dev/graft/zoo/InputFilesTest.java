package dev.graft.zoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputFilesTest {

    @Test
    void ioErrorsWhoseMessageIsOnlyAPathBecomeSentences() {
        assertThat(InputFiles.describe(new AccessDeniedException("/data/train.csv")))
                .isEqualTo("permission denied: /data/train.csv; check its permissions");
        assertThat(InputFiles.describe(new NoSuchFileException("/data/gone")))
                .isEqualTo("no such file or folder: /data/gone");
        assertThat(InputFiles.describe(new java.nio.file.FileSystemException("/out/m.zip", null, "No space left on device")))
                .isEqualTo("No space left on device: /out/m.zip");
    }

    @Test
    void aFolderOrAMissingFileIsSaidSo(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> InputFiles.requireReadableFile(dir, "model file"))
                .isInstanceOf(FileNotFoundException.class).hasMessage("model file " + dir + " is a folder, not a file");
        assertThatThrownBy(() -> InputFiles.requireReadableFile(dir.resolve("none.zip"), "model file"))
                .isInstanceOf(FileNotFoundException.class).hasMessage("model file " + dir.resolve("none.zip") + " does not exist");
        Path file = Files.writeString(dir.resolve("f"), "x");
        InputFiles.requireReadableFile(file, "model file");
        assertThatThrownBy(() -> InputFiles.requireReadableFolder(file, "image folder"))
                .hasMessage("image folder " + file + " is a file, not a folder");
    }
}
