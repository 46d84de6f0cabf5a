package dev.graft.zoo.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.zoo.Checksums;
import dev.graft.zoo.GraftHome;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("slow") // the fast lane (-Pquick) leaves it out; mvn verify runs it
class WeightStoreTest {
    @TempDir
    Path home;

    TestServer server;
    byte[] payload;
    WeightFile file;

    @BeforeEach
    void start() throws IOException {
        server = new TestServer();
        payload = new byte[300_000];
        new Random(7).nextBytes(payload);
        file = WeightFile.sha256("tiny", "tiny_weights.zip", Checksums.sha256(payload));
        server.serve("/m/tiny/tiny_weights.zip", payload);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private WeightStore.Builder store() {
        return WeightStore.builder().home(GraftHome.at(home)).connectTimeout(Duration.ofSeconds(5));
    }

    @Test
    void freshDownloadLandsInTheCacheVerifiedWithNoPartFileLeft() throws IOException {
        ResolvedFile r = store().mirror(server.baseUrl() + "/m").build().resolve(file);

        assertThat(r.origin()).isEqualTo(ResolvedFile.Origin.DOWNLOADED);
        assertThat(r.path()).isEqualTo(home.resolve("models/tiny/tiny_weights.zip"));
        assertThat(Files.readAllBytes(r.path())).isEqualTo(payload);
        assertThat(r.sha256()).isEqualTo(file.sha256());
        assertThat(Files.exists(home.resolve("models/tiny/tiny_weights.zip.part"))).isFalse();
        assertThat(server.requests).containsExactly("/m/tiny/tiny_weights.zip");
    }

    @Test
    void secondCallIsServedFromTheCacheWithoutAnyRequest() throws IOException {
        WeightStore store = store().mirror(server.baseUrl() + "/m").build();
        store.resolve(file);
        server.requests.clear();

        ResolvedFile again = store.resolve(file);

        assertThat(again.origin()).isEqualTo(ResolvedFile.Origin.CACHE);
        assertThat(server.requests).isEmpty();
    }

    @Test
    void downloadDroppedMidwayIsResumedWithARangeRequestInTheSameCall() throws IOException {
        server.dropAfter = 100_000;
        server.dropsLeft.set(1);

        ResolvedFile r = store().mirror(server.baseUrl() + "/m").build().resolve(file);

        assertThat(Files.readAllBytes(r.path())).isEqualTo(payload);
        assertThat(server.rangeHeaders).hasSize(1);
        long resumedFrom = Long.parseLong(server.rangeHeaders.get(0).replaceAll("\\D", ""));
        assertThat(resumedFrom).isPositive().isLessThan(payload.length);
        assertThat(server.bytesSent.get()).isEqualTo(payload.length); // nothing was sent twice
    }

    @Test
    void partialFileLeftByAnEarlierRunIsResumedByTheNextCall() throws IOException {
        server.dropAfter = 120_000;
        server.dropsLeft.set(1);
        WeightStore noRetry = store().mirror(server.baseUrl() + "/m").retriesPerMirror(0).build();

        assertThatThrownBy(() -> noRetry.resolve(file)).isInstanceOf(WeightNotAvailableException.class)
                .hasMessageContaining("partial file");
        Path part = home.resolve("models/tiny/tiny_weights.zip.part");
        long kept = Files.size(part);
        assertThat(kept).isPositive().isLessThan(payload.length);
        assertThat(Files.exists(home.resolve("models/tiny/tiny_weights.zip"))).isFalse();

        ResolvedFile r = noRetry.resolve(file);

        assertThat(Files.readAllBytes(r.path())).isEqualTo(payload);
        assertThat(server.rangeHeaders).containsExactly("bytes=" + kept + "-");
        assertThat(server.bytesSent.get()).isEqualTo(payload.length);
    }

    @Test
    void aServerThatIgnoresRangeRestartsTheDownloadFromZero() throws IOException {
        server.dropAfter = 100_000;
        server.dropsLeft.set(1);
        server.ignoreRange = true;

        ResolvedFile r = store().mirror(server.baseUrl() + "/m").build().resolve(file);

        assertThat(Files.readAllBytes(r.path())).isEqualTo(payload);
        assertThat(server.rangeHeaders).hasSize(1);
        assertThat(server.bytesSent.get()).isEqualTo(100_000 + payload.length);
    }

    @Test
    void aMirrorThatStallsTimesOutAndTheNextMirrorServesTheFile() throws IOException {
        TestServer slow = new TestServer();
        try {
            slow.serve("/m/tiny/tiny_weights.zip", payload);
            slow.dropAfter = 1000;
            slow.dropsLeft.set(10);
            slow.stallMillis = 8000;
            WeightStore store = store().readTimeout(Duration.ofSeconds(2)).retriesPerMirror(0)
                    .mirror(slow.baseUrl() + "/m").mirror(server.baseUrl() + "/m").build();

            ResolvedFile r = store.resolve(file);

            assertThat(r.url()).startsWith(server.baseUrl());
            assertThat(Files.readAllBytes(r.path())).isEqualTo(payload);
        } finally {
            slow.close();
        }
    }

    @Test
    void concurrentResolvesOfTheSameFileDownloadItOnce() throws Exception {
        server.delayMillis = 400;
        WeightStore store = store().mirror(server.baseUrl() + "/m").build();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.Future<ResolvedFile> a = pool.submit(() -> store.resolve(file));
            java.util.concurrent.Future<ResolvedFile> b = pool.submit(() -> store.resolve(file));

            assertThat(java.util.List.of(a.get().origin(), b.get().origin()))
                    .containsExactlyInAnyOrder(ResolvedFile.Origin.DOWNLOADED, ResolvedFile.Origin.CACHE);
            assertThat(server.requests).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aStalePartialFileFromAnotherVersionIsDiscardedAndDownloadedAfresh() throws IOException {
        Path part = home.resolve("models/tiny/tiny_weights.zip.part");
        Files.createDirectories(part.getParent());
        Files.write(part, new byte[50_000]); // zeros: not the start of payload

        ResolvedFile r = store().mirror(server.baseUrl() + "/m").build().resolve(file);

        assertThat(Files.readAllBytes(r.path())).isEqualTo(payload);
        assertThat(server.rangeHeaders).containsExactly("bytes=50000-");
        assertThat(server.requests).hasSize(2);
        assertThat(Files.exists(part)).isFalse();
    }

    @Test
    void sha256MismatchIsRefusedWithBothSumsAndNothingIsCached() throws IOException {
        byte[] wrong = payload.clone();
        wrong[5] ^= 1;
        server.serve("/m/tiny/tiny_weights.zip", wrong);

        assertThatThrownBy(() -> store().mirror(server.baseUrl() + "/m").build().resolve(file))
                .isInstanceOf(WeightNotAvailableException.class)
                .hasMessageContaining(file.sha256())
                .hasMessageContaining(Checksums.sha256(wrong));
        assertThat(Files.exists(home.resolve("models/tiny/tiny_weights.zip"))).isFalse();
        assertThat(Files.exists(home.resolve("models/tiny/tiny_weights.zip.part"))).isFalse();
    }

    @Test
    void notFoundAndConnectionRefusedFallThroughToTheNextMirror() throws IOException {
        String refused = "http://127.0.0.1:" + closedPort() + "/m";
        WeightStore store = store().mirror(server.baseUrl() + "/missing").mirror(refused)
                .mirror(server.baseUrl() + "/m").build();

        ResolvedFile r = store.resolve(file);

        assertThat(r.url()).isEqualTo(server.baseUrl() + "/m/tiny/tiny_weights.zip");
        assertThat(server.requests).containsExactly("/missing/tiny/tiny_weights.zip", "/m/tiny/tiny_weights.zip");
    }

    @Test
    void whenEveryMirrorFailsTheErrorNamesEachMirrorAndWhereToPutTheFile() throws IOException {
        String refused = "http://127.0.0.1:" + closedPort() + "/m";
        WeightStore store = store().mirror(server.baseUrl() + "/missing").mirror(refused).build();

        assertThatThrownBy(() -> store.resolve(file)).isInstanceOf(WeightNotAvailableException.class)
                .hasMessageContaining("HTTP 404")
                .hasMessageContaining("connection refused")
                .hasMessageContaining(refused + "/tiny/tiny_weights.zip")
                .hasMessageContaining(home.resolve("models/tiny").toString())
                .hasMessageContaining(file.sha256());
    }

    @Test
    void offlineNeverContactsAMirrorAndNamesFileChecksumAndFolder() {
        WeightStore store = store().mirror(server.baseUrl() + "/m").offline(true).build();

        assertThatThrownBy(() -> store.resolve(file)).isInstanceOf(WeightNotAvailableException.class)
                .hasMessageContaining("offline")
                .hasMessageContaining("tiny_weights.zip")
                .hasMessageContaining(file.sha256())
                .hasMessageContaining(home.resolve("models/tiny").toString());
        assertThat(server.requests).isEmpty();
    }

    @Test
    void offlineUsesAFilePlacedByHand() throws IOException {
        Path placed = home.resolve("models/tiny/tiny_weights.zip");
        Files.createDirectories(placed.getParent());
        Files.write(placed, payload);

        ResolvedFile r = store().mirror(server.baseUrl() + "/m").offline(true).build().resolve(file);

        assertThat(r.origin()).isEqualTo(ResolvedFile.Origin.CACHE);
        assertThat(server.requests).isEmpty();
    }

    @Test
    void aWrongFileInTheCacheIsReportedAndLeftInPlace() throws IOException {
        Path placed = home.resolve("models/tiny/tiny_weights.zip");
        Files.createDirectories(placed.getParent());
        Files.write(placed, new byte[] {1, 2, 3});

        assertThatThrownBy(() -> store().offline(true).build().resolve(file))
                .isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining(file.sha256())
                .hasMessageContaining(Checksums.sha256(new byte[] {1, 2, 3}))
                .hasMessageContaining("left in place");
        assertThat(Files.readAllBytes(placed)).containsExactly(1, 2, 3);
    }

    @Test
    void anExplicitPathIsVerifiedAndNeverDeletedOnMismatch() throws IOException {
        Path mine = home.resolve("mine.zip");
        Files.write(mine, payload);
        assertThat(store().offline(true).build().resolve(file, mine).origin()).isEqualTo(ResolvedFile.Origin.EXPLICIT);

        WeightFile other = WeightFile.adler32("tiny", "tiny_weights.zip", 12345L);
        assertThatThrownBy(() -> store().offline(true).build().resolve(other, mine))
                .isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining("Adler32 12345")
                .hasMessageContaining("Adler32 " + Checksums.adler32(mine));
        assertThat(Files.readAllBytes(mine)).isEqualTo(payload);
    }

    @Test
    void adler32IsCheckedWhenThatIsTheOnlyKnownSum() throws IOException {
        Path tmp = home.resolve("p.bin");
        Files.write(tmp, payload);
        WeightFile byAdler = WeightFile.adler32("tiny", "tiny_weights.zip", Checksums.adler32(tmp));

        ResolvedFile r = store().mirror(server.baseUrl() + "/m").build().resolve(byAdler);

        assertThat(r.sha256()).isEqualTo(Checksums.sha256(payload));
    }

    @Test
    void templateMirrorsAndBadMirrorUrlsAreHandled() {
        assertThat(WeightStore.urlFor("https://h/models/{file}", file)).isEqualTo("https://h/models/tiny_weights.zip");
        assertThat(WeightStore.urlFor("https://h/base/", file)).isEqualTo("https://h/base/tiny/tiny_weights.zip");
        assertThatThrownBy(() -> WeightStore.builder().mirror("ftp://h/x").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ftp://h/x");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
