package dev.graft.zoo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * File checksums used across Graft: sha256 for everything, as lowercase hex; Adler32 too, because that is the
 * only sum DL4J published for its zoo files.
 *
 * @apiNote Internal: public only for transfer and pretrain (cache keys, fingerprints).
 */
public final class Checksums {
    private Checksums() {
    }

    /** A fresh SHA-256 digest. */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** sha256 of a file's bytes, as 64 lowercase hex digits. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md = newSha256();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return hex(md.digest());
    }

    /** Adler32 of a file's bytes, as DL4J's zoo reports it (an unsigned 32-bit value in a long). */
    public static long adler32(Path file) throws IOException {
        return both(file).adler32();
    }

    /** sha256 and Adler32 of a file, computed in one pass over its bytes. */
    public static Sums both(Path file) throws IOException {
        MessageDigest md = newSha256();
        java.util.zip.Adler32 adler = new java.util.zip.Adler32();
        byte[] buf = new byte[1 << 16];
        long size = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
                adler.update(buf, 0, n);
                size += n;
            }
        }
        return new Sums(hex(md.digest()), adler.getValue(), size);
    }

    /**
     * The sums of one file.
     *
     * @param sha256 64 lowercase hex digits
     * @param adler32 DL4J's checksum, unsigned
     * @param size bytes
     */
    public record Sums(String sha256, long adler32, long size) {
    }

    /** sha256 of a byte array, as 64 lowercase hex digits. */
    public static String sha256(byte[] bytes) {
        return hex(newSha256().digest(bytes));
    }

    /** Lowercase hex of bytes. */
    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
