package dev.graft.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ResultTest {
    @Test
    void medianMinAndMaxOfTheRuns() {
        Result odd = new Result("w", "img/s", new double[] {3, 1, 2}, "n");
        assertThat(odd.median()).isEqualTo(2);
        assertThat(odd.min()).isEqualTo(1);
        assertThat(odd.max()).isEqualTo(3);
        Result even = new Result("w", "img/s", new double[] {4, 1, 2, 3}, "n");
        assertThat(even.median()).isEqualTo(2.5);
        assertThat(even.markdownRow()).isEqualTo("| w | img/s | 2.50 | 1.00 | 4.00 | 4 | n |");
        assertThat(new Result("w", "MB/s", new double[] {1234.4}, "n").markdownRow()).contains("| 1234 |");
    }

    @Test
    void noRunsIsAnError() {
        assertThatThrownBy(() -> new Result("w", "s", new double[0], "").median())
                .hasMessageContaining("no runs measured for w");
    }

    @Test
    void timerCountsUnitsPerSecondOfMeasuredRunsOnly() throws Exception {
        int[] calls = new int[1];
        double[] v = new Timer(2, 3).measure(() -> {
            calls[0]++;
            Thread.sleep(20);
            return 10;
        });
        assertThat(calls[0]).isEqualTo(5);
        assertThat(v).hasSize(3);
        for (double x : v) {
            assertThat(x).isBetween(50.0, 500.0); // 10 units in ~20 ms
        }
    }
}
