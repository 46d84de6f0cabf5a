package dev.graft.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureCacheExampleTest {
    @TempDir
    Path tmp;

    @Test
    void exampleBuildsThenReusesItsCacheAndTheHeadLearns() throws Exception {
        String first = FeatureCacheExample.run(tmp, 15);
        assertThat(first).contains(": built;").contains("head: 15 epochs from the cache");
        double accuracy = Double.parseDouble(first.replaceAll("(?s).*digits 5-9: ([0-9.]+).*", "$1"));
        assertThat(accuracy).as(first).isGreaterThan(0.6); // chance is 0.2
        assertThat(FeatureCacheExample.run(tmp, 1)).contains(": reused;");
    }
}
