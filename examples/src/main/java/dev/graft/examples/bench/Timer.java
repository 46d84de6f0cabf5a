package dev.graft.examples.bench;

/** Runs a task for warm-up and then measured repetitions, converting each run's wall time to a throughput. */
final class Timer {
    /** Work that processes a known number of units (images, rows, bytes) per call. */
    @FunctionalInterface
    interface Task {
        /** Does the work once; returns the units processed. */
        double run() throws Exception;
    }

    private final int warmup;
    private final int runs;

    Timer(int warmup, int runs) {
        if (warmup < 0 || runs < 1) {
            throw new IllegalArgumentException("need warmup >= 0 and runs >= 1, got " + warmup + " and " + runs);
        }
        this.warmup = warmup;
        this.runs = runs;
    }

    int runs() {
        return runs;
    }

    /** Units per second of each measured run. */
    double[] measure(Task task) throws Exception {
        for (int i = 0; i < warmup; i++) {
            task.run();
        }
        double[] out = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            double units = task.run();
            out[i] = units / ((System.nanoTime() - t0) / 1e9);
        }
        return out;
    }
}
