package dev.graft.transfer.cache;

import dev.graft.zoo.Checksums;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * A sha256 over what decides a frozen network's outputs: layer configurations (training-only settings removed,
 * frozen wrappers unwrapped) and parameter values. Retraining the head, changing a learning rate, or freezing a
 * layer leaves it unchanged; any change of a weight or of an activation changes it.
 */
final class NetworkFingerprint {
    /** Configuration keys that only matter for training, compared case-insensitively. */
    private static final Set<String> TRAINING_ONLY = Set.of("idropout", "iupdater", "biasupdater", "regularization",
            "regularizationbias", "gradientnormalization", "gradientnormalizationthreshold", "weightinitfn",
            "weightinit", "biasinit", "gaininit", "weightnoise", "constraints", "l1", "l2", "l1bias", "l2bias",
            "updater", "dist", "allparamconstraints", "weightconstraints", "biasconstraints");

    private final MessageDigest md = Checksums.newSha256();

    void text(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update(ByteBuffer.allocate(4).putInt(b.length).array());
        md.update(b);
    }

    /** Hashes a DL4J configuration object (layer, vertex or preprocessor) as canonical JSON. */
    void config(Object conf) {
        try {
            JsonNode tree = NeuralNetConfiguration.mapper().valueToTree(conf);
            text(NeuralNetConfiguration.mapper().writeValueAsString(canonical(tree)));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            text(conf.getClass().getName() + " " + conf);
        }
    }

    private static JsonNode canonical(JsonNode node) {
        if (node.isObject()) {
            JsonNode cls = node.get("@class");
            if (cls != null && cls.asText().contains(".FrozenLayer")) {
                JsonNode inner = node.has("layer") ? node.get("layer") : node.get("underlying");
                if (inner != null) {
                    return canonical(inner);
                }
            }
            ObjectNode obj = (ObjectNode) node;
            for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
                if (TRAINING_ONLY.contains(it.next().toLowerCase(Locale.ROOT))) {
                    it.remove();
                }
            }
            obj.fields().forEachRemaining(e -> e.setValue(canonical(e.getValue())));
            return obj;
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                ((org.nd4j.shade.jackson.databind.node.ArrayNode) node).set(i, canonical(node.get(i)));
            }
        }
        return node;
    }

    /** Hashes parameter values with their type and shape; null (no parameters) hashes as such. */
    void params(INDArray p) {
        if (p == null || p.isEmpty()) {
            text("no params");
            return;
        }
        text(p.dataType() + " " + Arrays.toString(p.shape()));
        INDArray c = p.dup('c');
        byte[] raw;
        switch (c.dataType()) {
            case DOUBLE: {
                double[] d = c.data().asDouble();
                ByteBuffer bb = ByteBuffer.allocate(d.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                bb.asDoubleBuffer().put(d);
                raw = bb.array();
                break;
            }
            default: {
                float[] f = c.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).data().asFloat();
                ByteBuffer bb = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bb.asFloatBuffer().put(f);
                raw = bb.array();
            }
        }
        md.update(raw);
    }

    String hex() {
        return Checksums.hex(md.digest());
    }
}
