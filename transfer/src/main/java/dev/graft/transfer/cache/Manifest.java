package dev.graft.transfer.cache;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of a feature cache: the key and what it was made of, the layout, and every finished
 * shard with its sha256. Rewritten (temp file + atomic rename) after each shard, so a killed build leaves an
 * accurate record of what is done.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
final class Manifest {
    static final String FILE = "manifest.json";
    static final int FORMAT_VERSION = 1;
    static final String BUILDING = "building";
    static final String COMPLETE = "complete";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public int formatVersion = FORMAT_VERSION;
    public String key;
    public String status = BUILDING;
    /** Key components by name (featurizer, source, augmentation, precision, shardRows), hex or text. */
    public Map<String, String> components = new LinkedHashMap<>();
    /** Human-readable descriptions of the featurizer, source and augmentation. */
    public Map<String, String> descriptions = new LinkedHashMap<>();
    public long examples;
    public int views;
    public long rows;
    public int shardRows;
    public String precision;
    public long[] featureShape;
    public List<String> labels = new ArrayList<>();
    public List<Shard> shards = new ArrayList<>();

    /** One finished shard. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    static final class Shard {
        public int index;
        public String file;
        public long firstRow;
        public int rows;
        public long bytes;
        public String sha256;
    }

    /** The manifest in {@code dir}, or null if there is none; an unreadable one is an IOException. */
    static Manifest read(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) {
            return null;
        }
        try {
            return JSON.readValue(f.toFile(), Manifest.class);
        } catch (IOException e) {
            throw new IOException("feature cache manifest " + f + " is unreadable (" + e.getMessage().lines().findFirst()
                    .orElse("") + ")", e);
        }
    }

    /** Writes to a temp file beside it and renames over the old one. */
    void write(Path dir) throws IOException {
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.write(tmp, toBytes());
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The file's content: indented JSON, UTF-8. */
    byte[] toBytes() throws IOException {
        return JSON.writeValueAsBytes(this);
    }

    Shard shard(int index) {
        for (Shard s : shards) {
            if (s.index == index) {
                return s;
            }
        }
        return null;
    }

    /** Records a finished shard (replacing any entry with its index), keeping the list in index order. */
    void putShard(Shard s) {
        if (!shards.isEmpty() && shards.get(shards.size() - 1).index < s.index) {
            shards.add(s);
            return;
        }
        shards.removeIf(x -> x.index == s.index);
        shards.add(s);
        shards.sort((a, b) -> Integer.compare(a.index, b.index));
    }
}
