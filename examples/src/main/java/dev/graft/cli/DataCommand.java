package dev.graft.cli;

import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code graft data SPEC}: loads a data spec and describes it, so a spec can be checked before a long run. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = {"Load a data set by spec and print its size, example shape and class counts.",
            "Specs: digits, digits:0-4, digits:5,7,9, csv:FILE[#CLASSES] (features then label; .gz ok)."})
final class DataCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SPEC", description = "Data spec, e.g. digits:0-4 or csv:train.csv")
    String spec;

    @Option(names = "--per-class", description = "Sample this many labelled examples per class.")
    Integer perClass;

    @Option(names = "--seed", defaultValue = "1", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        LabeledData d = DataSpec.load(spec);
        if (perClass != null) {
            d = d.samplePerClass(perClass, seed);
        }
        System.out.println(d.describe());
        System.out.println("example shape: " + java.util.Arrays.toString(d.exampleShape()));
        int[] counts = d.classCounts();
        StringBuilder sb = new StringBuilder("classes:");
        for (int c = 0; c < counts.length; c++) {
            sb.append(' ').append(d.labels().get(c)).append('=').append(counts[c]);
        }
        System.out.println(sb);
        System.out.println("fingerprint: " + d.fingerprint());
        return 0;
    }
}
