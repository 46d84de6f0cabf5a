package dev.graft.transfer.data;

import java.io.BufferedReader;
import java.math.BigDecimal;
import java.util.regex.Pattern;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import dev.graft.zoo.InputFiles;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads labelled CSV: numeric feature columns, then the class label in the last column. {@code .gz} is read
 * transparently; a UTF-8 byte order mark is skipped. Every line must have the same number of columns.
 *
 * <p>What is accepted, so that bad input never becomes a wrong result:
 * <ul>
 *   <li>a feature cell is a plain decimal number ({@code 3}, {@code -0.5}, {@code 1e-3}) whose value fits a float
 *       and is finite; {@code nan}, {@code inf}, {@code 1e39}, {@code 0x1p3}, {@code 1.5f} or {@code 2d} are
 *       refused, naming file, line and column;</li>
 *   <li>the first line is a header when a feature cell is a name (a first line with a malformed number and no
 *       name is a typo, refused as such, not dropped as a header), or when it is a pandas header such as
 *       {@code 0,1,2,3,target}: feature cells exactly {@code 0..k-1} (or {@code 1..k}) and a label on no other row;
 *       a first row whose class has no other row is otherwise kept, and said in a note;</li>
 *   <li>a label is not empty; numeric labels name a class by value, so {@code 2} and {@code 2.0} are one class.</li>
 * </ul>
 */
final class CsvData {
    /** A plain decimal number: digits, an optional fraction and exponent; no hex, no suffix, no NaN/Infinity. */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private CsvData() {
    }

