package org.nd4j.nativeblas;

import java.lang.reflect.Method;

/**
 * Bridge for DL4J 1.0.0-M2.1's oneDNN helper check; not a Graft API.
 *
 * <p>{@code org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper#mklDnnEnabled()} looks up
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment.getInstance().isUseMKLDNN()} by reflection. ND4J renamed that class
 * to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and the method to {@code isUseONEDNN()}, so
 * the lookup fails and DL4J silently disables every oneDNN layer helper. This class answers the old name by asking
 * the new one. Only {@code BaseMKLDNNHelper} refers to the old name (checked over all DL4J/ND4J 1.0.0-M2.1 jars).
 * See {@link dev.graft.engine.Engine}.
 *
 * @apiNote Internal: a shim in ND4J's own package for DL4J's helper lookup; public because ND4J looks it up by name.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** The old name of libnd4j's environment, as DL4J's helper check expects it. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();
        private static final String RENAMED = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";

        private Environment() {
        }

        /** The single instance (DL4J calls this reflectively). */
        public static Environment getInstance() {
            return INSTANCE;
        }

        /**
         * Whether libnd4j uses oneDNN, asked of the renamed class; false when the native CPU backend is absent.
         */
        public boolean isUseMKLDNN() {
            try {
                Class<?> c = Class.forName(RENAMED);
                Object env = c.getMethod("getInstance").invoke(null);
                Method m = c.getMethod("isUseONEDNN");
                return (Boolean) m.invoke(env);
            } catch (ReflectiveOperationException | LinkageError e) {
                return false;
            }
        }
    }
}
