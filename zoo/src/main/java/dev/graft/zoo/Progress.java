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

    /**
     * A text progress bar on standard error (me.tongfei progressbar) when standard error is a terminal; otherwise
     * (a log file, a pipe) {@link #lines(java.io.PrintStream)}, since a bar redrawn with carriage returns is
     * unreadable there.
     */
    static Progress console() {
        if (System.console() == null) {
            return lines(System.err);
        }
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

    /**
     * Progress as plain lines, for logs: {@code NAME: 40/100 unit (40%)} at most every 10 % and every 5 s, and a final
     * line with the total and the elapsed time.
     */
    static Progress lines(java.io.PrintStream out) {
        return (name, total, unit) -> new Task() {
            private final long start = System.nanoTime();
            private long done;
            private long lastPrinted = System.nanoTime();
            private long lastPercent = -1;
            private String extra = "";

            @Override
            public void step(long n) {
                stepTo(done + n);
            }

            @Override
            public void stepTo(long now) {
                done = now;
                long percent = total > 0 ? Math.min(100, done * 100 / total) / 10 * 10 : -1;
                long t = System.nanoTime();
                if (percent > lastPercent && t - lastPrinted >= 5_000_000_000L || percent >= 100 && lastPercent < 100) {
                    lastPercent = percent;
                    lastPrinted = t;
                    print(false);
                }
            }

            @Override
            public void message(String text) {
                extra = text == null ? "" : text;
            }

            @Override
            public void close() {
                print(true);
            }

            private void print(boolean last) {
                String u = unit == null ? "" : unit.equals("B") ? " bytes" : " " + unit;
                String of = total > 0 ? "/" + total : "";
                String pct = total > 0 ? String.format(java.util.Locale.ROOT, " (%d%%)", Math.min(100, done * 100 / total)) : "";
                String time = last ? String.format(java.util.Locale.ROOT, ", %.1f s", (System.nanoTime() - start) / 1e9) : "";
                out.println(name + ": " + done + of + u + pct + time + (extra.isEmpty() ? "" : " " + extra) + (last ? " done" : ""));
                out.flush();
            }
        };
    }
}
