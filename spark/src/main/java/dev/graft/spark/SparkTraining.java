package dev.graft.spark;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How {@link SparkHeadTrainer} spreads head training over the Spark workers: one of DL4J's training masters. */
public enum SparkTraining {
    /**
     * DL4J's {@code ParameterAveragingTrainingMaster}: each worker fits its own copy for a few steps, then the
     * driver averages the parameters (and updater state) and sends them out again. Synchronous, nothing but Spark
     * needed.
     */
    PARAMETER_AVERAGING("averaging"),
    /**
     * DL4J's {@code SharedTrainingMaster}: asynchronous gradient sharing. Workers send threshold-encoded (sparse,
     * quantized) updates to each other through a parameter server (Aeron UDP) started on the driver; the residual
     * below the threshold is kept and sent later.
     */
    GRADIENT_SHARING("sharing");

    private final String cliName;

    SparkTraining(String cliName) {
        this.cliName = cliName;
    }

    /** The command line's name for it: {@code averaging} or {@code sharing}. */
    public String cliName() {
        return cliName;
    }

    /**
     * Reads a command line name ({@code averaging}, {@code sharing}) or an enum name, case-insensitive.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static SparkTraining parse(String name) {
        for (SparkTraining t : values()) {
            if (t.cliName.equalsIgnoreCase(name) || t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown Spark training '" + name + "': use "
                + Arrays.stream(values()).map(t -> t.cliName + " (" + t.name() + ")")
                        .collect(Collectors.joining(" or ")));
    }
}
