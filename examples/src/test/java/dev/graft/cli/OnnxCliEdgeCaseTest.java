package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ONNX verbs on what a first user's exports look like (fixtures of the zoo module made by
 * make_onnx_fixtures.py --edge): a batch fixed at 2, a pooled [C, 1, 1] cut, dynamic height/width with --input-shape,
 * unfreezing every weighted node, import checks.
 */
class OnnxCliEdgeCaseTest {
    static final Path ONNX = OnnxCliTest.ONNX;
    static final String FLAT = "/f/f.4/Flatten_output_0";
    static final String POOLED = "/f/f.3/GlobalAveragePool_output_0";

    @TempDir
    Path tmp;

    @BeforeEach
    void images() throws Exception {
        ImageFinetuneTest.images(tmp.resolve("img/red"), Color.RED, 8, 1);
        ImageFinetuneTest.images(tmp.resolve("img/blue"), Color.BLUE, 8, 2);
        ImageFinetuneTest.images(tmp.resolve("probe/red"), Color.RED, 3, 3);
        ImageFinetuneTest.images(tmp.resolve("probe/blue"), Color.BLUE, 2, 4);
    }

    private Path importFixed() {
        Path zip = tmp.resolve("fixed.zip");
        CliRun r = CliRun.of("import", ONNX.resolve("tiny_fixedbatch2.onnx").toString(), "--out", zip.toString(),
                "--verify", ONNX.resolve("tiny_fixedbatch2.npz").toString(), "--scale", "0.00392156862745098");
        assertThat(r.code()).as(r.err() + r.out()).isZero();
        assertThat(r.err()).contains("note:").contains("batch fixed at 2").contains("any --batch")
                .contains("dynamic_axes");
        assertThat(r.out()).contains("verify saved file:");
        return zip;
    }

    @Test
    void aModelWithItsBatchFixedAtTwoFeaturizesFineTunesAndPredictsAtOtherBatchSizes() {
        Path zip = importFixed();
        CliRun f = CliRun.of("featurize", zip.toString(), "--cut", FLAT, "--data", "images:" + tmp.resolve("img"),
                "--cache", tmp.resolve("cache").toString(), "--batch", "3", "--quiet");
        assertThat(f.code()).as(f.err() + f.out()).isZero();
        Path tuned = tmp.resolve("tuned.zip");
        // 16 images, a validation share of 0.25 (4, fed as one batch of 4) and training batches of 5
        CliRun t = CliRun.of("finetune", zip.toString(), "--cut", FLAT, "--data", "images:" + tmp.resolve("img"),
                "--out", tuned.toString(), "--epochs", "2", "--batch", "5", "--val-fraction", "0.25");
        assertThat(t.code()).as(t.err() + t.out()).isZero();
        CliRun p = CliRun.of("predict", tuned.toString(), "images:" + tmp.resolve("probe"));
        assertThat(p.code()).as(p.err() + p.out()).isZero();
        assertThat(p.err()).doesNotContain("resize the images");
    }

    @Test
    void aPooledCutWithOneByOneSpatialDimsIsAcceptedAndSuggestionsListOnlyAcceptedCuts() {
        Path zip = importFixed();
        CliRun t = CliRun.of("finetune", zip.toString(), "--cut", POOLED, "--data", "images:" + tmp.resolve("img"),
                "--out", tmp.resolve("pooled.zip").toString(), "--epochs", "1", "--val-fraction", "0.25");
        assertThat(t.code()).as(t.err() + t.out()).isZero();
        CliRun p = CliRun.of("predict", tmp.resolve("pooled.zip").toString(), "images:" + tmp.resolve("probe"));
        assertThat(p.code()).as(p.err() + p.out()).isZero();
        // a [4, 8, 8] map is refused; the cuts suggested are the accepted ones, not the refused one
        CliRun bad = CliRun.of("finetune", zip.toString(), "--cut", "/f/f.2/Relu_output_0", "--data",
                "images:" + tmp.resolve("img"), "--out", tmp.resolve("bad.zip").toString(), "--epochs", "1");
        assertThat(bad.code()).isEqualTo(2);
        String suggested = bad.err().substring(bad.err().indexOf("cut at the pooled features:"));
        assertThat(suggested).contains(POOLED).contains(FLAT).doesNotContain("/f/f.2/Relu_output_0");
    }

    @Test
    void aCutInsideAFloat16RegionIsListedAndFeaturizesAsFloat32() {
        String half = ONNX.resolve("tiny_fp16_inside.onnx").toString();
        CliRun i = CliRun.of("inspect", half);
        assertThat(i.code()).as(i.err()).isZero();
        assertThat(i.out()).contains("/m/f/f.4/Flatten_output_0").contains("[4]");
        CliRun f = CliRun.of("featurize", half, "--cut", "/m/f/f.4/Flatten_output_0", "--data",
                "images:" + tmp.resolve("img"), "--cache", tmp.resolve("cache").toString(), "--quiet");
        assertThat(f.code()).as(f.err() + f.out()).isZero();
        assertThat(f.err()).doesNotContain("valid ONNX");
    }

