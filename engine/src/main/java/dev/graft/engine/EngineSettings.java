package dev.graft.engine;

import java.util.Objects;

/**
 * How Graft runs DL4J on this machine: every speed switch and thread count in one immutable value.
 *
 * <p>Every switch is on by default and <b>none changes a result</b> beyond float rounding (each is checked against
 * the plain path in the tests); switching one off is for comparison or for working around a misbehaving native
 * library. Build one with {@link #builder()} or read the process's with {@link #fromEnvironment()}, then apply it
 * process-wide ({@link Engine#apply}) or for one piece of work ({@link Engine#use}).
 *
 * <table>
 *   <caption>Settings, their system property and environment variable (see {@link Settings} for the grammar)</caption>
 *   <tr><th>setting</th><th>default</th><th>what it does</th></tr>
 *   <tr><td>{@code helpers}</td><td>on</td><td>DL4J's oneDNN layer helpers (convolution, pooling, batch norm)
 *       on the networks Graft runs, fed dense inputs ({@link DenseInputHelpers})</td></tr>
 *   <tr><td>{@code javaAdam}</td><td>on</td><td>{@link JavaAdamUpdater} in place of DL4J's native Adam op</td></tr>
 *   <tr><td>{@code denseHeadTrainer}</td><td>on</td><td>the lean training step for heads of dense layers</td></tr>
 *   <tr><td>{@code channelsLast}</td><td>on</td><td>featurize NCHW image models through a channels-last inference
 *       copy ({@link ChannelsLast}) when helpers are on</td></tr>
 *   <tr><td>{@code foldBatchNorm}</td><td>on</td><td>fold inference batch norm into the preceding convolution in
 *       that copy ({@link BatchNormFolding})</td></tr>
 *   <tr><td>{@code directConvolution}</td><td>on</td><td>run the copy's convolutions with libnd4j's conv2d op
 *       directly ({@link ChannelsLastConvolution})</td></tr>
 *   <tr><td>{@code trainThreads}</td><td>chosen per network</td><td>native threads while training
 *       ({@link Engine#trainingThreads})</td></tr>
 *   <tr><td>{@code trainBlasThreads}</td><td>same as native</td><td>BLAS threads while training</td></tr>
 *   <tr><td>{@code featurizeEngine}</td><td>auto</td><td>which engine runs a DL4J network's frozen part when
 *       featurizing: {@code auto}, {@code dl4j} or {@code onnx} ({@link FeaturizeEngine})</td></tr>
 * </table>
 *
 * <p>DL4J's own {@code -Dorg.eclipse.deeplearning4j.helpers.disable=true} is read too, as {@code helpers=off}.
 */
public final class EngineSettings {
    /** DL4J's own switch for layer helpers; {@code true} means disabled. */
    public static final String DL4J_HELPERS_DISABLE = "org.eclipse.deeplearning4j.helpers.disable";

    private static final EngineSettings DEFAULTS = new Builder().build();

    private final boolean helpers;
    private final boolean javaAdam;
    private final boolean denseHeadTrainer;
    private final boolean channelsLast;
    private final boolean foldBatchNorm;
    private final boolean directConvolution;
    private final Integer trainThreads;
    private final Integer trainBlasThreads;
    private final FeaturizeEngine featurizeEngine;

    private EngineSettings(Builder b) {
        this.helpers = b.helpers;
        this.javaAdam = b.javaAdam;
        this.denseHeadTrainer = b.denseHeadTrainer;
        this.channelsLast = b.channelsLast;
        this.foldBatchNorm = b.foldBatchNorm;
        this.directConvolution = b.directConvolution;
        this.trainThreads = b.trainThreads;
        this.trainBlasThreads = b.trainBlasThreads;
        this.featurizeEngine = b.featurizeEngine;
    }

