package dev.graft.transfer.data;

import java.io.BufferedReader;
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
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads labelled CSV: numeric feature columns, then the class label in the last column. No header
 * (a first line whose feature columns are not numbers is taken as one and skipped). {@code .gz} is read
 * transparently. Every line must have the same number of columns.
 */
public final class CsvData {
    private CsvData() {
    }

    /**
     * Reads a CSV file.
     *
     * @param file            the file ({@code .csv} or {@code .csv.gz})
     * @param expectedColumns number of columns every line must have, or -1 to take the first line's count
     * @throws DataSpecException for a missing file or a malformed line, naming the file and line
     */
    public static LabeledData read(Path file, int expectedColumns) {
        if (!Files.isRegularFile(file)) {
            throw new DataSpecException("CSV file " + file + " does not exist");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), file.toString().endsWith(".gz"), expectedColumns, "csv:" + file);
        } catch (IOException e) {
            throw new DataSpecException("cannot read CSV file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads CSV from a stream; {@code name} is used in messages. */
    static LabeledData read(InputStream raw, String name, boolean gzip, int expectedColumns, String description)
            throws IOException {
        InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
        List<float[]> rows = new ArrayList<>();
        List<String> labelText = new ArrayList<>();
        int columns = expectedColumns;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",", -1);
                if (columns < 0) {
                    columns = cells.length;
                    if (columns < 2) {
                        throw new DataSpecException(name + " line " + lineNo + " has " + cells.length
                                + " column; a labelled CSV needs feature columns and a label column");
                    }
                }
                if (cells.length != columns) {
                    throw new DataSpecException(name + " line " + lineNo + " has " + cells.length + " columns, expected "
                            + columns + " (" + (columns - 1) + " features, then the label)");
                }
                float[] f = new float[columns - 1];
                try {
                    for (int i = 0; i < f.length; i++) {
                        f[i] = Float.parseFloat(cells[i].trim());
                    }
                } catch (NumberFormatException e) {
                    if (rows.isEmpty() && lineNo == 1) {
                        continue; // a header line
                    }
                    throw new DataSpecException(name + " line " + lineNo + " has a feature that is not a number: "
                            + e.getMessage());
                }
                rows.add(f);
                labelText.add(cells[columns - 1].trim());
            }
        }
        if (rows.isEmpty()) {
            throw new DataSpecException(name + " has no data rows");
        }
        List<String> names = sortedLabels(labelText);
        int[] labels = labelText.stream().mapToInt(names::indexOf).toArray();
        float[][] matrix = rows.toArray(new float[0][]);
        return new LabeledData(Nd4j.create(matrix).castTo(DataType.FLOAT), labels, names, description);
    }

    /** Distinct labels, numerically sorted when all are integers, else alphabetically. */
    private static List<String> sortedLabels(List<String> labelText) {
        Set<String> distinct = new LinkedHashSet<>(labelText);
        List<String> names = new ArrayList<>(distinct);
        boolean numeric = names.stream().allMatch(s -> s.matches("-?\\d+"));
        names.sort(numeric ? Comparator.comparingLong(Long::parseLong) : Comparator.naturalOrder());
        return names;
    }
}
