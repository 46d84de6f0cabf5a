package dev.graft.spark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A read-only {@link SeekableByteChannel} over a Hadoop file, so that {@code transfer}'s shard checks
 * ({@code CacheShards.finishedSha(channel, index)}, {@code problem(...)}) run unchanged on any Hadoop FileSystem.
 */
final class HadoopChannel implements SeekableByteChannel {
    private final FSDataInputStream in;
    private final long size;
    private boolean open = true;

    private HadoopChannel(FSDataInputStream in, long size) {
        this.in = in;
        this.size = size;
    }

    /**
     * Opens {@code file} on {@code fs}.
     *
     * @throws java.io.FileNotFoundException if there is no such file
     */
    static HadoopChannel open(FileSystem fs, Path file) throws IOException {
        long size = fs.getFileStatus(file).getLen();
        return new HadoopChannel(fs.open(file), size);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        long pos = in.getPos();
        if (pos >= size) {
            return -1;
        }
        int want = (int) Math.min(dst.remaining(), size - pos);
        if (want == 0) {
            return 0;
        }
        byte[] array = dst.hasArray() ? dst.array() : new byte[want];
        int offset = dst.hasArray() ? dst.arrayOffset() + dst.position() : 0;
        int n = in.read(array, offset, want);
        if (n > 0) {
            if (dst.hasArray()) {
                dst.position(dst.position() + n);
            } else {
                dst.put(array, 0, n);
            }
        }
        return n;
    }

    @Override
    public long position() throws IOException {
        ensureOpen();
        return in.getPos();
    }

    @Override
    public SeekableByteChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0 || newPosition > size) {
            throw new IOException("position " + newPosition + " is outside the file's " + size + " bytes");
        }
        in.seek(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return size;
    }

    @Override
    public int write(ByteBuffer src) {
        throw new NonWritableChannelException();
    }

    @Override
    public SeekableByteChannel truncate(long newSize) {
        throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() throws IOException {
        if (open) {
            open = false;
            in.close();
        }
    }

    private void ensureOpen() throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }
}
