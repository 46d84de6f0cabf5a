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
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
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
 * <p>Classes are the subfolder names in sorted order; images are the files of every format ImageIO reads here (PNG,
 * JPEG, BMP, GIF, and TIFF and WebP through the TwelveMonkeys plug-ins), sorted by name. Opening a folder decodes
 * every image once: empty files, macOS AppleDouble files ({@code ._x.jpg}), files no reader decodes and truncated
 * images (a reader's warning, such as a JPEG's premature end) are all listed in one go and skipped (they are named in
 * {@link #notes()}), or refused together with {@code strict}; files of other types are counted and ignored. A
 * class folder without a readable image is an error (a class the data would silently lose), given after the whole
 * scan with every such folder and every unreadable file of the folder named.
 * Examples come out raw (pixel values 0..255, RGB, or luminance for one channel) in the card's layout; the
 * card's normalization is applied later, by the model. Spec: {@code images:DIR}.
 */
final class ImageFolderData implements DataSource {
    /** Most bad files named one by one in a message; the rest are counted. */
    private static final int MAX_NAMED = 50;
    private final Path root;
    private final List<Path> files;
    private final int[] labels;
    private final List<String> classes;
    private final InputLayout layout;
    private final int channels;
    private final int height;
    private final int width;
    private final String description;
    private final List<String> notes;
    private final int skipped;
    /** The split this set is the training part of, so that splitting it again can name that split's option. */
    private Splits.Earlier earlier;
    private String fingerprint;

    private ImageFolderData(Path root, List<Path> files, int[] labels, List<String> classes, InputLayout layout, int channels,
            int height, int width, String description, List<String> notes, int skipped) {
        this.notes = List.copyOf(notes);
        this.skipped = skipped;
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
    static ImageFolderData open(Path dir, ModelCard card) {
        return open(dir, card, false);
    }

    /**
     * Scans {@code dir} as {@link #open(Path, ModelCard)} does; with {@code strict}, any unreadable image file is an
     * error (listing them all) instead of being skipped.
     *
     * @throws DataSpecException if the folder is missing, has no classes or images, the card has no image input, or
     *     (strict) a file cannot be read
     */
    static ImageFolderData open(Path dir, ModelCard card, boolean strict) {
        long[] s = card.inputShape();
        if (s.length != 3 || (card.layout() != InputLayout.NCHW && card.layout() != InputLayout.NHWC)) {
            throw new DataSpecException("images:" + dir + " needs a model with an image input (NCHW or NHWC shape in its model card); model '"
                    + card.name() + "' takes " + Arrays.toString(s) + " " + card.layout() + "; use an image model, or, for a "
                    + "plain DL4J zip whose card Graft had to guess, give --input-shape C,H,W [--layout nhwc])");
        }
        int c = (int) (card.layout() == InputLayout.NCHW ? s[0] : s[2]);
        int h = (int) (card.layout() == InputLayout.NCHW ? s[1] : s[0]);
        int w = (int) (card.layout() == InputLayout.NCHW ? s[2] : s[1]);
        if (c != 1 && c != 3) {
            throw new DataSpecException("images:" + dir + ": model '" + card.name() + "' takes " + c + " channels; image folders give 1 (grey) or 3 (RGB)");
        }
        return open(dir, card.layout(), c, h, w, strict);
    }

    /** Scans {@code dir} for images of the given size and layout, skipping unreadable files. */
    static ImageFolderData open(Path dir, InputLayout layout, int channels, int height, int width) {
        return open(dir, layout, channels, height, width, false);
    }

    /**
     * Scans {@code dir} for images of the given size and layout.
     *
     * @param strict refuse (listing every bad file) instead of skipping unreadable files
     */
    static ImageFolderData open(Path dir, InputLayout layout, int channels, int height, int width, boolean strict) {
        try {
            dev.graft.zoo.InputFiles.requireReadableFolder(dir, "image folder");
        } catch (IOException e) {
            throw new DataSpecException(e.getMessage(), e);
        }
        List<String> classes = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<String> emptyClasses = new ArrayList<>(); // class folders without a readable image, with why
        int ignored = 0;
        try (Stream<Path> sub = Files.list(dir)) {
            List<Path> dirs = sub.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().startsWith(".")).sorted().toList();
            for (Path d : dirs) {
                dev.graft.zoo.InputFiles.requireReadableFolder(d, "class folder");
                List<Path> candidates;
                try (Stream<Path> f = Files.list(d)) {
                    candidates = f.filter(Files::isRegularFile).sorted().toList();
                }
                List<Path> imgs = new ArrayList<>();
                int unreadableHere = 0;
                int otherHere = 0;
                for (Path p : candidates) {
                    String n = p.getFileName().toString();
                    if (n.startsWith("._")) {
                        bad.add(p + " (macOS AppleDouble metadata, not an image)");
                        unreadableHere++;
                    } else if (!isImage(p)) {
                        ignored++;
                        otherHere++;
                    } else {
                        String problem = problem(p);
                        if (problem == null) {
                            imgs.add(p);
                        } else {
                            bad.add(p + " (" + problem + ")");
                            unreadableHere++;
                        }
                    }
                }
                if (imgs.isEmpty()) {
                    // said after the whole scan, so that one run lists every bad file of every class
                    emptyClasses.add("class folder " + d + " has no readable images (" + (candidates.isEmpty() ? "it is empty"
                            : (unreadableHere > 0 ? unreadableHere + " unreadable" : "")
                            + (unreadableHere > 0 && otherHere > 0 ? ", " : "")
                            + (otherHere > 0 ? otherHere + " not images by name" : "")) + ")");
                    continue;
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
        if (!emptyClasses.isEmpty()) {
            throw new DataSpecException(String.join("; ", emptyClasses) + "; every subfolder of " + dir + " is a class: add "
                    + "images (" + String.join(", ", suffixes()) + ") to " + (emptyClasses.size() == 1 ? "it" : "them")
                    + " or remove " + (emptyClasses.size() == 1 ? "it" : "them")
                    + (bad.isEmpty() ? "" : "; unreadable files (" + bad.size() + "): " + named(bad)));
        }
        if (classes.size() < 2) {
            throw new DataSpecException("image folder " + dir + " needs one subfolder per class, at least two; found "
                    + (classes.isEmpty() ? "none" : "only '" + classes.get(0) + "'"));
        }
        if (!bad.isEmpty() && strict) {
            throw new DataSpecException("images:" + dir + " has " + bad.size() + " unreadable file" + (bad.size() == 1 ? "" : "s")
                    + ": " + named(bad) + "; remove or repair them, or drop --strict to skip them");
        }
        if (!bad.isEmpty()) {
            notes.add("images:" + dir + ": skipped " + bad.size() + " unreadable file" + (bad.size() == 1 ? "" : "s") + " of "
                    + (bad.size() + files.size()) + ": " + named(bad));
        }
        if (ignored > 0) {
            notes.add("images:" + dir + ": ignored " + ignored + " file" + (ignored == 1 ? "" : "s") + " that are not images by name "
                    + "(readable: " + String.join(", ", suffixes()) + ")");
        }
        return new ImageFolderData(dir, files, labels.stream().mapToInt(Integer::intValue).toArray(), classes, layout, channels, height, width,
                "images:" + dir, notes, bad.size());
    }

    private static String named(List<String> bad) {
        return bad.size() <= MAX_NAMED ? String.join("; ", bad)
                : String.join("; ", bad.subList(0, MAX_NAMED)) + "; and " + (bad.size() - MAX_NAMED) + " more";
    }

    /** File name suffixes ImageIO has a reader for here (lower case, sorted). */
    public static List<String> suffixes() {
        return Arrays.stream(ImageIO.getReaderFileSuffixes()).map(x -> x.toLowerCase(Locale.ROOT)).filter(x -> !x.isEmpty())
                .distinct().sorted().toList();
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = n.lastIndexOf('.');
        return dot >= 0 && suffixes().contains(n.substring(dot + 1));
    }

    /** Why a file cannot be used as an image (empty, undecodable, truncated), or null if it decodes cleanly. */
    private static String problem(Path p) {
        try {
            if (Files.size(p) == 0) {
                return "empty file";
            }
            decode(p);
            return null;
        } catch (DataSpecException e) {
            return e.getMessage();
        } catch (IOException e) {
            return "cannot read: " + dev.graft.zoo.InputFiles.describe(e);
        }
    }

    /**
     * Decodes the first image of a file with the first ImageIO reader that takes it; a reader warning (a JPEG's
     * premature end, a damaged segment) or an exception is an error — a partial image is never accepted.
     *
     * @throws DataSpecException (message without the file name) if no reader takes it, it fails or warns
     */
    private static BufferedImage decode(Path p) throws IOException {
        try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(p.toFile())) {
            if (in == null) {
                throw new IOException("cannot open " + p);
            }
            java.util.Iterator<javax.imageio.ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new DataSpecException("no image reader recognises its content (readable: " + String.join(", ", suffixes()) + ")");
            }
            javax.imageio.ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            try {
                reader.setInput(in, true, true);
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage img = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new DataSpecException("truncated or damaged " + reader.getFormatName() + ": " + warnings.get(0));
                }
                if (img == null || img.getWidth() <= 0 || img.getHeight() <= 0) {
                    throw new DataSpecException("decodes to no image");
                }
                return img;
            } catch (IOException | RuntimeException e) {
                if (e instanceof DataSpecException) {
                    throw e;
                }
                String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                throw new DataSpecException("cannot decode " + reader.getFormatName() + ": " + m);
            } finally {
                reader.dispose();
            }
        }
    }

    @Override
    public String describe() {
        return description + String.format(Locale.ROOT, " (%d images, %d classes, %dx%dx%d%s)", files.size(), classes.size(), channels,
                height, width, skipped == 0 ? "" : ", " + skipped + " unreadable skipped");
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
    public List<String> notes() {
        return notes;
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
    @Override
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
            img = decode(p);
        } catch (DataSpecException e) {
            throw new DataSpecException("cannot read image " + p + ": " + e.getMessage());
        } catch (IOException e) {
            throw new DataSpecException("cannot read image " + p + ": " + dev.graft.zoo.InputFiles.describe(e));
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

    @Override
    public Split<ImageFolderData> split(double fraction, long seed) {
        return split(fraction, seed, "the split fraction");
    }

    /** {@inheritDoc} Splits by file: no image is read. */
    @Override
    public Split<ImageFolderData> split(double fraction, long seed, String option) {
        boolean[] test = Splits.heldOut(labels, classes, fraction, seed, describe(), option, earlier);
        String tag = " " + Splits.tag(fraction, seed);
        ImageFolderData train = subset(test, false, tag + " train");
        train.earlier = new Splits.Earlier(option, fraction, Splits.counts(labels, classes.size()));
        return new Split<>(train, subset(test, true, tag + " test"));
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
                description + tag, List.of(), 0);
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
