package dev.graft.zoo.keras;

import dev.graft.zoo.layers.GeluExact;
import dev.graft.zoo.layers.HardSilu;
import dev.graft.zoo.layers.KerasHardSigmoid;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationHardTanH;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationMish;

/**
 * Keras 3 activation names, mapped onto what DL4J computes with the same formula.
 *
 * <p>Three outcomes per name:
 * <ul>
 *   <li>DL4J's importer knows the name and computes Keras 3's formula: passed through ({@code relu}, {@code relu6},
 *       {@code tanh}, {@code sigmoid}, {@code softmax}, {@code softplus}, {@code softsign}, {@code elu},
 *       {@code selu}, {@code linear}, {@code swish}); Keras 3's {@code silu} is renamed {@code swish}, the same
 *       function {@code x * sigmoid(x)};</li>
 *   <li>DL4J's importer does not know it, or knows a different formula under the same name: the config DL4J reads
 *       says {@code linear}, and Graft sets the right function on the built layer ({@link #override}). This is how
 *       {@code hard_sigmoid} is imported: Keras 3 defines it as {@code relu6(x + 3) / 6}, DL4J (after Keras 2) as
 *       {@code 0.2 x + 0.5} (keras/src/activations/activations.py);</li>
 *   <li>no DL4J or Graft function: the layer is refused by the preflight.</li>
 * </ul>
 */
final class KerasActivations {
    /** Names DL4J 1.0.0-M2.1's importer maps to the function Keras 3 computes. */
    private static final Set<String> SAME = Set.of("linear", "relu", "relu6", "tanh", "sigmoid", "softmax", "softplus",
            "softsign", "elu", "selu", "swish");

    /** Keras 3 names computed by a function DL4J's importer cannot name; set on the layer after it is built. */
    private static final Map<String, Supplier<IActivation>> OVERRIDES = Map.of(
            "hard_sigmoid", KerasHardSigmoid::new,
            "hard_silu", HardSilu::new,
            "hard_swish", HardSilu::new,
            "gelu", GeluExact::new,
            "leaky_relu", () -> new ActivationLReLU(0.2), // keras.activations.leaky_relu: negative_slope=0.2
            "mish", ActivationMish::new,
            "hard_tanh", ActivationHardTanH::new);

    /** What DL4J's config gets, and what Graft sets afterwards (null: nothing). */
    record Mapped(String dl4jName, Supplier<IActivation> override) {
    }

    private KerasActivations() {
    }

    /** Whether a Keras 3 activation value (a name, or a serialized function) can be imported. */
    static boolean supported(String name) {
        return SAME.contains(name) || name.equals("silu") || OVERRIDES.containsKey(name);
    }

    /**
     * The mapping of a supported name.
     *
     * @throws IllegalArgumentException for a name {@link #supported} rejects
     */
    static Mapped map(String name) {
        if (SAME.contains(name)) {
            return new Mapped(name, null);
        }
        if (name.equals("silu")) {
            return new Mapped("swish", null);
        }
        Supplier<IActivation> o = OVERRIDES.get(name);
        if (o == null) {
            throw new IllegalArgumentException("activation '" + name + "' cannot be imported");
        }
        return new Mapped("linear", o);
    }

    /** The names that can be imported, for error messages. */
    static String supportedNames() {
        java.util.TreeSet<String> all = new java.util.TreeSet<>(SAME);
        all.add("silu");
        all.addAll(OVERRIDES.keySet());
        return String.join(", ", all);
    }
}
