package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.spark.RootedTestFileSystem;
import dev.graft.spark.SparkCluster;
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
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
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

/**
 * {@code graft ... --spark}: the one command line ({@link GraftCli}) with the spark module on its class path, run as
 * the launcher runs it: in its own JVM, on local[N] bound to 127.0.0.1.
 */
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
                "--lr", "0.01", "--spark", "local[2]"); // the Spark CLI's former default rate; the one CLI's is the plan's
        assertThat(c.await(240)).as(c.output()).isZero();
        assertThat(c.output()).contains("head: 15 epochs with parameter averaging on 2 workers");
        // FineTuner's layout (train/, val/), each written by Spark: no Hadoop .crc files or temp files beside them
        for (String part : List.of("train", "val")) {
            try (Stream<Path> files = Files.list(cacheDir.resolve(part))) {
                assertThat(files.map(f -> f.getFileName().toString()).sorted())
                        .containsExactly("manifest.json", "shard-00000.bin");
            }
        }
        // the FineTuner found the caches Spark built (downloaded from the URI) and featurized nothing itself
        assertThat(c.output()).containsPattern("feature cache \\S+/train: reused")
                .containsPattern("feature cache \\S+/val: reused");
        double accuracy = Double.parseDouble(c.output().replaceAll("(?s).*validation accuracy ([0-9.]+).*", "$1"));
        assertThat(accuracy).as(c.output()).isGreaterThan(0.6); // 5 classes: chance is 0.2
        GraftModel tuned = GraftModel.load(out);
        LabeledData zeroToFour = DataSpec.load("digits:0-4");
        assertThat(accuracy(tuned, zeroToFour)).isGreaterThan(0.6);
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
                "--lr", "0.01", "--training", "sharing", "--spark", "local[2]");
        assertThat(c.await(240)).as(c.output()).isZero();
        assertThat(c.output()).contains("head: 15 epochs with gradient sharing on 2 workers");
        double accuracy = Double.parseDouble(c.output().replaceAll("(?s).*validation accuracy ([0-9.]+).*", "$1"));
        assertThat(accuracy).as(c.output()).isGreaterThan(0.6); // 5 classes: chance is 0.2
        assertThat(accuracy(GraftModel.load(out), DataSpec.load("digits:0-4"))).isGreaterThan(0.6);
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
     * The README's spark-submit line, run for real (the one CLI's main class, the spark module in {@code --jars}): {@code SparkSubmit} (what the {@code spark-submit} script runs)
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
        Path primary = jarOf(GraftCli.class, jars.resolve("graft-cli.jar"), name -> true);
        List<String> extra = List.of(
                jarOf(SparkCluster.class, jars.resolve("graft-spark.jar"), name -> true).toString(),
                jarOf(dev.graft.pretrain.BaseNet.class, jars.resolve("graft-pretrain.jar"), name -> true).toString(),
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
                "org.apache.spark.deploy.SparkSubmit", "--master", "local[2]", "--class", GraftCli.class.getName(),
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

    /**
     * Without the spark module on the class path (the CLI jar alone, as {@code java -jar graft-cli.jar} runs it),
     * {@code --spark} stops with how to add it, for both verbs, and writes nothing.
     */
    @Test
    void sparkWithoutTheSparkModuleSaysHowToAddIt() throws Exception {
        Path zip = tmp.resolve("base.zip");
        TinyModels.mlp(3).save(zip);
        List<String> cp = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            String norm = entry.replace('\\', '/');
            if (!norm.contains("/spark/target/") && !Path.of(entry).getFileName().toString().startsWith("graft-spark")) {
                cp.add(entry);
            }
        }
        assertThat(String.join(java.io.File.pathSeparator, cp)).doesNotContain("graft-spark");
        for (String[] args : new String[][] {
            {"featurize", zip.toString(), "--cut", "dense2", "--data", "digits:0-4", "--cache",
                tmp.resolve("c").toString(), "--spark", "local[2]"},
            {"finetune", zip.toString(), "--cut", "dense2", "--data", "digits:0-4", "--cache",
                tmp.resolve("c").toString(), "--out", tmp.resolve("o.zip").toString(), "--spark", "local[2]"}}) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "-cp", String.join(java.io.File.pathSeparator, cp), GraftCli.class.getName()));
            cmd.addAll(List.of(args));
            Child c = Child.startCommand(tmp.resolve(args[0] + "-nospark.log"), cmd);
            assertThat(c.await(120)).as(c.output()).isEqualTo(2);
            assertThat(c.output()).contains("graft " + args[0] + ": error: --spark local[2] needs Graft's spark "
                    + "module, which is not on the class path: build it (mvn -q -DskipTests package");
        }
        assertThat(tmp.resolve("c")).doesNotExist();
        assertThat(tmp.resolve("o.zip")).doesNotExist();
    }

    /**
     * {@code finetune --spark} is the same command as on one machine: a preset (plateau), {@code --patience},
     * {@code --lr} and {@code --unfreeze} act while the head's epochs run as Spark jobs.
     */
    @Test
    void finetuneOnSparkHonoursPresetPatienceAndUnfreezing() throws Exception {
        Path zip = sourceModel();
        Path out = tmp.resolve("staged.zip");
        Child c = Child.start(tmp.resolve("staged.log"), "finetune", zip.toString(), "--cut", "dense2", "--data",
                "digits:0-4", "--cache", tmp.resolve("c").toString(), "--out", out.toString(), "--epochs", "80",
                "--preset", "plateau", "--patience", "3", "--lr", "0.05", "--unfreeze", "2:1@0.1", "--spark",
                "local[2]");
        assertThat(c.await(300)).as(c.output()).isZero();
        String log = c.output();
        // the preset's plateau halved the rate, then --patience stopped the head stage early
        assertThat(log).as(log).contains("plateau: learning rate now 2.50e-02")
                .containsPattern("early stopping after epoch \\d+: no improvement for 3 epochs");
        int headEpochs = Integer.parseInt(log.replaceAll("(?s).*head: (\\d+) epochs with parameter averaging.*", "$1"));
        assertThat(headEpochs).as(log).isBetween(4, 79);
        assertThat(log).containsPattern("epoch " + headEpochs + " head \\(cache\\)");
        // the unfreeze stage ran after it, through the raw data on the driver
        assertThat(log).containsPattern("epoch " + (headEpochs + 1) + " unfreeze 1 @0.1: loss");
        assertThat(log).contains("validation accuracy");
        GraftModel tuned = GraftModel.load(out);
        assertThat(accuracy(tuned, DataSpec.load("digits:0-4"))).isGreaterThan(0.6);
        assertThat(tuned.card().origin()).contains("--spark local[2]").contains("--unfreeze 2:1@0.1");
    }

    /** Accuracy of a saved model on raw examples (normalized as its card says). */
    static double accuracy(GraftModel m, LabeledData test) {
        INDArray x = m.preprocess(test.features());
        INDArray p = m.isGraph() ? ((ComputationGraph) m.network()).outputSingle(x)
                : ((MultiLayerNetwork) m.network()).output(x);
        Evaluation e = new Evaluation(test.numClasses());
        e.eval(test.oneHotLabels(), p);
        return e.accuracy();
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

    /** {@link GraftCli} in a fresh JVM with this test's class path, as the launcher starts it with --spark. */
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
            cmd.add(GraftCli.class.getName());
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
