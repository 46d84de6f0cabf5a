package dev.graft.cli;

import dev.graft.engine.Engine;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.keras.ParityCheck;
import dev.graft.zoo.keras.ParityReport;
import dev.graft.zoo.keras.Tolerance;
import dev.graft.zoo.onnx.CutPoint;
import dev.graft.zoo.onnx.OnnxGraph;
import dev.graft.zoo.onnx.OnnxModel;
import dev.graft.zoo.onnx.OnnxRunner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What {@code import} and {@code inspect} do for ONNX models (an {@code .onnx} file or a Graft zip holding one). */
final class OnnxCli {
    private OnnxCli() {
    }

    /** True for a {@code .onnx} file name or a Graft zip holding an ONNX model. */
    static boolean isOnnx(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")
                || (Files.isRegularFile(file) && OnnxModel.isOnnxModelFile(file));
    }

    /** The model of an {@code .onnx} file (card from its metadata) or of a saved Graft zip. */
    static OnnxModel open(Path file) throws IOException {
        return open(file, null);
    }

    /**
     * The model of an {@code .onnx} file (card from its metadata) or of a saved Graft zip, with {@code --input-shape}
     * applied when given (a graph with dynamic height/width).
     */
    static OnnxModel open(Path file, InputShapeOption input) throws IOException {
        long[] dims = input == null ? null : input.onnxDims();
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            OnnxModel m = dev.graft.zoo.onnx.OnnxImporter.builder(file).inputShape(dims).build().importModel();
            String w = noNormalizationWarning(m, file);
            if (w != null) {
                System.err.println("warning: " + w);
            }
            return m;
        }
        OnnxModel m = OnnxModel.load(file);
        return input == null ? m : input.apply(m);
    }

    /**
     * The warning for an {@code .onnx} file whose metadata gives no input normalization (torchvision exports carry
     * none): raw input would reach a network trained on normalized input with no sign of it. Null when the card has a
     * normalization.
     */
    static String noNormalizationWarning(OnnxModel m, Path file) {
        if (!m.card().normalization().isIdentity()) {
            return null;
        }
        return file.getFileName() + " records no input normalization (no 'scale'/'mean'/'std' metadata), so raw input "
                + "goes into the network as is; a torchvision/ImageNet model expects: graft import " + file.getFileName()
                + " --scale 0.00392156862745098 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 (then use the saved zip), "
                + "or --scale 1 if the network really takes raw values";
    }

    /** Threads for ONNX Runtime: the engine's (the launcher's core count). */
    static int threads() {
        return Math.max(1, Engine.startThreads());
    }

    /** Runs the reference input (fed as is) through the whole graph and compares with the reference output. */
    static ParityReport verify(OnnxModel m, Path npz, Tolerance tolerance, String path) throws IOException {
        ParityCheck.Reference ref = ParityCheck.reference(npz);
        try (OnnxRunner r = OnnxRunner.open(m.graph(), threads())) {
            return ParityCheck.compare(path, r.run(ref.input()), ref.output(), tolerance);
        }
    }

    /** Prints the model's card, graph summary and cut points (with their shapes for one example). */
    static void inspect(OnnxModel m, boolean all, PrintWriter out) {
        OnnxGraph g = m.graph();
        ModelCard c = m.card();
        out.println(c);
        out.printf("ONNX graph: %s, opset %d, %d nodes, %,d parameters in %d initializers, %,d bytes, sha256 %s%n",
                g.producer().isEmpty() ? "unknown producer" : g.producer(), g.opset(), g.nodeCount(),
                g.parameterCount(), g.initializerCount(), g.size(), g.sha256());
        out.println("inputs: " + g.inputs() + "  outputs: " + g.outputs());
        out.println("ops: " + g.opCounts());
        List<CutPoint> cuts = g.cutPoints();
        List<CutPoint> shown = new ArrayList<>();
        for (CutPoint cp : cuts) {
            if (all || cp.role() != CutPoint.Role.INNER) {
                shown.add(cp);
            }
        }
        Map<String, long[]> shapes = OnnxRunner.shapes(g, shown.stream().map(CutPoint::tensor).toList(),
                c.inputShape(), threads());
        out.printf("cut points (%d of %d%s; give the tensor or its node index to --cut):%n", shown.size(), cuts.size(),
                all ? "" : "; --all lists those inside blocks too");
        int w = shown.stream().mapToInt(cp -> cp.tensor().length()).max().orElse(10);
        out.printf("  %-5s %-" + w + "s  %-18s %-13s %s%n", "node", "tensor", "op", "role", "shape (one example)");
        for (CutPoint cp : shown) {
            long[] s = shapes.get(cp.tensor());
            out.printf("  %-5d %-" + w + "s  %-18s %-13s %s%n", cp.index(), cp.tensor(), cp.opType(), cp.role().label(),
                    Arrays.toString(Arrays.copyOfRange(s, 1, s.length)));
        }
        out.flush();
    }
}
