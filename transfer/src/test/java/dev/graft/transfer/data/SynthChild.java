package dev.graft.transfer.data;

import java.nio.file.Path;

/** Writes a large synthetic set in a child JVM, printing PROGRESS lines, so a test can stop it midway. */
public final class SynthChild {
    private SynthChild() {
    }

    public static void main(String[] args) throws Exception {
        SyntheticData.writeCsv(Path.of(args[0]), Long.parseLong(args[1]), 8, 3, 1.0, 0, (rows, bytes) -> {
            System.out.println("PROGRESS " + rows + " " + bytes);
            System.out.flush();
        });
        System.out.println("DONE");
    }
}
