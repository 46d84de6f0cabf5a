package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * An image folder as users bring it: PNGs plus TIFF and WebP files (read through the TwelveMonkeys plug-ins), and
 * every kind of bad file — empty, macOS AppleDouble {@code ._x}, undecodable, truncated JPEG — and a text file. One
 * run lists every bad file and trains on the rest; {@code --strict} refuses, naming them all; every verb takes the
 * same {@code images:DIR} spec; {@code predict --output} names files.
 */
class ImageFolderCliTest {
    @TempDir
    static Path tmp;
    static Path base;
    static Path dir;
    static final List<String> BAD = List.of("._0.png", "empty.jpg", "corrupt.png", "half.jpg");

    @BeforeAll
    static void folder() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(0.01))
                .activation(Activation.RELU).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(6).build())
                .layer(new SubsamplingLayer.Builder().name("pool").kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(8).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("out").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 3)).build());
        net.init();
        base = tmp.resolve("cnn.zip");
        GraftModel.of(net, ModelCard.builder("cnn").input(InputLayout.NCHW, 3, 8, 8).normalization(Normalization.scale(1 / 255.0)).build())
                .save(base);
        dir = tmp.resolve("photos");
        ImageFinetuneTest.images(dir.resolve("red"), Color.RED, 10, 1);
        ImageFinetuneTest.images(dir.resolve("blue"), Color.BLUE, 10, 2);
        // good files in other formats
        assertThat(ImageIO.write(square(Color.RED), "tiff", dir.resolve("red/scan.tiff").toFile())).as("a TIFF writer").isTrue();
        Files.copy(ImageFolderCliTest.class.getResourceAsStream("/images/red-lossy.webp"), dir.resolve("red/phone.webp"));
        Files.copy(ImageFolderCliTest.class.getResourceAsStream("/images/blue-lossless.webp"), dir.resolve("blue/web.webp"));
        // bad files
        Files.write(dir.resolve("red/._0.png"), new byte[] {0, 5, 22, 7, 0, 2, 0, 0, 'M', 'a', 'c', ' ', 'O', 'S', ' ', 'X'});
        Files.write(dir.resolve("red/empty.jpg"), new byte[0]);
        byte[] junk = new byte[300];
        new Random(1).nextBytes(junk);
        Files.write(dir.resolve("blue/corrupt.png"), junk);
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(noise(64, 64), "jpeg", jpeg);
        byte[] whole = jpeg.toByteArray();
        Files.write(dir.resolve("blue/half.jpg"), Arrays.copyOf(whole, whole.length / 2));
        Files.writeString(dir.resolve("blue/notes.txt"), "not an image");
    }

    static BufferedImage square(Color c) {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.GRAY);
        g.fillRect(0, 0, 16, 16);
        g.setColor(c);
        g.fillRect(2, 2, 8, 8);
        g.dispose();
        return img;
    }

    static BufferedImage noise(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(2);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        return img;
    }

    @Test
    void oneRunListsEveryBadFileAndTrainsOnTheRest() throws Exception {
        Path out = tmp.resolve("colors.zip");
        CliRun r = CliRun.of("finetune", base.toString(), "--cut", "pool", "--data", "images:" + dir, "--out", out.toString(),
                "--epochs", "3", "--batch", "6", "--val-fraction", "0.25");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).containsOnlyOnce("skipped 4 unreadable files of 27:");
        for (String b : BAD) {
            assertThat(r.err()).contains(b + " (");
        }
        assertThat(r.err()).contains("._0.png (macOS AppleDouble").contains("empty.jpg (empty file)")
                .containsPattern("half\\.jpg \\(truncated or damaged JPEG").contains("corrupt.png (no image reader recognises")
                .contains("ignored 1 file that are not images");
        assertThat(r.out()).contains("23 images, 2 classes, 3x8x8, 4 unreadable skipped").contains("17 train, 6 validation");

        CliRun strict = CliRun.of("finetune", base.toString(), "--cut", "pool", "--data", "images:" + dir, "--out",
                tmp.resolve("strict.zip").toString(), "--strict");
        assertThat(strict.code()).isEqualTo(2);
        assertThat(strict.err()).contains("has 4 unreadable files").contains("drop --strict");
        for (String b : BAD) {
            assertThat(strict.err()).contains(b);
        }
        assertThat(Files.exists(tmp.resolve("strict.zip"))).isFalse();

        // predict: file names, one output row per readable image (23), TIFF and WebP included
        Path preds = tmp.resolve("preds.csv");
        CliRun p = CliRun.of("predict", out.toString(), "images:" + dir, dir.resolve("red/scan.tiff").toString(), "--output", preds.toString());
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(p.out()).doesNotContain("images:" + dir + "#").contains(dir.resolve("blue/web.webp") + "\t");
        List<String> lines = Files.readAllLines(preds);
        assertThat(lines).hasSize(1 + 23 + 1);
        assertThat(lines.get(0)).isEqualTo("input,label,predicted,p_blue,p_red");
        assertThat(lines).anyMatch(l -> l.startsWith(dir.resolve("red/phone.webp") + ",red,"))
                .anyMatch(l -> l.startsWith(dir.resolve("red/scan.tiff") + ",red,"))
                .anyMatch(l -> l.startsWith(dir.resolve("red/scan.tiff") + ",,"))
                .noneMatch(l -> BAD.stream().anyMatch(l::contains));

        // a truncated image is refused when named on its own
        CliRun half = CliRun.of("predict", out.toString(), dir.resolve("blue/half.jpg").toString());
        assertThat(half.code()).isEqualTo(2);
        assertThat(half.err()).contains("half.jpg").contains("truncated or damaged JPEG");
    }

    @Test
    void dataAndFeaturizeTakeTheSameImageSpec() throws Exception {
        java.io.PrintStream oldOut = System.out;
        java.io.PrintStream oldErr = System.err;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        CliRun d;
        try { // graft data prints on the process's streams
            System.setOut(new java.io.PrintStream(out, true));
            System.setErr(new java.io.PrintStream(err, true));
            d = CliRun.of("data", "images:" + dir);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        assertThat(d.code()).as(d.err()).isZero();
        assertThat(out.toString()).contains("(23 readable images, 2 classes)").contains("classes: blue=11 red=12");
        assertThat(err.toString()).contains("skipped 4 unreadable files of 27");
        CliRun strict = CliRun.of("data", "images:" + dir, "--strict");
        assertThat(strict.code()).isEqualTo(2);
        assertThat(strict.err()).contains("has 4 unreadable files");
        Path npz = tmp.resolve("features.npz");
        CliRun f = CliRun.of("featurize", base.toString(), "--cut", "pool", "--data", "images:" + dir, "--cache",
                tmp.resolve("fcache").toString(), "--export", npz.toString(), "--quiet");
        assertThat(f.code()).as(f.err()).isZero();
        assertThat(f.err()).contains("skipped 4 unreadable files");
        assertThat(f.out()).contains("exported 23 rows");
        assertThat(f.out()).as("a convolutional frozen part runs on ONNX Runtime under the default auto")
                .contains("engine: ONNX Runtime ").contains("first batch within tolerance");
        java.util.Map<String, Object> arrays = NpyTestReader.read(npz);
        assertThat(((float[][]) arrays.get("features")).length).isEqualTo(23);
        assertThat((String[]) arrays.get("ids")).contains(dir.resolve("red/scan.tiff").toString(), dir.resolve("blue/web.webp").toString());
        assertThat((String[]) arrays.get("label_names")).containsExactly("blue", "red");
    }
}
