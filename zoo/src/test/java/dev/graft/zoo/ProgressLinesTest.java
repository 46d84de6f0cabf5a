package dev.graft.zoo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Progress written to a log file or pipe: whole lines, no carriage returns, no one-character-wide bar. */
class ProgressLinesTest {
    @Test
    void plainLinesSayWhereATaskIsAndWhenItIsDone() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (Progress.Task t = Progress.lines(out).start("featurize", 200, "rows")) {
            for (int i = 0; i < 200; i++) {
                t.step(1);
            }
            t.message("shard 2");
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("\r").contains("featurize: 200/200 rows (100%)\n")
                .containsPattern("featurize: 200/200 rows \\(100%\\), \\d+\\.\\d s shard 2 done\n");
        assertThat(text.lines().count()).isEqualTo(2); // 100 % once, then the closing line; nothing per step
    }
}
