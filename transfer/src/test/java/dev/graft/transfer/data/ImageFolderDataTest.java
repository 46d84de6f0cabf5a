package dev.graft.transfer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

class ImageFolderDataTest {
    @TempDir
    Path tmp;

    /** Writes {@code n} images of one colour, of odd sizes, into {@code dir/cls}. */
    static void images(Path dir, String cls, Color color, int n, String format) throws Exception {
        Path d = Files.createDirectories(dir.resolve(cls));
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(10 + i, 12, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(color);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.dispose();
            ImageIO.write(img, format, d.resolve(String.format("%02d.%s", i, format)).toFile());
        }
    }

    static ModelCard card(InputLayout layout, long... shape) {
        return ModelCard.builder("img").input(layout, shape).build();
    }

    @Test
    void subfoldersAreClassesAndImagesAreResizedToTheCard() throws Exception {
        images(tmp, "red", Color.RED, 3, "png");
        images(tmp, "blue", Color.BLUE, 2, "jpg");
        DataSource src = DataSpec.source("images:" + tmp, card(InputLayout.NCHW, 3, 4, 5));
        assertThat(src.labels()).containsExactly("blue", "red");
        assertThat(src.size()).isEqualTo(5);
        assertThat(src.exampleShape()).containsExactly(3, 4, 5);
        DataSetIterator it = src.iterator(4);
        DataSet first = it.next();
        assertThat(first.getFeatures().shape()).containsExactly(4, 3, 4, 5);
        assertThat(it.next().numExamples()).isEqualTo(1);
        assertThat(it.hasNext()).isFalse();
        INDArray blue = first.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0));
        assertThat(blue.getDouble(2, 1, 1)).isGreaterThan(240);   // JPEG: close to 255
        assertThat(blue.getDouble(0, 1, 1)).isLessThan(15);
        INDArray red = first.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.point(2));
        assertThat(red.getDouble(0, 3, 4)).isEqualTo(255.0);
        assertThat(red.getDouble(1, 3, 4)).isEqualTo(0.0);
        assertThat(first.getLabels().getDouble(2, 1)).isEqualTo(1.0);

        ImageFolderData grey = ImageFolderData.open(tmp, card(InputLayout.NHWC, 6, 6, 1));
        INDArray g = grey.read(4);
        assertThat(g.shape()).containsExactly(1, 6, 6, 1);
        assertThat(g.getDouble(0, 0, 0, 0)).isCloseTo(0.299 * 255, org.assertj.core.data.Offset.offset(0.5));
    }

    @Test
    void fingerprintFollowsTheImageContent() throws Exception {
        images(tmp, "a", Color.RED, 2, "png");
        images(tmp, "b", Color.GREEN, 2, "png");
        ModelCard c = card(InputLayout.NCHW, 3, 4, 4);
        String before = ImageFolderData.open(tmp, c).fingerprint();
        assertThat(ImageFolderData.open(tmp, c).fingerprint()).isEqualTo(before);
        images(tmp, "b", Color.YELLOW, 1, "png");
        assertThat(ImageFolderData.open(tmp, c).fingerprint()).isNotEqualTo(before);
        assertThat(ImageFolderData.open(tmp, card(InputLayout.NCHW, 3, 5, 5)).fingerprint()).isNotEqualTo(before);
    }

    @Test
    void stratifiedSplitKeepsEveryClassOnBothSides() throws Exception {
        images(tmp, "a", Color.RED, 4, "png");
        images(tmp, "b", Color.GREEN, 6, "png");
        DataSource.Split<ImageFolderData> s = ImageFolderData.open(tmp, card(InputLayout.NCHW, 3, 4, 4)).split(0.5, 1);
        ImageFolderData[] parts = {s.train(), s.test()};
        assertThat(parts[0].size()).isEqualTo(5);
        assertThat(parts[1].size()).isEqualTo(5);
        assertThat(parts[0].files()).doesNotContainAnyElementsOf(parts[1].files());
    }

    @Test
    void badFoldersAndImagesGiveClearErrors() throws Exception {
        ModelCard c = card(InputLayout.NCHW, 3, 4, 4);
        assertThatThrownBy(() -> DataSpec.source("images:" + tmp.resolve("nope"), c)).isInstanceOf(DataSpecException.class)
                .hasMessageContaining("does not exist");
        images(tmp, "only", Color.RED, 1, "png");
        assertThatThrownBy(() -> ImageFolderData.open(tmp, c)).hasMessageContaining("found only 'only'");
        Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> ImageFolderData.open(tmp, c)).hasMessageContaining("class folder " + tmp.resolve("empty") + " has no readable images");
        Files.writeString(tmp.resolve("empty/broken.png"), "not an image");
        // a class with only unreadable files: refused, naming them
        assertThatThrownBy(() -> ImageFolderData.open(tmp, c)).hasMessageContaining("has no readable images")
                .hasMessageContaining(tmp.resolve("empty/broken.png") + " (no image reader recognises its content");
        images(tmp, "empty", Color.BLUE, 1, "png");
        ImageFolderData d = ImageFolderData.open(tmp, c);
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.files()).doesNotContain(tmp.resolve("empty/broken.png"));
        assertThat(d.notes()).singleElement().asString().contains("skipped 1 unreadable file of 3: " + tmp.resolve("empty/broken.png"));
        assertThatThrownBy(() -> ImageFolderData.open(tmp, c, true)).hasMessageContaining("has 1 unreadable file: " + tmp.resolve("empty/broken.png"))
                .hasMessageContaining("drop --strict");
        assertThatThrownBy(() -> ImageFolderData.readImage(tmp.resolve("empty/broken.png"), c))
                .hasMessageContaining("cannot read image " + tmp.resolve("empty/broken.png"));
        assertThatThrownBy(() -> DataSpec.source("images:" + tmp, card(InputLayout.FLAT, 64)))
                .hasMessageContaining("needs a model with an image input");
        assertThatThrownBy(() -> DataSpec.load("images:" + tmp)).hasMessageContaining("read for a model");
    }
}
