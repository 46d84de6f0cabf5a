package dev.graft.cli;

import dev.graft.zoo.GraftModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

/**
 * How the verbs load a model: a file with {@link GraftModel#load(Path)}, or a catalog name (a DL4J zoo model's
 * pretrained weights, or a model you registered) with {@code Zoo.open}; what loading assumed is printed as warnings.
 */
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
        GraftModel m;
        if (java.nio.file.Files.exists(file) || !catalogName(file)) {
            m = GraftModel.load(file);
        } else {
            dev.graft.zoo.Zoo zoo = zoo();
            if (zoo.catalog().lookup(file.toString()).isEmpty()) {
                throw new java.io.FileNotFoundException("model " + file + " is neither a file nor a catalog name; "
                        + "graft zoo list shows the names, graft zoo add NAME FILE registers your own");
            }
            m = zoo.open(file.toString());
        }
        if (input != null) {
            m = input.apply(m, file);
        }
        printWarnings(m, spec);
        return m;
    }

    /** Whether {@code file} reads as a catalog name (one name, no model-file extension) rather than a path. */
    static boolean catalogName(Path file) {
        String s = file.toString();
        return file.getNameCount() == 1 && !s.contains("/") && !s.contains(java.io.File.separator)
                && !s.toLowerCase(java.util.Locale.ROOT).matches(".*\\.(zip|onnx|keras|h5|hdf5|npz|json)");
    }

    /**
     * The catalog and weight store every verb opens names with (Graft's home, its configured mirrors; the DL4J zoo
     * and the models you registered with {@code graft zoo add}): what {@code Zoo.open(nameOrPath)} resolves.
     */
    static dev.graft.zoo.Zoo zoo() throws IOException {
        dev.graft.zoo.GraftHome home = dev.graft.zoo.GraftHome.fromEnvironment();
        dev.graft.zoo.store.WeightStore store = dev.graft.zoo.store.WeightStore.builder().home(home)
                .mirrors(home.configuredMirrors()).progress(dev.graft.zoo.Progress.console()).build();
        return dev.graft.zoo.Zoo.builder().store(store).build();
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
