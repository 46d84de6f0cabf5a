package dev.graft.zoo.onnx.export;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.onnx.OnnxGraph;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * A whole Graft model as one ONNX graph that any ONNX runtime runs from raw input: the card's normalization
 * ({@code x * scale - mean[c]) / std[c]}, {@link Normalization}), then the frozen ONNX part if the model has one
 * ({@link GraftModel#onnxBase()}, its bytes' nodes and initializers unchanged), then the DL4J network with its
 * trained weights ({@link OnnxExporter}). The graph's input is {@value #INPUT}, {@code [batch, ...card input shape]} in
 * the card's layout; its output is the network's output (class probabilities for a classifier Graft fine-tuned).
 *
 * <p>The ONNX part's operators are read with the exporter's opset ({@value OnnxGraphDraft#OPSET}); a base of another
 * opset is refused (operators such as Squeeze, ReduceMean or Pad changed between opsets), with the fix: export the
 * source model again at opset 17. Check the result with ONNX Runtime against {@link GraftModel#predict}
 * ({@code graft export} does).
 */
public final class WholeModelExport {
    /** The exported graph's input name. */
    public static final String INPUT = "raw_input";
    private static final String HEAD = "graft_head/";

    private WholeModelExport() {
    }

    /**
     * Exports {@code model} whole.
     *
     * @throws OnnxExportException if a layer of the network cannot be exported, the ONNX part has another opset than
     *         {@value OnnxGraphDraft#OPSET}, or the card gives no input shape
     */
    public static ExportedOnnxModel export(GraftModel model) throws OnnxExportException {
        ModelCard card = model.card();
        long[] shape = card.inputShape();
        if (shape == null || shape.length == 0) {
            throw new OnnxExportException("model '" + card.name() + "' has no input shape in its card; give it one "
                    + "(graft finetune --input-shape, or ModelCard.input) before exporting it whole");
        }
        Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder().setName("graft:" + card.name());
        graph.addInput(rawInput(shape));
        String normalized = OnnxGraph.addNormalization(graph, INPUT, shape.length + 1, card.normalization(),
                card.layout());

        Onnx.ModelProto base = null;
        String headInput = normalized;
        if (model.onnxBase().isPresent()) {
            OnnxGraph g = model.onnxBase().get();
            if (g.opset() != OnnxGraphDraft.OPSET) {
                throw new OnnxExportException("the ONNX part of model '" + card.name() + "' has opset " + g.opset()
                        + "; a whole-model export writes opset " + OnnxGraphDraft.OPSET + " and does not convert "
                        + "operators between opsets; export the source model again with opset_version="
                        + OnnxGraphDraft.OPSET);
            }
            try {
                base = Onnx.ModelProto.parseFrom(g.bytes());
            } catch (IOException e) {
                throw new OnnxExportException("the ONNX part of model '" + card.name() + "' cannot be read back: "
                        + e.getMessage());
            }
            if (countRealInputs(base.getGraph()) != 1 || base.getGraph().getOutputCount() != 1) {
                throw new OnnxExportException("the ONNX part of model '" + card.name() + "' has "
                        + countRealInputs(base.getGraph()) + " inputs and " + base.getGraph().getOutputCount()
                        + " outputs; a whole-model export needs one of each");
            }
            headInput = base.getGraph().getOutput(0).getName();
        }

        OnnxExporter.Builder hb = OnnxExporter.builder(model.network());
        InputType headType = base == null ? OnnxExporter.inputTypeOf(card.layout(), shape) : null;
        if (headType != null) {
            hb.inputTypes(headType);
        }
        ExportedOnnxModel head = hb.build().export();
        if (head.inputNames().size() != 1) {
            throw new OnnxExportException("the network of model '" + card.name() + "' has "
                    + head.inputNames().size() + " inputs; a whole-model export needs one");
        }
        String headIn = head.inputNames().get(0);
        String baseOut = headInput;
        UnaryOperator<String> headName = n -> n.isEmpty() ? n : n.equals(headIn) ? baseOut : HEAD + n;

        if (base != null) {
            String baseIn = realInputName(base.getGraph());
            for (Onnx.NodeProto n : base.getGraph().getNodeList()) {
                graph.addNode(rename(n, x -> x.equals(baseIn) ? normalized : x, ""));
            }
            graph.addAllInitializer(base.getGraph().getInitializerList());
        }
        for (Onnx.NodeProto n : head.model().getGraph().getNodeList()) {
            graph.addNode(rename(n, headName, HEAD));
        }
        for (Onnx.TensorProto t : head.model().getGraph().getInitializerList()) {
            graph.addInitializer(t.toBuilder().setName(headName.apply(t.getName())));
        }
        List<String> outputs = new ArrayList<>();
        for (Onnx.ValueInfoProto o : head.model().getGraph().getOutputList()) {
            Onnx.ValueInfoProto renamed = o.toBuilder().setName(headName.apply(o.getName())).build();
            graph.addOutput(renamed);
            outputs.add(renamed.getName());
        }
        Onnx.ModelProto.Builder m = head.model().toBuilder().setGraph(graph)
                .setDocString("Graft model '" + card.name() + "' from raw input: card normalization"
                        + (base != null ? ", the frozen ONNX part" : "") + ", the network");
        if (base != null) {
            m.setIrVersion(Math.max(base.getIrVersion(), head.model().getIrVersion()));
            for (Onnx.OperatorSetIdProto op : base.getOpsetImportList()) {
                if (!op.getDomain().isEmpty() && m.getOpsetImportList().stream()
                        .noneMatch(x -> x.getDomain().equals(op.getDomain()))) {
                    m.addOpsetImport(op);
                }
            }
        }
        m.clearMetadataProps();
        m.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey("graft.card.name").setValue(card.name()));
        if (card.labels() != null && !card.labels().isEmpty()) {
            m.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey("graft.labels")
                    .setValue(String.join(",", card.labels())));
        }
        return new ExportedOnnxModel(m.build(), List.of(INPUT), outputs, head.foldedBatchNorms());
    }

    /** The raw input {@code [batch, ...shape]}, the batch dimension symbolic. */
    private static Onnx.ValueInfoProto rawInput(long[] shape) {
        long[] dims = new long[shape.length + 1];
        String[] symbols = new String[shape.length + 1];
        dims[0] = -1;
        symbols[0] = "batch";
        System.arraycopy(shape, 0, dims, 1, shape.length);
        return OnnxGraphDraft.valueInfo(INPUT, dims, symbols);
    }

    private static Onnx.NodeProto rename(Onnx.NodeProto n, UnaryOperator<String> name, String prefix) {
        Onnx.NodeProto.Builder b = n.toBuilder().clearInput().clearOutput();
        n.getInputList().forEach(i -> b.addInput(name.apply(i)));
        n.getOutputList().forEach(o -> b.addOutput(name.apply(o)));
        if (!prefix.isEmpty() && !n.getName().isEmpty()) {
            b.setName(prefix + n.getName());
        }
        return b.build();
    }

    private static int countRealInputs(Onnx.GraphProto g) {
        int n = 0;
        for (Onnx.ValueInfoProto in : g.getInputList()) {
            if (g.getInitializerList().stream().noneMatch(t -> t.getName().equals(in.getName()))) {
                n++;
            }
        }
        return n;
    }

    private static String realInputName(Onnx.GraphProto g) {
        for (Onnx.ValueInfoProto in : g.getInputList()) {
            if (g.getInitializerList().stream().noneMatch(t -> t.getName().equals(in.getName()))) {
                return in.getName();
            }
        }
        throw new IllegalStateException("graph without an input");
    }
}
