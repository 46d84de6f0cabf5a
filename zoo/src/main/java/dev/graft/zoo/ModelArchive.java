package dev.graft.zoo;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A model file's zip, read once with every entry's CRC checked and its sha256 taken; and the writer that puts the
 * model card inside the zip. {@link GraftModel#save(Path)} and {@link GraftModel#load(Path)} use it for DL4J
 * networks, {@code dev.graft.zoo.onnx.OnnxModel} for imported ONNX models (entry {@value #ONNX_ENTRY}): one format,
 * the card inside recording the sha256 of every other entry.
 *
 * @apiNote Internal: public only for zoo's own packages and their tests.
 */
public final class ModelArchive {
    /** The zip entry holding the card. */
    public static final String CARD_ENTRY = "graft-card.json";
    /** The zip entry holding an ONNX graph (an imported ONNX model, or the frozen ONNX part of a fine-tuned one). */
    public static final String ONNX_ENTRY = "model.onnx";
    /** The zip comment that marks a file Graft wrote with its card inside (it survives deleting the card entry). */
    static final String COMMENT = "Graft model: DL4J ModelSerializer entries, model card in " + CARD_ENTRY;

    private final Path file;
    private final Map<String, String> entrySha256;
    private final byte[] cardJson;
    private final boolean writtenByGraft;

    private ModelArchive(Path file, Map<String, String> entrySha256, byte[] cardJson, boolean writtenByGraft) {
        this.file = file;
        this.entrySha256 = entrySha256;
        this.cardJson = cardJson;
        this.writtenByGraft = writtenByGraft;
    }

    /**
     * Reads every entry of a model zip, checking CRCs.
     *
     * @throws IOException naming the file (and the entry) when it is not a zip, truncated or an entry is damaged
     */
    public static ModelArchive read(Path file) throws IOException {
        Map<String, String> sums = new LinkedHashMap<>();
        byte[] card = null;
        boolean graft;
        ZipFile zf;
        try {
            zf = new ZipFile(file.toFile());
        } catch (ZipException | EOFException e) {
            throw new IOException("model file " + file + " is not a readable zip (" + e.getMessage()
                    + "): it is truncated, damaged or not a model; copy it again or save the model again", e);
        }
        try (zf) {
            graft = COMMENT.equals(zf.getComment());
            Enumeration<? extends ZipEntry> entries = zf.entries();
            byte[] buf = new byte[1 << 16];
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                MessageDigest md = Checksums.newSha256();
                java.io.ByteArrayOutputStream keep = e.getName().equals(CARD_ENTRY) ? new java.io.ByteArrayOutputStream() : null;
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                long size = 0;
                try (InputStream in = zf.getInputStream(e)) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        size += n;
                        md.update(buf, 0, n);
                        crc.update(buf, 0, n);
                        if (keep != null) {
                            keep.write(buf, 0, n);
                        }
                    }
                    // ZipFile does not check CRCs itself (ZipInputStream does): a changed byte must not pass
                    if (e.getCrc() != -1 && crc.getValue() != e.getCrc()) {
                        throw new ZipException(String.format("invalid entry CRC (expected 0x%08x but got 0x%08x)",
                                e.getCrc(), crc.getValue()));
                    }
                    if (e.getSize() != -1 && e.getSize() != size) {
                        throw new ZipException("entry should be " + e.getSize() + " bytes, read " + size);
                    }
                } catch (IOException ex) {
                    throw damaged(file, e.getName(), ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage(), ex);
                }
                if (keep != null) {
                    card = keep.toByteArray();
                } else {
                    sums.put(e.getName(), Checksums.hex(md.digest()));
                }
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IOException("model file " + file + " is a damaged zip (" + e.getMessage()
                    + "); copy it again or save the model again", e);
        }
        return new ModelArchive(file, sums, card, graft);
    }

    private static IOException damaged(Path file, String entry, String why, Exception cause) {
        return new IOException("model file " + file + ": entry '" + entry + "' is damaged (" + why
                + "); the file was changed or cut short after it was saved — copy it again or save the model again", cause);
    }

    /**
     * The card of this file, checked against the entries; null for a plain DL4J zip (no card inside, none beside).
     *
     * @param warnings receives a line when the sidecar copy differs from the card inside
     * @throws IOException if a Graft zip lacks its card, the card is invalid, or an entry fails its checksum
     */
    public ModelCard card(List<String> warnings) throws IOException {
        Path sidecar = ModelCard.besides(file);
        if (cardJson != null) {
            ModelCard card;
            try {
                card = ModelCard.parse(new String(cardJson, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new IOException("model file " + file + ": its card entry '" + CARD_ENTRY + "' is not valid ("
                        + e.getMessage().lines().findFirst().orElse("") + "); save the model again", e);
            }
            verifyEntries(card, "its card");
            if (Files.isRegularFile(sidecar)) {
                try {
                    ModelCard copy = ModelCard.read(sidecar);
                    if (!sameButName(copy, card)) {
                        warnings.add(sidecar + " differs from the card inside " + file + "; using the card inside (the "
                                + "file beside is only a copy — to change the card, save the model again)");
                    }
                } catch (IOException | RuntimeException e) {
                    warnings.add(sidecar + " is not a valid card; using the card inside " + file);
                }
            }
            return card;
        }
        if (writtenByGraft) {
            throw new IOException("model file " + file + " was written by Graft but its card entry '" + CARD_ENTRY
                    + "' is missing; the file was edited or damaged — copy it again or save the model again");
        }
        if (!Files.isRegularFile(sidecar)) {
            return null;
        }
        ModelCard card = ModelCard.read(sidecar);
        boolean entryKeyed = card.sha256().keySet().stream().anyMatch(entrySha256::containsKey);
        if (entryKeyed) {
            verifyEntries(card, "its model card " + sidecar);
            throw new IOException("model file " + file + " was written by Graft with its card inside, but the card entry '"
                    + CARD_ENTRY + "' is missing; the file was edited or damaged — copy it again or save the model again");
        }
        if (!card.sha256().isEmpty()) {
            // an older Graft model: the card beside it records the whole file's sha256 under the file's name
            String actual = Checksums.sha256(file);
            String expected = card.sha256().get(file.getFileName().toString());
            boolean ok = expected != null ? expected.equals(actual) : card.sha256().containsValue(actual);
            if (!ok) {
                throw new IOException("checksum error: " + file + " does not match its model card " + sidecar
                        + " (expected sha256 " + (expected != null ? expected : String.join(" or ", card.sha256().values()))
                        + ", actual sha256 " + actual + "); the file was changed or damaged after it was saved");
            }
        }
        return card;
    }

    private void verifyEntries(ModelCard card, String whose) throws IOException {
        Map<String, String> expected = card.sha256();
        for (String required : List.of("configuration.json", "coefficients.bin", ONNX_ENTRY)) {
            if (entrySha256.containsKey(required) && !expected.containsKey(required)) {
                throw new IOException("model file " + file + ": " + whose + " records no sha256 for entry '" + required
                        + "', so the weights cannot be checked; save the model again with Graft");
            }
        }
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String actual = entrySha256.get(e.getKey());
            if (actual == null) {
                throw new IOException("model file " + file + ": entry '" + e.getKey() + "' that " + whose
                        + " lists is missing; the file was edited or damaged — copy it again or save the model again");
            }
            if (!actual.equals(e.getValue())) {
                throw new IOException("checksum error: model file " + file + ", entry '" + e.getKey()
                        + "' does not match " + whose + " (expected sha256 " + e.getValue() + ", actual sha256 " + actual
                        + "); the file was changed after it was saved — copy it again or save the model again");
            }
        }
        for (String name : entrySha256.keySet()) {
            if (!expected.containsKey(name)) {
                throw new IOException("model file " + file + ": entry '" + name + "' is not part of the model as saved "
                        + "(its card lists no sha256 for it); the file was edited — copy it again or save the model again");
            }
        }
    }

    /** Names of the entries other than the card, in zip order. */
    public java.util.Set<String> entryNames() {
        return java.util.Collections.unmodifiableSet(entrySha256.keySet());
    }

    /** True if the zip has an entry of that name (the card entry included). */
    public boolean has(String entry) {
        return entrySha256.containsKey(entry) || (entry.equals(CARD_ENTRY) && cardJson != null);
    }

    /**
     * The bytes of one entry, checked against the sha256 taken when the archive was read (so a file changed since
     * then is not used).
     *
     * @throws IOException if the entry is missing or changed since {@link #read(Path)}
     */
    public byte[] entryBytes(String entry) throws IOException {
        String expected = entrySha256.get(entry);
        if (expected == null) {
            throw new IOException("model file " + file + " has no entry '" + entry + "'; entries are: "
                    + String.join(", ", entrySha256.keySet()));
        }
        byte[] b;
        try (ZipFile zf = new ZipFile(file.toFile()); InputStream in = zf.getInputStream(zf.getEntry(entry))) {
            b = in.readAllBytes();
        }
        if (!Checksums.sha256(b).equals(expected)) {
            throw new IOException("model file " + file + ", entry '" + entry + "' changed while it was being read; "
                    + "load it again");
        }
        return b;
    }

    /**
     * Writes a Graft model zip from in-memory entries plus the card (with the sha256 of every entry) as
     * {@link #CARD_ENTRY}, via a temp file and an atomic rename, and the readable copy of the card beside it.
     *
     * @return the card as written
     */
    public static ModelCard write(Path target, Map<String, byte[]> entries, ModelCard card) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
        try {
            ModelCard.Builder b = card.toBuilder().clearSha256();
            try (OutputStream raw = Files.newOutputStream(tmp);
                 ZipOutputStream out = new ZipOutputStream(new java.io.BufferedOutputStream(raw, 1 << 16))) {
                out.setLevel(Deflater.BEST_SPEED);
                out.setComment(COMMENT);
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    if (e.getKey().equals(CARD_ENTRY)) {
                        throw new IllegalArgumentException("entry name '" + CARD_ENTRY + "' is reserved for the card");
                    }
                    out.putNextEntry(new ZipEntry(e.getKey()));
                    out.write(e.getValue());
                    out.closeEntry();
                    b.sha256(e.getKey(), Checksums.sha256(e.getValue()));
                }
                ModelCard saved = b.build();
                out.putNextEntry(new ZipEntry(CARD_ENTRY));
                out.write(saved.toJson().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
                card = saved;
            }
            Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            card.write(ModelCard.besides(target));
            return card;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static boolean sameButName(ModelCard a, ModelCard b) {
        return a.toBuilder().name(b.name()).clearSha256().build().equals(b.toBuilder().clearSha256().build());
    }

    /**
     * Copies the entries of a DL4J ModelSerializer zip into {@code target}, adding the card (with the sha256 of every
     * copied entry) as {@link #CARD_ENTRY}.
     *
     * @return the card as written
     */
    static ModelCard repackWithCard(Path dl4jZip, Path target, ModelCard card) throws IOException {
        return repackWithCard(dl4jZip, target, card, Map.of());
    }

    /** As {@link #repackWithCard(Path, Path, ModelCard)}, with extra entries (e.g. a frozen ONNX part) added. */
    static ModelCard repackWithCard(Path dl4jZip, Path target, ModelCard card, Map<String, byte[]> extra)
            throws IOException {
        Map<String, String> sums = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        try (ZipFile in = new ZipFile(dl4jZip.toFile());
             OutputStream raw = Files.newOutputStream(target);
             ZipOutputStream out = new ZipOutputStream(new java.io.BufferedOutputStream(raw, 1 << 16))) {
            out.setLevel(Deflater.BEST_SPEED);
            out.setComment(COMMENT);
            byte[] buf = new byte[1 << 16];
            Enumeration<? extends ZipEntry> entries = in.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.getName().equals(CARD_ENTRY)) {
                    continue;
                }
                names.add(e.getName());
                MessageDigest md = Checksums.newSha256();
                out.putNextEntry(new ZipEntry(e.getName()));
                try (InputStream is = in.getInputStream(e)) {
                    int n;
                    while ((n = is.read(buf)) > 0) {
                        md.update(buf, 0, n);
                        out.write(buf, 0, n);
                    }
                }
                out.closeEntry();
                sums.put(e.getName(), Checksums.hex(md.digest()));
            }
            for (Map.Entry<String, byte[]> e : extra.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
                sums.put(e.getKey(), Checksums.sha256(e.getValue()));
            }
            ModelCard.Builder b = card.toBuilder().clearSha256();
            sums.forEach(b::sha256);
            ModelCard saved = b.build();
            out.putNextEntry(new ZipEntry(CARD_ENTRY));
            out.write(saved.toJson().getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            return saved;
        }
    }
}
