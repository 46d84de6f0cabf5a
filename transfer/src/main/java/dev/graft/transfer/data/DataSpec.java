package dev.graft.transfer.data;

import java.io.IOException;
import java.io.InputStream;
import dev.graft.zoo.ModelCard;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses the data specs used across the CLI and the API into data sets.
 *
 * <ul>
 *   <li>{@code digits} — the embedded UCI digits (1797 8x8 images, pixels 0..16, CC BY 4.0);</li>
 *   <li>{@code digits:0-4}, {@code digits:5,7,9} — only those classes, renumbered in the order given;</li>
 *   <li>{@code csv:PATH} — a labelled CSV (features, then label last; {@code .gz} ok);
 *       {@code csv:PATH#0-4} selects classes the same way.</li>
 *   <li>{@code images:DIR} — one subfolder per class, images resized to the model card's input
 *       ({@link #source(String, ModelCard)} only: it needs the card).</li>
 * </ul>
 * Every error is a {@link DataSpecException} with a one-line message.
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
     * Loads the data set a spec names.
     *
     * @throws DataSpecException if the spec is malformed, names a missing file, unknown classes or a bad CSV
     */
    public static LabeledData load(String spec) {
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
            throw new DataSpecException("data spec '" + spec + "' is an image folder, which is read for a model (its card gives the image size)");
        }
        throw new DataSpecException("unknown data spec '" + spec + "'; use digits, digits:0-4, digits:5,7,9, csv:FILE[#CLASSES] or images:DIR");
    }

    /**
     * The data source a spec names, for a model with this card: {@code images:DIR} streams an image folder resized
     * for the card; every other spec loads as {@link #load(String)} does.
     *
     * @throws DataSpecException if the spec is malformed or names missing data
     */
    public static DataSource source(String spec, ModelCard card) {
        return source(spec, card, false);
    }

    /**
     * The data source a spec names, as {@link #source(String, ModelCard)}; with {@code strict}, an image folder with
     * unreadable files is refused (all of them named) instead of read without them.
     *
     * @throws DataSpecException if the spec is malformed or names missing data
     */
    public static DataSource source(String spec, ModelCard card, boolean strict) {
        if (spec != null && spec.trim().startsWith("images:")) {
            String dir = spec.trim().substring(7);
            if (dir.isBlank()) {
                throw new DataSpecException("data spec '" + spec + "' names no folder; use images:DIR (one subfolder per class)");
            }
            return ImageFolderData.open(Path.of(dir), card, strict);
        }
        return load(spec);
    }

    /** The embedded digits data set, all ten classes (loaded once). */
    public static synchronized LabeledData digits() {
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
