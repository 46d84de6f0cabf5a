package dev.graft.transfer.cache;

import dev.graft.transfer.data.SyntheticSource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.zoo.Checksums;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cache behaviour across real processes: kill -9 and resume, two builders, heap and file-size limits. */
@Tag("slow") // the fast lane (-Pquick) leaves it out; mvn verify runs it
class FeatureCacheProcessTest {
    private static final String DATA = "digits:0-4";

    @TempDir
    static Path shared;
    static Path modelZip;

    @TempDir
    Path tmp;

    @BeforeAll
    static void saveModel() throws Exception {
        modelZip = shared.resolve("tiny.zip");
        TinyModels.mlp(11).save(modelZip);
    }

    private ChildJvm child(Path dir, String log, String hold) throws Exception {
        return ChildJvm.start(tmp.resolve(log), "512m", null, dir.toString(), modelZip.toString(), "dense2", DATA,
                "40", "10", "0", hold);
    }

    private static void awaitCondition(String what, java.util.function.BooleanSupplier condition) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static Map<String, String> shardHashes(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().startsWith("shard-")) {
                    out.put(p.getFileName().toString(), Checksums.sha256(p));
                }
            }
        }
        return out;
    }

    private static int recordedShards(Path dir) {
        try {
            Manifest m = Manifest.read(dir);
            return m == null ? 0 : m.shards.size();
        } catch (Exception e) {
            return 0;
        }
    }

    @Test
    void buildKilledWithSigkillMidwayResumesToTheSameBytesAsAnUninterruptedBuild() throws Exception {
        Path whole = tmp.resolve("whole");
        ChildJvm reference = child(whole, "whole.log", "");

        // 40-row shards, 10-row batches: the victim finishes shards 0-3 and stalls in batch 18, inside shard 4.
        Path killed = tmp.resolve("killed");
        ChildJvm victim = child(killed, "victim.log", "block:18");
        awaitCondition("4 finished shards", () -> recordedShards(killed) >= 4 || !victim.process.isAlive());
        Thread.sleep(200); // let it write part of shard 4 to its temp file
        assertThat(victim.process.isAlive()).as("victim still building when killed: " + victim.output()).isTrue();
        victim.process.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no cleanup
        victim.process.waitFor();
        assertThat(recordedShards(killed)).isEqualTo(4);
        assertThat(Manifest.read(killed).status).isEqualTo(Manifest.BUILDING);
        try (Stream<Path> files = Files.list(killed)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("a half-written shard was left behind")
                    .anyMatch(n -> n.startsWith("shard-00004.bin.tmp-"));
        }

        assertThat(reference.await(120)).as(reference.output()).isZero();
        int total = shardHashes(whole).size();
        assertThat(total).isEqualTo(23);

        ChildJvm resume = child(killed, "resume.log", "");
        assertThat(resume.await(120)).as(resume.output()).isZero();
        String[] report = resume.report();
        assertThat(report[0]).isEqualTo("RESUMED");
        assertThat(Integer.parseInt(report[1])).as("only the missing shards are built").isEqualTo(total - 4);
        assertThat(shardHashes(killed)).isEqualTo(shardHashes(whole));
        assertThat(Manifest.read(killed).status).isEqualTo(Manifest.COMPLETE);
        try (Stream<Path> files = Files.list(killed)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp"));
        }
    }

    @Test
    void twoProcessesOnOneCacheOneBuildsTheOtherWaitsThenReuses() throws Exception {
        Path dir = tmp.resolve("both");
        Path gate = tmp.resolve("gate");
        // The first holds the lock, stalled on a gate, until the second is seen waiting for that lock.
        ChildJvm first = child(dir, "first.log", "gate:" + gate);
        awaitCondition("the first build to start", () -> Files.exists(dir.resolve(Manifest.FILE)));
        ChildJvm second = child(dir, "second.log", "");
        awaitCondition("the second process to wait", () -> {
            try {
                return second.output().contains("WAIT another process is building") || !second.process.isAlive();
            } catch (java.io.IOException e) {
                return false;
            }
        });
        Thread.sleep(300);
        assertThat(second.process.isAlive()).as(second.output()).isTrue();
        Files.writeString(gate, "go");
        assertThat(first.await(120)).as(first.output()).isZero();
        assertThat(second.await(120)).as(second.output()).isZero();
        assertThat(first.report()[0]).isEqualTo("BUILT");
        assertThat(second.report()[0]).isEqualTo("REUSED");
        assertThat(second.report()[1]).as("shards built by the waiter").isEqualTo("0");
        assertThat(Double.parseDouble(second.report()[2])).as("seconds waited").isGreaterThan(0.2);
    }

    @Test
    void sourceLargerThanTheHeapStreamsThroughA256MbJvm() throws Exception {
        int rows = 48_000;
        int width = 2048;
        SyntheticSource src = new SyntheticSource(rows, new long[] {width}, 4, 3, 1.0);
        assertThat(src.rawBytes()).isGreaterThan(256L << 20);
        Path dir = tmp.resolve("big");
        ChildJvm big = ChildJvm.start(tmp.resolve("big.log"), "256m", null, dir.toString(),
                "synthetic:" + rows + ":" + width, "wide", "-", "4096", "256", "0");
        assertThat(big.await(240)).as(big.output()).isZero();
        assertThat(big.report()[0]).isEqualTo("BUILT");
        assertThat(big.output()).contains("HEAP max " ).doesNotContain("OutOfMemory");
        Manifest m = Manifest.read(dir);
        assertThat(m.rows).isEqualTo(rows);
        assertThat(m.status).isEqualTo(Manifest.COMPLETE);
    }

    @Test
    void fullDiskFailsWithAClearErrorAndLeavesNoTempFiles() throws Exception {
        Path dir = tmp.resolve("full");
        // A 24 KiB file-size limit (the shard would be 47 KiB): writes fail with EFBIG, as on a full disk.
        ChildJvm c = ChildJvm.start(tmp.resolve("full.log"), "512m", "ulimit -f 24", dir.toString(),
                modelZip.toString(), "dense2", DATA, "4000", "10", "0");
        assertThat(c.await(120)).as(c.output()).isEqualTo(2);
        assertThat(c.output()).contains("ERROR cannot write the feature cache in " + dir)
                .contains("is the disk full");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
        }
        assertThat(Manifest.read(dir).status).isEqualTo(Manifest.BUILDING);
    }
}
