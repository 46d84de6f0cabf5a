package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.SourceKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code graft import}, run in-process on the Keras fixtures of the zoo module. */
class ImportCliTest {
    static final Path KERAS3 = Path.of("../zoo/src/test/resources/keras/keras3");

    @TempDir
    Path tmp;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = GraftCli.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void importVerifiesAgainstKerasOutputsAndSavesModelWithCard() throws Exception {
        Path zip = tmp.resolve("mobilenet.zip");
        int code = run("import", KERAS3.resolve("mobilenetv2.keras").toString(), "--out", zip.toString(),
                "--verify", KERAS3.resolve("mobilenetv2.npz").toString(), "--scale", "0.00784313725",
                "--mean", "1,1,1", "--std", "1,1,1", "--labels", "a,b,c,d,e");

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("KERAS3_ARCHIVE written by Keras 3.15.1")
                .contains("preflight: all 157 layers can be imported").contains("ComputationGraph")
                .contains("input [32, 32, 3] NHWC").contains("tolerance atol 0.000100 + rtol 0.00100: OK")
                // the path featurize and finetune run is checked too, at the output and at the pooled features
                .contains("verify featurizing path to 'predictions'")
                .contains("verify featurizing path to 'global_average_pooling2d' vs the plain network");
        GraftModel m = GraftModel.load(zip);
        assertThat(m.card().source()).isEqualTo(SourceKind.KERAS3);
        assertThat(m.card().labels()).containsExactly("a", "b", "c", "d", "e");
        assertThat(m.card().normalization())
                .isEqualTo(Normalization.of(0.00784313725, new double[] {1, 1, 1}, new double[] {1, 1, 1}));
    }

    @Test
    void theTransferGuidesModelImportsAndFinetunesWithItsBaseFrozen() throws Exception {
        // Input -> RandomFlip -> Rescaling -> nested base model (training=False) -> GAP -> Dropout -> Dense, the
        // Keras transfer-learning guide's model in miniature; the base is inlined, the augmentation is the identity
        Path zip = tmp.resolve("guide.zip");
        Path layers = KERAS3.resolve("layers");
        assertThat(run("import", layers.resolve("nested_model.keras").toString(), "--out", zip.toString(),
                "--verify", layers.resolve("nested_model.npz").toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("verify: max abs diff").contains(": OK")
                .contains("verify featurizing path to 'dense'");
        org.nd4j.linalg.api.ndarray.INDArray baseKernel = param(GraftModel.load(zip), "base_conv", "W");
        org.nd4j.linalg.api.ndarray.INDArray baseMean = param(GraftModel.load(zip), "base_bn", "mean");

        ImageFinetuneTest.images(tmp.resolve("img/red"), java.awt.Color.RED, 8, 1);
        ImageFinetuneTest.images(tmp.resolve("img/blue"), java.awt.Color.BLUE, 8, 2);
        Path tuned = tmp.resolve("guide-tuned.zip");
        assertThat(run("finetune", zip.toString(), "--cut", "gap", "--data", "images:" + tmp.resolve("img"),
                "--out", tuned.toString(), "--epochs", "3", "--batch", "4", "--val-fraction", "0.25",
                "--unfreeze", "1:1@0.1")).as(err.toString()).isZero();
        GraftModel after = GraftModel.load(tuned);
        // the frozen base: bit-identical after head training and one unfreeze stage above the cut
        assertThat(param(after, "base_conv", "W")).isEqualTo(baseKernel);
        assertThat(param(after, "base_bn", "mean")).isEqualTo(baseMean);
    }

    private static org.nd4j.linalg.api.ndarray.INDArray param(GraftModel m, String layer, String name) {
        return ((org.deeplearning4j.nn.graph.ComputationGraph) m.network()).getLayer(layer).getParam(name).dup();
    }

    @Test
    void failedVerificationExitsTwoAndSavesNothing() throws Exception {
        // the reference outputs shifted by 0.5: a model that does not reproduce them
        java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> ref =
                org.nd4j.linalg.factory.Nd4j.createFromNpzFile(KERAS3.resolve("gap_head.npz").toFile());
        Path wrong = tmp.resolve("wrong.npz");
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(wrong))) {
            z.putNextEntry(new java.util.zip.ZipEntry("input.npy"));
            z.write(org.nd4j.linalg.factory.Nd4j.toNpyByteArray(ref.get("input")));
            z.putNextEntry(new java.util.zip.ZipEntry("output.npy"));
            z.write(org.nd4j.linalg.factory.Nd4j.toNpyByteArray(ref.get("output").add(0.5)));
        }
        Path zip = tmp.resolve("wrong.zip");
        int code = run("import", KERAS3.resolve("gap_head.h5").toString(), "--out", zip.toString(),
                "--verify", wrong.toString());

        assertThat(code).isEqualTo(2);
        assertThat(out.toString()).contains("verify: max abs diff 0.500");
        assertThat(err.toString()).contains("does not reproduce the reference outputs").contains("FAILED").hasLineCount(1);
        assertThat(Files.exists(zip)).isFalse();
        assertThat(Files.exists(tmp.resolve("wrong.card.json"))).isFalse();
    }

    @Test
    void unsupportedLayersAreAllListedAndTheExitCodeIsTwo() {
        Path zip = tmp.resolve("u.zip");
        int code = run("import", KERAS3.resolve("unsupported.keras").toString(), "--out", zip.toString());

        assertThat(code).isEqualTo(2);
        assertThat(out.toString()).contains("cannot import 'gru' (GRU)").doesNotContain("cannot import 'norm'")
                .contains("cannot import 'double' (Lambda)").contains("cannot import 'shared' (Dense)");
        assertThat(err.toString()).contains("3 layers cannot be imported").hasLineCount(1);
        assertThat(Files.exists(zip)).isFalse();
    }

    @Test
    void damagedFileIsOneLineAndExitCodeTwo() throws Exception {
        byte[] all = Files.readAllBytes(KERAS3.resolve("cnn.h5"));
        Path cut = Files.write(tmp.resolve("cut.h5"), java.util.Arrays.copyOf(all, 3000));
        int code = run("import", cut.toString(), "--out", tmp.resolve("x.zip").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("graft import: error: ").contains("truncated HDF5 file")
                .hasLineCount(1);
    }

    @Test
    void importedModelGoesThroughGraftInspect() {
        Path zip = tmp.resolve("two_branch.zip");
        assertThat(run("import", KERAS3.resolve("two_branch.keras").toString(), "--out", zip.toString())).isZero();
        out.getBuffer().setLength(0);

        assertThat(run("inspect", zip.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("KERAS3").contains("branch_a").contains("branch_b").contains("add")
                .contains("concat").contains("predictions");
    }

    @Test
    void preflightOnlyBuildsNothing() {
        assertThat(run("import", KERAS3.resolve("two_branch.keras").toString(), "--preflight")).isZero();
        assertThat(out.toString()).contains("preflight: all 7 layers can be imported").doesNotContain("imported:");
    }
}
