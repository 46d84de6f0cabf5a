package dev.graft.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.spark.RootedTestFileSystem;
import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.cache.TinyModels;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.spark.launcher.JavaModuleOptions;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The {@code --spark} command line, run as a user runs it: in its own JVM, on local[N] bound to 127.0.0.1. */
@Tag("slow") // the fast lane (-Pquick) leaves it out; mvn verify runs it
class SparkCliTest {
    private static final List<String> OPENS = List.of("--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED");

    @TempDir
    Path tmp;

    @Test
    void featurizeOnSparkWritesTheSingleMachineCache() throws Exception {
        Path zip = tmp.resolve("base.zip");
        TinyModels.mlp(3).save(zip);
        Path sparkDir = tmp.resolve("spark-cache");
        Child c = Child.start(tmp.resolve("featurize.log"), "featurize", zip.toString(), "--cut", "dense2",
                "--data", "digits:0-4", "--cache", sparkDir.toString(), "--shard-rows", "100", "--spark", "local[2]");
        assertThat(c.await(180)).as(c.output()).isZero();
        assertThat(c.output()).contains("built by this run").contains("key: ");

        FeatureCache single = FeatureCache.builder(tmp.resolve("single-cache"))
                .featurizer(Featurizers.cut(GraftModel.load(zip), "dense2")).source(DataSpec.load("digits:0-4"))
                .shardRows(100).build();
        single.build();
        assertThat(c.output()).contains("key: " + single.key());
        // 100-row shards and 64-row batches: batches straddle shards (and the two partitions) as on one machine
        assertThat(shardHashes(sparkDir)).isEqualTo(shardHashes(single.directory())).hasSizeGreaterThan(1);
    }

