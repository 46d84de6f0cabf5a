package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code graft bench} on tiny sizes: the table, the JSON lines and the checks, not the speed. */
class BenchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void headCacheAndResnetWorkloadsPrintATableAndJsonLines() throws Exception {
        Path json = tmp.resolve("r.jsonl");
        CliRun r = CliRun.of("bench", "resnet50", "head", "cache", "--runs", "2", "--warmup", "0", "--batch", "2",
                "--head-rows", "256", "--cache-rows", "512", "--json", json.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("- machine: ").contains("layer helpers on")
                .contains("| workload | unit | median | min | max | runs | setup |");
        for (String id : List.of("featurize-resnet50", "head-memory", "head-cache-float32", "head-cache-float16",
                "cache-write-float32", "cache-read-float32", "cache-read-shuffled-float16", "cache-read-reused-float32",
                "cache-read-shuffled-reused-float16", "plain-read-float16")) {
            assertThat(r.out()).contains("| " + id + " | ");
        }
        List<String> lines = Files.readAllLines(json);
        assertThat(lines.get(0)).startsWith("{\"environment\":\"date: ");
        assertThat(lines).hasSize(1 + 1 + 3 + 2 * 6); // environment, resnet50, 3 heads, 6 cache rows per precision
        assertThat(lines.get(1)).contains("\"workload\":\"featurize-resnet50\"").contains("\"runs\":[");
    }

    @Test
    void anImportedModelFileIsAFeaturizeWorkload() throws Exception {
        Path zip = tmp.resolve("tiny-resnet.zip");
        Path keras = Path.of("..", "zoo", "src", "test", "resources", "keras", "keras3", "apps", "TinyResNet.keras");
        assertThat(CliRun.of("import", keras.toString(), "--out", zip.toString()).code()).isZero();
        CliRun r = CliRun.of("bench", "model:" + zip, "model:" + zip + "@avg_pool", "--runs", "1", "--warmup", "0",
                "--batch", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("| model:tiny-resnet.zip | ex/s | ").contains("to 'predictions' [10]")
                .contains("| model:tiny-resnet.zip@avg_pool | ex/s | ").contains("to 'avg_pool' [128]").contains("input [32, 32, 3] NHWC");
        CliRun missing = CliRun.of("bench", "model:" + tmp.resolve("nope.zip"));
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.zip does not exist");
    }

    @Test
    void unknownWorkloadsAndBadCountsAreRefused() {
        CliRun r = CliRun.of("bench", "alexnet");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unknown workload 'alexnet'").contains("vgg16");
        CliRun zero = CliRun.of("bench", "cache", "--runs", "0");
        assertThat(zero.code()).isEqualTo(2);
        assertThat(zero.err()).contains("runs >= 1");
    }
}
