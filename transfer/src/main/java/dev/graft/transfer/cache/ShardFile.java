package dev.graft.transfer.cache;

import dev.graft.zoo.Checksums;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One shard file of a feature cache, little-endian:
 * <pre>
 *   header (80 bytes): magic "GRAFTFC1", format version (int), precision code (int), cache key (32 bytes),
 *                      shard index (long), first row (long), rows (int), feature length (int), classes (int), 0 (int)
 *   rows × [features (float32 or float16) | label vector (float32)]
 *   trailer: sha256 of everything before it (32 bytes)
 * </pre>
 * Rows are fixed-size records, so any row can be read in place from a memory map.
 */
final class ShardFile {
    static final byte[] MAGIC = "GRAFTFC1".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER_BYTES = 80;
    static final int TRAILER_BYTES = 32;

    private ShardFile() {
    }

    /** Name of shard {@code index}. */
    static String name(int index) {
        String digits = Integer.toString(index);
        return "shard-" + "00000".substring(Math.min(5, digits.length())) + digits + ".bin";
    }

    /** The index in a shard file name, or -1 if it is not one. */
    static int indexOf(String fileName) {
        if (!fileName.startsWith("shard-") || !fileName.endsWith(".bin")) {
            return -1;
        }
        try {
            int index = Integer.parseInt(fileName.substring(6, fileName.length() - 4));
            return name(index).equals(fileName) ? index : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static int rowBytes(int featureLength, int numClasses, Precision precision) {
        return featureLength * precision.bytes() + numClasses * 4;
    }

    static long fileBytes(int rows, int featureLength, int numClasses, Precision precision) {
        return HEADER_BYTES + (long) rows * rowBytes(featureLength, numClasses, precision) + TRAILER_BYTES;
    }

    /** The layout a shard must have. */
    record Layout(byte[] key, int index, long firstRow, int rows, int featureLength, int numClasses, Precision precision) {
        long fileBytes() {
            return ShardFile.fileBytes(rows, featureLength, numClasses, precision);
        }

        ByteBuffer header() {
            ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            h.put(MAGIC).putInt(1).putInt(precision.code()).put(key).putLong(index).putLong(firstRow).putInt(rows)
                    .putInt(featureLength).putInt(numClasses).putInt(0);
            return h.flip();
        }
    }

    static byte[] keyBytes(String hexKey) {
        return HexFormat.of().parseHex(hexKey);
    }

    /**
     * Checks a shard file against its expected layout and, when {@code expectedSha} is given, its recorded sha256;
     * with {@code fullCheck} the content is re-hashed and compared with the trailer.
     *
     * @return null if the shard is good, otherwise the reason it is not
     */
    static String check(Path file, Layout layout, String expectedSha, boolean fullCheck) throws IOException {
        if (!Files.isRegularFile(file)) {
            return "missing";
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return check(ch, layout, expectedSha, fullCheck);
        }
    }

    /**
     * {@link #check(Path, Layout, String, boolean)} on a shard opened elsewhere (any storage that can seek); the
     * channel's {@code size()} is the file's size and its position is moved.
     */
    static String check(SeekableByteChannel ch, Layout layout, String expectedSha, boolean fullCheck)
            throws IOException {
        long size = ch.size();
        if (size != layout.fileBytes()) {
            return "size " + size + " bytes, expected " + layout.fileBytes();
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        readFully(ch, header, 0);
        if (!Arrays.equals(header.array(), layout.header().array())) {
            return "header does not match the cache (other key, index or layout)";
        }
        String stored = storedSha(ch);
        if (expectedSha != null && !expectedSha.equals(stored)) {
            return "checksum in file " + stored + " differs from the manifest's " + expectedSha;
        }
        if (fullCheck) {
            MessageDigest md = Checksums.newSha256();
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long end = size - TRAILER_BYTES;
            ch.position(0);
            for (long pos = 0; pos < end; ) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                int n = ch.read(buf);
                if (n < 0) {
                    return "truncated";
                }
                md.update(buf.array(), 0, n);
                pos += n;
            }
            String actual = Checksums.hex(md.digest());
            if (!actual.equals(stored)) {
                return "checksum mismatch (expected sha256 " + stored + ", actual " + actual + ")";
            }
        }
        return null;
    }

    /** The sha256 stored in a shard's trailer. */
    static String storedSha(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return storedSha(ch);
        }
    }

    /** The sha256 stored in the trailer of a shard opened elsewhere. */
    static String storedSha(SeekableByteChannel ch) throws IOException {
        ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES);
        readFully(ch, trailer, ch.size() - TRAILER_BYTES);
        return Checksums.hex(trailer.array());
    }

    private static void readFully(SeekableByteChannel ch, ByteBuffer buf, long pos) throws IOException {
        ch.position(pos);
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    /** Streams one shard to a temp file; {@link #finish()} writes the trailer, syncs and renames it into place. */
    static final class Writer implements AutoCloseable {
        private final Layout layout;
        private final Path target;
        private final Path temp;
        private final FileChannel ch;
        private final MessageDigest md = Checksums.newSha256();
        private final ByteBuffer buf;
        private int rowsWritten;
        private boolean done;

        Writer(Path target, Layout layout) throws IOException {
            this.layout = layout;
            this.target = target;
            this.temp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            this.ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
            int rowBytes = rowBytes(layout.featureLength(), layout.numClasses(), layout.precision());
            this.buf = ByteBuffer.allocate(Math.max(1 << 20, rowBytes)).order(ByteOrder.LITTLE_ENDIAN);
            buf.put(layout.header());
        }

        boolean isFull() {
            return rowsWritten == layout.rows();
        }

        /** Appends one row: {@code featureLength} features from {@code f[fOff..]}, labels from {@code y[yOff..]}. */
        void append(float[] f, int fOff, float[] y, int yOff) throws IOException {
            int rowBytes = rowBytes(layout.featureLength(), layout.numClasses(), layout.precision());
            if (buf.remaining() < rowBytes) {
                flush();
            }
            if (layout.precision() == Precision.FLOAT32) {
                buf.asFloatBuffer().put(f, fOff, layout.featureLength()); // bulk copy (the view shares buf's order)
                buf.position(buf.position() + 4 * layout.featureLength());
            } else {
                for (int i = 0; i < layout.featureLength(); i++) {
                    buf.putShort(Half.fromFloat(f[fOff + i]));
                }
            }
            for (int c = 0; c < layout.numClasses(); c++) {
                buf.putFloat(y[yOff + c]);
            }
            rowsWritten++;
        }

        private void flush() throws IOException {
            buf.flip();
            md.update(buf.array(), 0, buf.limit());
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            buf.clear();
        }

        /** Writes the trailer, syncs, renames into place; returns the sha256. */
        String finish() throws IOException {
            if (!isFull()) {
                throw new IllegalStateException("shard " + layout.index() + " has " + rowsWritten + " of "
                        + layout.rows() + " rows");
            }
            flush();
            byte[] sha = md.digest();
            ch.write(ByteBuffer.wrap(sha));
            ch.force(true);
            ch.close();
            Files.move(temp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            done = true;
            return Checksums.hex(sha);
        }

        @Override
        public void close() throws IOException {
            if (!done) {
                ch.close();
                Files.deleteIfExists(temp);
            }
        }
    }
}
