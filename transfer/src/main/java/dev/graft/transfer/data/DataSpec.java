package dev.graft.transfer.data;

import java.io.IOException;
import java.io.InputStream;
import dev.graft.zoo.ModelCard;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one way from a data spec, as the CLI and the API write it, to a {@link DataSource}:
 * {@link #source(String, ModelCard)}.
 *
 * <ul>
 *   <li>{@code digits} — the embedded UCI digits (1797 8x8 images, pixels 0..16, CC BY 4.0);</li>
 *   <li>{@code digits:0-4}, {@code digits:5,7,9} — only those classes, renumbered in the order given;</li>
 *   <li>{@code csv:PATH} — a labelled CSV (features, then label last; {@code .gz} ok);
 *       {@code csv:PATH#0-4} selects classes the same way.</li>
 *   <li>{@code images:DIR} — one subfolder per class, images resized to the model card's input (it needs a card).</li>
 * </ul>
 * The card is the model's the data is for: its input shape and layout are what every example must have (an image
 * folder is resized to them; a CSV or digits set must already have that shape), and with
 * {@link Options#withCardLabels(boolean)} its labels are what the data's classes must be. Every split is then
 * {@link DataSource#split(double, long)}. Every error is a {@link DataSpecException} with a one-line message.
 * <pre>{@code
 * DataSource data = DataSpec.source("csv:flowers.csv", model.card());
 * DataSource.Split<? extends DataSource> parts = data.split(0.2, 42);   // stratified, 80/20
 * }</pre>
 */
public final class DataSpec {
    /** Classpath location of the embedded digits CSV. */
    public static final String DIGITS_RESOURCE = "/dev/graft/data/digits.csv.gz";
    /** Pixels per digit image (8x8). */
    public static final int DIGITS_PIXELS = 64;
    /** Largest digits pixel value; divide by it to scale to [0, 1]. */
    public static final double DIGITS_MAX = 16.0;

    /** Most classes one spec's class list may name (a range beyond it is a typo, refused before expanding it). */
    public static final int MAX_CLASSES = 100_000;

    private static LabeledData digitsCache;

    private DataSpec() {
    }

    /**
     * How {@link #source(String, ModelCard, Options)} reads a spec.
     *
     * @param strict     an image folder with unreadable files is refused (all of them named) instead of read without them
     * @param cardLabels the data's classes must be the card's labels: each class of the data must be one of them, and
     *                   the examples are numbered in the card's label order (label {@code i} is the card's label
     *                   {@code i}; the card's classes the data lacks get no examples) — for evaluating a model or
     *                   training its own head further; without it the data keeps its own classes (a new head)
     */
    public record Options(boolean strict, boolean cardLabels) {
        /** Lenient about unreadable images; the data's own classes. */
        public static final Options DEFAULTS = new Options(false, false);

        /** These options with {@link #strict()} set as given. */
        public Options withStrict(boolean strict) {
            return new Options(strict, cardLabels);
        }

        /** These options with {@link #cardLabels()} set as given. */
        public Options withCardLabels(boolean cardLabels) {
            return new Options(strict, cardLabels);
        }
    }

    /**
     * The data source a spec names, for a model with this card, with {@link Options#DEFAULTS}: examples of the card's
     * input shape, the data's own classes.
     *
     * @param spec a data spec ({@code digits}, {@code digits:0-4}, {@code csv:FILE[#CLASSES]}, {@code images:DIR})
     * @param card the card of the model the data is for, or {@code null} for none (a tabular set is read as it is; an
     *             image folder needs a card for its image size)
     * @throws DataSpecException if the spec is malformed, names missing data, or its examples do not have the card's
     *     input shape (naming both shapes)
     */
    public static DataSource source(String spec, ModelCard card) {
        return source(spec, card, Options.DEFAULTS);
    }

    /**
     * The data source a spec names, for a model with this card, read as {@code options} say.
     *
     * @param card the card of the model the data is for, or {@code null} for none
     * @throws DataSpecException if the spec is malformed or names missing data; if its examples do not have the card's
     *     input shape (naming both); with {@link Options#cardLabels()}, if the card has no labels or the data has a
     *     class the card lacks (naming them); with {@link Options#strict()}, if an image folder has unreadable files
     */
    public static DataSource source(String spec, ModelCard card, Options options) {
        DataSource data = read(spec, card, options.strict());
        if (card == null) {
            if (options.cardLabels()) {
                throw new DataSpecException("data spec '" + spec + "' is to have a model's labels, but no model card was given");
            }
            return data;
        }
        long[] takes = card.inputShape();
        long[] has = data.exampleShape();
        if (takes.length > 0 && !Arrays.equals(takes, has)) {
            throw new DataSpecException("data " + spec + " has examples of shape " + Arrays.toString(has) + " but model '"
                    + card.name() + "' takes " + Arrays.toString(takes) + " (" + card.layout() + ", from its card); use data "
                    + "with that shape or another model");
        }
        return options.cardLabels() ? withCardLabels(data, card, spec) : data;
    }

    /**
     * A tabular spec ({@code digits}, {@code csv:FILE}) read into memory, for in-memory work ({@link
     * LabeledData#samplePerClass}, {@link LabeledData#subset}): the same data as {@code source(spec, null).inMemory()}.
     *
     * @throws DataSpecException if the spec is malformed, names a missing file, unknown classes or a bad CSV, or is an
     *     image folder (which needs a model card: {@link #source(String, ModelCard)})
     */
    public static LabeledData load(String spec) {
        return source(spec, null).inMemory();
    }

    /**
     * Reads one image file resized for a model card's image input (as an {@code images:DIR} folder's images are),
     * raw {@code [1, ...inputShape]} floats 0..255 in the card's layout.
     *
     * @throws DataSpecException if the card has no image input or the file is not a readable image
     */
    public static INDArray readImage(Path file, ModelCard card) {
        return ImageFolderData.readImage(file, card);
    }

    /**
     * Feature rows of a CSV file without a label column (rows to score), every row {@code features} numbers, with the
     * same cell rules and header detection as labelled files ({@code csv:FILE}).
     *
     * @param features {@code [rows, columns]} float features
     * @param lines    the file line of each row (1-based), for naming rows in output
     * @param notes    what reading skipped (a header line), said once
     */
    public record UnlabelledRows(INDArray features, int[] lines, List<String> notes) {
    }

    /**
     * Reads a CSV file of rows without labels.
     *
     * @param features number of feature columns every row must have
     * @throws DataSpecException for a missing or unreadable file, or a malformed line or cell (naming file, line and
     *     column)
     */
    public static UnlabelledRows unlabelledRows(Path file, int features) {
        return CsvData.readUnlabelled(file, features);
    }

    /**
     * The number of columns of a CSV file's data rows (its header, if any, not counted), for telling a labelled file
     * ({@code features + 1} columns) from one of rows to score ({@code features}).
     *
     * @throws DataSpecException for a missing, unreadable or empty file
     */
    public static int csvColumns(Path file) {
        return CsvData.dataColumns(file);
    }

    private static DataSource read(String spec, ModelCard card, boolean strict) {
        if (spec == null || spec.isBlank()) {
            throw new DataSpecException("empty data spec; use e.g. digits, digits:0-4 or csv:FILE");
        }
        String s = spec.trim();
        if (s.equals("digits") || s.startsWith("digits:")) {
            LabeledData all = digits();
            return s.equals("digits") ? all : all.selectClasses(parseClasses(s.substring(7), spec));
        }
        if (s.startsWith("csv:")) {
            String rest = s.substring(4);
            int hash = rest.lastIndexOf('#');
            String file = hash >= 0 ? rest.substring(0, hash) : rest;
            if (file.isBlank()) {
                throw new DataSpecException("data spec '" + spec + "' names no file; use csv:PATH");
            }
            LabeledData data = CsvData.read(Path.of(file), -1);
            return hash >= 0 ? data.selectClasses(parseClasses(rest.substring(hash + 1), spec)) : data;
        }
        if (s.startsWith("images:")) {
            if (card == null) {
                throw new DataSpecException("data spec '" + spec + "' is an image folder, which is read for a model (its card gives the image size)");
            }
            String dir = s.substring(7);
            if (dir.isBlank()) {
                throw new DataSpecException("data spec '" + spec + "' names no folder; use images:DIR (one subfolder per class)");
            }
            return ImageFolderData.open(Path.of(dir), card, strict);
        }
        throw new DataSpecException("unknown data spec '" + spec + "'; use digits, digits:0-4, digits:5,7,9, csv:FILE[#CLASSES] or images:DIR");
    }

    /** The data with its classes numbered as the card's labels, or refused naming the classes the card lacks. */
    private static DataSource withCardLabels(DataSource data, ModelCard card, String spec) {
        List<String> want = card.labels();
        if (want.isEmpty()) {
            throw new DataSpecException("data " + spec + " is to have the labels of model '" + card.name() + "', but its card "
                    + "has none; give the model a card with labels, or read the data with its own classes");
        }
        List<String> unknown = data.labels().stream().filter(l -> !want.contains(l)).toList();
        if (!unknown.isEmpty()) {
            throw new DataSpecException("data " + spec + " has class" + (unknown.size() == 1 ? " " : "es ") + String.join(", ", unknown)
                    + " that model '" + card.name() + "' does not predict (its labels: " + String.join(", ", want) + "); select "
                    + "the model's classes (e.g. #" + String.join(",", want.subList(0, Math.min(want.size(), 5)))
                    + ") or use a model trained on these");
        }
        return data.labels().equals(want) ? data : new Relabelled(data, want);
    }

    /** The embedded digits data set, all ten classes (loaded once). */
    static synchronized LabeledData digits() {
        if (digitsCache == null) {
            try (InputStream in = DataSpec.class.getResourceAsStream(DIGITS_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("embedded digits data " + DIGITS_RESOURCE + " is missing from the class path");
                }
                digitsCache = CsvData.read(in, "embedded digits.csv.gz", true, DIGITS_PIXELS + 1, "digits");
            } catch (IOException e) {
                throw new IllegalStateException("cannot read embedded digits data: " + e.getMessage(), e);
            }
        }
        return digitsCache;
    }

    private static long classNumber(String digits, String spec) {
        String d = digits.replaceFirst("^0+(?=\\d)", "");
        if (d.length() > 18) {
            throw new DataSpecException("data spec '" + spec + "' has a class number " + digits
                    + " that is too large; write class numbers of at most 18 digits");
        }
        return Long.parseLong(d);
    }

    /**
     * Parses a class list: {@code 0-4}, {@code 5,7,9}, {@code 0-2,7} or names {@code cat,dog}.
     *
     * @throws DataSpecException if the list is empty, a range is reversed or names more than {@link #MAX_CLASSES}
     *     classes (checked before expanding it), a number is too large, or a class repeats
     */
    public static List<String> parseClasses(String text, String spec) {
        List<String> out = new ArrayList<>();
        if (text.isBlank()) {
            throw new DataSpecException("data spec '" + spec + "' has an empty class list after ':'");
        }
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.matches("\\d+-\\d+")) {
                long a = classNumber(p.substring(0, p.indexOf('-')), spec);
                long b = classNumber(p.substring(p.indexOf('-') + 1), spec);
                if (b < a) {
                    throw new DataSpecException("data spec '" + spec + "' has a reversed class range " + p);
                }
                if (b - a + 1 > MAX_CLASSES) {
                    throw new DataSpecException("data spec '" + spec + "' has a class range " + p + " of " + (b - a + 1)
                            + " classes, more than the " + MAX_CLASSES + " a spec may name; name only the classes the data has");
                }
                for (long c = a; c <= b; c++) {
                    out.add(Long.toString(c));
                }
            } else if (!p.isEmpty()) {
                out.add(p);
            } else {
                throw new DataSpecException("data spec '" + spec + "' has an empty class in its list");
            }
        }
        if (out.size() > MAX_CLASSES) {
            throw new DataSpecException("data spec '" + spec + "' names " + out.size() + " classes, more than the "
                    + MAX_CLASSES + " a spec may name");
        }
        if (out.stream().distinct().count() != out.size()) {
            throw new DataSpecException("data spec '" + spec + "' names a class twice");
        }
        return out;
    }
}
