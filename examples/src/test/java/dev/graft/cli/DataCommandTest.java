package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DataCommandTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cl = GraftCli.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        java.io.PrintStream oldOut = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(captured, true));
        try {
            int code = cl.execute(args);
            return new Run(code, captured.toString() + out, err.toString());
        } finally {
            System.setOut(oldOut);
        }
    }

    @Test
    void describesASampledSpec() {
        Run r = run("data", "digits:5-9", "--per-class", "20", "--seed", "3");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("(100 examples)").contains("classes: 5=20 6=20 7=20 8=20 9=20")
                .contains("example shape: [64]");
    }

    @Test
    void unknownClassesAreAOneLineError() {
        Run r = run("data", "digits:0-12");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo(
                "graft data: error: class '10' is not in digits; its classes are 0, 1, 2, 3, 4, 5, 6, 7, 8, 9");
    }

    @Test
    void missingCsvIsAOneLineError() {
        Run r = run("data", "csv:/nonexistent/train.csv");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("graft data: error: CSV file /nonexistent/train.csv does not exist");
    }

    @Test
    void csvWithWrongColumnCountIsAOneLineError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.csv");
        Files.write(f, List.of("0,1,2,0", "3,4,1"));
        Run r = run("data", "csv:" + f);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("graft data: error: " + f
                + " line 2 has 3 columns, expected 4 (3 features, then the label)");
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void everyVerbHasHelp() {
        CommandLine cl = GraftCli.newCommandLine();
        for (String verb : cl.getSubcommands().keySet()) {
            if (verb.equals("help")) {
                continue;
            }
            assertThat(run(verb, "--help").code()).as("graft %s --help", verb).isZero();
            assertThat(cl.getSubcommands().get(verb).getUsageMessage()).as("graft %s --help", verb)
                    .contains("Usage: graft " + verb);
        }
    }
}
