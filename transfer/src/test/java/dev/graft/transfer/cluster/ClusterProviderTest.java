package dev.graft.transfer.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterProviderTest {
    @TempDir
    Path tmp;

    @Test
    void withoutAProviderRequireSaysHowToAddTheSparkModule() {
        assertThat(ClusterProvider.find()).isEmpty(); // transfer's own class path has no cluster
        assertThatThrownBy(() -> ClusterProvider.require("--spark local[2]"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("--spark local[2] needs Graft's spark module, which is not on the class path")
                .hasMessageContaining("spark/target/graft-spark.jar").hasMessageContaining("--jars");
    }

    @Test
    void aProviderRegisteredInMetaInfServicesIsFoundThroughTheContextClassLoader() throws Exception {
        Path services = Files.createDirectories(tmp.resolve("META-INF/services"));
        Files.writeString(services.resolve(ClusterProvider.class.getName()), Fake.class.getName() + "\n");
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {tmp.toUri().toURL()}, before)) {
            Thread.currentThread().setContextClassLoader(loader);
            assertThat(ClusterProvider.find()).get().isInstanceOf(Fake.class);
            assertThat(ClusterProvider.require("--spark x").name()).isEqualTo("fake");
        } finally {
            Thread.currentThread().setContextClassLoader(before);
        }
    }

    @Test
    void settingsCopyTheirConfiguration() {
        java.util.Map<String, String> conf = new java.util.LinkedHashMap<>(Map.of("a", "1"));
        ClusterSettings s = new ClusterSettings("local[2]", "graft", conf, null, null, null, null, null, null, null);
        conf.put("b", "2");
        assertThat(s.conf()).containsExactly(Map.entry("a", "1"));
        assertThatThrownBy(() -> s.conf().put("c", "3")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(ClusterSettings.master("local[1]").conf()).isEmpty();
    }

    /** A provider for the lookup test. */
    public static final class Fake implements ClusterProvider {
        @Override
        public String name() {
            return "fake";
        }

        @Override
        public void check(ClusterSettings settings) {
        }

        @Override
        public Cluster connect(ClusterSettings settings) {
            throw new UnsupportedOperationException("not a cluster");
        }
    }
}