    /**
     * Reads a CSV file.
     *
     * @param file            the file ({@code .csv} or {@code .csv.gz})
     * @param expectedColumns number of columns every line must have, or -1 to take the first line's count
     * @throws DataSpecException for a missing or unreadable file, or a malformed line or cell (naming the file,
     *     line and column)
     */
    static LabeledData read(Path file, int expectedColumns) {
        try {
            InputFiles.requireReadableFile(file, "CSV file");
        } catch (IOException e) {
            throw new DataSpecException(e.getMessage(), e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), file.toString().endsWith(".gz"), expectedColumns, "csv:" + file);
        } catch (IOException e) {
            throw new DataSpecException("cannot read CSV file " + file + ": " + InputFiles.describe(e), e);
        }
    }

    /** Reads CSV from a stream; {@code name} is used in messages. */
    static LabeledData read(InputStream raw, String name, boolean gzip, int expectedColumns, String description)
            throws IOException {
        Table t = parse(raw, name, gzip, expectedColumns, true);
        List<String> names = sortedLabels(t.labelText);
        java.util.Map<String, Integer> index = new java.util.HashMap<>();
        for (int k = 0; k < names.size(); k++) {
            index.put(names.get(k), k);
        }
        int[] labels = t.labelText.stream().mapToInt(index::get).toArray();
        return new LabeledData(t.features(), labels, names, description, t.notes);
    }

    /**
     * Reads a CSV file of feature rows without a label column (rows to predict), with the same cell rules and header
     * detection as labelled files.
     *
     * @param features number of feature columns every row must have
     * @throws DataSpecException for a missing or unreadable file, or a malformed line or cell
     */
    static DataSpec.UnlabelledRows readUnlabelled(Path file, int features) {
        try {
            InputFiles.requireReadableFile(file, "CSV file");
        } catch (IOException e) {
            throw new DataSpecException(e.getMessage(), e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            Table t = parse(in, file.toString(), file.toString().endsWith(".gz"), features, false);
            return new DataSpec.UnlabelledRows(t.features(), t.lines.stream().mapToInt(Integer::intValue).toArray(), t.notes);
        } catch (IOException e) {
            throw new DataSpecException("cannot read CSV file " + file + ": " + InputFiles.describe(e), e);
        }
    }

    /**
     * The number of columns of a CSV file's data rows (its header, if any, not counted), for telling a labelled file
     * ({@code features + 1} columns) from an unlabelled one.
     *
     * @throws DataSpecException for a missing, unreadable or empty file
     */
    static int dataColumns(Path file) {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            List<String[]> firstTwo = new ArrayList<>();
            String line;
            boolean bom = true;
            while (firstTwo.size() < 2 && (line = r.readLine()) != null) {
                if (bom && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                bom = false;
                if (!line.isBlank()) {
                    firstTwo.add(cellsOf(line));
                }
            }
            if (firstTwo.isEmpty()) {
                throw new DataSpecException(file + " has no data rows");
            }
            if (firstTwo.size() == 2) {
                return firstTwo.get(1).length;
            }
            return firstTwo.get(0).length;
        } catch (IOException e) {
            throw new DataSpecException("cannot read CSV file " + file + ": " + InputFiles.describe(e), e);
        }
    }

    /** Parsed rows: features, label text (labelled files only), the line of each row, and notes. */
    private record Table(List<float[]> rows, List<String> labelText, List<Integer> lines, List<String> notes) {
        org.nd4j.linalg.api.ndarray.INDArray features() {
            return Nd4j.create(rows.toArray(new float[0][])).castTo(DataType.FLOAT);
        }
    }

    /**
     * The parser behind both readers. The first non-blank line is a header when its content says so (see
     * {@link #isHeader}); that decision waits for the second line, so a header of another width (scikit-learn's
     * {@code 178,13,class_0,class_1,class_2} above 14-column rows) is recognised too. A skipped header is reported
     * once in the notes.
     */
    private static Table parse(InputStream raw, String name, boolean gzip, int expectedColumns, boolean labelled)
            throws IOException {
        InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
        List<float[]> rows = new ArrayList<>();
        List<String> labelText = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int columns = expectedColumns;
        String[] pending = null; // the first non-blank line, until the second one says whether it is a header
        int pendingLine = 0;
        boolean decided = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (lineNo == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1); // UTF-8 byte order mark
                }
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = cellsOf(line);
                if (!decided) {
                    if (pending == null) {
                        pending = cells;
                        pendingLine = lineNo;
                        continue;
                    }
                    decided = true;
                    if (isHeader(pending, cells.length, labelled)) {
                        notes.add(name + ": line " + pendingLine + " skipped as a header (" + abbreviate(String.join(",", pending)) + ")");
                    } else {
                        columns = addRow(pending, pendingLine, columns, name, labelled, rows, labelText, lines);
                    }
                }
                columns = addRow(cells, lineNo, columns, name, labelled, rows, labelText, lines);
            }
        }
        if (!decided && pending != null) {
            if (isHeader(pending, pending.length, labelled)) {
                notes.add(name + ": line " + pendingLine + " skipped as a header (" + abbreviate(String.join(",", pending)) + ")");
            } else {
                addRow(pending, pendingLine, columns, name, labelled, rows, labelText, lines);
            }
        }
        if (pending != null && !rows.isEmpty() && lines.get(0) == pendingLine) {
            if (labelled) {
                checkFirstRow(pending, name, rows, labelText, lines, notes);
            } else if (pending.length > 1 && isColumnNumbers(pending, pending.length)) {
                // without a label column nothing tells a pandas header from a row of small integers: say it
                notes.add(name + ": line " + pendingLine + " (" + abbreviate(String.join(",", pending)) + ") is read as a "
                        + "row, but its cells are the column numbers a pandas DataFrame's header has; delete that line if it "
                        + "is one");
            }
        }
        if (rows.isEmpty()) {
            throw new DataSpecException(name + " has no data rows");
        }
        return new Table(rows, labelText, lines, notes);
    }

    /**
     * The first data row of a labelled file, once the whole file is read. A pandas header — the column names of a
     * DataFrame built from a NumPy array, {@code 0,1,2,3,target} ({@code 0..k-1}, or {@code 1..k}, then the label
     * column's name) — is all numbers, so {@link #isHeader} takes it for data. It is dropped as a header when its
     * feature cells are exactly those integers in order and its label occurs on no other row, while other classes
     * have several rows (a file of one row per class is data throughout). Otherwise, a first row whose class has no
     * other row is kept but said in a note, naming the class and line: it may be a header that was not recognised.
     */
    private static void checkFirstRow(String[] first, String name, List<float[]> rows, List<String> labelText,
            List<Integer> lines, List<String> notes) {
        String label = labelText.get(0);
        java.util.Map<String, Integer> counts = new java.util.HashMap<>();
        for (String l : labelText) {
            counts.merge(l, 1, Integer::sum);
        }
        int sameLabel = counts.get(label);
        boolean othersRepeat = counts.values().stream().anyMatch(n -> n > 1);
        if (sameLabel > 1 || !othersRepeat) {
            return;
        }
        int line = lines.get(0);
        String text = abbreviate(String.join(",", first));
        if (isColumnNumbers(first, first.length - 1)) {
            rows.remove(0);
            labelText.remove(0);
            lines.remove(0);
            notes.add(name + ": line " + line + " skipped as a header (" + text + "): its feature cells are the column "
                    + "numbers " + first[0].trim() + ".." + first[first.length - 2].trim() + " and its label '" + label
                    + "' is on no other row (a pandas DataFrame's header)");
        } else {
            notes.add(name + ": class '" + label + "' has a single example, the first row (line " + line + ": " + text
                    + "); if that line is a header, give its feature columns names (e.g. x0,x1,...) or delete it, "
                    + "else it is read as data");
        }
    }

    /**
     * The cells of one CSV line as written, RFC 4180 quoting undone by commons-csv ({@code "setosa"} is
     * {@code setosa}, {@code "a,b"} one cell); a line whose quotes do not close is taken as plain text split at commas.
     */
    static String[] cellsOf(String line) {
        if (line.indexOf('"') < 0) {
            return line.split(",", -1);
        }
        try (org.apache.commons.csv.CSVParser p = org.apache.commons.csv.CSVFormat.DEFAULT.parse(
                new java.io.StringReader(line))) {
            List<org.apache.commons.csv.CSVRecord> records = p.getRecords();
            if (records.size() == 1) {
                return records.get(0).values();
            }
        } catch (java.io.IOException | java.io.UncheckedIOException | IllegalStateException e) {
            // unbalanced quotes: fall through to a plain split, whose cells the caller reports by line
        }
        return line.split(",", -1);
    }

    /** The first {@code k} cells are exactly {@code 0,1,...,k-1} or {@code 1,2,...,k}, as written. */
    private static boolean isColumnNumbers(String[] cells, int k) {
        for (int start = 0; start <= 1; start++) {
            boolean all = true;
            for (int i = 0; i < k && all; i++) {
                all = cells[i].trim().equals(Integer.toString(start + i));
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /** Parses one data line into the lists; returns the column count all lines must have. */
    private static int addRow(String[] cells, int lineNo, int columns, String name, boolean labelled, List<float[]> rows,
            List<String> labelText, List<Integer> lines) {
        int labelColumns = labelled ? 1 : 0;
        if (columns < 0) {
            columns = cells.length;
            if (columns < 1 + labelColumns) {
                throw new DataSpecException(name + " line " + lineNo + " has " + cells.length
                        + " column; a labelled CSV needs feature columns and a label column");
            }
        }
        if (cells.length != columns) {
            throw new DataSpecException(name + " line " + lineNo + " has " + cells.length + " columns, expected " + columns
                    + (labelled ? " (" + (columns - 1) + " features, then the label)" : " features (no label column)"));
        }
        float[] f = new float[columns - labelColumns];
        for (int i = 0; i < f.length; i++) {
            f[i] = parseCell(cells[i], name, lineNo, i + 1);
        }
        if (labelled) {
            String label = cells[columns - 1].trim();
            if (label.isEmpty()) {
                throw new DataSpecException(name + " line " + lineNo + " has an empty label (column " + columns
                        + "); give every row its class in the last column");
            }
            labelText.add(canonicalLabel(label));
        }
        rows.add(f);
        lines.add(lineNo);
        return columns;
    }

    /**
     * Whether a first line is a header, by its content: it has a name (a cell starting with a letter, {@code _} or a
     * quote) in a cell before its last (a labelled file's last cell is the label, which may be text in data rows too),
     * whether or not its width matches the next line's ({@code nextWidth}, unused: content decides). A first line with a
     * malformed number ({@code 2o}) and no such name is data, refused cell by cell; so is a line of another width
     * without names ({@code 1,2,a} above {@code 3,b}: a ragged row).
     */
    private static boolean isHeader(String[] cells, int nextWidth, boolean labelled) {
        // a label is text in data rows too, so a labelled file's last cell never makes a header
        int featureCells = cells.length - (labelled ? 1 : 0);
        for (int i = 0; i < featureCells; i++) {
            if (isName(cells[i].trim())) {
                return true;
            }
        }
        return false;
    }

    /** A column or class name, not a number or a malformed one: starts with a letter, {@code _} or a quote. */
    private static boolean isName(String c) {
        return !c.isEmpty() && (Character.isLetter(c.charAt(0)) || c.charAt(0) == '_' || c.charAt(0) == '"'
                || c.charAt(0) == '\'') && !looksNumeric(c);
    }

    /** Cells such as {@code nan}, {@code inf}, {@code 0x1p3}, {@code 1.5f}: numbers Java would parse, refused by name. */
    private static boolean looksNumeric(String c) {
        try {
            Double.parseDouble(c);
            return true;
        } catch (NumberFormatException e) {
            return c.equalsIgnoreCase("nan") || c.matches("(?i)[+-]?inf(inity)?");
        }
    }

    /**
     * Parses one feature cell: a plain decimal number whose value is a finite float.
     *
     * @throws DataSpecException naming the file, line and column, with the cell's text and what to write instead
     */
    static float parseCell(String cell, String name, int lineNo, int column) {
        String c = cell.trim();
        String where = name + " line " + lineNo + " column " + column;
        if (c.isEmpty()) {
            throw new DataSpecException(where + " is empty; every feature cell needs a number");
        }
        if (!DECIMAL.matcher(c).matches()) {
            throw new DataSpecException(where + " is '" + abbreviate(c) + "', not a finite decimal number; write plain "
                    + "decimals such as 0.5 or 1e-3 (NaN, Inf, hex and suffixes like 1.5f are refused)");
        }
        float v = Float.parseFloat(c);
        if (Float.isInfinite(v)) {
            throw new DataSpecException(where + " is " + abbreviate(c) + ", outside the float range (about ±3.4e38); "
                    + "scale the column down");
        }
        return v;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    /** A label's class name: numeric labels by value ({@code 2.0} → {@code 2}, {@code 1e1} → {@code 10}). */
    private static String canonicalLabel(String label) {
        if (DECIMAL.matcher(label).matches() && label.length() <= 64) {
            BigDecimal v = new BigDecimal(label).stripTrailingZeros();
            if (Math.abs(v.scale()) > 64) {
                return label; // 1e999: a name, not a number to write out
            }
            String s = v.toPlainString();
            return s.equals("-0") ? "0" : s;
        }
        return label;
    }

    /** Distinct labels, numerically sorted when all are numbers, else alphabetically. */
    private static List<String> sortedLabels(List<String> labelText) {
        Set<String> distinct = new LinkedHashSet<>(labelText);
        List<String> names = new ArrayList<>(distinct);
        boolean numeric = names.stream().allMatch(s -> DECIMAL.matcher(s).matches() && s.length() <= 64);
        names.sort(numeric ? Comparator.comparing(BigDecimal::new) : Comparator.naturalOrder());
        return names;
    }
}