    @Test
    void inputShapeWorksWhereverTheAdviceForDynamicHeightAndWidthPoints() {
        String dyn = ONNX.resolve("tiny_dynhw.onnx").toString();
        CliRun noShape = CliRun.of("inspect", dyn);
        assertThat(noShape.code()).isEqualTo(2);
        assertThat(noShape.err()).contains("--input-shape").contains("inspect");
        CliRun i = CliRun.of("inspect", dyn, "--input-shape", "3,10,10");
        assertThat(i.code()).as(i.err()).isZero();
        assertThat(i.out()).contains(FLAT).contains("[3, 10, 10]").contains("[4]");
        CliRun f = CliRun.of("featurize", dyn, "--cut", FLAT, "--input-shape", "3,10,10", "--data",
                "images:" + tmp.resolve("img"), "--cache", tmp.resolve("cache").toString(), "--quiet");
        assertThat(f.code()).as(f.err() + f.out()).isZero();
        CliRun t = CliRun.of("finetune", dyn, "--cut", FLAT, "--input-shape", "3,10,10", "--data",
                "images:" + tmp.resolve("img"), "--out", tmp.resolve("dyn.zip").toString(), "--epochs", "1",
                "--val-fraction", "0.25");
        assertThat(t.code()).as(t.err() + t.out()).isZero();
        CliRun nhwc = CliRun.of("inspect", dyn, "--input-shape", "10,10,3", "--layout", "nhwc");
        assertThat(nhwc.code()).isEqualTo(2);
        assertThat(nhwc.err()).contains("C,H,W (NCHW)");
    }

    @Test
    void unfreezingExactlyAsManyLayersAsThereAreWeightedNodesWorksAndOneMoreIsRefused() {
        Path zip = importFixed();
        // one Conv (its batch norm folded in by the export) below the cut: unfreezing 1 makes the whole graph DL4J
        CliRun t = CliRun.of("finetune", zip.toString(), "--cut", FLAT, "--data", "images:" + tmp.resolve("img"),
                "--out", tmp.resolve("all.zip").toString(), "--epochs", "1", "--batch", "4", "--val-fraction", "0.25",
                "--unfreeze", "1:1@0.1");
        assertThat(t.code()).as(t.err() + t.out()).isZero();
        assertThat(t.out()).contains("graft_input").contains("unfreeze 1 @0.1");
        CliRun p = CliRun.of("predict", tmp.resolve("all.zip").toString(), "images:" + tmp.resolve("probe"));
        assertThat(p.code()).as(p.err() + p.out()).isZero();
        CliRun two = CliRun.of("finetune", zip.toString(), "--cut", FLAT, "--data", "images:" + tmp.resolve("img"),
                "--out", tmp.resolve("two.zip").toString(), "--epochs", "1", "--unfreeze", "1:2@0.1");
        assertThat(two.code()).isEqualTo(2);
        assertThat(two.err()).contains("cannot unfreeze 2 layer(s)").contains("only 1 weighted nodes");
    }

    @Test
    void importRefusesLabelsMeanStdAndLayoutsThatDoNotFitAndItsHelpSpeaksOfOnnx() {
        String fixed = ONNX.resolve("tiny_fixedbatch2.onnx").toString();
        CliRun labels = CliRun.of("import", fixed, "--out", tmp.resolve("l.zip").toString(), "--labels", "a,b");
        assertThat(labels.code()).isEqualTo(2);
        assertThat(labels.err()).contains("2 labels").contains("3 values per example");
        CliRun mean = CliRun.of("import", fixed, "--out", tmp.resolve("m.zip").toString(), "--mean", "1,2,3,4",
                "--std", "1,1,1,1");
        assertThat(mean.code()).isEqualTo(2);
        assertThat(mean.err()).contains("4 values").contains("3 channels");
        CliRun nhwc = CliRun.of("import", ONNX.resolve("tiny_nhwc.onnx").toString(), "--out",
                tmp.resolve("n.zip").toString());
        assertThat(nhwc.code()).isEqualTo(2);
        assertThat(nhwc.err()).contains("NHWC").contains("Transpose");
        assertThat(Files.exists(tmp.resolve("l.zip")) || Files.exists(tmp.resolve("m.zip"))
                || Files.exists(tmp.resolve("n.zip"))).isFalse();
        CliRun help = CliRun.of("import", "--help");
        assertThat(help.out()).contains(".onnx").contains("ONNX only: --input-shape").contains("torch.onnx.export")
                .contains("PyTorch");
    }
}
