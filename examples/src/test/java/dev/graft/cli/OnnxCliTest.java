package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.onnx.OnnxGraph;
import dev.graft.zoo.onnx.OnnxRunner;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import dev.graft.zoo.SourceKind;
import dev.graft.zoo.onnx.OnnxModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code graft import x.onnx} and {@code graft inspect}, in-process, on the ONNX fixtures of the zoo module. */
class OnnxCliTest {
    static final Path ONNX = Path.of("../zoo/src/test/resources/onnx");

    @TempDir
    Path tmp;

    /**
     * A fresh user's finding: a torchvision export carries no normalization, and Graft fed it raw 0-255 pixels
     * without a word. Importing it without --scale/--mean/--std now warns how to give them; with them, no warning.
     */
    @Test
    void importWithoutNormalizationWarnsHowToGiveIt() throws Exception {
        CliRun bare = CliRun.of("import", ONNX.resolve("mobilenet_v3_small_025.onnx").toString(), "--out",
                tmp.resolve("bare.zip").toString());
        assertThat(bare.code()).as(bare.err()).isZero();
        assertThat(bare.err()).contains("warning: mobilenet_v3_small_025.onnx records no input normalization")
                .contains("--mean 0.485,0.456,0.406");
        CliRun given = CliRun.of("import", ONNX.resolve("mobilenet_v3_small_025.onnx").toString(), "--out",
                tmp.resolve("given.zip").toString(), "--scale", "1");
        assertThat(given.code()).as(given.err()).isZero();
        assertThat(given.err()).doesNotContain("records no input normalization");
    }

    @Test
    void importVerifiesAgainstPyTorchAndSavesTheOnnxModelWithItsCard() throws Exception {
        Path zip = tmp.resolve("mnv3.zip");
        CliRun r = CliRun.of("import", ONNX.resolve("mobilenet_v3_small_025.onnx").toString(), "--out", zip.toString(),
                "--verify", ONNX.resolve("mobilenet_v3_small_025.npz").toString(), "--scale", "0.00392156862745098",
                "--mean", "0.485,0.456,0.406", "--std", "0.229,0.224,0.225", "--license", "BSD-3-Clause");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("opset 17").contains("input [3, 64, 64] NCHW")
                .contains("verify: max abs diff").contains(": OK").contains("verify saved file:")
                .contains("graft inspect");
        OnnxModel m = OnnxModel.load(zip);
        assertThat(m.card().source()).isEqualTo(SourceKind.ONNX);
        assertThat(m.card().license()).isEqualTo("BSD-3-Clause");
        assertThat(m.card().normalization()).isEqualTo(Normalization.of(0.00392156862745098,
                new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225}));
        assertThat(Files.exists(dev.graft.zoo.ModelCard.besides(zip))).isTrue();

