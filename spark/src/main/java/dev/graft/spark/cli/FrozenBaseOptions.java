package dev.graft.spark.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What both Spark verbs take: the model, where it is cut, the data and the cache folder. */
final class FrozenBaseOptions {
    @Parameters(index = "0", paramLabel = "MODEL", description = "a Graft or DL4J model zip (readable by every executor)")
    Path model;

    @Option(names = "--cut", required = true, paramLabel = "LAYER", description = "last frozen layer or vertex")
    String cut;

    @Option(names = "--data", required = true, paramLabel = "SPEC", description = "data spec: digits, digits:0-4, csv:FILE[#CLASSES]")
    String data;

    @Option(names = "--cache", required = true, paramLabel = "DIR",
            description = "feature cache folder, on storage the driver and every executor share (a local folder for local[N])")
    Path cache;
}
