package dev.graft.transfer.cache;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Exclusive right to build one cache folder: a {@link FileLock} on {@code DIR/.lock} across processes, plus an
 * in-process lock (the OS lock is per process, so two threads of one JVM need their own). Waiting is reported.
 */
final class CacheLock implements AutoCloseable {
    static final String FILE = ".lock";
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

    private final ReentrantLock local;
    private final FileChannel channel;
    private final FileLock lock;
    private final long waitedNanos;

    private CacheLock(ReentrantLock local, FileChannel channel, FileLock lock, long waitedNanos) {
        this.local = local;
        this.channel = channel;
        this.lock = lock;
        this.waitedNanos = waitedNanos;
    }

    /**
     * Takes the lock of {@code dir}, waiting for its holder if there is one ({@code onWait} is told once).
     *
     * @throws IOException if the lock file cannot be created (unwritable folder)
     */
    static CacheLock acquire(Path dir, Consumer<String> onWait) throws IOException {
        long start = System.nanoTime();
        Path key = dir.toAbsolutePath().normalize();
        ReentrantLock local = LOCAL.computeIfAbsent(key, k -> new ReentrantLock());
        boolean told = false;
        if (!local.tryLock()) {
            onWait.accept("another thread is building the feature cache in " + dir + "; waiting");
            told = true;
            local.lock();
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(key.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fl = ch.tryLock();
            if (fl == null) {
                if (!told) {
                    onWait.accept("another process is building the feature cache in " + dir + "; waiting");
                    told = true;
                }
                fl = ch.lock();
            }
            return new CacheLock(local, ch, fl, told ? System.nanoTime() - start : 0);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            local.unlock();
            if (e instanceof IOException) {
                throw new IOException("cannot lock feature cache folder " + dir + " (" + e + "); is it writable?", e);
            }
            throw (RuntimeException) e;
        }
    }

    double waitedSeconds() {
        return waitedNanos / 1e9;
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
            channel.close();
        } finally {
            local.unlock();
        }
    }
}
