package dev.graft.examples.bench;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.graft.transfer.cache.Featurizer;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.engine.Engine;
import dev.graft.engine.FeaturizeEngine;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Zoo;
import dev.graft.zoo.onnx.export.ExportedOnnxModel;
import dev.graft.zoo.onnx.export.OnnxExporter;
import dev.graft.zoo.onnx.export.OnnxParity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A measurement, not part of {@code graft bench} yet: featurizing throughput of DL4J's zoo ResNet50 (random He-scaled
 * weights, 224x224x3, to the pooled 2048 features) through Graft's DL4J featurizer and through ONNX Runtime running
 * the same frozen part exported by {@link OnnxExporter} (a plain session, and Graft's featurizer with the ONNX engine,
 * which {@code auto} picks); same thread count for all (DL4J's OpenMP threads, ORT's
 * intra-op threads, no spin-waiting), alternating rounds, medians. Both sides include the card's normalization.
 *
 * <pre>
 * java -cp ... dev.graft.examples.bench.OnnxVsDl4jFeaturize [threads 2] [batch 16] [rounds 4] [runs per round 2]
 * </pre>
 */
public final class OnnxVsDl4jFeaturize {
    private OnnxVsDl4jFeaturize() {
    }

    /** Runs the measurement and prints each run and the medians. */
    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        Engine.setThreads(threads);
        GraftModel model = Zoo.builder().build().init("resnet50", 1000, 42);
        FeaturizeBench.heNormal(model, 42);
        ExportedOnnxModel exported = OnnxExporter.builder(model.network()).cutAt("avgpool").build().export();
        Featurizer dl4j = Featurizers.cut(model, "avgpool", FeaturizeEngine.DL4J);
        Featurizer graftOrt = Featurizers.cut(model, "avgpool", FeaturizeEngine.ONNX); // what featurize runs under auto
        Nd4j.getRandom().setSeed(7);
        INDArray images = Nd4j.rand(DataType.FLOAT, batch, 3, 224, 224).muli(255);
        try (OrtSession.SessionOptions opts = OnnxParity.sessionOptions(threads);
                OrtSession ort = OrtEnvironment.getEnvironment().createSession(exported.toByteArray(), opts)) {
            INDArray a = dl4j.featurize(images);
            INDArray b = OnnxParity.run(ort, exported, model.preprocess(images)).get(0);
            INDArray plain = OnnxParity.dl4jOutputs(model.network(), exported, model.preprocess(images)).get(0);
            System.out.println("ORT vs DL4J's plain output(): " + OnnxParity.compare(List.of("avgpool"),
                    List.of(plain), List.of(b)));
            System.out.println("Graft's DL4J featurizer vs DL4J's plain output(): " + OnnxParity.compare(
                    List.of("avgpool"), List.of(plain), List.of(a)));
            INDArray c = graftOrt.featurize(images);
            System.out.println("Graft's ONNX Runtime featurizer vs DL4J's plain output(): " + OnnxParity.compare(
                    List.of("avgpool"), List.of(plain), List.of(c)) + "; engine " + graftOrt.engine().describe());
            List<Double> dl4jRates = new ArrayList<>();
            List<Double> ortRates = new ArrayList<>();
            List<Double> graftOrtRates = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < runs; i++) {
                    long t0 = System.nanoTime();
                    dl4j.featurize(images);
                    dl4jRates.add(batch / ((System.nanoTime() - t0) / 1e9));
                }
                for (int i = 0; i < runs; i++) {
                    long t0 = System.nanoTime();
                    OnnxParity.run(ort, exported, model.preprocess(images));
                    ortRates.add(batch / ((System.nanoTime() - t0) / 1e9));
                }
                for (int i = 0; i < runs; i++) {
                    long t0 = System.nanoTime();
                    graftOrt.featurize(images);
                    graftOrtRates.add(batch / ((System.nanoTime() - t0) / 1e9));
                }
                System.out.printf(Locale.ROOT, "round %d: DL4J %s img/s, ORT session %s img/s, Graft ORT featurizer "
                        + "%s img/s%n", r + 1, format(dl4jRates.subList(r * runs, (r + 1) * runs)),
                        format(ortRates.subList(r * runs, (r + 1) * runs)),
                        format(graftOrtRates.subList(r * runs, (r + 1) * runs)));
            }
            double md = median(dl4jRates);
            double mo = median(ortRates);
            double mg = median(graftOrtRates);
            System.out.printf(Locale.ROOT, "ResNet50 to avgpool, batch %d, %d threads: DL4J median %.2f img/s, ORT "
                    + "%s session median %.2f img/s (%.2fx), Graft's ORT featurizer median %.2f img/s (%.2fx)%n", batch,
                    threads, md, ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion(), mo, mo / md, mg, mg / md);
        }
    }

    private static String format(List<Double> v) {
        return v.stream().map(d -> String.format(Locale.ROOT, "%.2f", d)).toList().toString();
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
