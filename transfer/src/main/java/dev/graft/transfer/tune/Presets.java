package dev.graft.transfer.tune;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.InverseSchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The registry of named {@link Preset}s: the toolbox of Hands-On ML chapter 11 as choices a user picks by name
 * ({@code --preset practical}, {@code --preset adam,dropout,max-norm}).
 */
public final class Presets {
    private static final Map<String, Preset> ALL = new LinkedHashMap<>();

    static {
        // Initializers (for added layers).
        add(Preset.builder("he").description("He initialization, for ReLU-family activations").weightInit(WeightInit.RELU));
        add(Preset.builder("xavier").description("Xavier/Glorot initialization, for tanh/sigmoid/softmax").weightInit(WeightInit.XAVIER));
        add(Preset.builder("lecun").description("LeCun normal initialization, for SELU").weightInit(WeightInit.LECUN_NORMAL));
        // Activations (for added hidden layers).
        add(Preset.builder("relu").description("ReLU hidden activations with He init").activation(Activation.RELU).weightInit(WeightInit.RELU));
        add(Preset.builder("leaky-relu").description("leaky ReLU (slope 0.01) hidden activations with He init")
                .activation(Activation.LEAKYRELU).weightInit(WeightInit.RELU));
        add(Preset.builder("elu").description("ELU hidden activations with He init").activation(Activation.ELU).weightInit(WeightInit.RELU));
        add(Preset.builder("selu").description("SELU hidden activations with LeCun init (self-normalizing)")
                .activation(Activation.SELU).weightInit(WeightInit.LECUN_NORMAL));
        add(Preset.builder("prelu").description("parametric ReLU: a learned leak slope per unit (PReLU layer), He init")
                .activation(Activation.IDENTITY).prelu(true).weightInit(WeightInit.RELU));
        add(Preset.builder("rrelu").description("randomized leaky ReLU hidden activations with He init")
                .activation(Activation.RRELU).weightInit(WeightInit.RELU));
        add(Preset.builder("batchnorm").description("batch normalization after each added hidden layer").batchNorm(true));
        // Gradient clipping.
        add(Preset.builder("clip-value").description("clip each gradient element to [-1, 1]")
                .clipping(GradientNormalization.ClipElementWiseAbsoluteValue, 1.0));
        add(Preset.builder("clip-norm").description("rescale each layer's gradient to L2 norm at most 1")
                .clipping(GradientNormalization.ClipL2PerLayer, 1.0));
        // Optimizers.
        add(Preset.builder("sgd").description("plain SGD, learning rate 0.01").updater(new Sgd(0.01)));
        add(Preset.builder("momentum").description("SGD with momentum 0.9, learning rate 0.01 (DL4J's momentum updater is Nesterov's)")
                .updater(new Nesterovs(0.01, 0.9)));
        add(Preset.builder("nesterov").description("Nesterov accelerated gradient, momentum 0.9, learning rate 0.01")
                .updater(new Nesterovs(0.01, 0.9)));
        add(Preset.builder("adagrad").description("AdaGrad, learning rate 0.05").updater(new AdaGrad(0.05)));
        add(Preset.builder("rmsprop").description("RMSProp, decay 0.9, learning rate 0.001").updater(new RmsProp(0.001, 0.9, 1e-8)));
        add(Preset.builder("adam").description("Adam, learning rate 0.001").updater(new Adam(0.001)));
        // Learning-rate schedules (with Adam unless another optimizer comes first).
        add(Preset.builder("piecewise").description("Adam; learning rate 1e-3, 1e-4 from epoch 10, 1e-5 from epoch 20")
                .updater(new Adam(1e-3)).schedule(new MapSchedule(ScheduleType.EPOCH, Map.of(0, 1e-3, 10, 1e-4, 20, 1e-5))));
        add(Preset.builder("exponential").description("Adam; learning rate 1e-3 x 0.9^epoch")
                .updater(new Adam(1e-3)).schedule(new ExponentialSchedule(ScheduleType.EPOCH, 1e-3, 0.9)));
        add(Preset.builder("power").description("Adam; learning rate 1e-3 / (1 + epoch/5)")
                .updater(new Adam(1e-3)).schedule(new InverseSchedule(ScheduleType.EPOCH, 1e-3, 0.2, 1.0)));
        add(Preset.builder("plateau").description("performance scheduling: halve the learning rate after 2 epochs without improvement")
                .plateau(0.5, 2));
        // Regularization.
        add(Preset.builder("l1").description("L1 1e-4 on weights").l1(1e-4));
        add(Preset.builder("l2").description("L2 1e-4 on weights").l2(1e-4));
        add(Preset.builder("dropout").description("dropout 0.3 on each trainable layer's input").dropout(0.3));
        add(Preset.builder("max-norm").description("max-norm 3 on each unit's incoming weights").maxNorm(3.0));
        add(Preset.builder("augment").description("4 augmented views per example in the cache (shift 1 pixel, noise 0.05)")
                .augmentation("shift:1,noise:0.05", 4));
        // The chapter's "practical guidelines".
        add(Preset.builder("practical").description("He init, ELU, batch norm, Adam 1e-3, L2 1e-4, halve LR on plateau, early stopping")
                .weightInit(WeightInit.RELU).activation(Activation.ELU).batchNorm(true).updater(new Adam(1e-3)).l2(1e-4)
                .plateau(0.5, 2).patience(5));
    }

    private Presets() {
    }

    private static void add(Preset.Builder b) {
        Preset p = b.build();
        ALL.put(p.name(), p);
    }

    /** Names of every preset, in registry order. */
    public static List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(ALL.keySet()));
    }

    /** All presets by name. */
    public static Map<String, Preset> all() {
        return Collections.unmodifiableMap(ALL);
    }

    /**
     * The preset with this name, or several composed left to right ({@code "practical,clip-norm"}).
     *
     * @throws IllegalArgumentException naming the unknown preset and listing the known ones
     */
    public static Preset get(String names) {
        if (names == null || names.isBlank()) {
            throw new IllegalArgumentException("empty preset name; presets are: " + String.join(", ", ALL.keySet()));
        }
        Preset out = null;
        for (String part : names.split(",")) {
            Preset p = ALL.get(part.trim());
            if (p == null) {
                throw new IllegalArgumentException("unknown preset '" + part.trim() + "'; presets are: " + String.join(", ", ALL.keySet()));
            }
            out = out == null ? p : out.then(p);
        }
        return out;
    }
}
