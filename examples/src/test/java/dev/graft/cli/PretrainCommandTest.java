package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.zoo.GraftModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PretrainCommandTest {
    private static int run(StringWriter err, String... args) {
        CommandLine cl = GraftCli.newCommandLine();
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void everyVerbWritesALoadableBaseWithItsCard(@TempDir Path dir) throws Exception {
        String[][] verbs = {
            {"autoencoder", "--corrupt", "mask:0.2", "--cache", dir.resolve("codes").toString()},
            {"corruption", "--corrupt", "patch:4"},
            {"margin", "--margin", "0.5"},
            {"pairs", "--pairing", "same-class"},
        };
        for (String[] v : verbs) {
            Path out = dir.resolve(v[0] + ".zip");
            String[] args = new String[v.length + 11];
            args[0] = "pretrain";
            System.arraycopy(v, 0, args, 1, v.length);
            System.arraycopy(new String[] {"--data", "digits:0-2", "--out", out.toString(), "--epochs", "1",
                "--widths", "16,8", "--quiet", "--seed", "3"}, 0, args, v.length + 1, 10);
            args[args.length - 1] = "--batch=32";
            StringWriter err = new StringWriter();
            assertThat(run(err, args)).as(v[0] + ": " + err).isZero();
            GraftModel m = GraftModel.load(out);
            assertThat(Files.exists(dir.resolve(v[0] + ".card.json"))).isTrue();
            assertThat(m.card().architecture()).isEqualTo("mlp-64-16-8-relu");
            assertThat(m.card().origin()).startsWith("graft pretrain " + v[0]);
            assertThat(m.card().normalization().scale()).isEqualTo(1 / 16.0);
        }
    }

    @Test
    void badInputExitsWithCodeTwoAndOneLine(@TempDir Path dir) {
        String out = dir.resolve("b.zip").toString();
        StringWriter err = new StringWriter();
        assertThat(run(err, "pretrain", "margin", "--data", "digits:0-1", "--out", out, "--margin", "0", "--quiet")).isEqualTo(2);
        assertThat(err.toString().trim()).isEqualTo("graft pretrain margin: error: ranking margin must be a positive number, got 0.0");
        err = new StringWriter();
        assertThat(run(err, "pretrain", "corruption", "--data", "digits:0-1", "--out", out, "--corrupt", "patch:3", "--quiet"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("patch size 3 does not divide the image size 8x8");
        err = new StringWriter();
        assertThat(run(err, "pretrain", "pairs", "--data", "digits:0-1", "--out", out, "--pairing", "twins", "--quiet")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown pairing 'twins'; use same-class or same-example");
        assertThat(Files.exists(dir.resolve("b.zip"))).isFalse();
    }

    @Test
    void aBaseWhoseLossDivergesIsNotSaved(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder();
        java.util.Random rnd = new java.util.Random(1);
        for (int i = 0; i < 64; i++) {
            for (int j = 0; j < 8; j++) {
                csv.append(rnd.nextFloat() * 3e38f).append(',');
            }
            csv.append(i % 2).append('\n');
        }
        Path data = Files.writeString(dir.resolve("huge.csv"), csv);
        Path out = dir.resolve("huge.zip");
        StringWriter err = new StringWriter();
        assertThat(run(err, "pretrain", "autoencoder", "--data", "csv:" + data, "--out", out.toString(), "--epochs", "2",
                "--widths", "4", "--quiet")).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("graft pretrain autoencoder: error: pretraining autoencoder diverged: loss ")
                .contains("csv:" + data).contains("nothing was saved").contains("--scale").doesNotContain("\n");
        assertThat(out).doesNotExist();
    }
}
