package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.transfer.cache.FeatureCache;
import dev.graft.transfer.cache.FeatureExport;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.cache.Precision;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** {@code graft featurize --export}: the .npz and .csv hold exactly the cache's rows, with labels and ids. */
class FeatureExportTest {
    @TempDir
    Path tmp;

    @Test
    void exportedNpzAndCsvHoldTheCachedValuesLabelsAndIds() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new DenseLayer.Builder().name("fc1").nIn(64).nOut(12).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(64)).build());
        net.init();
        Path model = tmp.resolve("m.zip");
        GraftModel.of(net, ModelCard.builder("m").input(InputLayout.FLAT, 64).normalization(Normalization.scale(1 / 16.0)).build()).save(model);
        Path cache = tmp.resolve("cache");
        Path npz = tmp.resolve("out/features.npz");
        CliRun r = CliRun.of("featurize", model.toString(), "--cut", "fc1", "--data", "digits:3,1,2", "--cache", cache.toString(),
                "--export", npz.toString(), "--shard-rows", "200", "--quiet");
        assertThat(r.code()).as(r.err()).isZero();
        LabeledData d = DataSpec.load("digits:3,1,2");
        assertThat(r.out()).contains("exported " + d.size() + " rows");

        // the cache itself, in stored order
        FeatureCache fc = FeatureCache.builder(cache).featurizer(Featurizers.cut(GraftModel.load(model), "fc1")).source(d)
                .precision(Precision.FLOAT32).shardRows(200).batchSize(64).build();
        assertThat(fc.build().summary()).contains("reused");
        DataSetIterator it = fc.iterator(50, -1);
        Map<String, Object> a = NpyTestReader.read(npz);
        assertThat(a).containsOnlyKeys("features", "labels", "ids", "label_names");
        float[][] x = (float[][]) a.get("features");
        int[] y = (int[]) a.get("labels");
        assertThat(x).hasNumberOfRows(d.size());
        int row = 0;
        while (it.hasNext()) {
            DataSet ds = it.next();
            for (int i = 0; i < ds.numExamples(); i++, row++) {
                assertThat(x[row]).containsExactly(ds.getFeatures().getRow(i).toFloatVector()); // bit for bit
                assertThat(y[row]).isEqualTo(ds.getLabels().getRow(i).argMax().getInt(0));
            }
        }
        assertThat(row).isEqualTo(d.size());
        assertThat(y).isEqualTo(d.labelIndices());
        assertThat((String[]) a.get("label_names")).containsExactly("3", "1", "2");
        assertThat(((String[]) a.get("ids"))[5]).isEqualTo("5");

        Path csv = tmp.resolve("features.csv");
        FeatureExport.write(fc, csv);
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(1 + d.size());
        assertThat(lines.get(0)).startsWith("id,label,f0,f1,").endsWith(",f11");
        String[] first = lines.get(1).split(",");
        assertThat(first[0]).isEqualTo("0");
        assertThat(first[1]).isEqualTo(d.labels().get(d.labelIndices()[0]));
        for (int j = 0; j < 12; j++) {
            assertThat(Float.parseFloat(first[2 + j])).isEqualTo(x[0][j]);
        }

        CliRun bad = CliRun.of("featurize", model.toString(), "--cut", "fc1", "--data", "digits", "--cache", cache.toString(),
                "--export", tmp.resolve("f.parquet").toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--export must name a .npz or .csv file");
    }
}
