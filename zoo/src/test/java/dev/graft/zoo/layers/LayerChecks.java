package dev.graft.zoo.layers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.engine.Engine;
import java.io.File;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The checks every Graft layer passes: JSON and model-file round trips, gradient check, helpers on and off. */
final class LayerChecks {
    private LayerChecks() {
    }

    /** toJson, fromJson: an equal configuration that writes the same JSON. */
    static void jsonRoundTrip(MultiLayerConfiguration conf) {
        String json = conf.toJson();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertThat(back).isEqualTo(conf);
        assertThat(back.toJson()).isEqualTo(json);
    }

    /** toJson, fromJson: an equal configuration that writes the same JSON. */
    static void jsonRoundTrip(ComputationGraphConfiguration conf) {
        String json = conf.toJson();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
        assertThat(back).isEqualTo(conf);
        assertThat(back.toJson()).isEqualTo(json);
    }

    /** ModelSerializer write and restore: same parameters, same outputs (bit for bit) on {@code x}. */
    static MultiLayerNetwork saveLoad(MultiLayerNetwork net, INDArray x, File dir) throws IOException {
        File f = new File(dir, "net.zip");
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertThat(back.getLayerWiseConfigurations()).isEqualTo(net.getLayerWiseConfigurations());
        assertThat(back.params()).isEqualTo(net.params());
        assertThat(back.output(x, false)).isEqualTo(net.output(x, false));
        return back;
    }

    /** ModelSerializer write and restore: same parameters, same outputs (bit for bit) on {@code x}. */
    static ComputationGraph saveLoad(ComputationGraph net, File dir, INDArray... x) throws IOException {
        File f = new File(dir, "graph.zip");
        ModelSerializer.writeModel(net, f, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f, true);
        assertThat(back.getConfiguration()).isEqualTo(net.getConfiguration());
        assertThat(back.params()).isEqualTo(net.params());
        INDArray[] a = net.output(false, x);
        INDArray[] b = back.output(false, x);
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).isEqualTo(a[i]);
        }
        return back;
    }

    /** Runs {@code body} with ND4J's default data type double (what GradientCheckUtil needs), then restores it. */
    static <T> T inDouble(Supplier<T> body) {
        DataType before = Nd4j.dataType();
        DataType beforeFloat = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            return body.get();
        } finally {
            Nd4j.setDefaultDataTypes(before, beforeFloat);
        }
    }

    /** DL4J's gradient check (double precision, eps 1e-6, max relative error 1e-5). */
    static boolean gradientsMatch(MultiLayerNetwork net, INDArray x, INDArray labels) {
        return inDouble(() -> GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x)
                .labels(labels).epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)));
    }

    /** DL4J's gradient check (double precision, eps 1e-6, max relative error 1e-5). */
    static boolean gradientsMatch(ComputationGraph net, INDArray[] x, INDArray[] labels) {
        return inDouble(() -> GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(net).inputs(x)
                .labels(labels).epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)));
    }

    /** Builds a network and gives it DL4J's native layer helpers ({@code true}) or none, as Graft would. */
    static <T extends org.deeplearning4j.nn.api.Model> T withHelpers(boolean on, Supplier<T> build) {
        T net = build.get();
        try (Engine.Scope s = Engine.use(Engine.settings().toBuilder().helpers(on).build())) {
            Engine.attachHelpers(net);
        }
        return net;
    }

    /** Largest absolute element difference. */
    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    private static final AtomicLong SEEDS = new AtomicLong(20261130);

    /** Random uniform values in [lo, hi), from a fixed sequence of seeds (the same arrays on every run). */
    static INDArray uniform(DataType type, double lo, double hi, long... shape) {
        return Nd4j.rand(Nd4j.createUninitialized(type, shape), SEEDS.getAndIncrement()).muli(hi - lo).addi(lo);
    }

    /** One-hot labels, example i in class i % classes. */
    static INDArray oneHot(DataType type, int n, int classes) {
        INDArray y = Nd4j.zeros(type, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % classes, 1);
        }
        return y;
    }
}
