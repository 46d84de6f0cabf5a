package dev.graft.transfer.data;

import dev.graft.zoo.Checksums;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Labelled images in a folder, one subfolder per class ({@code DIR/cat/1.jpg}, {@code DIR/dog/7.png}), read
 * and resized to the model card's input shape as they are iterated — so a folder larger than memory streams.
 *
 * <p>Classes are the subfolder names in sorted order; images are PNG, JPEG, BMP or GIF files, sorted by name.
 * Examples come out raw (pixel values 0..255, RGB, or luminance for one channel) in the card's layout; the
 * card's normalization is applied later, by the model. Spec: {@code images:DIR}.
 */
public final class ImageFolderData implements DataSource {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");
    private final Path root;
    private final List<Path> files;
    private final int[] labels;
    private final List<String> classes;
    private final InputLayout layout;
    private final int channels;
    private final int height;
    private final int width;
    private final String description;
    private String fingerprint;

    private ImageFolderData(Path root, List<Path> files, int[] labels, List<String> classes, InputLayout layout, int channels,
            int height, int width, String description) {
        this.root = root;
        this.files = List.copyOf(files);
        this.labels = labels;
        this.classes = List.copyOf(classes);
        this.layout = layout;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.description = description;
    }

    /**
     * Scans {@code dir} for class subfolders and images, sized for {@code card}'s input.
     *
     * @throws DataSpecException if the folder is missing or has no classes or images, or the card has no image input
     */
    public static ImageFolderData open(Path dir, ModelCard card) {
        long[] s = card.inputShape();
        if (s.length != 3 || (card.layout() != InputLayout.NCHW && card.layout() != InputLayout.NHWC)) {
            throw new DataSpecException("images:" + dir + " needs a model with an image input (NCHW or NHWC shape in its model card); model '"
                    + card.name() + "' takes " + Arrays.toString(s) + " " + card.layout());
        }
        int c = (int) (card.layout() == InputLayout.NCHW ? s[0] : s[2]);
        int h = (int) (card.layout() == InputLayout.NCHW ? s[1] : s[0]);
        int w = (int) (card.layout() == InputLayout.NCHW ? s[2] : s[1]);
        if (c != 1 && c != 3) {
            throw new DataSpecException("images:" + dir + ": model '" + card.name() + "' takes " + c + " channels; image folders give 1 (grey) or 3 (RGB)");
        }
        return open(dir, card.layout(), c, h, w);
    }

    /** Scans {@code dir} for images of the given size and layout. */
    public static ImageFolderData open(Path dir, InputLayout layout, int channels, int height, int width) {
        try {
            dev.graft.zoo.InputFiles.requireReadableFolder(dir, "image folder");
        } catch (IOException e) {
            throw new DataSpecException(e.getMessage(), e);
        }
        List<String> classes = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (Stream<Path> sub = Files.list(dir)) {
            List<Path> dirs = sub.filter(Files::isDirectory).sorted().toList();
            for (Path d : dirs) {
                dev.graft.zoo.InputFiles.requireReadableFolder(d, "class folder");
                List<Path> imgs;
                try (Stream<Path> f = Files.list(d)) {
                    imgs = f.filter(Files::isRegularFile).filter(ImageFolderData::isImage).sorted().toList();
                }
                if (imgs.isEmpty()) {
                    throw new DataSpecException("class folder " + d + " has no images (" + String.join(", ", EXTENSIONS) + ")");
                }
                classes.add(d.getFileName().toString());
                for (Path p : imgs) {
                    files.add(p);
                    labels.add(classes.size() - 1);
                }
            }
        } catch (IOException e) {
            throw new DataSpecException("cannot list image folder " + dir + ": " + dev.graft.zoo.InputFiles.describe(e), e);
        }
        if (classes.size() < 2) {
            throw new DataSpecException("image folder " + dir + " needs one subfolder per class, at least two; found "
                    + (classes.isEmpty() ? "none" : "only '" + classes.get(0) + "'"));
        }
        return new ImageFolderData(dir, files, labels.stream().mapToInt(Integer::intValue).toArray(), classes, layout, channels, height, width,
                "images:" + dir);
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    @Override
    public String describe() {
        return description + String.format(Locale.ROOT, " (%d images, %d classes, %dx%dx%d)", files.size(), classes.size(), channels, height, width);
    }

    @Override
    public synchronized String fingerprint() {
        if (fingerprint == null) {
            MessageDigest md = Checksums.newSha256();
            md.update((layout + " " + channels + "x" + height + "x" + width + "\n").getBytes(StandardCharsets.UTF_8));
            md.update(String.join("\u0000", classes).getBytes(StandardCharsets.UTF_8));
            byte[] buf = new byte[1 << 16];
            for (int i = 0; i < files.size(); i++) {
                md.update((root.relativize(files.get(i)) + "\u0000" + labels[i] + "\n").getBytes(StandardCharsets.UTF_8));
                try (var in = Files.newInputStream(files.get(i))) {
                    for (int n; (n = in.read(buf)) > 0;) {
                        md.update(buf, 0, n);
                    }
                } catch (IOException e) {
                    throw new DataSpecException("cannot read image " + files.get(i) + ": " + e.getMessage());
                }
            }
            fingerprint = Checksums.hex(md.digest());
        }
        return fingerprint;
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public List<String> labels() {
        return classes;
    }

    @Override
    public long[] exampleShape() {
        return layout == InputLayout.NCHW ? new long[] {channels, height, width} : new long[] {height, width, channels};
    }

    /** The image files, in example order. */
    public List<Path> files() {
        return files;
    }

    /** Reads one image, resized, as raw {@code [1, ...exampleShape]} floats 0..255. */
    public INDArray read(int index) {
        return readImage(files.get(index), layout, channels, height, width);
    }

    /**
     * Reads one image file resized for a model card's image input, raw {@code [1, ...inputShape]} floats 0..255.
     *
     * @throws DataSpecException if the card has no image input or the file is not a readable image
     */
    public static INDArray readImage(Path file, ModelCard card) {
        long[] s = card.inputShape();
        if (s.length != 3 || (card.layout() != InputLayout.NCHW && card.layout() != InputLayout.NHWC)) {
            throw new DataSpecException("image " + file + " cannot go into model '" + card.name() + "': it takes "
                    + Arrays.toString(s) + " " + card.layout() + ", not an image");
        }
        boolean nchw = card.layout() == InputLayout.NCHW;
        return readImage(file, card.layout(), (int) (nchw ? s[0] : s[2]), (int) (nchw ? s[1] : s[0]), (int) (nchw ? s[2] : s[1]));
    }

    private static INDArray readImage(Path p, InputLayout layout, int channels, int height, int width) {
        BufferedImage img;
        try {
            img = ImageIO.read(p.toFile());
        } catch (IOException e) {
            throw new DataSpecException("cannot read image " + p + ": " + e.getMessage());
        }
        if (img == null) {
            throw new DataSpecException("cannot read image " + p + ": not a PNG, JPEG, BMP or GIF image");
        }
        BufferedImage scaled = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scaled.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, width, height, null);
        g.dispose();
        float[] out = new float[channels * height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = scaled.getRGB(x, y);
                float r = (rgb >> 16) & 0xff;
                float gr = (rgb >> 8) & 0xff;
                float b = rgb & 0xff;
                if (channels == 1) {
                    out[y * width + x] = 0.299f * r + 0.587f * gr + 0.114f * b;
                } else if (layout == InputLayout.NCHW) {
                    out[y * width + x] = r;
                    out[height * width + y * width + x] = gr;
                    out[2 * height * width + y * width + x] = b;
                } else {
                    int base = (y * width + x) * 3;
                    out[base] = r;
                    out[base + 1] = gr;
                    out[base + 2] = b;
                }
            }
        }
        long[] shape = layout == InputLayout.NCHW ? new long[] {1, channels, height, width} : new long[] {1, height, width, channels};
        return Nd4j.create(out, shape, 'c');
    }

