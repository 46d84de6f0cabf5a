package dev.graft.zoo.keras;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Tells what a file is from its first bytes, in pure Java, before any native HDF5 code sees it.
 *
 * <p>HDF5 files are also checked for truncation: the superblock records the file's end-of-file address, and a
 * file shorter than that is rejected here with a clear message instead of being handed to the native library.
 */
final class FileSniffer {
    /** What the bytes of a file look like. */
    enum Kind {
        /** A zip archive (a Keras 3 {@code .keras} file, if it holds config.json). */
        ZIP,
        /** An HDF5 file ({@code .h5}). */
        HDF5,
        /** JSON text (a model config written by {@code model.to_json()}). */
        JSON
    }

    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    private static final long UNDEFINED_ADDRESS = -1L;

    private FileSniffer() {
    }

    /**
     * Identifies a file.
     *
     * @throws KerasImportException if the file is missing, empty, truncated, or neither zip, HDF5 nor JSON
     */
    static Kind sniff(Path file) throws KerasImportException {
        if (!Files.exists(file)) {
            throw new KerasImportException("Keras file " + file + " does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw new KerasImportException(file + " is not a regular file; give a .keras, .h5 or .json file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw new KerasImportException("Keras file " + file + " is empty (0 bytes); it was not written "
                        + "completely -- save the model again");
            }
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, 64));
            ch.read(head, 0);
            byte[] b = head.array();
            if (size >= 4 && b[0] == 'P' && b[1] == 'K' && (b[2] == 3 || b[2] == 5) && (b[3] == 4 || b[3] == 6)) {
                return Kind.ZIP;
            }
            long sigAt = hdf5SignatureOffset(ch, size);
            if (sigAt >= 0) {
                checkHdf5Length(file, ch, size, sigAt);
                return Kind.HDF5;
            }
            for (byte c : b) {
                if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                    continue;
                }
                if (c == '{') {
                    return Kind.JSON;
                }
                break;
            }
            throw new KerasImportException(file + " is not a Keras model file: it is neither a .keras zip, an HDF5 "
                    + ".h5 file nor a JSON config (first bytes " + printable(b) + ")");
        } catch (KerasImportException e) {
            throw e;
        } catch (IOException e) {
            throw new KerasImportException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** HDF5 allows a user block: the signature sits at 0, 512, 1024, 2048, ... */
    private static long hdf5SignatureOffset(FileChannel ch, long size) throws IOException {
        for (long at = 0; at + HDF5_SIGNATURE.length <= size; at = at == 0 ? 512 : at * 2) {
            ByteBuffer sig = ByteBuffer.allocate(HDF5_SIGNATURE.length);
            ch.read(sig, at);
            if (Arrays.equals(sig.array(), HDF5_SIGNATURE)) {
                return at;
            }
        }
        return -1;
    }

    /** Reads the superblock's base and end-of-file addresses and rejects a file shorter than they say. */
    private static void checkHdf5Length(Path file, FileChannel ch, long size, long sigAt)
            throws IOException, KerasImportException {
        ByteBuffer sb = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        int n = ch.read(sb, sigAt);
        if (n < 16) {
            throw truncated(file, size, -1);
        }
        int version = sb.get(8) & 0xff;
        int offsetSize;
        int baseAt;
        if (version == 0 || version == 1) {
            offsetSize = sb.get(13) & 0xff;
            baseAt = version == 0 ? 24 : 28;
        } else if (version == 2 || version == 3) {
            offsetSize = sb.get(9) & 0xff;
            baseAt = 12;
        } else {
            throw new KerasImportException(file + " has an HDF5 superblock of unknown version " + version
                    + "; it is damaged or written by an HDF5 newer than this reader knows");
        }
        if (offsetSize != 4 && offsetSize != 8) {
            throw new KerasImportException(file + " has a damaged HDF5 superblock (offset size " + offsetSize + ")");
        }
        int eofAt = baseAt + 2 * offsetSize;
        if (n < eofAt + offsetSize) {
            throw truncated(file, size, -1);
        }
        long base = read(sb, baseAt, offsetSize);
        long eof = read(sb, eofAt, offsetSize);
        if (eof == UNDEFINED_ADDRESS || (offsetSize == 4 && eof == 0xffffffffL)) {
            return;
        }
        long needed = Math.max(base, sigAt) + eof;
        if (size < needed) {
            throw truncated(file, size, needed);
        }
    }

    private static long read(ByteBuffer b, int at, int width) {
        return width == 8 ? b.getLong(at) : b.getInt(at) & 0xffffffffL;
    }

    private static KerasImportException truncated(Path file, long size, long needed) {
        return new KerasImportException(file + " is a truncated HDF5 file: it has " + size + " bytes"
                + (needed > 0 ? " but its header says " + needed : "") + "; copy or download it again");
    }

    private static String printable(byte[] b) {
        StringBuilder s = new StringBuilder("\"");
        for (int i = 0; i < Math.min(b.length, 8); i++) {
            int c = b[i] & 0xff;
            s.append(c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return s.append('"').toString();
    }
}
