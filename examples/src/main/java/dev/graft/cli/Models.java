package dev.graft.cli;

import dev.graft.zoo.GraftModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

/** How the verbs load a model file: {@link GraftModel#load(Path)}, with what loading assumed printed as warnings. */
final class Models {
    private Models() {
    }

    /**
     * Loads a model file and prints each of its {@link GraftModel#warnings()} as a {@code warning:} line on stderr.
     *
     * @throws IOException as {@link GraftModel#load(Path)} does
     */
    static GraftModel load(Path file, CommandSpec spec) throws IOException {
        return load(file, spec, null);
    }

    /**
     * Loads a model file, applies {@code --input-shape} when it was given (plain DL4J zips only), and prints the
     * warnings.
     *
     * @throws IOException as {@link GraftModel#load(Path)} does
     * @throws IllegalArgumentException for a bad or unfitting {@code --input-shape}
     */
    static GraftModel load(Path file, CommandSpec spec, InputShapeOption input) throws IOException {
        GraftModel m = GraftModel.load(file);
        if (input != null) {
            m = input.apply(m, file);
        }
        printWarnings(m, spec);
        return m;
    }

    /**
     * Requires the examples of a data spec to have the shape the model's card says it takes, before any work.
     *
     * @throws IllegalArgumentException naming the data, the model and both shapes
     */
    static void requireDataFits(GraftModel m, Path file, dev.graft.transfer.data.DataSource data, String spec) {
        long[] takes = m.card().inputShape();
        long[] has = data.exampleShape();
        if (takes.length > 0 && !java.util.Arrays.equals(takes, has)) {
            throw new IllegalArgumentException("data " + spec + " has examples of shape " + java.util.Arrays.toString(has)
                    + " but model " + file + " takes " + java.util.Arrays.toString(takes) + " (" + m.card().layout()
                    + ", from its card); use data with that shape or another model");
        }
    }

    /** Prints a model's load warnings as {@code warning:} lines on stderr. */
    static void printWarnings(GraftModel m, CommandSpec spec) {
        m.warnings().forEach(w -> warn(spec, w));
    }

    /** Prints what reading a data source skipped or assumed ({@link dev.graft.transfer.data.DataSource#notes()}) as {@code note:} lines on stderr. */
    static void printNotes(CommandSpec spec, dev.graft.transfer.data.DataSource data) {
        PrintWriter err = spec.commandLine().getErr();
        data.notes().forEach(n -> err.println("note: " + n));
        err.flush();
    }

    /** Prints one {@code note: ...} line on the command's stderr. */
    static void note(CommandSpec spec, String line) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("note: " + line);
        err.flush();
    }

    /** Prints one {@code warning: ...} line on the command's stderr. */
    static void warn(CommandSpec spec, String line) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("warning: " + line);
        err.flush();
    }
}
