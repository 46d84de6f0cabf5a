package dev.graft.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * An independent reader of the .npz files Graft exports, written from NumPy's format description (not Graft's
 * writer): version 1.0 headers, C order, {@code <f4} (as {@code float[rows][rest]}), {@code <i4} ({@code int[]}) and
 * {@code <U<n>} ({@code String[]}) arrays.
 */
final class NpyTestReader {
    private static final Pattern HEADER = Pattern.compile(
            "\\{'descr': '([<>|])([fiU])(\\d+)', 'fortran_order': (True|False), 'shape': \\(([0-9, ]*)\\), \\}\\s*\\n");

    private NpyTestReader() {
    }

    static Map<String, Object> read(Path npz) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            Enumeration<? extends ZipEntry> en = zip.entries();
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                try (InputStream in = zip.getInputStream(e)) {
                    out.put(e.getName().replaceFirst("\\.npy$", ""), parse(in.readAllBytes(), e.getName()));
                }
            }
        }
        return out;
    }

    private static Object parse(byte[] b, String name) {
        if (b[0] != (byte) 0x93 || !new String(b, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY") || b[6] != 1 || b[7] != 0) {
            throw new AssertionError(name + ": not a version 1.0 .npy");
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int len = Short.toUnsignedInt(bb.getShort(8));
        if ((10 + len) % 64 != 0) {
            throw new AssertionError(name + ": data does not start on a 64-byte boundary");
        }
        String header = new String(b, 10, len, StandardCharsets.ISO_8859_1);
        Matcher m = HEADER.matcher(header);
        if (!m.matches() || !m.group(1).equals("<") || m.group(4).equals("True")) {
            throw new AssertionError(name + ": unexpected header " + header);
        }
        long[] shape = Arrays.stream(m.group(5).split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
        int size = Integer.parseInt(m.group(3));
        long count = Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        ByteBuffer data = ByteBuffer.wrap(b, 10 + len, b.length - 10 - len).slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (m.group(2)) {
            case "f": {
                if (size != 4 || data.remaining() != count * 4) {
                    throw new AssertionError(name + ": size mismatch");
                }
                int rows = (int) shape[0];
                int rest = rows == 0 ? 0 : (int) (count / rows);
                float[][] v = new float[rows][rest];
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < rest; j++) {
                        v[r][j] = data.getFloat();
                    }
                }
                return v;
            }
            case "i": {
                int[] v = new int[(int) count];
                data.asIntBuffer().get(v);
                return v;
            }
            default: {
                String[] v = new String[(int) count];
                for (int i = 0; i < count; i++) {
                    StringBuilder s = new StringBuilder();
                    for (int c = 0; c < size; c++) {
                        int cp = data.getInt();
                        if (cp != 0) {
                            s.appendCodePoint(cp);
                        }
                    }
                    v[i] = s.toString();
                }
                return v;
            }
        }
    }
}
