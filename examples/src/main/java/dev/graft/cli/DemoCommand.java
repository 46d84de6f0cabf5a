package dev.graft.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code graft demo}: the digits transfer story end to end. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Train on digits 0-4, transfer to 5-9 with few labels, compare with training from scratch.")
final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new IllegalStateException("the demo is being written in this commit series");
    }
}
