package dev.graft.cli;

import dev.graft.engine.Engine;
import dev.graft.engine.EngineSettings;
import dev.graft.zoo.InputFiles;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code graft} command line. Each verb is its own class in this package, registered below.
 * Errors a user can fix (bad data spec, missing file, checksum mismatch) print one line and exit 2;
 * set {@code GRAFT_DEBUG=1} to see the stack trace. What a verb assumed instead (e.g. a card inferred for a plain
 * DL4J zip) is a {@code warning:} line on stderr, and the verb goes on.
 *
 * <p>One command line on one machine and on Apache Spark: {@code featurize} and {@code finetune} take
 * {@code --spark MASTER} (options in {@link SparkOptions}, {@link SparkTrainingOptions}) and then run through the
 * spark module, found on the class path as a {@link dev.graft.transfer.cluster.ClusterProvider}; the {@code graft}
 * launcher adds it when {@code --spark} is given, and under {@code spark-submit} this is the main class.
 */
@Command(name = "graft", mixinStandardHelpOptions = true, version = "graft 0.1.0",
        description = "Transfer learning on Deeplearning4j: reuse a pretrained network with little labelled data.",
        subcommands = {
            DemoCommand.class,
            BenchCommand.class,
            DataCommand.class,
            ZooCommand.class,
            InspectCommand.class,
            FeaturizeCommand.class,
            ImportCommand.class,
            PretrainCommand.class,
            FinetuneCommand.class,
            PredictCommand.class,
            ExportCommand.class,
            CommandLine.HelpCommand.class
        })
public final class GraftCli implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 0;
    }

    /** Entry point of the {@code graft} launcher. */
    public static void main(String[] args) {
        try {
            Engine.apply(EngineSettings.fromEnvironment()); // the process's settings, read once, one grammar
        } catch (IllegalArgumentException e) {
            System.err.println("graft: error: " + e.getMessage());
            System.exit(2);
        }
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (for tests). */
    public static int run(String... args) {
        configureLogging();
        return newCommandLine().execute(args);
    }

    /** The configured picocli command line (for tests that capture output). */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new GraftCli());
        cl.setExecutionExceptionHandler(GraftCli::handleError);
        return cl;
    }

    /** DL4J logs a lot at INFO; Graft's users see warnings only unless they ask for more. */
    static void configureLogging() {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
    }

    private static int handleError(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (System.getenv("GRAFT_DEBUG") != null) {
            e.printStackTrace(err);
        }
        String msg = e instanceof java.io.IOException io ? InputFiles.describe(io)
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        // the verb's full name: "graft pretrain autoencoder", "graft zoo add"
        err.println(cl.getCommandSpec().qualifiedName(" ") + ": error: " + msg.lines().findFirst().orElse(msg));
        err.flush();
        boolean userError = e instanceof IllegalArgumentException || e instanceof java.io.IOException
                || e instanceof IllegalStateException || e instanceof java.io.UncheckedIOException;
        return userError ? 2 : 1;
    }
}
