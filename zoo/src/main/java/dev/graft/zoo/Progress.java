package dev.graft.zoo;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Reports progress of long work (downloads, featurizing, training). Library code takes a {@code Progress}
 * and never prints by itself; the CLI passes {@link #console()}, tests and quiet callers {@link #none()}.
 * <pre>{@code
 * try (Progress.Task t = progress.start("featurize", rows, "rows")) { ... t.step(batch); }
 * }</pre>
 */
public interface Progress {

    /** Starts a task of {@code total} units ({@code total < 0} when unknown). */
    Task start(String name, long total, String unit);

    /** One running task. Closing it ends its bar. */
    interface Task extends AutoCloseable {
        /** Adds {@code n} done units. */
        void step(long n);

        /** Sets the done count (e.g. after resuming a download). */
        void stepTo(long done);

        /** Sets a short extra message shown beside the bar (e.g. the current loss). */
        default void message(String text) {
        }

        @Override
        void close();
    }

    /** Reports nothing. */
    static Progress none() {
        return (name, total, unit) -> new Task() {
            @Override
            public void step(long n) {
            }

            @Override
            public void stepTo(long done) {
            }

            @Override
            public void close() {
            }
        };
    }

    /** A text progress bar on standard error (me.tongfei progressbar). */
    static Progress console() {
        return (name, total, unit) -> {
            ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(name).setInitialMax(total)
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                    .setUpdateIntervalMillis(250).continuousUpdate();
            if (unit != null && unit.equals("B")) {
                b.setUnit(" MiB", 1 << 20).showSpeed();
            } else if (unit != null) {
                b.setUnit(" " + unit, 1);
            }
            ProgressBar bar = b.build();
            return new Task() {
                @Override
                public void step(long n) {
                    bar.stepBy(n);
                }

                @Override
                public void stepTo(long done) {
                    bar.stepTo(done);
                }

                @Override
                public void message(String text) {
                    bar.setExtraMessage(text);
                }

                @Override
                public void close() {
                    bar.close();
                }
            };
        };
    }
}
