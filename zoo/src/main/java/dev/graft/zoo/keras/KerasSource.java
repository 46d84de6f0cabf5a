package dev.graft.zoo.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A Keras model opened for import: its format, Keras version, model config and where its weights are.
 * Owns temporary files (a {@code .keras} archive's weights are extracted) and the open HDF5 weights file;
 * {@link #close()} releases both.
 */
final class KerasSource implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Path weightsFile;
    private final KerasFormat format;
    private final String kerasVersion;
    private final ObjectNode modelConfig;
    private final List<Path> tempFiles;
    private Hdf5File weights;

    private KerasSource(Path file, Path weightsFile, KerasFormat format, String kerasVersion, ObjectNode modelConfig,
                        List<Path> tempFiles) {
        this.file = file;
        this.weightsFile = weightsFile;
        this.format = format;
        this.kerasVersion = kerasVersion;
        this.modelConfig = modelConfig;
        this.tempFiles = tempFiles;
    }

    /**
     * Opens a Keras model file.
     *
     * @param file a {@code .keras} archive, a full-model {@code .h5}, or a JSON config
     * @param weightsFile the weights HDF5 when {@code file} is a JSON config, else null
     * @throws KerasImportException if the file is not a readable Keras model
     */
    static KerasSource open(Path file, Path weightsFile) throws KerasImportException {
        FileSniffer.Kind kind = FileSniffer.sniff(file);
        if (kind != FileSniffer.Kind.JSON && weightsFile != null) {
            throw new KerasImportException("a separate weights file (" + weightsFile + ") goes with a JSON config only; "
                    + file + " already holds its weights");
        }
        switch (kind) {
            case ZIP:
                return openArchive(file);
            case HDF5:
                return openHdf5(file);
            default:
                return openJson(file, weightsFile);
        }
    }

    private static KerasSource openArchive(Path file) throws KerasImportException {
        List<Path> temps = new ArrayList<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry config = zip.getEntry("config.json");
            ZipEntry weights = zip.getEntry("model.weights.h5");
            if (config == null || weights == null) {
                List<String> names = new ArrayList<>();
                zip.stream().limit(10).forEach(e -> names.add(e.getName()));
                throw new KerasImportException(file + " is a zip but not a Keras 3 model: it has no "
                        + (config == null ? "config.json" : "model.weights.h5") + " (entries: "
                        + (names.isEmpty() ? "none" : String.join(", ", names)) + ")");
            }
            ObjectNode cfg = parseObject(read(zip, config), file + "!config.json");
            String version = "3";
            ZipEntry meta = zip.getEntry("metadata.json");
            if (meta != null) {
                JsonNode m = parse(read(zip, meta), file + "!metadata.json");
                version = m.path("keras_version").asText("3");
            }
            Path tmp = Files.createTempFile("graft-keras-", ".weights.h5");
            temps.add(tmp);
            try (InputStream in = checked(zip, weights)) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            try {
                FileSniffer.sniff(tmp);
            } catch (KerasImportException e) {
                throw new KerasImportException(file + ": its model.weights.h5 is damaged (" + e.getMessage() + ")");
            }
            return new KerasSource(file, tmp, KerasFormat.KERAS3_ARCHIVE, version, cfg, temps);
        } catch (ZipException e) {
            deleteAll(temps);
            throw new KerasImportException(file + " is a damaged or truncated zip (" + e.getMessage()
                    + "); save the .keras file again", e);
        } catch (KerasImportException e) {
            deleteAll(temps);
            throw e;
        } catch (IOException e) {
            deleteAll(temps);
            throw new KerasImportException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static KerasSource openHdf5(Path file) throws KerasImportException {
        Hdf5File h5 = Hdf5File.open(file);
        try {
            if (!h5.hasAttribute("model_config")) {
                throw new KerasImportException(file + " is an HDF5 file without a model_config attribute: it holds "
                        + "weights only; import its JSON config and pass this file as the weights");
            }
            String json = h5.readJsonAttribute("model_config");
            String version = h5.hasAttribute("keras_version") ? h5.readStringAttribute("keras_version") : "";
            ObjectNode cfg = parseObject(json, file + " model_config");
            boolean keras3 = version.startsWith("3") || (version.isEmpty() && looksLikeKeras3(cfg));
            KerasSource s = new KerasSource(file, file, keras3 ? KerasFormat.KERAS3_H5 : KerasFormat.KERAS2_H5,
                    version.isEmpty() ? (keras3 ? "3" : "unknown") : version, cfg, new ArrayList<>());
            s.weights = h5;
            return s;
        } catch (KerasImportException | RuntimeException e) {
            h5.close();
            throw e;
        }
    }

    private static KerasSource openJson(Path file, Path weightsFile) throws KerasImportException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KerasImportException("cannot read " + file + ": " + e.getMessage(), e);
        }
        ObjectNode cfg = parseObject(text, file.toString());
        if (weightsFile != null && FileSniffer.sniff(weightsFile) != FileSniffer.Kind.HDF5) {
            throw new KerasImportException("weights file " + weightsFile + " is not an HDF5 file");
        }
        boolean keras3 = looksLikeKeras3(cfg);
        String version = cfg.path("keras_version").asText(keras3 ? "3" : "2");
        return new KerasSource(file, weightsFile, keras3 ? KerasFormat.KERAS3_JSON : KerasFormat.KERAS2_JSON, version,
                cfg, new ArrayList<>());
    }

    /** Keras 3 configs carry "module"/"registered_name" keys and dict-shaped inbound nodes; Keras 2 ones do not. */
    static boolean looksLikeKeras3(ObjectNode cfg) {
        if (cfg.path("keras_version").asText("").startsWith("3") || cfg.has("module")) {
            return true;
        }
        JsonNode layers = cfg.path("config").path("layers");
        for (JsonNode l : layers) {
            if (l.has("module") || l.has("registered_name")) {
                return true;
            }
            for (JsonNode node : l.path("inbound_nodes")) {
                if (node.isObject()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The file given by the user. */
    Path file() {
        return file;
    }

    /** The HDF5 file holding the weights (a temporary copy for a .keras archive). */
    Path weightsFile() {
        return weightsFile;
    }

    /** Fails when a JSON config came without its weights file (a preflight needs none, an import does). */
    void requireWeightsFile() throws KerasImportException {
        if (weightsFile == null) {
            throw new KerasImportException(file + " is a JSON model config without weights; pass its weights file "
                    + "(Keras 3: the .weights.h5 from model.save_weights, Keras 2: the .h5 from model.save_weights)");
        }
    }

    /** The file's format. */
    KerasFormat format() {
        return format;
    }

    /** Keras version that wrote the file, as recorded in it ("3.15.1", "2.3.1"). */
    String kerasVersion() {
        return kerasVersion;
    }

    /** The model config as Keras wrote it. */
    ObjectNode modelConfig() {
        return modelConfig;
    }

    /** The weights file, opened once. */
    Hdf5File weights() throws KerasImportException {
        requireWeightsFile();
        if (weights == null) {
            weights = Hdf5File.open(weightsFile);
        }
        return weights;
    }

    @Override
    public void close() {
        if (weights != null) {
            weights.close();
            weights = null;
        }
        deleteAll(tempFiles);
    }

    private static void deleteAll(List<Path> files) {
        for (Path p : files) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }

    private static String read(ZipFile zip, ZipEntry e) throws IOException {
        try (InputStream in = checked(zip, e)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * An entry's stream that checks the entry's CRC-32 when it reaches the end: {@link ZipFile} does not, so a
     * changed weight would otherwise import. A mismatch is a {@link ZipException} naming the entry.
     */
    private static InputStream checked(ZipFile zip, ZipEntry e) throws IOException {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        return new java.util.zip.CheckedInputStream(zip.getInputStream(e), crc) {
            private boolean verified;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                verifyAtEnd(n);
                return n;
            }

            @Override
            public int read() throws IOException {
                int n = super.read();
                verifyAtEnd(n);
                return n;
            }

            private void verifyAtEnd(int n) throws ZipException {
                if (n < 0 && !verified) {
                    verified = true;
                    if (e.getCrc() != -1 && crc.getValue() != e.getCrc()) {
                        throw new ZipException(String.format("entry %s fails its CRC check (expected 0x%08x, got 0x%08x): "
                                + "the file was changed after it was written", e.getName(), e.getCrc(), crc.getValue()));
                    }
                }
            }
        };
    }

    static JsonNode parse(String json, String where) throws KerasImportException {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new KerasImportException(where + " is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
    }

    private static ObjectNode parseObject(String json, String where) throws KerasImportException {
        JsonNode n = parse(json, where);
        if (!(n instanceof ObjectNode) || !n.has("class_name")) {
            throw new KerasImportException(where + " is not a Keras model config (no class_name at the top)");
        }
        return (ObjectNode) n;
    }

    @Override
    public String toString() {
        return file + " (" + format + ", Keras " + kerasVersion + ")";
    }

    static List<Path> none() {
        return Collections.emptyList();
    }
}
