package dev.graft.transfer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDataTest {

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theEstimateIsWithinFivePercentOfTheFileWritten(@TempDir Path dir) throws Exception {
        for (String name : List.of("a.csv", "a.csv.gz")) {
            Path f = dir.resolve(name);
            SyntheticData.writeCsv(f, 30_000, 12, 4, 1.0, 3);
            long estimate = SyntheticData.estimateBytes(30_000, 12, 4, 1.0, 3, name.endsWith(".gz"));
            assertThat((double) estimate).as(name).isCloseTo(Files.size(f), org.assertj.core.data.Percentage.withPercentage(5));
        }
        assertThat(SyntheticData.estimateBytes(100_000_000_000L, 5, 3, 1.0, 0, false)).isGreaterThan(4_000_000_000_000L);
        assertThat(SyntheticData.estimateBytes(Long.MAX_VALUE, 1000, 3, 1.0, 0, false)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void moreClassesThanRowsIsRefusedAndNothingWritten(@TempDir Path dir) {
        Path f = dir.resolve("s.csv");
        assertThatThrownBy(() -> SyntheticData.writeCsv(f, 10, 4, 20, 1.0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("20 classes need at least 20 rows (one each), got 10; write more rows or fewer classes");
        assertThat(f).doesNotExist();
    }

    @Test
    void progressIsToldAndEndsAtTheRowCount(@TempDir Path dir) throws Exception {
        List<long[]> calls = new ArrayList<>();
        SyntheticData.writeCsv(dir.resolve("p.csv"), 40_000, 4, 3, 1.0, 0, (r, b) -> calls.add(new long[] {r, b}));
        assertThat(calls.size()).isGreaterThanOrEqualTo(3);
        assertThat(calls.get(calls.size() - 1)[0]).isEqualTo(40_000);
        assertThat(calls.get(calls.size() - 1)[1]).isEqualTo(Files.size(dir.resolve("p.csv")));
        for (int i = 1; i < calls.size(); i++) {
            assertThat(calls.get(i)[0]).isGreaterThanOrEqualTo(calls.get(i - 1)[0]);
        }
    }

    @Test
    void aFailedWriteLeavesNoTempFileAndNoFolderItMade(@TempDir Path dir) throws Exception {
        // the target is a folder with a file in it: the final move fails after every row was written
        Path target = dir.resolve("x.csv");
        Files.createDirectories(target);
        Files.writeString(target.resolve("keep"), "x");
        assertThatThrownBy(() -> SyntheticData.writeCsv(target, 5_000, 4, 3, 1.0, 0)).isInstanceOf(IOException.class);
        assertThat(names(dir)).containsExactly("x.csv");
        // a failure inside a folder the write created: the folder goes too
        Path deep = dir.resolve("new/sub/y.csv");
        assertThatThrownBy(() -> SyntheticData.writeCsv(deep, 5_000, 4, 3, 1.0, 0, (r, b) -> {
            throw new IllegalStateException("stop");
        })).hasMessage("stop");
        assertThat(names(dir)).containsExactly("x.csv");
    }

    @Test
    void interruptingAWriteLikeCtrlCLeavesNoTempFile(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("made/big.csv"); // in a folder the write makes, which goes too
        Path log = dir.resolve("child.log");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-cp",
                System.getProperty("java.class.path"), SynthChild.class.getName(), target.toString(), "20000000");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (Files.readString(log).lines().filter(l -> l.startsWith("PROGRESS")).count() < 3) {
                assertThat(p.isAlive()).as("child output: %s", Files.readString(log)).isTrue();
                assertThat(System.nanoTime()).as("child wrote no progress in 60 s").isLessThan(deadline);
                Thread.sleep(50);
            }
            assertThat(names(dir.resolve("made")).stream().filter(n -> n.startsWith(".big.csv.") && n.endsWith(".tmp"))).hasSize(1);
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
            assertThat(kill.waitFor()).isZero();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("child stops on SIGINT").isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(Files.readString(log)).doesNotContain("DONE");
        assertThat(names(dir)).containsExactly("child.log");
    }
}
