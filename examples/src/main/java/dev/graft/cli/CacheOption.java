package dev.graft.cli;

import java.nio.file.Path;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * {@code --cache DIR|URI}: a folder, or with {@code --spark} also a Hadoop URI ({@code hdfs://}, {@code s3a://},
 * {@code file:}), which is why it is text and not a path.
 */
final class CacheOption {
    /** A scheme of two or more characters then ':' (one letter is a Windows drive). */
    private static final Pattern URI = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:");

    @Option(names = "--cache", paramLabel = "DIR|URI", description = "feature cache folder (with --spark: a folder the "
            + "driver and every executor share, or a Hadoop URI such as hdfs://nn:8020/caches/c, s3a://bucket/c, "
            + "file:///shared/c)")
    String cache;

    /** Whether a cache was given. */
    boolean given() {
        return cache != null;
    }

    /** The text as given (folder or URI), for the cluster. */
    String location() {
        return cache;
    }

    /**
     * The folder on this machine, or null when none was given.
     *
     * @throws IllegalArgumentException for a URI (only Spark writes there)
     */
    Path folder() {
        if (cache == null) {
            return null;
        }
        if (URI.matcher(cache).lookingAt()) {
            throw new IllegalArgumentException("--cache " + cache + " is a URI, which only Spark reads and writes: "
                    + "add --spark MASTER, or give a folder");
        }
        return Path.of(cache);
    }
}
