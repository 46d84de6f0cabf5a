package dev.graft.zoo.layers;

import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * DL4J's {@link MergeVertex} (concatenation), whose copies keep the merge axis.
 *
 * <p>DL4J 1.0.0-M2.1's {@code MergeVertex.clone()} returns {@code new MergeVertex()}: the axis, which DL4J works out
 * from the input types when the graph is first built ({@code 3} for channels-last images), falls back to 1. Every
 * copy of a graph configuration (DL4J's {@code ComputationGraph.clone()}, transfer-learning surgery, Graft's cut and
 * channels-last copies) then concatenates channels-last activations along the height: an imported DenseNet121
 * verified fine and then failed to featurize with libnd4j's concat error. {@link #keepAxes} puts this class in
 * place of every plain merge vertex of a graph; the JSON form is DL4J's plus this class name.
 */
public class AxisKeepingMergeVertex extends MergeVertex {
    private static final long serialVersionUID = 1L;

    /** For JSON. */
    public AxisKeepingMergeVertex() {
    }

    /** A merge vertex concatenating along {@code mergeAxis}. */
    public AxisKeepingMergeVertex(int mergeAxis) {
        setMergeAxis(mergeAxis);
    }

    @Override
    public AxisKeepingMergeVertex clone() {
        AxisKeepingMergeVertex v = new AxisKeepingMergeVertex(getMergeAxis());
        v.setModified(isModified());
        return v;
    }

    /**
     * Replaces every plain {@link MergeVertex} of {@code network}'s configuration (a graph; other models are left
     * alone) by one that keeps its axis when copied. The running network is unchanged.
     *
     * @return how many vertices were replaced
     */
    public static int keepAxes(Model network) {
        if (!(network instanceof ComputationGraph)) {
            return 0;
        }
        return keepAxes(((ComputationGraph) network).getConfiguration());
    }

    /** Like {@link #keepAxes(Model)}, on a configuration. */
    public static int keepAxes(ComputationGraphConfiguration conf) {
        int n = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue().getClass() == MergeVertex.class) {
                MergeVertex m = (MergeVertex) e.getValue();
                AxisKeepingMergeVertex k = new AxisKeepingMergeVertex(m.getMergeAxis());
                k.setModified(m.isModified());
                e.setValue(k);
                n++;
            }
        }
        return n;
    }
}
