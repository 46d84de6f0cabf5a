package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import picocli.CommandLine;

class ImageFinetuneTest {
    @TempDir
    Path tmp;

    static void images(Path dir, Color color, int n, long seed) throws Exception {
        Files.createDirectories(dir);
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(12 + r.nextInt(8), 12 + r.nextInt(8), BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(Color.GRAY);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.setColor(color);
            g.fillRect(r.nextInt(4), r.nextInt(4), 8, 8);
            g.dispose();
            ImageIO.write(img, "png", dir.resolve(i + ".png").toFile());
        }
    }

    @Test
    void finetuneOnAnImageFolderThenPredictAnImageFile() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(0.01))
                .activation(Activation.RELU).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(6).build())
                .layer(new SubsamplingLayer.Builder().name("pool").kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(8).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 3)).build());
        net.init();
        Path base = tmp.resolve("cnn.zip");
        GraftModel.of(net, ModelCard.builder("cnn").input(InputLayout.NCHW, 3, 8, 8).normalization(Normalization.scale(1 / 255.0)).build())
                .save(base);
        images(tmp.resolve("img/red"), Color.RED, 12, 1);
        images(tmp.resolve("img/blue"), Color.BLUE, 12, 2);
        images(tmp.resolve("probe"), Color.RED, 1, 3);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = GraftCli.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        Path tuned = tmp.resolve("colors.zip");
        int code = cl.execute("finetune", base.toString(), "--cut", "pool", "--data", "images:" + tmp.resolve("img"), "--out", tuned.toString(),
                "--epochs", "15", "--batch", "6", "--lr", "0.05", "--val-fraction", "0.25", "--hidden", "4", "--preset", "leaky-relu");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("images:").contains("18 train, 6 validation, classes blue,red");

        StringWriter pout = new StringWriter();
        CommandLine pl = GraftCli.newCommandLine();
        pl.setOut(new PrintWriter(pout));
        pl.setErr(new PrintWriter(err));
        assertThat(pl.execute("predict", tuned.toString(), tmp.resolve("probe/0.png").toString(), "--top", "2")).as(err.toString()).isZero();
        assertThat(pout.toString()).startsWith(tmp.resolve("probe/0.png") + "\tred 0.");
    }
}
