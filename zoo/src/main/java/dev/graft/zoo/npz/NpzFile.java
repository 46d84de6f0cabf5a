package dev.graft.zoo.npz;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads NumPy {@code .npz} archives ({@code np.savez} and {@code np.savez_compressed}) into ND4J arrays.
 *
 * <p>Supports {@code .npy} format versions 1-3, little- and big-endian {@code float32/float64/float16/int8-64/
 * uint8/bool} arrays in C or Fortran order. Every array is returned as a C-ordered INDArray of the matching type.
 * <pre>{@code
 * Map<String, INDArray> arrays = NpzFile.read(Path.of("weights.npz"));
 * }</pre>
 */
public final class NpzFile {
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-z])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpzFile() {
    }

    /**
     * Reads every array of an npz archive, in archive order, keyed by name (without the {@code .npy} suffix).
     *
     * @throws IOException if the file is missing, not a zip, or holds an array this reader cannot parse
     */
    public static Map<String, INDArray> read(Path npz) throws IOException {
        if (!Files.isRegularFile(npz)) {
            throw new java.io.FileNotFoundException("npz file " + npz + " does not exist");
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory() || !e.getName().endsWith(".npy")) {
                    continue;
                }
                String name = e.getName().substring(0, e.getName().length() - 4);
                try (InputStream in = zip.getInputStream(e)) {
                    out.put(name, readNpy(in.readAllBytes(), npz + "!" + e.getName()));
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new IOException(npz + " is not an npz archive (" + e.getMessage() + ")", e);
        }
        return Collections.unmodifiableMap(out);
    }

    /** Parses one {@code .npy} file's bytes; {@code where} names it in errors. */
    static INDArray readNpy(byte[] bytes, String where) throws IOException {
        if (bytes.length < 10 || bytes[0] != (byte) 0x93 || bytes[1] != 'N' || bytes[2] != 'U' || bytes[3] != 'M'
                || bytes[4] != 'P' || bytes[5] != 'Y') {
            throw new IOException(where + " is not a .npy array (bad magic)");
        }
        int major = bytes[6];
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(bb.getShort(8));
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            headerLen = bb.getInt(8);
            headerStart = 12;
        } else {
            throw new IOException(where + ": unsupported .npy format version " + major);
        }
        String header = new String(bytes, headerStart, headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new IOException(where + ": cannot parse .npy header " + header.trim()
                    + " (only plain numeric dtypes are supported, not structured or object arrays)");
        }
        ByteOrder order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        char kind = d.group(2).charAt(0);
        int size = Integer.parseInt(d.group(3));
        boolean fortran = f.group(1).equals("True");
        long[] shape = Arrays.stream(s.group(1).split(",")).map(String::trim).filter(t -> !t.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        long count = 1;
        for (long dim : shape) {
            count *= dim;
        }
        int dataStart = headerStart + headerLen;
        if (bytes.length - dataStart < count * size) {
            throw new IOException(where + ": holds " + (bytes.length - dataStart) + " data bytes but shape "
                    + Arrays.toString(shape) + " of " + kind + size + " needs " + count * size);
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, (int) (count * size)).slice().order(order);
        int n = (int) count;
        INDArray flat;
        switch (kind + String.valueOf(size)) {
            case "f4": {
                float[] v = new float[n];
                data.asFloatBuffer().get(v);
                flat = Nd4j.createFromArray(v);
                break;
            }
            case "f8": {
                double[] v = new double[n];
                data.asDoubleBuffer().get(v);
                flat = Nd4j.createFromArray(v);
                break;
            }
            case "f2": {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = halfToFloat(data.getShort(2 * i));
                }
                flat = Nd4j.createFromArray(v).castTo(DataType.HALF);
                break;
            }
            case "i8": {
                long[] v = new long[n];
                data.asLongBuffer().get(v);
                flat = Nd4j.createFromArray(v);
                break;
            }
            case "i4": {
                int[] v = new int[n];
                data.asIntBuffer().get(v);
                flat = Nd4j.createFromArray(v);
                break;
            }
            case "i2": {
                short[] v = new short[n];
                data.asShortBuffer().get(v);
                flat = Nd4j.createFromArray(v);
                break;
            }
            case "i1": case "u1": case "b1": {
                byte[] v = new byte[n];
                data.get(v);
                flat = kind == 'i' ? Nd4j.createFromArray(v)
                        : Nd4j.createFromArray(toInts(v, kind == 'u')).castTo(kind == 'b' ? DataType.BOOL : DataType.UBYTE);
                break;
            }
            default:
                throw new IOException(where + ": unsupported dtype " + d.group(1) + kind + size);
        }
        if (shape.length == 0) {
            return flat.reshape();
        }
        return fortran ? flat.reshape('f', shape).dup('c') : flat.reshape('c', shape);
    }

    /** IEEE 754 half precision to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    private static int[] toInts(byte[] v, boolean unsigned) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = unsigned ? Byte.toUnsignedInt(v[i]) : v[i];
        }
        return out;
    }
}
