package dev.graft.zoo.store;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** A real HTTP server on 127.0.0.1 serving byte arrays by path, honouring Range, able to drop a response midway. */
final class TestServer implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> rangeHeaders = new CopyOnWriteArrayList<>();
    final AtomicLong bytesSent = new AtomicLong();
    /** Number of upcoming responses to cut off after {@link #dropAfter} bytes. */
    final AtomicInteger dropsLeft = new AtomicInteger();
    volatile long dropAfter;
    /** When set, Range headers are ignored (a plain server answering 200 with the whole file). */
    volatile boolean ignoreRange;
    /** When set, responses stall after {@link #dropAfter} bytes instead of dropping. */
    volatile long stallMillis;
    /** Delay before each response's headers. */
    volatile long delayMillis;

    TestServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    void serve(String path, byte[] body) {
        files.put(path, body);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        requests.add(path);
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null) {
            rangeHeaders.add(range);
        }
        byte[] body = files.get(path);
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (body == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        int start = 0;
        if (range != null && range.matches("bytes=\\d+-") && !ignoreRange) {
            start = Integer.parseInt(range.substring(6, range.length() - 1));
            ex.getResponseHeaders().add("Content-Range", "bytes " + start + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - start);
        } else {
            ex.sendResponseHeaders(200, body.length);
        }
        OutputStream out = ex.getResponseBody();
        int len = body.length - start;
        if (dropsLeft.getAndDecrement() > 0) {
            int n = (int) Math.min(dropAfter, len);
            bytesSent.addAndGet(n); // counted before writing: the client may finish before this thread goes on
            out.write(body, start, n);
            out.flush();
            if (stallMillis > 0) {
                try {
                    Thread.sleep(stallMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // cut the connection short of the declared length: an IOException from a handler makes the JDK
            // server close the connection, which is what a crashing or overloaded mirror does
            throw new IOException("test server drops the connection after " + n + " bytes");
        }
        bytesSent.addAndGet(len);
        out.write(body, start, len);
        out.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
