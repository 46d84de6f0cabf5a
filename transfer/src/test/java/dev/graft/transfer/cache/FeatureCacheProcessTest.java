package dev.graft.transfer.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.zoo.Checksums;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cache behaviour across real processes: kill -9 and resume, two builders, heap and file-size limits. */
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

    private ChildJvm child(Path dir, String log, int slowMs, String shell, String xmx) throws Exception {
        return ChildJvm.start(tmp.resolve(log), xmx, shell, dir.toString(), modelZip.toString(), "dense2", DATA,
                "40", "10", Integer.toString(slowMs));
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
        ChildJvm reference = child(whole, "whole.log", 0, null, "512m");

        Path killed = tmp.resolve("killed");
        ChildJvm victim = child(killed, "victim.log", 40, null, "512m");
        long deadline = System.currentTimeMillis() + 60_000;
        while (recordedShards(killed) < 4 && victim.process.isAlive() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(victim.process.isAlive()).as("victim still building when killed").isTrue();
        victim.process.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no cleanup
        victim.process.waitFor();
        int doneBeforeKill = recordedShards(killed);
        assertThat(Manifest.read(killed).status).isEqualTo(Manifest.BUILDING);

        assertThat(reference.await(120)).as(reference.output()).isZero();
        int total = shardHashes(whole).size();
        assertThat(doneBeforeKill).isBetween(4, total - 1);

        ChildJvm resume = child(killed, "resume.log", 0, null, "512m");
        assertThat(resume.await(120)).as(resume.output()).isZero();
        String[] report = resume.report();
        assertThat(report[0]).isEqualTo("RESUMED");
        assertThat(Integer.parseInt(report[1])).as("only the missing shards are built")
                .isBetween(1, total - doneBeforeKill);
        assertThat(shardHashes(killed)).isEqualTo(shardHashes(whole));
        assertThat(Manifest.read(killed).status).isEqualTo(Manifest.COMPLETE);
        try (Stream<Path> files = Files.list(killed)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp"));
        }
    }

    @Test
    void twoProcessesOnOneCacheOneBuildsTheOtherWaitsThenReuses() throws Exception {
        Path dir = tmp.resolve("both");
        // Started together; whichever takes the lock first builds (slowly), the other must wait for it.
        ChildJvm a = child(dir, "a.log", 60, null, "512m");
        ChildJvm b = child(dir, "b.log", 60, null, "512m");
        assertThat(a.await(120)).as(a.output()).isZero();
        assertThat(b.await(120)).as(b.output()).isZero();
        ChildJvm builder = a.report()[0].equals("BUILT") ? a : b;
        ChildJvm waiter = builder == a ? b : a;
        assertThat(builder.report()[0]).isEqualTo("BUILT");
        assertThat(waiter.report()[0]).isEqualTo("REUSED");
        assertThat(waiter.report()[1]).as("shards built by the waiter").isEqualTo("0");
        assertThat(Double.parseDouble(waiter.report()[2])).as("seconds waited").isGreaterThan(0.1);
        assertThat(waiter.output()).contains("WAIT another process is building");
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