    @Test
    void aKilledSparkFeaturizeResumesToTheSameBytes() throws Exception {
        // 24,000 rows through a 64-2048-2048 network on local[1]: long enough (~10 s) to be killed half way.
        Path csv = tmp.resolve("rows.csv");
        writeCsv(csv, 24_000, 64, 5, 17);
        Path zip = tmp.resolve("wide.zip");
        wideMlp().save(zip);
        Path dir = tmp.resolve("killed");
        String[] args = {"featurize", zip.toString(), "--cut", "wide2", "--data", "csv:" + csv, "--cache",
                dir.toString(), "--shard-rows", "512", "--spark", "local[1]"};
        Child victim = Child.start(tmp.resolve("victim.log"), args);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (finishedShards(dir) < 3 && victim.process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(victim.process.isAlive()).as("still featurizing when killed: " + victim.output()).isTrue();
        victim.process.destroyForcibly(); // SIGKILL: no shutdown hooks, Spark gets no chance to clean up
        victim.process.waitFor(30, TimeUnit.SECONDS);
        int before = finishedShards(dir);
        assertThat(before).isBetween(3, 46);

        Child resume = Child.start(tmp.resolve("resume.log"), args);
        assertThat(resume.await(240)).as(resume.output()).isZero();
        int builtNow = Integer.parseInt(resume.output().replaceAll("(?s).* (\\d+) built by this run.*", "$1"));
        assertThat(builtNow).as("shards the resumed run built").isLessThanOrEqualTo(47 - before).isPositive();

        FeatureCache single = FeatureCache.builder(tmp.resolve("single"))
                .featurizer(Featurizers.cut(GraftModel.load(zip), "wide2")).source(DataSpec.load("csv:" + csv))
                .shardRows(512).build();
        single.build();
        assertThat(shardHashes(dir)).isEqualTo(shardHashes(single.directory())).hasSize(47);
    }

    @Test
    void finetuneOnSparkSavesAModelThatPredictsFromRawInput() throws Exception {
        Path zip = sourceModel();
        Path out = tmp.resolve("tuned.zip");
        // the cache at a file: URI goes through Hadoop's (raw) local FileSystem; training reads a verified copy
        Path cacheDir = tmp.resolve("c");
        Child c = Child.start(tmp.resolve("finetune.log"), "finetune", zip.toString(), "--cut", "dense2", "--data",
                "digits:0-4", "--cache", cacheDir.toUri().toString(), "--out", out.toString(), "--epochs", "15",
                "--spark", "local[2]");
        assertThat(c.await(240)).as(c.output()).isZero();
        assertThat(c.output()).contains("head: 15 epochs with parameter averaging on 2 workers");
        try (Stream<Path> files = Files.list(cacheDir)) { // no Hadoop .crc files or temp files beside the cache
            assertThat(files.map(f -> f.getFileName().toString()).sorted())
                    .containsExactly("manifest.json", "shard-00000.bin");
        }
        double accuracy = Double.parseDouble(c.output().replaceAll("(?s).*validation accuracy ([0-9.]+).*", "$1"));
        assertThat(accuracy).as(c.output()).isGreaterThan(0.6); // 5 classes: chance is 0.2
        GraftModel tuned = GraftModel.load(out);
        LabeledData zeroToFour = DataSpec.load("digits:0-4");
        assertThat(SparkFinetuneCommand.accuracy(tuned, zeroToFour)).isGreaterThan(0.6);
        assertThat(tuned.card().origin()).contains("--spark local[2]");
    }

    @Test
    void finetuneWithGradientSharingOnSparkSavesAModelThatPredictsFromRawInput() throws Exception {
        Path zip = sourceModel();
        Path out = tmp.resolve("shared.zip");
        // DL4J's defaults for gradient sharing (adaptive threshold, one replica per executor); no Aeron property
        // on this JVM's command line: the trainer sets it
        Child c = Child.start(tmp.resolve("sharing.log"), "finetune", zip.toString(), "--cut", "dense2", "--data",
                "digits:0-4", "--cache", tmp.resolve("c").toString(), "--out", out.toString(), "--epochs", "15",
                "--training", "sharing", "--spark", "local[2]");
        assertThat(c.await(240)).as(c.output()).isZero();
        assertThat(c.output()).contains("head: 15 epochs with gradient sharing on 2 workers");
        double accuracy = Double.parseDouble(c.output().replaceAll("(?s).*validation accuracy ([0-9.]+).*", "$1"));
        assertThat(accuracy).as(c.output()).isGreaterThan(0.6); // 5 classes: chance is 0.2
        assertThat(SparkFinetuneCommand.accuracy(GraftModel.load(out), DataSpec.load("digits:0-4"))).isGreaterThan(0.6);
    }

    @Test
    void anUnknownTrainingOrAnOptionOfTheOtherTrainingIsRefusedBeforeSparkStarts() throws Exception {
        Path zip = tmp.resolve("base.zip");
        TinyModels.mlp(3).save(zip);
        assertThat(finetuneError(zip, "--training", "allreduce")).contains("graft finetune (spark): error: unknown "
                + "Spark training 'allreduce': use averaging (PARAMETER_AVERAGING) or sharing (GRADIENT_SHARING)");
        assertThat(finetuneError(zip, "--training", "sharing", "--averaging", "3")).contains("graft finetune (spark): "
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
            code = GraftSpark.run(args.toArray(String[]::new));
        } finally {
            System.setErr(old);
        }
        assertThat(code).isEqualTo(2);
        return err.toString(StandardCharsets.UTF_8);
    }

    /** The tiny MLP trained on digits 5-9, saved: the source model the finetune runs start from. */
    private Path sourceModel() throws Exception {
        GraftModel source = TinyModels.mlp(4);
        LabeledData five = DataSpec.load("digits:5-9");
        DataSet all = new DataSet(source.preprocess(five.features()), five.oneHotLabels());
        for (int e = 0; e < 10; e++) {
            source.multiLayerNetwork().fit(new ListDataSetIterator<>(all.asList(), 32));
        }
        Path zip = tmp.resolve("source.zip");
        source.save(zip);
        return zip;
    }

    /**
     * The README's spark-submit line, run for real: {@code SparkSubmit} (what the {@code spark-submit} script runs)
     * in a JVM with the module flags Spark 3.3's launcher adds ({@code JavaModuleOptions}) and third-party jars on
     * the class path as a Spark installation has them; Graft's own code only in the primary jar and
     * {@code --jars}, the master only from {@code --master}. The cache goes to a Hadoop URI whose FileSystem also
     * comes through {@code --jars} and {@code --conf spark.hadoop.fs.graftfs.impl}.
     */
    @Test
    void sparkSubmitRunsTheEntryPointAndWritesTheSingleMachineCacheToAHadoopUri() throws Exception {
        Path zip = tmp.resolve("base.zip");
        TinyModels.mlp(3).save(zip);
        Path jars = Files.createDirectories(tmp.resolve("jars"));
        Path primary = jarOf(GraftSpark.class, jars.resolve("graft-spark.jar"), name -> true);
        List<String> extra = List.of(
                jarOf(FeatureCache.class, jars.resolve("graft-transfer.jar"), name -> true).toString(),
                jarOf(GraftModel.class, jars.resolve("graft-zoo.jar"), name -> true).toString(),
                jarOf(dev.graft.engine.Engine.class, jars.resolve("graft-engine.jar"), name -> true).toString(),
                jarOf(org.nd4j.nativeblas.Nd4jCpu.class, jars.resolve("graft-nd4j-bridge.jar"), name -> true)
                        .toString(),
                jarOf(RootedTestFileSystem.class, jars.resolve("graftfs.jar"),
                        name -> name.startsWith(RootedTestFileSystem.class.getName().replace('.', '/'))).toString());
        List<String> sparkInstall = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (name.endsWith(".jar") && !name.startsWith("graft-")) { // Graft's modules come via --jars only
                sparkInstall.add(entry);
            }
        }
        Path root = Files.createDirectories(tmp.resolve("graftfs-root"));
        String uri = RootedTestFileSystem.SCHEME + ":///caches/digits";
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.addAll(List.of(JavaModuleOptions.defaultModuleOptions().split(" ")));
        cmd.addAll(List.of("-cp", String.join(java.io.File.pathSeparator, sparkInstall),
                "org.apache.spark.deploy.SparkSubmit", "--master", "local[2]", "--class", GraftSpark.class.getName(),
                "--jars", String.join(",", extra),
                "--conf", "spark.executorEnv.OMP_NUM_THREADS=1",
                "--conf", "spark.hadoop.fs.graftfs.impl=" + RootedTestFileSystem.class.getName(),
                "--conf", "spark.hadoop.fs.graftfs.root=" + root,
                primary.toString(), "featurize", zip.toString(), "--cut", "dense2", "--data", "digits:0-4",
                "--cache", uri, "--shard-rows", "100"));
        Child c = Child.startCommand(tmp.resolve("submit.log"), cmd);
        assertThat(c.await(180)).as(c.output()).isZero();
        assertThat(c.output()).contains("feature cache " + uri + ": 901 rows in 10 shards, 10 built by this run")
                .contains("Spark master local[2]");

        FeatureCache single = FeatureCache.builder(tmp.resolve("single-cache"))
                .featurizer(Featurizers.cut(GraftModel.load(zip), "dense2")).source(DataSpec.load("digits:0-4"))
                .shardRows(100).build();
        single.build();
        Path written = RootedTestFileSystem.local(root, uri);
        assertThat(shardHashes(written)).isEqualTo(shardHashes(single.directory())).hasSize(10);
        assertThat(Files.readAllBytes(written.resolve("manifest.json")))
                .isEqualTo(Files.readAllBytes(single.directory().resolve("manifest.json")));
    }

