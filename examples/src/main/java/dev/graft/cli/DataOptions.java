package dev.graft.cli;

import picocli.CommandLine.Option;

/** {@code --data SPEC} and {@code --strict}, as every verb that reads a labelled data set takes them. */
final class DataOptions {
    @Option(names = "--data", paramLabel = "SPEC",
            description = "data spec: digits[:CLASSES], csv:FILE[#CLASSES] or images:DIR")
    String data;

    @Option(names = "--strict", description = "images:DIR: refuse a folder with unreadable files instead of skipping them")
    boolean strict;
}
