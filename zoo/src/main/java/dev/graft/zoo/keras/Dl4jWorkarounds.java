package dev.graft.zoo.keras;

import org.deeplearning4j.nn.conf.dropout.Dropout;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import dev.graft.zoo.layers.InputSafeActivationLayer;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import dev.graft.zoo.layers.SavableLastTimeStep;
import org.deeplearning4j.nn.conf.layers.Subsampling1DLayer;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;
import org.deeplearning4j.nn.modelimport.keras.KerasModel;

/**
 * Changes that keep DL4J 1.0.0-M2.1's Keras importer from failing, or from building another model than the file
 * holds: on the config before DL4J reads it, and on the layers DL4J built ({@link #afterBuild}), for Keras 2 and
 * Keras 3 files alike.
 *
 * <p>Orthogonal initializers: DL4J initializes every parameter before the imported weights overwrite them, and
 * its {@code OrthogonalDistribution} did not finish in minutes for a 50x200 LSTM recurrent kernel (Keras 2's
 * default {@code recurrent_initializer}), measured here. The initializer is never used for imported weights, so
 * Graft replaces it with Glorot uniform; it would only matter if the layer were re-initialized.
 */
final class Dl4jWorkarounds {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Dl4jWorkarounds() {
    }

    /**
     * Corrects the layers DL4J's importer built, before the network is assembled from them:
     * <ul>
     *   <li>{@code AveragePooling1D} came out as max pooling ({@code Subsampling1DLayer.Builder(PoolingType)} drops
     *       its argument);</li>
     *   <li>a concatenation along Keras' axis {@code -1} keeps {@code -1} as its merge axis: the forward pass works,
     *       the backward pass indexes shapes with it and fails (NASNet fine-tuning); set to the last axis;</li>
     *   <li>DL4J's activation layer applies its function in place on an input it does not own, the caller's array
     *       when it comes first (a model starting with Rescaling rescaled the user's batch): replaced by
     *       {@link InputSafeActivationLayer};</li>
     *   <li>every layer came with an input {@code Dropout(1.0)} (retain everything: the importer's default), a no-op
     *       that breaks training on DL4J's plain path: its NHWC convolution backprops the dropout mask on the NCHW
     *       gradient (shapes differ: "Op [multiply] execution failed"; equal when C == H == W: a silently wrong
     *       gradient). Removed; a Keras {@code Dropout(rate)} before a layer keeps its real dropout.</li>
     * </ul>
     */
    static void afterBuild(KerasModel km) {
        for (KerasLayer l : km.getLayers().values()) {
            if (l.getLayer() instanceof org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional) {
                // each direction of Bidirectional(LSTM) without return_sequences is a LastTimeStep, which cannot
                // give its parameters' updater: the network could not be saved (SavableLastTimeStep)
                org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional b =
                        (org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional) l.getLayer();
                if (b.getFwd() instanceof LastTimeStep && !(b.getFwd() instanceof SavableLastTimeStep)) {
                    b.setFwd(savable((LastTimeStep) b.getFwd()));
                }
                if (b.getBwd() instanceof LastTimeStep && !(b.getBwd() instanceof SavableLastTimeStep)) {
                    b.setBwd(savable((LastTimeStep) b.getBwd()));
                }
            }
            if (l.getClassName().equals("AveragePooling1D") && l.getLayer() instanceof Subsampling1DLayer) {
                ((Subsampling1DLayer) l.getLayer()).setPoolingType(PoolingType.AVG);
            }
            if (l.getVertex() instanceof MergeVertex && ((MergeVertex) l.getVertex()).getMergeAxis() < 0) {
                InputType out = km.getOutputTypes().get(l.getLayerName());
                int rank = out == null ? 0 : out.getShape(true).length;
                if (rank > 0) {
                    MergeVertex m = (MergeVertex) l.getVertex();
                    m.setMergeAxis(rank + m.getMergeAxis());
                }
            }
            if (l.getLayer() != null && l.getLayer().getIDropout() instanceof Dropout
                    && ((Dropout) l.getLayer().getIDropout()).getP() == 1.0
                    && ((Dropout) l.getLayer().getIDropout()).getPSchedule() == null) {
                l.getLayer().setIDropout(null);
            }
            if (l.getLayer() != null && l.getLayer().getClass() == ActivationLayer.class) {
                l.setLayer(InputSafeActivationLayer.of((ActivationLayer) l.getLayer()));
            }
        }
    }

    private static SavableLastTimeStep savable(LastTimeStep l) {
        if (l.getUnderlying() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer
                && ((org.deeplearning4j.nn.conf.layers.BaseLayer) l.getUnderlying()).getIUpdater() == null) {
            // DL4J gives every layer of the network its default updater (Sgd) but does not reach into wrappers
            ((org.deeplearning4j.nn.conf.layers.BaseLayer) l.getUnderlying())
                    .setIUpdater(new org.nd4j.linalg.learning.config.Sgd());
        }
        SavableLastTimeStep s = new SavableLastTimeStep(l.getUnderlying());
        s.setLayerName(l.getLayerName());
        return s;
    }

    /** Replaces orthogonal initializers in a Keras 1/2-form config, in place; returns the keys changed. */
    static List<String> replaceOrthogonalInitializers(JsonNode config) {
        List<String> changed = new ArrayList<>();
        walk(config, changed);
        return changed;
    }

    private static void walk(JsonNode n, List<String> changed) {
        if (n.isObject()) {
            ObjectNode o = (ObjectNode) n;
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            List<String> keys = new ArrayList<>();
            while (it.hasNext()) {
                keys.add(it.next().getKey());
            }
            for (String k : keys) {
                JsonNode v = o.get(k);
                boolean initKey = k.endsWith("initializer") || k.equals("init") || k.equals("inner_init");
                if (initKey && v.isTextual() && v.asText().equalsIgnoreCase("orthogonal")) {
                    o.put(k, "glorot_uniform");
                    changed.add(k);
                } else if (initKey && v.isObject() && v.path("class_name").asText().equalsIgnoreCase("orthogonal")) {
                    ObjectNode g = NODES.objectNode();
                    g.put("class_name", "GlorotUniform");
                    g.set("config", NODES.objectNode().putNull("seed"));
                    o.set(k, g);
                    changed.add(k);
                } else {
                    walk(v, changed);
                }
            }
        } else if (n.isArray()) {
            n.forEach(x -> walk(x, changed));
        }
    }
}
