package dev.graft.transfer.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.transfer.TransferPlan;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.transfer.tune.FineTuneResult;
import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.transfer.tune.FineTuner;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class TrainingReportTest {
    @TempDir
    Path tmp;

    @Test
    void reportHasCurvesPerClassTableAndConfusionMatrix() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(0.01)).list()
                .layer(new DenseLayer.Builder().name("fc").nIn(64).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(64)).build());
        net.init();
        GraftModel base = GraftModel.of(net, ModelCard.builder("digits-mlp").input(InputLayout.FLAT, 64)
                .normalization(Normalization.scale(1 / 16.0)).build());
        LabeledData data = DataSpec.load("digits:5-7").samplePerClass(20, 1);
        DataSource.Split<LabeledData> split = data.split(0.5, 2);
        GraftModel planned = TransferPlan.builder().freezeThrough("fc").replaceHead(3, Activation.SOFTMAX, LossFunction.MCXENT)
                .labels(data.labels()).build().apply(base);
        FineTuneResult r = FineTuner.builder(planned).train(split.train()).validation(split.test()).config(FineTuneConfig.builder().epochs(3).batchSize(10).lrFind(true).build()).build().run();
        TrainingReport.Files files = TrainingReport.write(r, tmp.resolve("report"), "digits 5-7 <test>");
        for (Path png : new Path[] {files.loss(), files.accuracy(), files.lrFinder()}) {
            BufferedImage img = ImageIO.read(png.toFile());
            assertThat(img.getWidth()).isEqualTo(640);
            assertThat(img.getHeight()).isEqualTo(400);
        }
        String html = Files.readString(files.html());
        Evaluation e = r.evaluation();
        assertThat(html).contains("digits 5-7 &lt;test&gt;").contains("<img src=\"loss.png\"").contains("lr-finder.png")
                .contains(String.format(java.util.Locale.ROOT, "%.4f", e.accuracy()))
                .contains("<th>5</th><th>6</th><th>7</th>")
                .contains("<td>" + e.getConfusionMatrix().getCount(0, 0) + "</td>")
                .contains(String.format(java.util.Locale.ROOT, "<td>%.3f</td>", e.recall(2)));
        assertThat(html.split("<tr").length - 1).isGreaterThanOrEqualTo(1 + 3 + 1 + 3 + 1 + 3);
    }
}
