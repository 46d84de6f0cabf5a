package dev.graft.zoo.store;

import dev.graft.zoo.Checksums;
import dev.graft.zoo.GraftHome;
import dev.graft.zoo.Progress;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves a pretrained weights file: from a path the caller gives, else the local cache, else a chain of mirrors.
 *
 * <p>Downloads stream into {@code <file>.part} beside the cached file with a progress bar, resume a partial
 * download with an HTTP {@code Range} request, are verified (sha256 and/or DL4J's Adler32) and only then renamed
 * into place atomically. A file that fails its check is never loaded; files the user placed (an explicit path or
 * a file in the cache) are never deleted, only reported with both checksums. In offline mode no socket is ever
 * opened, and the error names the file, its checksum and the folder to put it in.
 * <pre>{@code
 * WeightStore store = WeightStore.builder().home(GraftHome.fromEnvironment())
 *     .mirror("https://mirror.example.org/dl4j").progress(Progress.console()).build();
 * Path zip = store.resolve(WeightFile.adler32("vgg16", "vgg16_dl4j_inference.zip", 3501732770L)).path();
 * }</pre>
 *
 * <p>A mirror is a base URL; the file is fetched from {@code <mirror>/<folder>/<fileName>} (the cache's own
 * layout, so any copy of a Graft cache served over HTTP is a mirror). A mirror containing {@code {file}} is a
 * template instead: {@code {folder}} and {@code {file}} are replaced (e.g. DL4J's old layout
 * {@code https://host/models/{file}}).
 *
 * <p>Two processes resolving the same file take turns (a lock file {@code <file>.lock} beside it): the second
 * finds the first one's verified file instead of downloading it again.
 */
public final class WeightStore {
    private static final java.util.concurrent.ConcurrentHashMap<Path, Object> MONITORS =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final GraftHome home;
    private final List<String> mirrors;
    private final boolean offline;
    private final Progress progress;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int retriesPerMirror;

    private WeightStore(Builder b) {
        this.home = b.home;
        this.mirrors = List.copyOf(b.mirrors);
        this.offline = b.offline;
        this.progress = b.progress;
        this.connectTimeout = b.connectTimeout;
        this.readTimeout = b.readTimeout;
        this.retriesPerMirror = b.retriesPerMirror;
    }

    /** Starts a store configuration (home from the environment, no mirrors, online, no progress output). */
    public static Builder builder() {
        return new Builder();
    }

    /** The home whose {@code models} folder is the cache. */
    public GraftHome home() {
        return home;
    }

    /** Mirror base URLs, tried in order. */
    public List<String> mirrors() {
        return mirrors;
    }

    /** True if this store never uses the network. */
    public boolean isOffline() {
        return offline;
    }

    /** Where {@code file} lives in the cache (whether or not it is there). */
    public Path cachePath(WeightFile file) {
        return home.models().resolve(file.folder()).resolve(file.fileName());
    }

    /** Resolves a file from the cache or the mirrors (see class doc). */
    public ResolvedFile resolve(WeightFile file) throws IOException {
        return resolve(file, null);
    }

    /**
     * Resolves a file: {@code explicit} if given, else the cache, else the mirrors in order.
     *
     * @param file what to resolve and the checksums it must match
     * @param explicit a path the user named, or {@code null}
     * @throws FileNotFoundException if {@code explicit} does not exist
     * @throws ChecksumMismatchException if an explicit or cached file fails its check (it is left in place)
     * @throws WeightNotAvailableException if the file is not cached and cannot be fetched
     */
    public ResolvedFile resolve(WeightFile file, Path explicit) throws IOException {
        Objects.requireNonNull(file, "file");
        if (explicit != null) {
            if (!Files.isRegularFile(explicit)) {
                throw new FileNotFoundException("weights file " + explicit + " does not exist (expected "
                        + file.fileName() + ", " + file.describeChecksums() + ")");
            }
            Checksums.Sums sums = verify(file, explicit,
                    "the file you named was left as it is; check that it is " + file.fileName());
            return new ResolvedFile(explicit, sums.sha256(), sums.adler32(), sums.size(),
                    ResolvedFile.Origin.EXPLICIT, null);
        }
        Path target = cachePath(file);
        if (Files.isRegularFile(target)) {
            Checksums.Sums sums = verify(file, target, "the file was left in place; replace it with the right "
                    + file.fileName() + " or delete it to download again");
            return new ResolvedFile(target, sums.sha256(), sums.adler32(), sums.size(), ResolvedFile.Origin.CACHE, null);
        }
        String placeHint = "put " + file.fileName() + " (" + file.describeChecksums() + ") in folder "
                + target.getParent() + " (as " + target + ")";
        if (offline) {
            throw new WeightNotAvailableException("offline: " + file.fileName() + " is not in the cache; " + placeHint
                    + ", or run without --offline and with --mirror URL", target);
        }
        if (mirrors.isEmpty()) {
            throw new WeightNotAvailableException(file.fileName() + " is not in the cache and no mirror is configured;"
                    + " pass --mirror URL (or set GRAFT_MIRRORS), or " + placeHint, target);
        }
        Files.createDirectories(target.getParent());
        List<String> failures = new ArrayList<>();
        Object monitor = MONITORS.computeIfAbsent(target, t -> new Object());
        synchronized (monitor) { // threads of this JVM; the file lock below keeps other processes out
            try (FileChannel ch = FileChannel.open(target.resolveSibling(target.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = ch.lock()) {
                if (Files.isRegularFile(target)) { // another process finished it while we waited
                    Checksums.Sums sums = verify(file, target, "the file was left in place");
                    return new ResolvedFile(target, sums.sha256(), sums.adler32(), sums.size(),
                            ResolvedFile.Origin.CACHE, null);
                }
                for (String mirror : mirrors) {
                    String url = urlFor(mirror, file);
                    try {
                        return download(file, url, target);
                    } catch (IOException e) {
                        failures.add(url + ": " + e.getMessage());
                    }
                }
            }
        }
        throw new WeightNotAvailableException("could not fetch " + file.fileName() + " from any of "
                + mirrors.size() + " mirror(s): " + String.join("; ", failures) + ". Or " + placeHint, target);
    }

    /** The URL of {@code file} on {@code mirror} (see class doc for the layout). */
    public static String urlFor(String mirror, WeightFile file) {
        if (mirror.contains("{file}")) {
            return mirror.replace("{folder}", file.folder()).replace("{file}", file.fileName());
        }
        return (mirror.endsWith("/") ? mirror : mirror + "/") + file.relativePath();
    }

    private Checksums.Sums verify(WeightFile file, Path path, String advice) throws IOException {
        Checksums.Sums sums = Checksums.both(path);
        String problem = mismatch(file, sums);
        if (problem != null) {
            throw new ChecksumMismatchException(path, file.describeChecksums(), problem, advice);
        }
        return sums;
    }

    /** Null if the sums match, else the actual sums in words. */
    private static String mismatch(WeightFile file, Checksums.Sums sums) {
        boolean ok = (file.sha256() == null || file.sha256().equals(sums.sha256()))
                && (file.adler32() == null || file.adler32() == sums.adler32());
        if (ok) {
            return null;
        }
        return "sha256 " + sums.sha256() + ", Adler32 " + sums.adler32() + " (" + sums.size() + " bytes)";
    }

    private ResolvedFile download(WeightFile file, String url, Path target) throws IOException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IOException("not a valid URL (" + e.getMessage() + ")");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
            throw new IOException("only http and https mirrors are supported, got '" + uri.getScheme() + "'");
        }
        Files.createDirectories(target.getParent());
        Path part = target.resolveSibling(target.getFileName() + ".part");
        boolean resumed = Files.exists(part) && Files.size(part) > 0;
        try {
            return fetchInto(file, uri, url, part, target);
        } catch (MismatchedDownload e) {
            if (!resumed) {
                throw e;
            }
            // the partial file came from an earlier run and may belong to another version: start from zero once
            return fetchInto(file, uri, url, part, target);
        }
    }

    /** A download completed but did not match; the part file was already deleted. */
    private static final class MismatchedDownload extends IOException {
        MismatchedDownload(String message) {
            super(message);
        }
    }

    private ResolvedFile fetchInto(WeightFile file, URI uri, String url, Path part, Path target) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt <= retriesPerMirror; attempt++) {
            long before = Files.exists(part) ? Files.size(part) : 0;
            try {
                transfer(uri, part, file.fileName());
                last = null;
                break;
            } catch (IOException e) {
                last = e;
                long after = Files.exists(part) ? Files.size(part) : 0;
                if (after <= before) {
                    break; // nothing arrived: refused, 404, ... — no point retrying this mirror
                }
            }
        }
        if (last != null) {
            throw last;
        }
        Checksums.Sums sums = Checksums.both(part);
        String problem = mismatch(file, sums);
        if (problem != null) {
            Files.deleteIfExists(part); // our own temp file: a wrong download must not be resumed
            throw new MismatchedDownload("served a file that does not match: expected " + file.describeChecksums()
                    + ", actual " + problem + "; it was discarded");
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new ResolvedFile(target, sums.sha256(), sums.adler32(), sums.size(), ResolvedFile.Origin.DOWNLOADED, url);
    }

    /** One HTTP GET into {@code part}, resuming from its current size. Throws on any failure, keeping the part. */
    private void transfer(URI uri, Path part, String label) throws IOException {
        requireOnline();
        long have = Files.exists(part) ? Files.size(part) : 0;
        HttpURLConnection conn = (HttpURLConnection) uri.toURL().openConnection();
        conn.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
        conn.setReadTimeout((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
        conn.setInstanceFollowRedirects(true);
        conn.setUseCaches(false);
        if (have > 0) {
            conn.setRequestProperty("Range", "bytes=" + have + "-");
        }
        try {
            int status;
            try {
                status = conn.getResponseCode();
            } catch (java.net.ConnectException e) {
                throw new IOException("connection refused or unreachable (" + describe(e) + ")");
            } catch (IOException e) {
                throw new IOException(describe(e), e);
            }
            boolean append;
            long total;
            if (status == 206 && have > 0) {
                String cr = String.valueOf(conn.getHeaderField("Content-Range"));
                Matcher m = CONTENT_RANGE.matcher(cr);
                if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                    throw new IOException("server answered a resume request with an unusable Content-Range '" + cr + "'");
                }
                append = true;
                total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            } else if (status == 416 && have > 0) {
                return; // the part may already be complete: the checksum decides
            } else if (status == 200) {
                append = false;
                total = conn.getContentLengthLong();
            } else {
                throw new IOException("HTTP " + status);
            }
            try (InputStream body = conn.getInputStream();
                 Progress.Task task = progress.start("fetch " + label, total, "B");
                 OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                         append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                long done = append ? have : 0;
                task.stepTo(done);
                byte[] buf = new byte[1 << 16];
                for (int n; (n = body.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    done += n;
                    task.stepTo(done);
                }
                if (total >= 0 && done < total) {
                    throw new IOException("connection closed after " + done + " of " + total + " bytes");
                }
            } catch (IOException e) {
                throw new IOException("download interrupted (" + describe(e) + "); the partial file " + part
                        + " is kept and will be resumed", e);
            }
        } finally {
            conn.disconnect();
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isEmpty() ? "" : ": " + m);
    }

    private void requireOnline() {
        if (offline) {
            throw new IllegalStateException("an offline weight store must not open connections");
        }
    }

    /** Configuration of a {@link WeightStore}; validated in {@link #build()}. */
    public static final class Builder {
        private GraftHome home;
        private final List<String> mirrors = new ArrayList<>();
        private boolean offline;
        private Progress progress = Progress.none();
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(60);
        private int retriesPerMirror = 2;

        private Builder() {
        }

        /** The home whose {@code models} folder is the cache (default: {@link GraftHome#fromEnvironment()}). */
        public Builder home(GraftHome home) {
            this.home = Objects.requireNonNull(home, "home");
            return this;
        }

        /** Adds a mirror base URL (tried in the order added). */
        public Builder mirror(String url) {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException("a mirror URL must not be blank");
            }
            mirrors.add(url.trim());
            return this;
        }

        /** Adds mirror base URLs. */
        public Builder mirrors(List<String> urls) {
            urls.forEach(this::mirror);
            return this;
        }

        /** Offline: only explicit paths and the cache; never opens a socket. */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /** Where download progress goes (default: nowhere). */
        public Builder progress(Progress progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /** Connection timeout per mirror (default 10 s). */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = Objects.requireNonNull(d, "connectTimeout");
            return this;
        }

        /** Longest wait for the next bytes from a mirror before giving up on it (default 60 s). */
        public Builder readTimeout(Duration d) {
            this.readTimeout = Objects.requireNonNull(d, "readTimeout");
            return this;
        }

        /** How often a download that broke off midway is resumed from the same mirror (default 2). */
        public Builder retriesPerMirror(int n) {
            this.retriesPerMirror = n;
            return this;
        }

        /**
         * Checks and builds the store.
         *
         * @throws IllegalArgumentException on a negative retry count, non-positive timeouts or a malformed mirror URL
         */
        public WeightStore build() {
            if (home == null) {
                home = GraftHome.fromEnvironment();
            }
            if (retriesPerMirror < 0) {
                throw new IllegalArgumentException("retries per mirror must be >= 0, got " + retriesPerMirror);
            }
            if (connectTimeout.isNegative() || connectTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive, got connect " + connectTimeout
                        + " and read " + readTimeout);
            }
            for (String m : mirrors) {
                URI u;
                try {
                    u = URI.create(m.replace("{folder}", "f").replace("{file}", "f"));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("mirror '" + m + "' is not a URL: " + e.getMessage());
                }
                if (u.getScheme() == null || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))) {
                    throw new IllegalArgumentException("mirror '" + m + "' must be an http:// or https:// URL");
                }
            }
            return new WeightStore(this);
        }
    }
}
