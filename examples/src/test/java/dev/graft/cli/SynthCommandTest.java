package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthCommandTest {

    private static long files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void aHugeSetIsRefusedUpFrontSayingItsSizeAndHowToGoBeyond(@TempDir Path dir) throws Exception {
        CliRun r = CliRun.of("data", "synth", dir.resolve("huge.csv").toString(), "--rows", "100000000000", "--features", "5");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("graft data synth: error: 100000000000 rows of 5 features would write about ")
                .contains(" TB to ").contains("more than --max-bytes 10G").contains("give --max-bytes ")
                .contains("write fewer --rows");
        assertThat(files(dir)).isZero();
    }

    @Test
    void maxBytesSetsTheLimitBothWays(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("s.csv");
        CliRun small = CliRun.of("data", "synth", f.toString(), "--rows", "1000", "--features", "4", "--max-bytes", "10k");
        assertThat(small.code()).isEqualTo(2);
        assertThat(small.err()).contains("more than --max-bytes 10k").containsPattern("give --max-bytes \\d+k to write it anyway");
        assertThat(f).doesNotExist();
        String suggested = small.err().replaceAll("(?s).*give --max-bytes (\\S+) to write it anyway.*", "$1").strip();
        CliRun ok = CliRun.of("data", "synth", f.toString(), "--rows", "1000", "--features", "4", "--max-bytes", suggested);
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(Files.size(f)).isLessThanOrEqualTo(SynthCommand.parseSize(suggested));
        CliRun bad = CliRun.of("data", "synth", f.toString(), "--max-bytes", "lots");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--max-bytes must be a positive size such as 500M, 10G or 2T, got 'lots'");
    }

    @Test
    void sizesReadInPowersOfThousand() {
        assertThat(SynthCommand.parseSize("123")).isEqualTo(123);
        assertThat(SynthCommand.parseSize("500k")).isEqualTo(500_000);
        assertThat(SynthCommand.parseSize("10G")).isEqualTo(10_000_000_000L);
        assertThat(SynthCommand.parseSize("1.5TB")).isEqualTo(1_500_000_000_000L);
    }

    @Test
    void moreClassesThanRowsIsRefused(@TempDir Path dir) throws Exception {
        CliRun r = CliRun.of("data", "synth", dir.resolve("s20.csv").toString(), "--rows", "10", "--classes", "20");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("graft data synth: error: 20 classes need at least 20 rows (one each), got 10; "
                + "write more rows or fewer classes");
        assertThat(files(dir)).isZero();
    }

    @Test
    void aCsvSpecPrefixNamesTheFileItselfNotAFolder(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("sc.csv");
        CliRun r = CliRun.of("data", "synth", "csv:" + f, "--rows", "30", "--classes", "3");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote 30 rows of 16 features, 3 classes to " + f + "; use it as csv:" + f);
        assertThat(f).isRegularFile();
        assertThat(Path.of("csv:")).doesNotExist();
        assertThat(dev.graft.transfer.data.DataSpec.load("csv:" + f).classCounts()).containsExactly(10, 10, 10);
    }
}
