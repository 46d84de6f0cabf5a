package dev.graft.cli;

import dev.graft.examples.bench.Benchmarks;
import dev.graft.examples.bench.Result;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code graft bench}: the benchmark suite, printed as a Markdown table (and JSON lines with --json). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure Graft: featurize img/s (VGG16 to fc2, ResNet50 to the pooled vector; batch 16, "
                + "224x224x3, random weights), head training examples/s (4096->256->10, Adam, batch 64) from memory "
                + "and from the disk cache, cache write/read MB/s against a plain file read, and the demo's wall "
                + "time. Warm-up and repeated runs; prints median, min and max.",
                "Threads: OMP_NUM_THREADS (the launcher's default: the core count, OMP_WAIT_POLICY=PASSIVE); dense "
                        + "heads train on 1 native thread (GRAFT_TRAIN_THREADS overrides; GRAFT_TRAIN_BLAS_THREADS "
                        + "sets their matrix products apart) while Graft's Adam splits over the cores. Compare with "
                        + "tools/reference/bench_reference.py (PyTorch) on the same machine."})
final class BenchCommand implements Callable<Integer> {

    @Parameters(arity = "0..*", paramLabel = "WORKLOAD",
            description = {"Any of vgg16, resnet50, head, cache, demo (default: all), or model:FILE.zip[@LAYER]: featurize "
                + "a Graft model file (e.g. an imported Keras model) to its output or LAYER on random input of its "
                + "card's shape (compare with tools/reference/bench_keras_file.py on the same .keras file)."})
    List<String> workloads = new ArrayList<>();

    @Option(names = "--runs", defaultValue = "5", description = "Measured runs per workload (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", defaultValue = "1", description = "Unmeasured warm-up runs (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--batch", defaultValue = "16", description = "Featurize batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--head-rows", defaultValue = "10240", description = "Rows for head training (default: ${DEFAULT-VALUE}).")
    int headRows;

    @Option(names = "--cache-rows", defaultValue = "16384", description = "Rows x 2048 floats for the cache benchmark (default: ${DEFAULT-VALUE}).")
    int cacheRows;

    @Option(names = "--demo-runs", defaultValue = "3", description = "Runs of the demo, each a fresh JVM (default: ${DEFAULT-VALUE}).")
    int demoRuns;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON lines to FILE.")
    Path json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Benchmarks suite = Benchmarks.builder().workloads(workloads.isEmpty() ? Benchmarks.ALL : workloads)
                .warmup(warmup).runs(runs).batch(batch).headRows(headRows).cacheRows(cacheRows).demoRuns(demoRuns)
                .build();
        String env = Benchmarks.environment();
        out.println(env.lines().map(l -> "- " + l).reduce((a, b) -> a + "\n" + b).orElse(""));
        out.println();
        out.println("| workload | unit | median | min | max | runs | setup |");
        out.println("|---|---|---:|---:|---:|---:|---|");
        out.flush();
        List<Result> results = suite.run(r -> {
            out.println(r.markdownRow());
            out.flush();
        });
        if (json != null) {
            List<String> lines = new ArrayList<>();
            lines.add(Result.toJson(java.util.Map.of("environment", env.replace("\n", "; "))));
            results.forEach(r -> lines.add(r.json()));
            Files.write(json, lines, StandardCharsets.UTF_8);
        }
        return 0;
    }
}
