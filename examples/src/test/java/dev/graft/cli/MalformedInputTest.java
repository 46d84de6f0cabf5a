package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.transfer.data.DataSpec;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The malformed-input corpus as a table: a generator of bad CSV cells and headers, damaged model zips (every entry
 * of a real model file in turn), wrong cards and impossible sizes. Each case must end with exit 2 and exactly one
 * line on stderr that names the input, says what is wrong and what to do — never exit 0 with a wrong result, never a
 * stack trace.
 */
class MalformedInputTest {
    @TempDir
    static Path tmp;
    /** A Graft model of digits 0-4 (64 → 16 → 5, Adam, so it has updater state). */
    static Path model;

    @BeforeAll
    static void saveModel() throws Exception {
        model = tmp.resolve("digits04.zip");
        GraftModel.of(net(Activation.SOFTMAX, LossFunction.MCXENT), card(List.of("0", "1", "2", "3", "4"))).save(model);
    }

    static MultiLayerNetwork net(Activation out, LossFunction loss) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(0.01)).list()
                .layer(new DenseLayer.Builder().name("fc1").nIn(64).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(loss).name("out").nOut(5).activation(out).build())
                .setInputType(InputType.feedForward(64)).build());
        net.init();
        net.fit(Nd4j.rand(8, 64), Nd4j.eye(8).getColumns(0, 1, 2, 3, 4)); // one step: the zip gets updater state
        return net;
    }

    static ModelCard card(List<String> labels) {
        return ModelCard.builder("digits04").architecture("mlp").input(InputLayout.FLAT, 64)
                .normalization(Normalization.scale(1 / DataSpec.DIGITS_MAX)).labels(labels).build();
    }

    /** One malformed input: how to make it, the command to run on it, and what the one line must say. */
    record Case(String name, Maker make, String[] mustSay) {
        String[] args(Path dir) throws IOException {
            return make.make(dir);
        }
    }

    @FunctionalInterface
    interface Maker {
        String[] make(Path dir) throws IOException;
    }

    static Case csvCell(String cell, String... mustSay) {
        return new Case("csv cell '" + cell + "'", dir -> {
            Path f = Files.writeString(dir.resolve("cells.csv"), "1,2,0\n3," + cell + ",1\n5,6,0\n");
            return new String[] {"data", "csv:" + f};
        }, concat(mustSay, "cells.csv line 2"));
    }

    static Case csvText(String name, String text, String... mustSay) {
        return new Case(name, dir -> {
            Path f = Files.writeString(dir.resolve("file.csv"), text);
            return new String[] {"data", "csv:" + f};
        }, concat(mustSay, "file.csv"));
    }

    static Case zipVariant(String name, UnaryOperator<byte[]> damage, String... mustSay) {
        return new Case(name, dir -> {
            Path z = dir.resolve("damaged.zip");
            Files.write(z, damage.apply(Files.readAllBytes(model)));
            return new String[] {"predict", z.toString(), "digits:0-4"};
        }, concat(mustSay, "damaged.zip"));
    }

    static Case rewritten(String name, String drop, String cardJson, String... mustSay) {
        return new Case(name, dir -> {
            Path z = dir.resolve("edited.zip");
            rewrite(model, z, drop, cardJson);
            return new String[] {"predict", z.toString(), "digits:0-4"};
        }, concat(mustSay, "edited.zip"));
    }

    static String[] concat(String[] a, String b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.add(b);
        return l.toArray(new String[0]);
    }

    static List<Case> corpus() throws IOException {
        List<Case> cases = new ArrayList<>();
        // 1. bad cells: non-finite, out of float range, not plain decimals
        for (String cell : List.of("nan", "NaN", "inf", "-Infinity", "0x1p3", "1.5f", "2d", "1..2", "1e")) {
            cases.add(csvCell(cell, "column 2 is '" + cell + "', not a finite decimal number", "write plain decimals"));
        }
        cases.add(csvCell("1e39", "column 2 is 1e39, outside the float range", "scale the column down"));
        cases.add(csvCell("-4e38", "column 2 is -4e38, outside the float range", "scale the column down"));
        cases.add(csvCell("", "column 2 is empty", "every feature cell needs a number"));
        // 5. rows and classes: a typo in row 1 is not a header, an empty label is not a class
        cases.add(csvText("typo in the first row", "1,2o,0\n3,4,1\n", "line 1 column 2 is '2o'", "write plain decimals"));
        cases.add(csvText("empty label", "1,2,a\n3,4,\n", "line 2 has an empty label", "give every row its class"));
        cases.add(csvText("ragged row", "1,2,a\n3,b\n", "line 2 has 2 columns, expected 3"));
        cases.add(csvText("header only", "x,y,label\n", "has no data rows"));
        // 7. sizes that cannot fit, refused before allocating
        cases.add(new Case("class range 0-2147483647", dir -> new String[] {"data", "digits:0-2147483647"},
                new String[] {"digits:0-2147483647", "2147483648 classes", "name only the classes"}));
        cases.add(new Case("huge class number", dir -> new String[] {"data", "digits:0-123456789012345678901"},
                new String[] {"digits:0-123456789012345678901", "too large", "at most 18 digits"}));
        // 3. damaged archives: every entry of a real model file, then the whole file
        try (ZipFile zf = new ZipFile(model.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zf.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                String n = entry.getName();
                cases.add(zipVariant("damaged entry " + n, bytes -> flipInEntry(bytes, n, entry.getCompressedSize()),
                        "entry '" + n + "'", "copy it again or save the model again"));
                if (!n.equals(GraftModel.CARD_ENTRY)) {
                    cases.add(rewritten("missing entry " + n, n, null, "entry '" + n + "'", "is missing"));
                }
            }
        }
        cases.add(zipVariant("truncated zip", b -> java.util.Arrays.copyOf(b, b.length / 2), "not a readable zip",
                "copy it again"));
        cases.add(zipVariant("not a zip", b -> "hello".getBytes(StandardCharsets.UTF_8), "not a readable zip"));
        cases.add(rewritten("card entry removed", GraftModel.CARD_ENTRY, null, "written by Graft",
                "'graft-card.json' is missing", "save the model again"));
        // 2. wrong cards: labels vs outputs, input shape vs first layer, not a card
        for (int n : new int[] {2, 7}) {
            List<String> labels = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                labels.add("c" + i);
            }
            cases.add(rewritten("card with " + n + " labels", null, cardWith(c -> c.labels(labels)),
                    "names " + n + " labels", "5 outputs", "one label per output"));
        }
        cases.add(rewritten("card with input [63]", null, cardWith(c -> c.input(InputLayout.FLAT, 63)),
                "input [63]", "first layer takes 64", "fix the card's inputShape"));
        cases.add(rewritten("card that is not JSON", null, "{not json", "card entry 'graft-card.json' is not valid"));
        cases.add(new Case("import --labels a,b on a model with more outputs", dir -> new String[] {"import",
            Path.of("../zoo/src/test/resources/keras/keras3/mlp.keras").toString(), "--labels", "a,b", "--out",
            dir.resolve("o.zip").toString()},
                new String[] {"mlp.keras", "names 2 labels (a, b)", "outputs", "give exactly one label per output"}));
        cases.add(new Case("--input-shape the first layer cannot take", dir -> {
            Path plain = dir.resolve("plain.zip");
            ModelSerializer.writeModel(net(Activation.SOFTMAX, LossFunction.MCXENT), plain.toFile(), true);
            return new String[] {"predict", plain.toString(), "digits:0-4", "--input-shape", "63"};
        }, new String[] {"plain.zip", "--input-shape [63]", "first layer takes 64"}));
        cases.add(new Case("--input-shape on a model with a card", dir -> new String[] {"predict", model.toString(),
            "digits:0-4", "--input-shape", "64"},
                new String[] {"digits04.zip", "has a model card", "only for plain DL4J zips"}));
        // 6. schedules and sizes for finetune and pretrain, refused before training
        cases.add(new Case("unfreeze 3:99@0.1", dir -> new String[] {"finetune", model.toString(), "--cut", "fc1", "--data",
            "digits:5-9", "--out", dir.resolve("o.zip").toString(), "--unfreeze", "3:99@0.1"},
                new String[] {"3:99@0.1", "unfreezes 99 layers", "only 1 frozen layer", "unfreeze at most 1"}));
        cases.add(new Case("single-class data", dir -> new String[] {"finetune", model.toString(), "--cut", "fc1", "--data",
            "digits:3", "--out", dir.resolve("o.zip").toString()},
                new String[] {"digits:3", "only one class", "at least two"}));
        cases.add(new Case("--hidden 100000000", dir -> new String[] {"finetune", model.toString(), "--cut", "fc1", "--data",
            "digits:5-9", "--out", dir.resolve("o.zip").toString(), "--hidden", "100000000"},
                new String[] {"--hidden 100000000", "parameters", "use a narrower hidden layer"}));
        cases.add(new Case("--widths 100000000", dir -> new String[] {"pretrain", "autoencoder", "--data", "digits",
            "--out", dir.resolve("o.zip").toString(), "--widths", "100000000", "--quiet"},
                new String[] {"--widths 100000000", "parameters", "use narrower layers"}));
        cases.add(new Case("validation share too small", dir -> {
            Path f = Files.writeString(dir.resolve("tiny.csv"), "1,".repeat(64) + "a\n" + "2,".repeat(64) + "b\n");
            return new String[] {"finetune", model.toString(), "--cut", "fc1", "--data", "csv:" + f, "--out",
                dir.resolve("o.zip").toString()};
        }, new String[] {"tiny.csv", "validation share", "--val-fraction"}));
        cases.add(new Case("data of another shape than the card's", dir -> {
            Path f = Files.writeString(dir.resolve("narrow.csv"), "1,2,a\n3,4,b\n");
            return new String[] {"featurize", model.toString(), "--cut", "fc1", "--data", "csv:" + f, "--cache",
                dir.resolve("cache").toString()};
        }, new String[] {"narrow.csv", "has examples of shape [2]", "takes [64]", "use data with that shape"}));
        cases.add(new Case("--report is a file", dir -> {
            Path f = Files.writeString(dir.resolve("report.txt"), "x");
            return new String[] {"finetune", model.toString(), "--cut", "fc1", "--data", "digits:5-9", "--out",
                dir.resolve("o.zip").toString(), "--report", f.toString()};
        }, new String[] {"report.txt", "is a file", "--report DIR"}));
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> everyMalformedInputExitsTwoWithOneLineNamingItAndTheFix() throws IOException {
        return corpus().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Path dir = Files.createTempDirectory(tmp, "case");
            String[] args = c.args(dir);
            CliRun r = CliRun.of(args);
            String err = r.err().strip();
            assertThat(r.code()).as("exit code of %s; stderr: %s", String.join(" ", args), err).isEqualTo(2);
            assertThat(err.lines().filter(l -> !l.startsWith("warning: ") && !l.startsWith("note: ")).count()).as(err).isEqualTo(1);
            String line = err.lines().filter(l -> !l.startsWith("warning: ") && !l.startsWith("note: ")).findFirst().orElseThrow();
            // the verb's full name: "graft pretrain autoencoder: error: ..."
            assertThat(line).startsWith("graft " + (args[0].equals("pretrain") ? "pretrain " + args[1] : args[0]) + ": error: ")
                    .doesNotContain("\tat ").doesNotContain("Exception");
            for (String s : c.mustSay()) {
                assertThat(line).as("the message for %s", c.name()).contains(s);
            }
            assertThat(dir.resolve("o.zip")).doesNotExist();
        }));
    }

    @Test
    void aModelCopiedUnderAnotherNameWithoutItsSidecarPredictsExactlyAsTheOriginal() throws Exception {
        Path copy = Files.copy(model, Files.createDirectories(tmp.resolve("moved")).resolve("renamed.zip"));
        CliRun original = CliRun.of("predict", model.toString(), "digits:0-4", "--top", "3");
        CliRun moved = CliRun.of("predict", copy.toString(), "digits:0-4", "--top", "3");
        assertThat(moved.code()).as(moved.err()).isZero();
        assertThat(moved.err()).isEmpty();
        assertThat(moved.out()).isEqualTo(original.out());
    }

    @Test
    void aPlainDl4jZipPredictsWithAWarningSayingWhatWasAssumed() throws Exception {
        Path plain = tmp.resolve("plain.zip");
        ModelSerializer.writeModel(net(Activation.SOFTMAX, LossFunction.MCXENT), plain.toFile(), true);
        CliRun r = CliRun.of("predict", plain.toString(), "digits:0-4");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err().strip()).startsWith("warning: " + plain + " has no model card")
                .contains("flat input of 64 values").contains("no input normalization").doesNotContain("\n");
        CliRun stated = CliRun.of("predict", plain.toString(), "digits:0-4", "--input-shape", "64", "--layout", "flat");
        assertThat(stated.code()).as(stated.err()).isZero();
        assertThat(stated.err().strip()).isEqualTo("warning: " + plain + " has no model card (a plain DL4J zip): using input "
                + "[64] FLAT as stated, no input normalization, 5 unnamed outputs");
        assertThat(stated.out()).isEqualTo(r.out());
    }

    @Test
    void predictRefusesAnOutputThatIsNotProbabilities() throws Exception {
        Path noHead = tmp.resolve("nohead.zip");
        GraftModel.of(net(Activation.IDENTITY, LossFunction.MSE), card(List.of("0", "1", "2", "3", "4"))).save(noHead);
        CliRun r = CliRun.of("predict", noHead.toString(), "digits:0-4");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("graft predict: error: model " + noHead + " does not output class probabilities")
                .contains("digits:0-4#0").contains("no softmax classifier head").contains("graft finetune");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void predictOnDataWithNoneOfTheModelsLabelsWarnsInsteadOfReportingAccuracyZero() {
        CliRun r = CliRun.of("predict", model.toString(), "digits:5-9");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err().strip()).startsWith("warning: none of digits:5-9's labels (5, 6, 7, 8, 9) is a label of model")
                .contains("accuracy is not computed");
        assertThat(r.out()).doesNotContain("accuracy 0").contains("no accuracy");
    }

    /** The same for a plain DL4J zip (outputs 0..4, no labels): digits 5-9 are not among its outputs. */
    @Test
    void aPlainZipOnDigitsItHasNoOutputsForWarnsInsteadOfReportingAccuracyZero() throws Exception {
        Path plain = tmp.resolve("plain-04.zip");
        ModelSerializer.writeModel(net(Activation.SOFTMAX, LossFunction.MCXENT), plain.toFile(), true);
        CliRun r = CliRun.of("predict", plain.toString(), "digits:5-9");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("warning: none of digits:5-9's labels (5, 6, 7, 8, 9) is a label of model")
                .contains("outputs 0..4").contains("accuracy is not computed");
        assertThat(r.out()).doesNotContain("accuracy 0").contains("no accuracy");
        CliRun some = CliRun.of("predict", plain.toString(), "digits:3-6");
        assertThat(some.err()).contains("cannot predict (5, 6)");
        assertThat(some.out()).contains("accuracy");
    }

    /** The model's card with one change, as JSON. */
    static String cardWith(UnaryOperator<ModelCard.Builder> change) throws IOException {
        return change.apply(GraftModel.load(model).card().toBuilder()).build().toJson();
    }

    /** Flips a byte in the middle of one entry's stored data (found by its local header). */
    static byte[] flipInEntry(byte[] zip, String name, long compressedSize) {
        byte[] b = zip.clone();
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + 30 < b.length; i++) {
            if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] == 3 && b[i + 3] == 4) {
                int n = (b[i + 26] & 0xff) | (b[i + 27] & 0xff) << 8;
                int extra = (b[i + 28] & 0xff) | (b[i + 29] & 0xff) << 8;
                if (n == nameBytes.length && java.util.Arrays.equals(b, i + 30, i + 30 + n, nameBytes, 0, n)) {
                    int at = i + 30 + n + extra + (int) (compressedSize / 2);
                    b[at] ^= (byte) 0x5a;
                    return b;
                }
            }
        }
        throw new IllegalArgumentException("entry " + name + " not found");
    }

    /** Copies a zip (and its comment) without entry {@code drop}, with the card entry replaced when {@code cardJson} is given. */
    static void rewrite(Path from, Path to, String drop, String cardJson) throws IOException {
        try (ZipFile in = new ZipFile(from.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to))) {
            out.setComment(in.getComment());
            for (Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                if (entry.getName().equals(drop)) {
                    continue;
                }
                out.putNextEntry(new ZipEntry(entry.getName()));
                if (cardJson != null && entry.getName().equals(GraftModel.CARD_ENTRY)) {
                    out.write(cardJson.getBytes(StandardCharsets.UTF_8));
                } else {
                    try (InputStream is = in.getInputStream(entry)) {
                        is.transferTo(out);
                    }
                }
                out.closeEntry();
            }
        }
    }
}
