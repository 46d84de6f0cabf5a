package dev.graft.spark;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.security.AccessControlException;

/**
 * A Hadoop FileSystem for tests under the made-up scheme {@code graftfs}: {@code graftfs:///a/b} is the local file
 * {@code ROOT/a/b}, where ROOT is {@code fs.graftfs.root} of the configuration. Registered with
 * {@code fs.graftfs.impl}, so code that reaches it goes through Hadoop's FileSystem API (java.nio on the URI's
 * path would land outside ROOT). A folder named {@code forbidden} refuses to be created, as HDFS does for a user
 * without write permission.
 */
public class RootedTestFileSystem extends RawLocalFileSystem {
    /** The scheme. */
    public static final String SCHEME = "graftfs";
    private static final URI NAME = URI.create(SCHEME + ":///");

    private java.nio.file.Path root;

    private static java.nio.file.Path shared;

    /**
     * Registers the scheme in {@code conf} with this JVM's one root folder (Hadoop caches FileSystem instances, so
     * one JVM has one root), made on first use and deleted at exit; returns it.
     */
    public static synchronized java.nio.file.Path registerShared(Configuration conf) throws IOException {
        if (shared == null) {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("graftfs-root-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    org.apache.commons.io.file.PathUtils.deleteDirectory(dir);
                } catch (IOException e) {
                    // a temp folder: nothing else to do
                }
            }));
            shared = dir;
        }
        register(conf, shared);
        return shared;
    }

    /** Registers the scheme in {@code conf} with {@code root} as its root folder. */
    public static void register(Configuration conf, java.nio.file.Path root) {
        conf.set("fs." + SCHEME + ".impl", RootedTestFileSystem.class.getName());
        conf.set("fs." + SCHEME + ".root", root.toAbsolutePath().toString());
    }

    /** The local file behind {@code uri} ({@code graftfs:///...}) for a FileSystem rooted at {@code root}. */
    public static java.nio.file.Path local(java.nio.file.Path root, String uri) {
        String path = URI.create(uri).getPath();
        return root.resolve(path.substring(1));
    }

    @Override
    public void initialize(URI uri, Configuration conf) throws IOException {
        String r = conf.get("fs." + SCHEME + ".root");
        if (r == null) {
            throw new IOException("fs." + SCHEME + ".root is not set");
        }
        root = java.nio.file.Path.of(r);
        super.initialize(uri, conf);
    }

    @Override
    public URI getUri() {
        return NAME;
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public File pathToFile(Path path) {
        checkPath(path);
        Path absolute = path.isAbsolute() ? path : new Path(getWorkingDirectory(), path);
        return root.resolve(absolute.toUri().getPath().substring(1)).toFile();
    }

    /** The status with the path asked for (the local one would name the file below ROOT). */
    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
        FileStatus st = super.getFileStatus(f);
        st.setPath(makeQualified(f));
        return st;
    }

    @Override
    public boolean mkdirs(Path f) throws IOException {
        refuseForbidden(f);
        return super.mkdirs(f);
    }

    @Override
    public boolean mkdirs(Path f, FsPermission permission) throws IOException {
        refuseForbidden(f);
        return super.mkdirs(f, permission);
    }

    private static void refuseForbidden(Path f) throws AccessControlException {
        if (f.getName().toLowerCase(Locale.ROOT).equals("forbidden")) {
            throw new AccessControlException("Permission denied: user=test, access=WRITE, inode=\""
                    + f.toUri().getPath() + "\":root:supergroup:drwxr-xr-x");
        }
    }
}
