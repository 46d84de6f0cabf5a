package dev.graft.zoo.store;

import java.util.Locale;
import java.util.Objects;

/**
 * One weights file the {@link WeightStore} can resolve: where it lives in the cache
 * ({@code <models>/<folder>/<fileName>}) and the checksums it must match.
 *
 * <p>At least one checksum is needed. DL4J published only Adler32 sums for its zoo files, so catalog
 * entries for those carry {@code adler32}; files Graft wrote itself carry {@code sha256}.
 *
 * @param folder sub-folder of the cache, e.g. {@code vgg16} (DL4J's lower-cased model class name)
 * @param fileName the file's name, e.g. {@code vgg16_dl4j_inference.zip}
 * @param sha256 expected sha256 as 64 hex digits, or {@code null} when unknown
 * @param adler32 expected Adler32, or {@code null} when unknown
 */
public record WeightFile(String folder, String fileName, String sha256, Long adler32) {

    /** Validates the names and checksums. */
    public WeightFile {
        if (folder == null || !folder.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("weight file folder must be a plain name (letters, digits, . _ -), got '"
                    + folder + "'");
        }
        if (fileName == null || !fileName.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("weight file name must be a plain name (letters, digits, . _ -), got '"
                    + fileName + "'");
        }
        if (sha256 != null) {
            if (!sha256.matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException("sha256 of " + fileName + " must be 64 hex digits, got '" + sha256 + "'");
            }
            sha256 = sha256.toLowerCase(Locale.ROOT);
        }
        if (adler32 != null && (adler32 < 0 || adler32 > 0xFFFFFFFFL)) {
            throw new IllegalArgumentException("Adler32 of " + fileName + " must be in 0..4294967295, got " + adler32);
        }
        if (sha256 == null && adler32 == null) {
            throw new IllegalArgumentException("weight file " + fileName + " needs a sha256 or an Adler32 to be verified");
        }
    }

    /** A file known by its sha256. */
    public static WeightFile sha256(String folder, String fileName, String sha256) {
        return new WeightFile(folder, fileName, Objects.requireNonNull(sha256, "sha256"), null);
    }

    /** A file known by DL4J's Adler32 only. */
    public static WeightFile adler32(String folder, String fileName, long adler32) {
        return new WeightFile(folder, fileName, null, adler32);
    }

    /** Path of the file relative to the cache root: {@code folder/fileName}. */
    public String relativePath() {
        return folder + "/" + fileName;
    }

    /** The expected checksums in words, e.g. {@code sha256 ab12…} or {@code Adler32 3501732770}. */
    public String describeChecksums() {
        StringBuilder sb = new StringBuilder();
        if (sha256 != null) {
            sb.append("sha256 ").append(sha256);
        }
        if (adler32 != null) {
            sb.append(sb.length() > 0 ? ", " : "").append("Adler32 ").append(adler32);
        }
        return sb.toString();
    }
}
