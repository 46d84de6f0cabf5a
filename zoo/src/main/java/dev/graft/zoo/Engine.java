package dev.graft.zoo;

import java.lang.reflect.Method;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns on DL4J's native layer helpers, which DL4J 1.0.0-M2.1 ships switched off.
 *
 * <p>DL4J's convolution, pooling, batch-norm and LRN layers can hand their work to libnd4j's native ops ("oneDNN
 * helpers"). With Graft's default ND4J build ({@code nd4j-native} classifier {@code linux-x86_64-onednn}) those ops
 * run on oneDNN. In 1.0.0-M2.1 two things keep the helpers off:
 * <ol>
 *   <li>helper creation is disabled unless the system property {@value #HELPERS_DISABLE} is {@code false}
 *       (its default is {@code true});</li>
 *   <li>the helpers' availability check reflects on {@code org.nd4j.nativeblas.Nd4jCpu$Environment#isUseMKLDNN},
 *       a class and method that were renamed in ND4J ({@code ...cpu.nativecpu.bindings.Nd4jCpu$Environment
 *       #isUseONEDNN}); the check throws, and the helpers disable themselves. Graft ships that old name as a small
 *       bridge class ({@code org.nd4j.nativeblas.Nd4jCpu}) that asks the renamed one.</li>
 * </ol>
 * {@link #configure()} sets the property (unless the user set it) and is called by Graft's entry points before
 * they build or load networks. A network built before that has no helpers; {@link #attachHelpers(Model)} gives its
 * layers theirs. Measured effect (BENCHMARKS.md): ResNet50 featurizing 5.4 to 25 img/s, VGG16 0.5 to 4 img/s on
 * 2 cores.
 *
 * <p>To run without helpers (for comparison, or if a helper misbehaves) start the JVM with
 * {@code -Dorg.eclipse.deeplearning4j.helpers.disable=true}, or set {@code GRAFT_HELPERS=off}.
 */
public final class Engine {
    /** DL4J's switch for layer helpers; DL4J's default is {@code true} (disabled). */
    public static final String HELPERS_DISABLE = "org.eclipse.deeplearning4j.helpers.disable";

    /** Graft's switch for {@link JavaAdamUpdater}; {@code false} keeps DL4J's native Adam op. */
    public static final String JAVA_ADAM = "graft.javaAdam";

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static final String RENAMED_ENVIRONMENT = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";
    private static volatile boolean configured;

    private Engine() {
    }

    /**
     * Enables DL4J's native layer helpers for networks built from now on, unless the user decided otherwise
     * (system property {@value #HELPERS_DISABLE} already set, or environment variable {@code GRAFT_HELPERS=off}).
     * Idempotent and cheap; safe to call from anywhere.
     */
    public static void configure() {
        if (configured) {
            return;
        }
        synchronized (Engine.class) {
            if (configured) {
                return;
            }
            if (System.getProperty(HELPERS_DISABLE) == null) {
                boolean off = "off".equalsIgnoreCase(System.getenv("GRAFT_HELPERS"))
                        || "false".equalsIgnoreCase(System.getenv("GRAFT_HELPERS"));
                System.setProperty(HELPERS_DISABLE, Boolean.toString(off));
            }
            configured = true;
        }
    }

    /** Whether helpers may be created in this JVM (after {@link #configure()} and the user's settings). */
    public static boolean helpersRequested() {
        configure();
        return !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLE, "true"));
    }

    /**
     * Whether DL4J's oneDNN layer helpers can run here: helpers requested, a CPU backend, and libnd4j reporting
     * oneDNN use ({@code Environment.isUseONEDNN()}). Checked through DL4J's own test, so it also proves the bridge
     * class works.
     */
    public static boolean helpersAvailable() {
        return helpersRequested() && BaseMKLDNNHelper.mklDnnEnabled();
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
     * Gives every layer of {@code network} that supports a helper and has none (because the network was built
     * before {@link #configure()}) its helper now, and makes every oneDNN helper of the network one that is fed
     * dense row-major activations ({@link DenseInputHelpers}: DL4J's helpers return garbage for strided views, such
     * as the output of a cropping or a separable convolution). Does nothing when helpers are off. Graft calls it on
     * every network it builds, loads or imports, and before it featurizes or trains one; call it on a network you
     * built yourself after {@link #configure()} before running it with helpers on.
     *
     * @return how many layers got a helper that had none
     */
    public static int attachHelpers(Model network) {
        if (!helpersAvailable()) {
            return 0;
        }
        int attached = 0;
        for (Layer layer : layersOf(network)) {
            Layer inner = unwrap(layer);
            if (inner.getHelper() != null) {
                DenseInputHelpers.guard(inner);
                continue;
            }
            Method init = findInitializeHelper(inner.getClass());
            if (init == null) {
                continue;
            }
            try {
                init.invoke(inner);
                if (inner.getHelper() != null) {
                    DenseInputHelpers.guard(inner);
                    attached++;
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.debug("no helper for layer {}: {}", inner.getClass().getSimpleName(), e.toString());
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
            Layer inner = unwrap(layer);
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
     * 2, a 4096-256-10 head equal at 1 and 2); otherwise the current count. {@code GRAFT_TRAIN_THREADS} overrides.
     */
    public static int trainingThreads(Model network) {
        String forced = System.getenv("GRAFT_TRAIN_THREADS");
        if (forced != null && forced.matches("\\d+") && Integer.parseInt(forced) > 0) {
            return Integer.parseInt(forced);
        }
        for (Layer layer : layersOf(network)) {
            if (unwrap(layer) instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer
                    || unwrap(layer) instanceof org.deeplearning4j.nn.layers.recurrent.BaseRecurrentLayer) {
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
        int before = threads();
        if (before == n) {
            return task.run();
        }
        setThreads(n);
        try {
            return task.run();
        } finally {
            setThreads(before);
        }
    }

    /**
     * Runs a training task on {@code network}: with {@link #trainingThreads(Model)} threads (BLAS: the same, or
     * {@link #trainingBlasThreads()} when set) and, unless switched off, Graft's {@link JavaAdamUpdater} in place
     * of DL4J's Adam ({@link #attachFastUpdaters(Model)}).
     */
    public static <T, E extends Exception> T training(Model network, Task<T, E> task) throws E {
        Integer blas = trainingBlasThreads();
        return withThreads(trainingThreads(network), () -> {
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

    /** System property for {@link #trainingBlasThreads()} (environment variable: {@code GRAFT_TRAIN_BLAS_THREADS}). */
    public static final String TRAIN_BLAS_THREADS = "graft.trainBlasThreads";

    /**
     * BLAS threads for training, when set apart from the native threads: the system property
     * {@value #TRAIN_BLAS_THREADS} or {@code GRAFT_TRAIN_BLAS_THREADS}; null (the default) when neither is set.
     * On an idle 2-core machine a dense head trained 1.12-1.36x faster with 2 BLAS threads (its two large products
     * split) and one native thread; with another process on one core, 0.69-0.75x (OpenBLAS splits each product in
     * fixed halves, and waits for the slower one). So not the default; BENCHMARKS.md has the numbers.
     *
     * @throws IllegalArgumentException if the value is not a whole number from 1 to 1024
     */
    public static Integer trainingBlasThreads() {
        String v = System.getProperty(TRAIN_BLAS_THREADS, System.getenv("GRAFT_TRAIN_BLAS_THREADS"));
        if (v == null || v.isBlank()) {
            return null;
        }
        int n = v.trim().matches("\\d{1,4}") ? Integer.parseInt(v.trim()) : 0;
        if (n < 1 || n > 1024) {
            throw new IllegalArgumentException("BLAS threads for training (" + TRAIN_BLAS_THREADS
                    + " / GRAFT_TRAIN_BLAS_THREADS) must be a whole number from 1 to 1024, got '" + v + "'");
        }
        return n;
    }

    /**
     * Replaces DL4J's Adam step in {@code network}'s updater with {@link JavaAdamUpdater} (same configuration, same
     * state arrays, same results, several times faster; see its Javadoc), creating the updater if the network has
     * none yet. Other updaters are left alone. Off when the system property {@value #JAVA_ADAM} is {@code false} or
     * the environment variable {@code GRAFT_JAVA_ADAM} is {@code off}. DL4J builds a new updater when a network's
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

    /** Whether {@link #attachFastUpdaters} replaces DL4J's Adam (see there for the switches). */
    public static boolean javaAdamRequested() {
        return switchedOn(JAVA_ADAM, "GRAFT_JAVA_ADAM");
    }

    /**
     * Graft's one reading of its on-by-default switches: off when the system property {@code property} is
     * {@code false} or the environment variable {@code env} (may be null: property only) is {@code off}.
     */
    public static boolean switchedOn(String property, String env) {
        return !"false".equalsIgnoreCase(System.getProperty(property, "true"))
                && (env == null || !"off".equalsIgnoreCase(System.getenv(env)));
    }

    /** One line: backend, native build, helpers, threads; for benchmark headers and logs. */
    public static String describe() {
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        return String.format("ND4J %s backend, libnd4j %s oneDNN, DL4J layer helpers %s, OpenMP threads %s, BLAS %s",
                String.valueOf(env.getOrDefault("backend", "?")), nativeHasOneDnn() ? "with" : "without",
                helpersAvailable() ? "on" : helpersRequested() ? "requested but unavailable" : "off",
                String.valueOf(env.getOrDefault("omp.threads", "?")), String.valueOf(env.getOrDefault("blas.vendor", "?")));
    }

    private static Layer unwrap(Layer layer) {
        Layer l = layer;
        while (true) {
            if (l instanceof FrozenLayer) {
                l = ((FrozenLayer) l).getInsideLayer();
            } else if (l instanceof FrozenLayerWithBackprop) {
                l = ((FrozenLayerWithBackprop) l).getInsideLayer();
            } else {
                return l;
            }
        }
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

    private static Method findInitializeHelper(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                Method m = c.getDeclaredMethod("initializeHelper");
                m.setAccessible(true);
                return m;
            } catch (NoSuchMethodException e) {
                // try the superclass
            }
        }
        return null;
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