    @Override
    public DataSetIterator iterator(int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        return new Batches(batchSize);
    }

    /**
     * A stratified split by file: for each class a {@code testFraction} share of its images (rounded) goes to the
     * second set, chosen with {@code seed}.
     */
    public ImageFolderData[] stratifiedSplit(double testFraction, long seed) {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("test fraction must be in (0, 1), got " + testFraction);
        }
        Random rnd = new Random(seed);
        boolean[] test = new boolean[files.size()];
        int[] total = new int[classes.size()];
        int[] held = new int[classes.size()];
        for (int c = 0; c < classes.size(); c++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == c) {
                    members.add(i);
                }
            }
            Collections.shuffle(members, rnd);
            int n = (int) Math.round(members.size() * testFraction);
            for (int i = 0; i < n; i++) {
                test[members.get(i)] = true;
            }
            total[c] = members.size();
            held[c] = n;
        }
        Splits.requireBothSides(classes, total, held, testFraction, describe());
        String tag = String.format(Locale.ROOT, " split(%.2f, seed %d)", testFraction, seed);
        return new ImageFolderData[] {subset(test, false, tag + " train"), subset(test, true, tag + " test")};
    }

    private ImageFolderData subset(boolean[] test, boolean which, String tag) {
        List<Path> f = new ArrayList<>();
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            if (test[i] == which) {
                f.add(files.get(i));
                l.add(labels[i]);
            }
        }
        return new ImageFolderData(root, f, l.stream().mapToInt(Integer::intValue).toArray(), classes, layout, channels, height, width,
                description + tag);
    }

    @Override
    public String toString() {
        return describe();
    }

    /** Reads one batch of images at a time. */
    private final class Batches extends BatchIterator {
        private static final long serialVersionUID = 1L;
        private int cursor;

        Batches(int batch) {
            super(batch);
        }

        @Override
        protected DataSet nextBatch(int num) {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int end = Math.min(files.size(), cursor + num);
            INDArray[] xs = new INDArray[end - cursor];
            INDArray y = Nd4j.zeros(DataType.FLOAT, end - cursor, classes.size());
            for (int i = cursor; i < end; i++) {
                xs[i - cursor] = read(i);
                y.putScalar(i - cursor, labels[i], 1f);
            }
            cursor = end;
            return new DataSet(Nd4j.concat(0, xs), y);
        }

        @Override
        public boolean hasNext() {
            return cursor < files.size();
        }

        @Override
        public int inputColumns() {
            return channels * height * width;
        }

        @Override
        public int totalOutcomes() {
            return classes.size();
        }

        @Override
        public boolean asyncSupported() {
            return true;
        }

        @Override
        public void reset() {
            cursor = 0;
        }

        @Override
        public List<String> getLabels() {
            return classes;
        }
    }
}
