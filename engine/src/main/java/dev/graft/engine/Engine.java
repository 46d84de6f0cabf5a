package dev.graft.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Runs DL4J fast and correctly on CPU, as the {@link EngineSettings} in force say: native layer helpers, thread
 * counts, Graft's Adam step.
 *
 * <p>DL4J's convolution, pooling and batch-norm layers can hand their work to libnd4j's oneDNN ops ("layer
 * helpers"). DL4J 1.0.0-M2.1 ships them off (its property {@value EngineSettings#DL4J_HELPERS_DISABLE} defaults to
 * {@code true}), and its availability check looks up a class ND4J renamed, so they stay off even when asked for;
 * the {@code graft-nd4j-bridge} artifact answers the old name. Graft does <b>not</b> flip DL4J's process-wide
 * switch: {@link #attachHelpers(Model)} gives the layers of the networks Graft runs their helpers directly (fed
 * dense inputs, {@link DenseInputHelpers}), so a user's own networks run as DL4J would run them. Measured effect
 * (BENCHMARKS.md): ResNet50 featurizing 5.4 to 25 img/s, VGG16 0.5 to 4 img/s on 2 cores.
 *
 * <p>Settings in force: those of the innermost {@link #use(EngineSettings)} scope on this thread, else the ones
 * {@link #apply(EngineSettings) applied} to the process, else {@link EngineSettings#fromEnvironment()} read once.
 */
public final class Engine {
    private static final String RENAMED_ENVIRONMENT = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";
    private static volatile EngineSettings processSettings;
    private static final InheritableThreadLocal<EngineSettings> SCOPED = new InheritableThreadLocal<>();

    private Engine() {
    }

    /**
     * Makes {@code settings} the process's settings, for work not inside a {@link #use} scope. Command-line entry
     * points call it once with {@link EngineSettings#fromEnvironment()}.
     */
    public static void apply(EngineSettings settings) {
        processSettings = java.util.Objects.requireNonNull(settings, "settings");
    }

    /** The settings in force on this thread (see the class comment). */
    public static EngineSettings settings() {
        EngineSettings s = SCOPED.get();
        if (s != null) {
            return s;
        }
        s = processSettings;
        if (s == null) {
            synchronized (Engine.class) {
                if (processSettings == null) {
                    processSettings = EngineSettings.fromEnvironment();
                }
                s = processSettings;
            }
        }
        return s;
    }

    /**
     * Runs what follows with {@code settings} on this thread (and threads it starts) until the scope is closed;
     * scopes nest. Null keeps the settings in force (a scope that changes nothing).
     *
     * <pre>{@code try (Engine.Scope s = Engine.use(EngineSettings.builder().helpers(false).build())) { ... }}</pre>
     */
    public static Scope use(EngineSettings settings) {
        EngineSettings before = SCOPED.get();
        if (settings != null) {
            SCOPED.set(settings);
        }
        return () -> {
            if (before == null) {
                SCOPED.remove();
            } else {
                SCOPED.set(before);
            }
        };
    }

    /** A scope opened by {@link #use} or {@link #threadScope}; closing it restores what was there before. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Whether the settings in force ask for layer helpers. */
    public static boolean helpersRequested() {
        return settings().helpers();
    }

    /**
     * Whether DL4J's oneDNN layer helpers can run here: helpers requested, a CPU backend, and libnd4j reporting
     * oneDNN use ({@code Environment.isUseONEDNN()}). Checked through DL4J's own test, so it also proves the bridge
     * class works.
     */
    public static boolean helpersAvailable() {
        return helpersRequested() && oneDnnUsable();
    }

    private static boolean oneDnnUsable() {
        return BaseMKLDNNHelper.mklDnnEnabled();
    }

    /** Whether the loaded libnd4j was built with oneDNN ({@code HAVE_ONEDNN} in its build information). */
    public static boolean nativeHasOneDnn() {
        return buildInformation().contains("HAVE_ONEDNN");
    }

    /** libnd4j's build information (compiler flags, {@code HAVE_ONEDNN}, ...), or "" when not available. */
    public static String buildInformation() {
        try {
            Nd4j.getExecutioner();
            String s = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
            return s == null ? "" : s;
        } catch (RuntimeException | LinkageError e) {
            return "";
        }
    }

    /**
     * Makes the layers of {@code network} run as the settings in force say. Helpers on: every convolution, pooling
     * and batch-norm layer DL4J has a oneDNN helper for gets one (created here, without DL4J's process-wide switch),
     * and every oneDNN helper is one fed dense row-major activations ({@link DenseInputHelpers}: DL4J's helpers
     * return garbage for strided views, such as the output of a cropping or a separable convolution). Helpers off:
     * every helper is removed, so the network runs DL4J's plain Java/native path. Graft calls it on every network it
     * builds, loads, imports, featurizes with or trains; call it on a network of your own before running it the
     * way Graft does.
     *
     * @return how many layers got a helper that had none (0 when helpers are off)
     */
    public static int attachHelpers(Model network) {
        boolean on = helpersAvailable();
        int attached = 0;
        for (Layer layer : layersOf(network)) {
            Layer inner = Frozen.unwrap(layer);
            if (!on) {
                DenseInputHelpers.remove(inner);
                continue;
            }
            if (inner.getHelper() != null) {
                DenseInputHelpers.guard(inner);
            } else if (DenseInputHelpers.create(inner)) {
                attached++;
            }
        }
        return attached;
    }

    /**
     * Helper class name per layer, for reports and tests: which layers run on native helpers. DL4J's helper class
     * name, followed by {@code " (dense input)"} where Graft's {@link DenseInputHelpers} wraps it; {@code "-"} for
     * none.
     */
    public static Map<String, String> helpersOf(Model network) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        for (Layer layer : layersOf(network)) {
            Layer inner = Frozen.unwrap(layer);
            LayerHelper h = inner.getHelper();
            String name = inner.conf() != null && inner.conf().getLayer() != null
                    && inner.conf().getLayer().getLayerName() != null ? inner.conf().getLayer().getLayerName()
                    : "layer" + i;
            out.put(name, h == null ? "-" : DenseInputHelpers.isGuarded(h)
                    ? h.getClass().getSuperclass().getSimpleName() + " (dense input)" : h.getClass().getSimpleName());
            i++;
        }
        return out;
    }

    /** OpenMP threads ND4J's native ops use now. */
    public static int threads() {
        Nd4j.getExecutioner();
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }

    /** {@link #threads()} before Graft first changed it; 0 until read. */
    private static volatile int startThreads;

    /**
     * The native thread count the process started with ({@code OMP_NUM_THREADS}; the {@code graft} launcher sets
     * the core count): the cores the user gave Graft. Training lowers the native count for small networks
     * ({@link #trainingThreads}); Graft's own Java loops ({@link JavaAdamUpdater}) still split over this many.
     */
    public static int startThreads() {
        int n = startThreads;
        if (n == 0) {
            synchronized (Engine.class) {
                if (startThreads == 0) {
                    startThreads = threads();
                }
                n = startThreads;
            }
        }
        return n;
    }

    /**
     * Sets the threads of ND4J's native ops (OpenMP, which oneDNN also uses) and of its BLAS, for the whole
     * process. The starting value comes from {@code OMP_NUM_THREADS}; {@code OMP_WAIT_POLICY} can only be set in
     * the environment (the {@code graft} launcher sets {@code PASSIVE}).
     */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + n);
        }
        startThreads(); // remember the starting count before the first change
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(n);
        setBlasThreads(n);
    }

    private static void setBlasThreads(int n) {
        Nd4j.factory().blas().setMaxThreads(n);
    }

    /** Threads ND4J's BLAS uses now. */
    public static int blasThreads() {
        return Nd4j.factory().blas().getMaxThreads();
    }

    /**
     * Threads worth training {@code network} with: its steps are small and synchronisation-bound when it has no
     * convolution or recurrent layer, so 1 (measured on 2 cores: the demo's MLPs 26 s at 1 thread against 38 s at
     * 2, a 4096-256-10 head equal at 1 and 2); otherwise the current count. {@link EngineSettings#trainThreads()} overrides.
     */
    public static int trainingThreads(Model network) {
        Integer forced = settings().trainThreads();
        if (forced != null) {
            return forced;
        }
        for (Layer layer : layersOf(network)) {
            if (Frozen.unwrap(layer) instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer
                    || Frozen.unwrap(layer) instanceof org.deeplearning4j.nn.layers.recurrent.BaseRecurrentLayer) {
                return threads();
            }
        }
        return 1;
    }

    /** Work that may throw. */
    @FunctionalInterface
    public interface Task<T, E extends Exception> {
        /** Does the work. */
        T run() throws E;
    }

    /**
     * Runs {@code task} with {@code n} native threads and restores the previous count afterwards. The setting is
     * process-wide: do not run other ND4J work concurrently that needs a different count.
     */
    public static <T, E extends Exception> T withThreads(int n, Task<T, E> task) throws E {
        try (Scope t = threadScope(n)) {
            return task.run();
        }
    }

    /**
     * Sets {@code n} native threads until the scope is closed, then restores the previous count. Process-wide, like
     * {@link #setThreads}: do not run other ND4J work concurrently that needs a different count.
     *
     * <pre>{@code try (Engine.Scope t = Engine.threadScope(1)) { net.fit(batch); }}</pre>
     */
    public static Scope threadScope(int n) {
        int before = threads();
        if (before == n) {
            return () -> { };
        }
        setThreads(n);
        return () -> setThreads(before);
    }

    /**
     * Runs a training task on {@code network}: with {@link #trainingThreads(Model)} threads (BLAS: the same, or
     * {@link #trainingBlasThreads()} when set) and, unless switched off, Graft's {@link JavaAdamUpdater} in place
     * of DL4J's Adam ({@link #attachFastUpdaters(Model)}), its layers as {@link #attachHelpers(Model)} makes
     * them.
     */
    public static <T, E extends Exception> T training(Model network, Task<T, E> task) throws E {
        Integer blas = trainingBlasThreads();
        return withThreads(trainingThreads(network), () -> {
            attachHelpers(network);
            attachFastUpdaters(network);
            if (blas == null || blas == threads()) {
                return task.run();
            }
            setBlasThreads(blas);
            try {
                return task.run();
            } finally {
                setBlasThreads(threads());
            }
        });
    }

    /**
     * BLAS threads for training when set apart from the native threads ({@link EngineSettings#trainBlasThreads()}),
     * null (the default) otherwise. On an idle 2-core machine a dense head trained 1.12-1.36x faster with 2 BLAS
     * threads (its two large products split) and one native thread; with another process on one core, 0.69-0.75x
     * (OpenBLAS splits each product in fixed halves, and waits for the slower one). So not the default;
     * BENCHMARKS.md has the numbers.
     */
    public static Integer trainingBlasThreads() {
        return settings().trainBlasThreads();
    }

    /**
     * Replaces DL4J's Adam step in {@code network}'s updater with {@link JavaAdamUpdater} (same configuration, same
     * state arrays, same results, several times faster; see its Javadoc), creating the updater if the network has
     * none yet. Other updaters are left alone. Off when {@link EngineSettings#javaAdam()} is off. DL4J builds a new updater when a network's
     * layers change (freezing, {@code setLearningRate}); call this again after that.
     *
     * @return how many updater blocks now run Graft's Adam
     */
    public static int attachFastUpdaters(Model network) {
        if (!javaAdamRequested()) {
            return 0;
        }
        BaseMultiLayerUpdater<?> updater;
        if (network instanceof MultiLayerNetwork) {
            updater = (BaseMultiLayerUpdater<?>) ((MultiLayerNetwork) network).getUpdater(true);
        } else if (network instanceof ComputationGraph) {
            updater = ((ComputationGraph) network).getUpdater(true);
        } else {
            return 0;
        }
        if (updater == null) {
            return 0;
        }
        int n = 0;
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            block.init();
            GradientUpdater<?> u = block.getGradientUpdater();
            if (u instanceof JavaAdamUpdater) {
                n++;
            } else if (u != null && u.getClass() == AdamUpdater.class) {
                block.setGradientUpdater(JavaAdamUpdater.replacing((AdamUpdater) u));
                n++;
            }
        }
        return n;
    }

    /** Whether {@link #attachFastUpdaters} replaces DL4J's Adam ({@link EngineSettings#javaAdam()}). */
    public static boolean javaAdamRequested() {
        return settings().javaAdam();
    }

    /** One line: backend, native build, helpers, threads; for benchmark headers and logs. */
    public static String describe() {
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        return String.format("ND4J %s backend, libnd4j %s oneDNN, DL4J layer helpers %s, OpenMP threads %s, BLAS %s",
                String.valueOf(env.getOrDefault("backend", "?")), nativeHasOneDnn() ? "with" : "without",
                helpersAvailable() ? "on" : helpersRequested() ? "requested but unavailable" : "off",
                String.valueOf(env.getOrDefault("omp.threads", "?")), String.valueOf(env.getOrDefault("blas.vendor", "?")));
    }

    private static List<Layer> layersOf(Model network) {
        List<Layer> out = new ArrayList<>();
        if (network instanceof MultiLayerNetwork) {
            for (Layer l : ((MultiLayerNetwork) network).getLayers()) {
                out.add(l);
            }
        } else if (network instanceof ComputationGraph) {
            for (GraphVertex v : ((ComputationGraph) network).getVertices()) {
                if (v.hasLayer()) {
                    out.add(v.getLayer());
                }
            }
        }
        return out;
    }

    /** True once the bridge class answers DL4J's reflective check (used by tests). */
    static boolean bridgeWorks() {
        try {
            Class<?> renamed = Class.forName(RENAMED_ENVIRONMENT);
            Class<?> bridge = Class.forName("org.nd4j.nativeblas.Nd4jCpu$Environment");
            Object b = bridge.getMethod("getInstance").invoke(null);
            Object r = renamed.getMethod("getInstance").invoke(null);
            return bridge.getMethod("isUseMKLDNN").invoke(b).equals(renamed.getMethod("isUseONEDNN").invoke(r));
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
