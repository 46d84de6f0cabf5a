package dev.graft.transfer.cache;

import dev.graft.transfer.data.SyntheticSource;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.DataSpec;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import java.io.IOException;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A separate JVM that builds one cache, for tests that need real processes (kill -9, two builders, heap and file
 * size limits). Arguments: {@code DIR MODEL_ZIP|synthetic:ROWS:WIDTH CUT DATA SHARD_ROWS BATCH SLOW_MS [HOLD]}
 * where HOLD is {@code gate:FILE} (the first batch waits until FILE exists) or {@code block:N} (batch N and later
 * never finish, so the process can be killed at a known point).
 * Prints {@code REPORT outcome shardsBuilt waitedSeconds} or {@code ERROR message} (exit 2).
 */
public final class CacheChild {
    private CacheChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String modelArg = args[1];
        String cut = args[2];
        String data = args[3];
        int shardRows = Integer.parseInt(args[4]);
        int batch = Integer.parseInt(args[5]);
        long slowMs = Long.parseLong(args[6]);
        GraftModel model;
        DataSource source;
        if (modelArg.startsWith("synthetic:")) {
            String[] p = modelArg.split(":");
            int rows = Integer.parseInt(p[1]);
            int width = Integer.parseInt(p[2]);
            model = wideModel(width);
            source = new SyntheticSource(rows, new long[] {width}, 4, 3, 1.0);
        } else {
            model = GraftModel.load(Path.of(modelArg));
            source = DataSpec.load(data);
        }
        Featurizer f = Featurizers.cut(model, cut);
        String hold = args.length > 7 ? args[7] : "";
        if (slowMs > 0 || !hold.isEmpty()) {
            f = new SlowFeaturizer(f, slowMs, hold);
        }
        try {
            CacheReport r = FeatureCache.builder(dir).featurizer(f).source(source).shardRows(shardRows).batchSize(batch)
                    .progress((name, total, unit) -> {
                        if (total < 0) {
                            System.out.println("WAIT " + name);
                            System.out.flush();
                        }
                        return dev.graft.zoo.Progress.none().start(name, total, unit);
                    }).build().build();
            System.out.println("REPORT " + r.outcome() + " " + r.shardsBuilt() + " " + r.waitedSeconds());
            System.out.println("SUMMARY " + r.summary());
            System.out.println("HEAP max " + Runtime.getRuntime().maxMemory());
        } catch (IOException e) {
            System.out.println("ERROR " + e.getMessage());
            System.exit(2);
        }
    }

    static GraftModel wideModel(int width) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).list()
                .layer(new DenseLayer.Builder().name("wide").nIn(width).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(4)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return GraftModel.of(net, ModelCard.builder("wide").input(InputLayout.FLAT, width).build());
    }

    /** A featurizer that sleeps or holds, so tests can catch a build midway. Same fingerprint as the one it wraps. */
    static final class SlowFeaturizer implements Featurizer {
        private final Featurizer inner;
        private final long ms;
        private final String hold;
        private int batches;

        SlowFeaturizer(Featurizer inner, long ms, String hold) {
            this.inner = inner;
            this.ms = ms;
            this.hold = hold;
        }

        @Override
        public INDArray featurize(INDArray rawBatch) {
            try {
                Thread.sleep(ms);
                if (hold.startsWith("gate:") && batches == 0) {
                    while (!java.nio.file.Files.exists(Path.of(hold.substring(5)))) {
                        Thread.sleep(10);
                    }
                }
                if (hold.startsWith("block:") && batches >= Integer.parseInt(hold.substring(6))) {
                    Thread.sleep(Long.MAX_VALUE);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            batches++;
            return inner.featurize(rawBatch);
        }

        @Override
        public long[] featureShape() {
            return inner.featureShape();
        }

        @Override
        public String fingerprint() {
            return inner.fingerprint();
        }

        @Override
        public String describe() {
            return inner.describe();
        }
    }
}
