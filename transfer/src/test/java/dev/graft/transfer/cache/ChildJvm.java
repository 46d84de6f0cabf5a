package dev.graft.transfer.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts {@link CacheChild} in a fresh JVM with this test's class path. */
final class ChildJvm {
    final Process process;
    final Path log;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * @param shellPrefix shell commands run before the JVM (e.g. {@code ulimit -f 64}), or null
     */
    static ChildJvm start(Path log, String xmx, String shellPrefix, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + xmx);
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CacheChild.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb;
        if (shellPrefix == null) {
            pb = new ProcessBuilder(cmd);
        } else {
            List<String> sh = new ArrayList<>(List.of("bash", "-c", shellPrefix + "; exec \"$@\"", "child"));
            sh.addAll(cmd);
            pb = new ProcessBuilder(sh);
        }
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return new ChildJvm(pb.start(), log);
    }

    int await(long seconds) throws Exception {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("child JVM did not finish in " + seconds + " s; output:\n" + output());
        }
        return process.exitValue();
    }

    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The REPORT line's fields: outcome, shards built, seconds waited. */
    String[] report() throws IOException {
        for (String line : output().split("\n")) {
            if (line.startsWith("REPORT ")) {
                return line.substring(7).split(" ");
            }
        }
        throw new AssertionError("child printed no report:\n" + output());
    }
}