    /**
     * A jar of the classes {@code c} was loaded from (only entries whose name passes {@code include}); the jar
     * itself when they already come from one.
     */
    private static Path jarOf(Class<?> c, Path target, java.util.function.Predicate<String> include)
            throws Exception {
        Path source = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(source)) {
            return source;
        }
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target));
                Stream<Path> files = Files.walk(source)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String name = source.relativize(f).toString().replace(java.io.File.separatorChar, '/');
                if (include.test(name)) {
                    out.putNextEntry(new JarEntry(name));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
        }
        return target;
    }

    @Test
    void withoutAMasterItSaysHowToGiveOne() throws Exception {
        Path zip = tmp.resolve("base.zip");
        TinyModels.mlp(3).save(zip);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = GraftSpark.run("featurize", zip.toString(), "--cut", "dense2", "--data", "digits:0-4", "--cache",
                    tmp.resolve("c").toString());
        } finally {
            System.setErr(old);
        }
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("graft featurize (spark): error: no Spark master")
                .contains("--spark local[2]");
        assertThat(tmp.resolve("c")).doesNotExist();
    }

    /** 64 -> 2048 -> 2048 (ReLU) -> 5: wide enough that featurizing takes seconds. */
    private static GraftModel wideMlp() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(2)
                .dataType(DataType.FLOAT).list()
                .layer(new DenseLayer.Builder().name("wide1").nIn(64).nOut(2048).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("wide2").nIn(2048).nOut(2048).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nIn(2048).nOut(5)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return GraftModel.of(net, ModelCard.builder("wide").architecture("wide-mlp").input(InputLayout.FLAT, 64)
                .normalization(Normalization.identity()).build());
    }

    private static void writeCsv(Path file, int rows, int width, int classes, long seed) throws Exception {
        Random r = new Random(seed);
        try (Writer w = Files.newBufferedWriter(file)) {
            for (int i = 0; i < rows; i++) {
                StringBuilder line = new StringBuilder();
                for (int j = 0; j < width; j++) {
                    line.append(String.format(Locale.ROOT, "%.4f,", r.nextGaussian()));
                }
                w.write(line.append(i % classes).append('\n').toString());
            }
        }
    }

    private static int finishedShards(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return (int) s.filter(p -> p.getFileName().toString().matches("shard-\\d+\\.bin")).count();
        }
    }

    private static Map<String, String> shardHashes(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s.filter(f -> f.getFileName().toString().matches("shard-\\d+\\.bin"))::iterator) {
                out.put(p.getFileName().toString(),
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        return out;
    }

    /** {@link GraftSpark} in a fresh JVM with this test's class path, as the launcher starts it. */
    private static final class Child {
        final Process process;
        final Path log;

        private Child(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        static Child start(Path log, String... args) throws Exception {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xmx1g");
            cmd.addAll(OPENS);
            cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(GraftSpark.class.getName());
            cmd.addAll(List.of(args));
            return startCommand(log, cmd);
        }

        /** Runs {@code cmd} (a full java command line) with the launcher's environment. */
        static Child startCommand(Path log, List<String> cmd) throws Exception {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("OMP_NUM_THREADS", "1");
            pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            return new Child(pb.start(), log);
        }

        int await(long seconds) throws Exception {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("child JVM did not finish in " + seconds + " s; output:\n" + output());
            }
            return process.exitValue();
        }

        String output() throws Exception {
            return Files.exists(log) ? Files.readString(log) : "";
        }
    }
}
