package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.transfer.cache.TinyModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark options of the one CLI refused before anything starts (in this JVM, no Spark context: the quick lane
 * runs these). The runs on Spark are {@link SparkCliTest}.
 */
class SparkCliOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void anUnknownTrainingOrAnOptionOfTheOtherTrainingIsRefusedBeforeSparkStarts() throws Exception {
        Path zip = tmp.resolve("base.zip");
        TinyModels.mlp(3).save(zip);
        assertThat(finetuneError(zip, "--training", "allreduce")).contains("graft finetune: error: unknown "
                + "Spark training 'allreduce': use averaging (PARAMETER_AVERAGING) or sharing (GRADIENT_SHARING)");
        assertThat(finetuneError(zip, "--training", "sharing", "--averaging", "3")).contains("graft finetune: "
                + "error: --averaging applies to --training averaging only, got --averaging 3 with --training sharing: "
                + "leave it out or use --training averaging");
        assertThat(finetuneError(zip, "--workers-per-node", "2")).contains("error: --workers-per-node applies to "
                + "--training sharing only, got --workers-per-node 2 with --training averaging");
        assertThat(tmp.resolve("c")).doesNotExist();
    }

    /** Runs finetune in this JVM (it must fail before a Spark context starts) and returns its error output. */
    private String finetuneError(Path zip, String... options) {
        List<String> args = new ArrayList<>(List.of("finetune", zip.toString(), "--cut", "dense2", "--data",
                "digits:0-4", "--cache", tmp.resolve("c").toString(), "--out", tmp.resolve("o.zip").toString(),
                "--spark", "local[2]"));
        args.addAll(List.of(options));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = GraftCli.run(args.toArray(String[]::new));
        } finally {
            System.setErr(old);
        }
        assertThat(code).isEqualTo(2);
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void sparkOptionsWithoutSparkAreRefused() throws Exception {
        Path zip = tmp.resolve("base.zip");
        TinyModels.mlp(3).save(zip);
        assertThat(errorOf(2, "featurize", zip.toString(), "--cut", "dense2", "--data", "digits:0-4", "--cache",
                tmp.resolve("c").toString(), "--conf", "spark.executor.memory=4g"))
                .contains("graft featurize: error: --conf is a Spark option, given without --spark")
                .contains("--spark local[2]");
        assertThat(errorOf(2, "finetune", zip.toString(), "--cut", "dense2", "--data", "digits:0-4", "--out",
                tmp.resolve("o.zip").toString(), "--training", "sharing"))
                .contains("graft finetune: error: --training is a Spark option, given without --spark");
        assertThat(errorOf(2, "featurize", zip.toString(), "--cut", "dense2", "--data", "digits:0-4", "--cache",
                "hdfs://namenode:8020/c")).contains("--cache hdfs://namenode:8020/c is a URI, which only Spark reads "
                        + "and writes: add --spark MASTER, or give a folder");
        assertThat(tmp.resolve("c")).doesNotExist();
    }

    @Test
    void whatSparkCannotDoIsRefusedBeforeItStarts() throws Exception {
        Path zip = tmp.resolve("base.zip");
        TinyModels.mlp(3).save(zip);
        String[] finetune = {"finetune", zip.toString(), "--cut", "dense2", "--data", "digits:0-4", "--out",
            tmp.resolve("o.zip").toString(), "--spark", "local[2]"};
        assertThat(errorOf(2, finetune)).contains("graft finetune: error: --spark needs --cache DIR|URI: a folder the "
                + "driver and every executor share");
        assertThat(errorOf(2, concat(finetune, "--cache", tmp.resolve("c").toString(), "--preset", "augment")))
                .contains("graft finetune: error: --preset augment augments the cache (shift:1,noise:0.05), which "
                        + "Spark featurizing cannot build");
        assertThat(errorOf(2, concat(finetune, "--cache", tmp.resolve("c").toString(), "--one-cycle", "--training",
                "sharing"))).contains("--one-cycle needs the head's epochs one at a time");
        assertThat(errorOf(2, "featurize", zip.toString(), "--cut", "dense2", "--data", "digits:0-4", "--cache",
                tmp.resolve("c").toString(), "--augment", "noise:0.1", "--spark", "local[2]"))
                .contains("graft featurize: error: --augment is not available with --spark");
        assertThat(tmp.resolve("c")).doesNotExist();
        assertThat(tmp.resolve("o.zip")).doesNotExist();
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    /** Runs the CLI in this JVM, expecting {@code code}, and returns its error output. */
    private static String errorOf(int code, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int got;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            got = GraftCli.run(args);
        } finally {
            System.setErr(old);
        }
        assertThat(got).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(code);
        return err.toString(StandardCharsets.UTF_8);
    }
}
