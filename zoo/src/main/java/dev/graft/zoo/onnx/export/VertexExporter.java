package dev.graft.zoo.onnx.export;

import static dev.graft.zoo.onnx.export.OnnxGraphDraft.attr;

import dev.graft.zoo.layers.BroadcastMultiplyVertex;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;

/** DL4J graph vertices other than layers (merge, element-wise, preprocessor, ...) as ONNX nodes. */
final class VertexExporter {
    private VertexExporter() {
    }

    /** The vertex inside DL4J's frozen wrapper. */
    static GraphVertex unwrap(GraphVertex v) {
        while (v instanceof FrozenVertex) {
            v = ((FrozenVertex) v).getUnderlying();
        }
        return v;
    }

    /**
     * Writes vertex {@code name} applied to {@code in} (in DL4J's input order).
     *
     * @throws OnnxExportException for a vertex type or input combination not translated
     */
    static Dl4jTensor vertex(OnnxGraphDraft g, String name, GraphVertex wrapped, List<Dl4jTensor> in)
            throws OnnxExportException {
        GraphVertex v = unwrap(wrapped);
        List<String> names = new ArrayList<>();
        in.forEach(t -> names.add(t.name()));
        Dl4jTensor first = in.get(0);
        if (v instanceof ElementWiseVertex) {
            requireSameKind(name, v, in);
            ElementWiseVertex.Op op = ((ElementWiseVertex) v).getOp();
            switch (op) {
                case Add:
                    // binary Adds, not Sum: ONNX Runtime fuses Conv + Add (+ Relu) only for Add
                    return first.renamed(chain(g, "Add", name, names));
                case Average:
                    return first.renamed(g.node("Mean", name, names));
                case Max:
                    return first.renamed(g.node("Max", name, names));
                case Subtract:
                    return first.renamed(g.node("Sub", name, names));
                case Product:
                    return first.renamed(chain(g, "Mul", name, names));
                default:
                    throw new OnnxExportException("cannot export vertex '" + name + "' (ElementWiseVertex " + op
                            + ") to ONNX: operation not translated");
            }
        }
        if (v instanceof MergeVertex) {
            requireSameKind(name, v, in);
            int axis = first.image() ? first.graphAxis(((MergeVertex) v).getMergeAxis()) : 1;
            if (!first.image() && ((MergeVertex) v).getMergeAxis() != 1) {
                throw new OnnxExportException("cannot export vertex '" + name + "' (MergeVertex) to ONNX: merge axis "
                        + ((MergeVertex) v).getMergeAxis() + " of 2-d activations; only axis 1 is translated");
            }
            String out = g.node("Concat", name, names, attr("axis", (long) axis));
            return axis >= 2 ? Dl4jTensor.image(out, first.format()) : first.renamed(out);
        }
        if (v instanceof PreprocessorVertex) {
            return LayerExporter.preprocessor(g, name, ((PreprocessorVertex) v).getPreProcessor(), first);
        }
        if (v instanceof ScaleVertex) {
            String s = g.floatConst(name + "/scale", new float[] {(float) ((ScaleVertex) v).getScaleFactor()});
            return first.renamed(g.node("Mul", name, List.of(first.name(), s)));
        }
        if (v instanceof ShiftVertex) {
            String s = g.floatConst(name + "/shift", new float[] {(float) ((ShiftVertex) v).getShiftFactor()});
            return first.renamed(g.node("Add", name, List.of(first.name(), s)));
        }
        if (v instanceof BroadcastMultiplyVertex) {
            Dl4jTensor x = first;
            Dl4jTensor gate = in.get(1);
            String gateName = gate.name();
            if (x.image() && !gate.image()) {
                gateName = g.node("Unsqueeze", name + "/gate", List.of(gateName, g.int64Const(name + "/axes", 2, 3)));
            } else if (!x.image() && gate.image()) {
                throw new OnnxExportException("cannot export vertex '" + name + "' (BroadcastMultiplyVertex): a "
                        + "4-d gate for a 2-d activation");
            }
            return x.renamed(g.node("Mul", name, List.of(x.name(), gateName)));
        }
        throw new OnnxExportException("cannot export vertex '" + name + "' of type " + v.getClass().getName()
                + " to ONNX: the exporter translates layer, merge, element-wise, preprocessor, scale, shift and "
                + "broadcast-multiply vertices. Cut the graph before it, or add it to "
                + VertexExporter.class.getName());
    }

    /** {@code op(op(a, b), c) ...}: binary nodes left to right, the last one named {@code name}. */
    private static String chain(OnnxGraphDraft g, String op, String name, List<String> names) {
        String acc = names.get(0);
        for (int i = 1; i < names.size(); i++) {
            acc = g.node(op, i == names.size() - 1 ? name : name + "/" + op.toLowerCase() + i,
                    List.of(acc, names.get(i)));
        }
        return acc;
    }

    private static void requireSameKind(String name, GraphVertex v, List<Dl4jTensor> in) throws OnnxExportException {
        Dl4jTensor first = in.get(0);
        for (Dl4jTensor t : in) {
            if (t.image() != first.image() || t.format() != first.format()) {
                throw new OnnxExportException("cannot export vertex '" + name + "' (" + v.getClass().getSimpleName()
                        + ") to ONNX: its inputs differ in kind or layout (" + first.describe() + " and "
                        + t.describe() + ")");
            }
        }
    }
}
