package dev.graft.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One in-process {@code graft} invocation with its exit code and captured output (for the CLI tests). */
record CliRun(int code, String out, String err) {

    /** Runs {@code graft ARGS...} through the configured command line, capturing picocli's out and err. */
    static CliRun of(String... args) {
        CommandLine cl = GraftCli.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