        CliRun i = CliRun.of("inspect", zip.toString());
        assertThat(i.code()).as(i.err()).isZero();
        assertThat(i.out()).contains("/Flatten_output_0").contains("pooled").contains("[144]")
                .contains("/classifier/classifier.1/HardSwish_output_0").contains("logits-input")
                .contains("/features/features.11/Add_output_0").contains("[24, 2, 2]")
                .doesNotContain(" inner ");
        assertThat(CliRun.of("inspect", zip.toString(), "--all").out()).contains(" inner ");
    }

    @Test
    void aReferenceTheModelDoesNotReproduceFailsTheImportAndSavesNothing() throws Exception {
        Path zip = tmp.resolve("wrong.zip");
        // the small CNN's reference is not the MobileNet's: shapes differ ([4, 3, 32, 32] input)
        CliRun r = CliRun.of("import", ONNX.resolve("mobilenet_v3_small_025.onnx").toString(), "--out", zip.toString(),
                "--verify", ONNX.resolve("small_cnn.npz").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("[?, 3, 64, 64]").contains("[4, 3, 32, 32]");
        assertThat(Files.exists(zip)).isFalse();
    }

    @Test
    void importFinetuneAtThePooledFeaturesPredictFromRawImagesWithTheOnnxBaseBitIdentical() throws Exception {
        Path zip = tmp.resolve("cnn.zip");
        assertThat(CliRun.of("import", ONNX.resolve("small_cnn.onnx").toString(), "--out", zip.toString(), "--scale",
                "0.00392156862745098").code()).isZero();
        ImageFinetuneTest.images(tmp.resolve("img/red"), java.awt.Color.RED, 12, 1);
        ImageFinetuneTest.images(tmp.resolve("img/blue"), java.awt.Color.BLUE, 12, 2);
        ImageFinetuneTest.images(tmp.resolve("probe"), java.awt.Color.RED, 1, 3);
        Path tuned = tmp.resolve("colors.zip");
        Path cache = tmp.resolve("cache");
        String[] args = {"finetune", zip.toString(), "--cut", "/Flatten_output_0", "--data", "images:" + tmp.resolve("img"),
            "--out", tuned.toString(), "--epochs", "20", "--batch", "6", "--lr", "0.05", "--val-fraction", "0.25",
            "--cache", cache.toString()};
        CliRun f = CliRun.of(args);
        assertThat(f.code()).as(f.err() + f.out()).isZero();
        assertThat(f.out()).contains("18 train, 6 validation, classes blue,red").contains("epoch 1 head (cache)")
                .contains("validation accuracy 1.0000");

        GraftModel m = GraftModel.load(tuned);
        assertThat(m.onnxBase()).isPresent();
        assertThat(m.card().labels()).containsExactly("blue", "red");
        assertThat(m.card().source()).isEqualTo(SourceKind.ONNX);
        // the frozen ONNX part is the imported graph cut at the pooled features, byte for byte
        OnnxGraph cut = OnnxModel.load(zip).graph().cut("/Flatten_output_0");
        assertThat(m.onnxBase().get().bytes()).isEqualTo(cut.bytes());
        // and the model predicts from raw pixels: the card's scaling, ONNX Runtime below, the DL4J head above
        INDArray raw = Nd4j.rand(DataType.FLOAT, 3, 3, 32, 32).muli(255);
        INDArray expected;
        try (OnnxRunner r = OnnxRunner.open(cut, 1)) {
            expected = m.multiLayerNetwork().output(r.run(raw.mul(0.00392156862745098)), false);
        }
        assertThat(m.predict(raw).sub(expected).amaxNumber().doubleValue()).isLessThan(1e-5);

        CliRun p = CliRun.of("predict", tuned.toString(), tmp.resolve("probe/0.png").toString());
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(p.out()).contains("red");
        exportedFileGivesGraftsPredictions(m, tuned, raw);

        // the same run again reads its features from the cache (same key: the ONNX bytes up to the cut)
        CliRun again = CliRun.of(args);
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).containsIgnoringCase("reused");

        CliRun bad = CliRun.of("finetune", zip.toString(), "--cut", "/block1/conv1/Conv_output_0", "--data",
                "images:" + tmp.resolve("img"), "--out", tmp.resolve("b.zip").toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("is not a cut point").contains("/Flatten_output_0");
        CliRun map = CliRun.of("finetune", zip.toString(), "--cut", "/block2/Relu_output_0", "--data",
                "images:" + tmp.resolve("img"), "--out", tmp.resolve("c.zip").toString());
        assertThat(map.code()).isEqualTo(2);
        assertThat(map.err()).contains("[32, 4, 4]").contains("cut at the pooled features");
    }

    @Test
    void aHeadOnAnOnnxBaseTakesTheWholeTrainingConfigLikeAnyFineTune() throws Exception {
        ImageFinetuneTest.images(tmp.resolve("img/red"), java.awt.Color.RED, 12, 1);
        ImageFinetuneTest.images(tmp.resolve("img/blue"), java.awt.Color.BLUE, 12, 2);
        // one FineTuner for DL4J and ONNX bases: presets' training half, the LR range test and one-cycle apply here too
        CliRun f = CliRun.of("finetune", ONNX.resolve("small_cnn.onnx").toString(), "--cut", "/Flatten_output_0",
                "--data", "images:" + tmp.resolve("img"), "--out", tmp.resolve("cfg.zip").toString(), "--epochs", "3",
                "--batch", "6", "--val-fraction", "0.25", "--preset", "adam,l2,plateau", "--lr-find", "--one-cycle");
        assertThat(f.code()).as(f.err() + f.out()).isZero();
        assertThat(f.out()).contains("LR finder: suggested learning rate").contains("epoch 3 head (cache)");
        assertThat(GraftModel.load(tmp.resolve("cfg.zip")).onnxBase()).isPresent();
    }

    @Test
    void unfreezeTurnsThePretrainedTopBlockIntoDl4jLayersAndFineTunesItsTopLayer() throws Exception {
        Path onnx = ONNX.resolve("small_cnn.onnx");
        ImageFinetuneTest.images(tmp.resolve("img/red"), java.awt.Color.RED, 12, 1);
        ImageFinetuneTest.images(tmp.resolve("img/blue"), java.awt.Color.BLUE, 12, 2);
        ImageFinetuneTest.images(tmp.resolve("probe"), java.awt.Color.BLUE, 1, 3);
        Path tuned = tmp.resolve("unfrozen.zip");
        CliRun f = CliRun.of("finetune", onnx.toString(), "--cut", "/Flatten_output_0", "--data",
                "images:" + tmp.resolve("img"), "--out", tuned.toString(), "--epochs", "2", "--batch", "6", "--lr",
                "0.01", "--val-fraction", "0.25", "--unfreeze", "6:1@0.1");
        assertThat(f.code()).as(f.err() + f.out()).isZero();
        // block2 (four convolutions with squeeze-excite) is above the boundary: DL4J layers with the ONNX weights
        assertThat(f.out()).contains("ONNX Runtime up to '/down/down.2/Clip_output_0' (frozen), DL4J layers")
                .contains("unfreeze 1 @0.1");
        // the epoch kept is one of the unfreezing stage (epochs 3-8), so the unfrozen layer was trained
        java.util.regex.Matcher kept = java.util.regex.Pattern.compile("\\(epoch (\\d+) kept\\)").matcher(f.out());
        assertThat(kept.find()).as(f.out()).isTrue();
        assertThat(Integer.parseInt(kept.group(1))).as(f.out()).isGreaterThan(2);

        GraftModel m = GraftModel.load(tuned);
        OnnxGraph g = OnnxGraph.read(onnx);
        assertThat(m.onnxBase().orElseThrow().bytes()).isEqualTo(g.cut("/down/down.2/Clip_output_0").bytes());
        org.deeplearning4j.nn.graph.ComputationGraph pretrained =
                dev.graft.zoo.onnx.OnnxToDl4j.convert(g, "/down/down.2/Clip_output_0", 1);
        org.deeplearning4j.nn.graph.ComputationGraph net = (org.deeplearning4j.nn.graph.ComputationGraph) m.network();
        java.util.List<String> same = new java.util.ArrayList<>();
        java.util.List<String> changed = new java.util.ArrayList<>();
        for (String conv : java.util.List.of("/block2/conv1/Conv_output_0", "/block2/conv2/Conv_output_0",
                "/block2/se/fc1/Conv_output_0", "/block2/se/fc2/Conv_output_0")) {
            (net.getLayer(conv).params().equals(pretrained.getLayer(conv).params()) ? same : changed).add(conv);
        }
        // one layer unfrozen and trained, the three below it frozen with their ONNX weights bit for bit
        assertThat(changed).as(f.out() + "\nsame " + same).hasSize(1);
        assertThat(same).hasSize(3);
        INDArray raw = Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32);
        INDArray expected;
        try (OnnxRunner r = OnnxRunner.open(g.cut("/down/down.2/Clip_output_0"), 1)) {
            expected = net.outputSingle(false, r.run(m.preprocess(raw)));
        }
        assertThat(m.predict(raw).sub(expected).amaxNumber().doubleValue()).isLessThan(1e-5);
        CliRun p = CliRun.of("predict", tuned.toString(), tmp.resolve("probe/0.png").toString());
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(p.out()).contains("blue");
        exportedFileGivesGraftsPredictions(m, tuned, raw.mul(255));
        CliRun i = CliRun.of("inspect", tuned.toString());
        assertThat(i.code()).as(i.err()).isZero();
        assertThat(i.out()).contains("frozen ONNX part below the DL4J network")
                .contains("output '/down/down.2/Clip_output_0'").contains("/block2/se/fc2/Conv_output_0");
    }

    /**
     * {@code graft export}: the fine-tuned model (card scaling, frozen ONNX part, DL4J layers) as one .onnx file that
     * ONNX Runtime runs from raw pixels with Graft's own predictions.
     */
    private void exportedFileGivesGraftsPredictions(GraftModel m, Path tuned, INDArray raw) throws Exception {
        Path file = tmp.resolve(tuned.getFileName() + ".onnx");
        CliRun e = CliRun.of("export", tuned.toString(), "--out", file.toString());
        assertThat(e.code()).as(e.err() + e.out()).isZero();
        assertThat(e.out()).contains("input 'raw_input' [N, 3, 32, 32]").contains("check: ").contains("OK");
        try (OnnxRunner r = OnnxRunner.open(OnnxGraph.read(file), 1)) {
            INDArray ort = r.run(raw.dup());
            assertThat(ort.sub(m.predict(raw.dup())).amaxNumber().doubleValue()).isLessThan(1e-4);
        }
        CliRun again = CliRun.of("export", ONNX.resolve("small_cnn.onnx").toString(), "--out",
                tmp.resolve("x.onnx").toString());
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("fine-tune it first");
    }

    @Test
    void featurizeRunsTheOnnxGraphUpToTheCutIntoTheFeatureCacheAndReusesIt() throws Exception {
        ImageFinetuneTest.images(tmp.resolve("img/red"), java.awt.Color.RED, 5, 1);
        ImageFinetuneTest.images(tmp.resolve("img/blue"), java.awt.Color.BLUE, 5, 2);
        String[] args = {"featurize", ONNX.resolve("small_cnn.onnx").toString(), "--cut", "/block2/Relu_output_0",
            "--data", "images:" + tmp.resolve("img"), "--cache", tmp.resolve("cache").toString(), "--quiet"};
        CliRun first = CliRun.of(args);
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).contains("built").contains("10 rows of [32, 4, 4]")
                .contains("onnx 'small_cnn' cut at '/block2/Relu_output_0'");
        CliRun again = CliRun.of(args);
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("reused");
        String key = first.out().lines().filter(l -> l.startsWith("key: ")).findFirst().orElseThrow();
        assertThat(again.out()).contains(key);
        CliRun other = CliRun.of("featurize", ONNX.resolve("small_cnn.onnx").toString(), "--cut", "/Flatten_output_0",
                "--data", "images:" + tmp.resolve("img"), "--cache", tmp.resolve("cache").toString(), "--quiet");
        assertThat(other.code()).as(other.err()).isZero();
        assertThat(other.out()).contains("rebuilt").contains("10 rows of [32]").doesNotContain(key);
    }

    @Test
    void inspectReadsAnOnnxFileDirectlyWithItsMetadataCard() {
        CliRun r = CliRun.of("inspect", ONNX.resolve("small_cnn.onnx").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("small_cnn (onnx").contains("5 labels").contains("/block2/Relu_output_0")
                .contains("[32, 4, 4]").contains("/Flatten_output_0").contains("[32]");
    }
}
