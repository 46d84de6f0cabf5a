package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code finetune}'s two shares: a refused combination names the option that fixes it, and its value works. */
class SplitMessagesCliTest {

    @Test
    void aTestShareThatLeavesNoValidationSaysLowerTestFractionAndItsValueWorks(@TempDir Path tmp) throws Exception {
        Path csv = tmp.resolve("t.csv");
        List<String> lines = new ArrayList<>(List.of("a,b,label"));
        Random r = new Random(1);
        for (int i = 0; i < 300; i++) {
            lines.add(r.nextGaussian() + "," + (r.nextGaussian() + i % 3) + "," + (i % 3));
        }
        Files.write(csv, lines);
        Path base = tmp.resolve("base.zip");
        CliRun pre = CliRun.of("pretrain", "autoencoder", "--data", "csv:" + csv, "--widths", "4,2", "--epochs", "1",
                "--out", base.toString(), "--quiet");
        assertThat(pre.code()).as(pre.err()).isZero();
        CliRun bad = CliRun.of("finetune", base.toString(), "--cut", "base0", "--data", "csv:" + csv, "--test-fraction", "0.99",
                "--out", tmp.resolve("m.zip").toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("too small for a 0.20 validation share")
                .contains("after the 0.99 test share (--test-fraction) held out 99 of its 100")
                .contains("lower --test-fraction (").doesNotContain("raise --val-fraction");
        String value = bad.err().replaceAll("(?s).*lower --test-fraction \\((\\d\\.\\d\\d) fits.*", "$1");
        assertThat(Double.parseDouble(value)).isLessThan(0.99);
        CliRun ok = CliRun.of("finetune", base.toString(), "--cut", "base0", "--data", "csv:" + csv, "--test-fraction", value,
                "--epochs", "1", "--out", tmp.resolve("m.zip").toString());
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(tmp.resolve("m.zip")).isRegularFile();
    }

    @Test
    void aValidationShareOutsideZeroToOneNamesItsOption(@TempDir Path tmp) {
        CliRun r = CliRun.of("finetune", tmp.resolve("none.zip").toString(), "--cut", "base0", "--data", "digits",
                "--val-fraction", "1.5", "--out", tmp.resolve("m.zip").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("graft finetune: error: --val-fraction must be between 0 and 1 (exclusive), got 1.5");
    }
}
