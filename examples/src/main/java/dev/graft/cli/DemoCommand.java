package dev.graft.cli;

import dev.graft.examples.DemoReport;
import dev.graft.examples.DemoSettings;
import dev.graft.examples.DigitsTransferDemo;
import dev.graft.zoo.Progress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code graft demo}: the digits transfer story end to end. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Train a network on digits 0-4, save and reload it, transfer it to digits 5-9 with few labels "
                + "(frozen layers cached on disk, new head), unfreeze the top two layers, and compare with training "
                + "from scratch. Prints test accuracy and wall time per step, and a curve over labels per class."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--seeds", defaultValue = "1", description = "Repeat over N seeds and print mean ± std (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--first-seed", defaultValue = "1", description = "First repetition seed (default: ${DEFAULT-VALUE}).")
    long firstSeed;

    @Option(names = "--labels", defaultValue = "20", description = "Labelled examples per class of 5-9 for the main table (default: ${DEFAULT-VALUE}).")
    int labels;

    @Option(names = "--curve", split = ",", defaultValue = "2,5,10,20",
            description = "Labels-per-class counts of the curve (default: ${DEFAULT-VALUE}).")
    List<Integer> curve;

    @Option(names = "--out", defaultValue = "graft-out/demo", description = "Folder for models and caches (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        java.util.List<Integer> points = new java.util.ArrayList<>(curve);
        if (!points.contains(labels)) {
            points.add(labels);
        }
        DemoSettings settings = DemoSettings.defaults().withSeeds(seeds, firstSeed).withOutDir(out)
                .withLabels(labels, points);
        long t0 = System.nanoTime();
        DemoReport report = new DigitsTransferDemo(settings, quiet ? Progress.none() : Progress.console()).run();
        System.out.print(report.render());
        System.out.printf(java.util.Locale.ROOT, "%nTotal wall time: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
