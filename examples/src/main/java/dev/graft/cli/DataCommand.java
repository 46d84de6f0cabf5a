package dev.graft.cli;

import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.DataSource;
import dev.graft.transfer.data.LabeledData;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code graft data SPEC}: loads a data spec and describes it, so a spec can be checked before a long run. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = {"Load a data set by spec and print its size, example shape and class counts.",
            "Specs: digits, digits:0-4, digits:5,7,9, csv:FILE[#CLASSES] (features then label; .gz ok; a header line is "
                + "found by its content), images:DIR (one subfolder per class; every file is decoded once and unreadable "
                + "ones are listed).",
            "graft data synth OUT.csv writes a large synthetic tabular set to try things with."},
        subcommands = SynthCommand.class)
final class DataCommand implements Callable<Integer> {
    /** An image folder is checked decoded at a nominal size: the model's card sets the real one when the folder is used. */
    private static final dev.graft.zoo.ModelCard NOMINAL_IMAGES = dev.graft.zoo.ModelCard.builder("graft data")
            .input(dev.graft.zoo.InputLayout.NCHW, 3, 8, 8).build();

    @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC", description = "Data spec, e.g. digits:0-4, csv:train.csv or images:photos")
    String spec;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec cmd;

    @Option(names = "--strict", description = "images:DIR: refuse a folder with unreadable files instead of skipping them")
    boolean strict;

    @Option(names = "--per-class", description = "Sample this many labelled examples per class.")
    Integer perClass;

    @Option(names = "--seed", defaultValue = "1", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        return describe(System.out, System.err);
    }

    private Integer describe(java.io.PrintStream out, java.io.PrintStream err) {
        if (spec == null) {
            throw new picocli.CommandLine.ParameterException(cmd.commandLine(), "graft data needs a SPEC (digits, csv:FILE, images:DIR) "
                    + "or the synth verb; see graft data --help");
        }
        if (spec.trim().startsWith("images:")) {
            if (perClass != null) {
                throw new IllegalArgumentException("--per-class samples in-memory data (digits, csv:FILE), not images:DIR");
            }
            DataSource f = DataSpec.source(spec, NOMINAL_IMAGES, DataSpec.Options.DEFAULTS.withStrict(strict));
            f.notes().forEach(n -> err.println("note: " + n));
            out.println(spec + " (" + f.size() + " readable images, " + f.numClasses() + " classes)");
            out.println("example shape: set by the model's card (resized on reading)");
            int[] counts = new int[f.numClasses()];
            for (java.nio.file.Path p : f.files()) {
                counts[f.labels().indexOf(p.getParent().getFileName().toString())]++;
            }
            StringBuilder sb = new StringBuilder("classes:");
            for (int c = 0; c < counts.length; c++) {
                sb.append(' ').append(f.labels().get(c)).append('=').append(counts[c]);
            }
            out.println(sb);
            return 0;
        }
        LabeledData d = DataSpec.source(spec, null).inMemory();
        d.notes().forEach(n -> err.println("note: " + n));
        if (perClass != null) {
            d = d.samplePerClass(perClass, seed);
        }
        out.println(d.describe());
        out.println("example shape: " + java.util.Arrays.toString(d.exampleShape()));
        int[] counts = d.classCounts();
        StringBuilder sb = new StringBuilder("classes:");
        for (int c = 0; c < counts.length; c++) {
            sb.append(' ').append(d.labels().get(c)).append('=').append(counts[c]);
        }
        out.println(sb);
        out.println("fingerprint: " + d.fingerprint());
        return 0;
    }
}
