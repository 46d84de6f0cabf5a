package dev.graft.examples.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.file.PathUtils;

/**
 * End-to-end wall time of {@code graft demo} (one seed, default settings): a fresh JVM per run with this JVM's
 * class path and environment, so JVM and native start-up are included.
 */
final class DemoBench {
    private DemoBench() {
    }

    static Result run(Timer timer, Path scratch) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = dev.graft.engine.Settings.ofProcess().foreignProperty("java.class.path");
        Path out = scratch.resolve("demo");
        Path log = scratch.resolve("demo.log");
        double[] runsPerSecond = timer.measure(() -> {
            if (Files.exists(out)) {
                PathUtils.deleteDirectory(out);
            }
            // this JVM's class path (the CLI jar and its lib folder) and environment (thread settings, GRAFT_*)
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-cp", classPath, "dev.graft.cli.GraftCli", "demo", "--quiet", "--out", out.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("graft demo did not finish in 30 minutes; log: " + log);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("graft demo failed (exit " + p.exitValue() + "); log: " + log);
            }
            return 1;
        });
        double[] seconds = new double[runsPerSecond.length];
        for (int i = 0; i < seconds.length; i++) {
            seconds[i] = 1 / runsPerSecond[i];
        }
        return new Result("demo", "s (wall)", seconds, "graft demo --quiet, one seed, a fresh JVM per run, "
                + "OMP_NUM_THREADS=" + env("OMP_NUM_THREADS") + ", OMP_WAIT_POLICY="
                + env("OMP_WAIT_POLICY"));
    }

    private static String env(String name) {
        String v = dev.graft.engine.Settings.ofProcess().foreignEnvironment(name);
        return v == null ? "unset" : v;
    }
}