    /** Every switch on, thread counts chosen by Graft. */
    public static EngineSettings defaults() {
        return DEFAULTS;
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * The settings the process was started with: system properties {@code graft.<setting>} and environment
     * variables {@code GRAFT_<SETTING>} over the defaults.
     *
     * @throws IllegalArgumentException when a value is malformed (the message names the setting and the value)
     */
    public static EngineSettings fromEnvironment() {
        return read(Settings.ofProcess());
    }

    /**
     * Settings read from {@code source} over the defaults.
     *
     * @throws IllegalArgumentException when a value is malformed
     */
    public static EngineSettings read(Settings source) {
        requireSaneOpenMpThreads(source.foreignEnvironment("OMP_NUM_THREADS"));
        Builder b = builder();
        String dl4j = source.foreignProperty(DL4J_HELPERS_DISABLE);
        boolean helpersDefault = dl4j == null || !Boolean.parseBoolean(dl4j);
        return b.helpers(source.flag("helpers", helpersDefault))
                .javaAdam(source.flag("javaAdam", true))
                .denseHeadTrainer(source.flag("denseHeadTrainer", true))
                .channelsLast(source.flag("channelsLast", true))
                .foldBatchNorm(source.flag("foldBatchNorm", true))
                .directConvolution(source.flag("directConvolution", true))
                .trainThreads(source.whole("trainThreads", 1, 1024))
                .trainBlasThreads(source.whole("trainBlasThreads", 1, 1024))
                .featurizeEngine(FeaturizeEngine.parse(source.choice("featurizeEngine", "auto", "auto", "dl4j", "onnx")))
                .build();
    }

    /**
     * Refuses an {@code OMP_NUM_THREADS} that libnd4j would take anyway with wrong results, a crash or a hang
     * (measured: 0 gave accuracy 0.20 instead of 0.91 and a loss of -4e19, -3 a SIGSEGV, 99999 a SIGSEGV, 4096 a hang,
     * "abc", " 2" and the OpenMP list "1,2" a stack trace from ND4J's own parsing). Accepted: a whole number from 1 to
     * {@value #MAX_OPENMP_THREADS}, written without spaces or signs.
     *
     * @throws IllegalArgumentException naming the variable, the value and the fix
     */
    static void requireSaneOpenMpThreads(String value) {
        if (value == null) {
            return;
        }
        if (!value.matches("[1-9][0-9]{0,3}") || Integer.parseInt(value) > MAX_OPENMP_THREADS) {
            throw new IllegalArgumentException("OMP_NUM_THREADS (ND4J's native threads) must be a whole number from 1 to "
                    + MAX_OPENMP_THREADS + " without spaces, got '" + value + "'; unset it for one thread per core, or "
                    + "set e.g. OMP_NUM_THREADS=2");
        }
    }

    /** The most native threads Graft lets ND4J start (4096 hung, 99999 crashed libnd4j here). */
    static final int MAX_OPENMP_THREADS = 1024;

    /** Whether Graft gives the networks it runs DL4J's oneDNN layer helpers. */
    public boolean helpers() {
        return helpers;
    }

    /** Whether Graft's {@link JavaAdamUpdater} replaces DL4J's Adam step. */
    public boolean javaAdam() {
        return javaAdam;
    }

    /** Whether heads of dense layers train with Graft's lean step. */
    public boolean denseHeadTrainer() {
        return denseHeadTrainer;
    }

    /** Whether NCHW image models featurize through a channels-last inference copy (needs {@link #helpers()}). */
    public boolean channelsLast() {
        return channelsLast;
    }

    /** Whether the channels-last copy folds inference batch norm into convolutions. */
    public boolean foldBatchNorm() {
        return foldBatchNorm;
    }

    /** Whether the channels-last copy calls libnd4j's conv2d op directly. */
    public boolean directConvolution() {
        return directConvolution;
    }

    /** Native threads while training, or null to let Graft choose per network. */
    public Integer trainThreads() {
        return trainThreads;
    }

    /** BLAS threads while training, or null for the same as the native threads. */
    public Integer trainBlasThreads() {
        return trainBlasThreads;
    }

    /** Which engine runs a DL4J network's frozen part when featurizing (default {@link FeaturizeEngine#AUTO}). */
    public FeaturizeEngine featurizeEngine() {
        return featurizeEngine;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof EngineSettings)) {
            return false;
        }
        EngineSettings s = (EngineSettings) o;
        return helpers == s.helpers && javaAdam == s.javaAdam && denseHeadTrainer == s.denseHeadTrainer
                && channelsLast == s.channelsLast && foldBatchNorm == s.foldBatchNorm
                && directConvolution == s.directConvolution && Objects.equals(trainThreads, s.trainThreads)
                && Objects.equals(trainBlasThreads, s.trainBlasThreads) && featurizeEngine == s.featurizeEngine;
    }

    @Override
    public int hashCode() {
        return Objects.hash(helpers, javaAdam, denseHeadTrainer, channelsLast, foldBatchNorm, directConvolution,
                trainThreads, trainBlasThreads, featurizeEngine);
    }

    @Override
    public String toString() {
        return "helpers=" + onOff(helpers) + " javaAdam=" + onOff(javaAdam) + " denseHeadTrainer="
                + onOff(denseHeadTrainer) + " channelsLast=" + onOff(channelsLast) + " foldBatchNorm="
                + onOff(foldBatchNorm) + " directConvolution=" + onOff(directConvolution) + " trainThreads="
                + (trainThreads == null ? "auto" : trainThreads) + " trainBlasThreads="
                + (trainBlasThreads == null ? "auto" : trainBlasThreads) + " featurizeEngine="
                + featurizeEngine.settingValue();
    }

    private static String onOff(boolean b) {
        return b ? "on" : "off";
    }

    /** Builds {@link EngineSettings}; starts from the defaults or from given settings. */
    public static final class Builder {
        private boolean helpers = true;
        private boolean javaAdam = true;
        private boolean denseHeadTrainer = true;
        private boolean channelsLast = true;
        private boolean foldBatchNorm = true;
        private boolean directConvolution = true;
        private Integer trainThreads;
        private Integer trainBlasThreads;
        private FeaturizeEngine featurizeEngine = FeaturizeEngine.AUTO;

        private Builder() {
        }

        private Builder(EngineSettings s) {
            helpers = s.helpers;
            javaAdam = s.javaAdam;
            denseHeadTrainer = s.denseHeadTrainer;
            channelsLast = s.channelsLast;
            foldBatchNorm = s.foldBatchNorm;
            directConvolution = s.directConvolution;
            trainThreads = s.trainThreads;
            trainBlasThreads = s.trainBlasThreads;
            featurizeEngine = s.featurizeEngine;
        }

        /** See {@link EngineSettings#helpers()}. */
        public Builder helpers(boolean on) {
            helpers = on;
            return this;
        }

        /** See {@link EngineSettings#javaAdam()}. */
        public Builder javaAdam(boolean on) {
            javaAdam = on;
            return this;
        }

        /** See {@link EngineSettings#denseHeadTrainer()}. */
        public Builder denseHeadTrainer(boolean on) {
            denseHeadTrainer = on;
            return this;
        }

        /** See {@link EngineSettings#channelsLast()}. */
        public Builder channelsLast(boolean on) {
            channelsLast = on;
            return this;
        }

        /** See {@link EngineSettings#foldBatchNorm()}. */
        public Builder foldBatchNorm(boolean on) {
            foldBatchNorm = on;
            return this;
        }

        /** See {@link EngineSettings#directConvolution()}. */
        public Builder directConvolution(boolean on) {
            directConvolution = on;
            return this;
        }

        /**
         * Native threads while training; null lets Graft choose per network.
         *
         * @throws IllegalArgumentException if below 1
         */
        public Builder trainThreads(Integer n) {
            trainThreads = positive("trainThreads", n);
            return this;
        }

        /**
         * BLAS threads while training; null for the same as the native threads.
         *
         * @throws IllegalArgumentException if below 1
         */
        public Builder trainBlasThreads(Integer n) {
            trainBlasThreads = positive("trainBlasThreads", n);
            return this;
        }

        /**
         * Which engine featurizes DL4J networks (see {@link FeaturizeEngine}).
         *
         * @throws IllegalArgumentException if null
         */
        public Builder featurizeEngine(FeaturizeEngine engine) {
            if (engine == null) {
                throw new IllegalArgumentException("featurizeEngine is null; pass FeaturizeEngine.AUTO, DL4J or ONNX");
            }
            featurizeEngine = engine;
            return this;
        }

        /** Every switch off and featurizing on DL4J: DL4J's plain path, for comparisons. Thread counts are kept. */
        public Builder plain() {
            return helpers(false).javaAdam(false).denseHeadTrainer(false).channelsLast(false).foldBatchNorm(false)
                    .directConvolution(false).featurizeEngine(FeaturizeEngine.DL4J);
        }

        /** The settings. */
        public EngineSettings build() {
            return new EngineSettings(this);
        }

        private static Integer positive(String what, Integer n) {
            if (n != null && n < 1) {
                throw new IllegalArgumentException(what + " must be >= 1 (or null for Graft's choice), got " + n);
            }
            return n;
        }
    }
}
