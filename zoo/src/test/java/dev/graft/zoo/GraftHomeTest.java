package dev.graft.zoo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraftHomeTest {
    @TempDir
    Path dir;

    @AfterEach
    void clear() {
        System.clearProperty("graft.home");
        System.clearProperty("graft.mirrors");
    }

    @Test
    void homeComesFromThePropertyAndHoldsTheCacheAndRegistry() {
        System.setProperty("graft.home", dir.toString());
        GraftHome home = GraftHome.fromEnvironment();
        assertThat(home.root()).isEqualTo(dir.toAbsolutePath());
        assertThat(home.models()).isEqualTo(dir.resolve("models"));
        assertThat(home.registry()).isEqualTo(dir.resolve("registry.json"));
    }

    @Test
    void mirrorsComeFromTheSettingsFileUnlessThePropertyOverridesIt() throws IOException {
        GraftHome home = GraftHome.at(dir);
        assertThat(home.configuredMirrors()).isEmpty();
        Files.writeString(home.settings(), "mirrors = http://a.example/m, http://b.example/m\n");
        assertThat(home.configuredMirrors()).containsExactly("http://a.example/m", "http://b.example/m");
        System.setProperty("graft.mirrors", "http://c.example/{file}");
        assertThat(home.configuredMirrors()).containsExactly("http://c.example/{file}");
    }
}
