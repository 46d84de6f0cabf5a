package dev.graft.cli;

import dev.graft.transfer.data.SyntheticData;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code graft data synth OUT.csv}: writes a synthetic labelled tabular set of any size ({@link SyntheticData}). */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = {"Write a synthetic labelled CSV (Gaussian clusters, one per class; a header line, then features and",
            "the label) of any size, streamed to disk: read it back with csv:OUT.csv. OUT.csv.gz is compressed.",
            "Example: graft data synth big.csv.gz --rows 1000000 --features 32 --classes 4"})
final class SynthCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "OUT.csv", description = "file to write (.csv or .csv.gz)")
    Path out;

    @Option(names = "--rows", defaultValue = "10000", description = "rows (default ${DEFAULT-VALUE})")
    long rows;

    @Option(names = "--features", defaultValue = "16", description = "feature columns (default ${DEFAULT-VALUE})")
    int features;

    @Option(names = "--classes", defaultValue = "3", description = "classes, balanced (default ${DEFAULT-VALUE})")
    int classes;

    @Option(names = "--separation", defaultValue = "1.0", description = "spread of the class centres against the unit noise; "
            + "larger is easier (default ${DEFAULT-VALUE})")
    double separation;

    @Option(names = "--seed", defaultValue = "0", description = "seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        String n = out.getFileName().toString();
        if (!n.endsWith(".csv") && !n.endsWith(".csv.gz")) {
            throw new IllegalArgumentException("graft data synth writes CSV: name a .csv or .csv.gz file, got " + out);
        }
        SyntheticData.writeCsv(out, rows, features, classes, separation, seed);
        System.out.println("wrote " + rows + " rows of " + features + " features, " + classes + " classes to " + out
                + "; use it as csv:" + out);
        return 0;
    }
}
