package dev.graft.spark.cli;

import dev.graft.engine.Engine;
import dev.graft.engine.EngineSettings;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code graft ... --spark MASTER}: the Spark entry point of Graft's command line. The {@code graft} launcher runs
 * it instead of the single-machine CLI when an argument is {@code --spark}; under {@code spark-submit} it is the
 * main class ({@code --class dev.graft.spark.cli.GraftSpark}).
 * <pre>
 *   ./graft featurize base.zip --cut fc2 --data digits --cache /shared/c --spark local[2]
 *   ./graft featurize base.zip --cut fc2 --data digits --cache hdfs://nn:8020/caches/c --spark spark://h:7077
 *   ./graft finetune base.zip --cut fc2 --data digits --cache /shared/c --out tuned.zip --spark spark://h:7077
 * </pre>
 */
@Command(name = "graft", mixinStandardHelpOptions = true, version = "graft-spark 0.1.0",
        description = "Graft on Apache Spark: featurize into the feature cache from Spark partitions, and train the "
                + "new head with DL4J's parameter averaging or gradient sharing; the same cache format and the same "
                + "reassembled model as on one machine.",
        subcommands = {SparkFeaturizeCommand.class, SparkFinetuneCommand.class, CommandLine.HelpCommand.class})
public final class GraftSpark implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 0;
    }

    /** Entry point. */
    public static void main(String[] args) {
        try {
            Engine.apply(EngineSettings.fromEnvironment()); // the process's settings, read once, one grammar
        } catch (IllegalArgumentException e) {
            System.err.println("graft (spark): error: " + e.getMessage());
            System.exit(2);
        }
        System.exit(run(args));
    }

    /** Runs a verb and returns its exit code (for tests). */
    public static int run(String... args) {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        CommandLine cl = new CommandLine(new GraftSpark());
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            PrintWriter err = line.getErr();
            if (System.getenv("GRAFT_DEBUG") != null) {
                e.printStackTrace(err);
            }
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            err.println("graft " + line.getCommandName() + " (spark): error: " + msg.lines().findFirst().orElse(msg));
            err.flush();
            return e instanceof IllegalArgumentException || e instanceof java.io.IOException
                    || e instanceof IllegalStateException ? 2 : 1;
        });
        return cl.execute(args);
    }
}
