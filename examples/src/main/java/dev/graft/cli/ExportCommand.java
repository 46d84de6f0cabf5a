package dev.graft.cli;

import dev.graft.engine.Engine;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.keras.ParityCheck;
import dev.graft.zoo.keras.ParityReport;
import dev.graft.zoo.keras.Tolerance;
import dev.graft.zoo.onnx.OnnxGraph;
import dev.graft.zoo.onnx.OnnxRunner;
import dev.graft.zoo.onnx.export.ExportedOnnxModel;
import dev.graft.zoo.onnx.export.WholeModelExport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code graft export}: a Graft model as one ONNX file that runs from raw input. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write MODEL as one ONNX file that any ONNX runtime runs from raw input, checked against graft "
                + "predict.",
            "MODEL is a Graft model zip, e.g. what 'graft finetune' saved, with or without a frozen ONNX part. The file "
                + "holds the card's normalization, the frozen ONNX part, then the network with its trained weights "
                + "(opset 17, input 'raw_input' [batch, ...card shape] in the card's layout, output the network's, "
                + "e.g. probabilities).",
            "Checked before it is kept: ONNX Runtime on a batch of raw input must give Graft's own predictions within "
                + "|diff| <= 1e-4 + 1e-3|ref| per value; otherwise nothing is written."})
final class ExportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    InputShapeOption input;

    @Parameters(index = "0", paramLabel = "MODEL", description = "a Graft model zip (or a plain DL4J zip with --input-shape)")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "FILE.onnx", description = "where to write the ONNX file")
    Path out;

    @Option(names = "--check-rows", defaultValue = "8", paramLabel = "N",
            description = "rows of random raw input the check runs (default ${DEFAULT-VALUE})")
    int checkRows;

    @Option(names = "--seed", defaultValue = "42", description = "seed of the check's input (default ${DEFAULT-VALUE})")
    long seed;

    /**
     * Raw input the check runs: where the card has per-channel statistics, values that normalize to a standard
     * normal (mean + std * N(0, 1), unscaled), so standardized tabular inputs vary as real rows do; otherwise uniform
     * over the range the scale implies (pixels 0..255 for a 1/255 scale).
     */
    private INDArray checkInput(GraftModel m, long[] shape) {
        Nd4j.getRandom().setSeed(seed);
        dev.graft.zoo.Normalization n = m.card().normalization();
        if (n.mean().length == 0) {
            return Nd4j.rand(DataType.FLOAT, shape).muli(1.0 / n.scale());
        }
        long[] perChannel = new long[shape.length];
        java.util.Arrays.fill(perChannel, 1);
        int axis = m.card().layout().channelAxis() + 1;
        perChannel[axis] = n.mean().length;
        INDArray mean = Nd4j.createFromArray(n.mean()).castTo(DataType.FLOAT).reshape(perChannel);
        INDArray std = Nd4j.createFromArray(n.std()).castTo(DataType.FLOAT).reshape(perChannel);
        INDArray z = Nd4j.randn(DataType.FLOAT, shape);
        return z.mul(std.broadcast(shape)).addi(mean.broadcast(shape)).divi(n.scale());
    }

    @Override
    public Integer call() throws Exception {
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            throw new IllegalArgumentException("--out must name a .onnx file, got " + out);
        }
        if (java.nio.file.Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a folder; name the .onnx file to write, e.g. "
                    + out.resolve("model.onnx"));
        }
        if (checkRows < 1) {
            throw new IllegalArgumentException("--check-rows must be at least 1, got " + checkRows);
        }
        if (OnnxCli.isOnnx(model)) {
            throw new IllegalArgumentException("model " + model + " is an imported ONNX model without a Graft head: its "
                    + "ONNX file is already what you would export; fine-tune it first (graft finetune " + model
                    + " ...) and export the fine-tuned zip");
        }
        GraftModel m = Models.load(model, spec, input);
        ExportedOnnxModel whole = WholeModelExport.export(m);
        long[] example = m.card().inputShape();
        long[] shape = new long[example.length + 1];
        shape[0] = checkRows;
        System.arraycopy(example, 0, shape, 1, example.length);
        INDArray raw = checkInput(m, shape);
        ParityReport p;
        try (OnnxRunner r = OnnxRunner.open(OnnxGraph.parse(whole.toByteArray(), out.toString()),
                Math.max(1, Engine.startThreads()))) {
            p = ParityCheck.compare("ONNX Runtime vs graft predict", r.run(raw.dup()), m.predict(raw.dup()),
                    Tolerance.DEFAULT);
        }
        if (!p.passed()) {
            throw new IllegalStateException("the exported graph does not reproduce model " + model + " (" + p
                    + "); nothing was written. Please report it with the model");
        }
        whole.save(out);
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "exported %s to %s: %d nodes, %.1f MB, input '%s' %s (%s, raw), output '%s'%n", model, out,
                whole.nodeCount(), whole.toByteArray().length / 1e6, WholeModelExport.INPUT,
                java.util.Arrays.toString(shape).replaceFirst("\\d+", "N"), m.card().layout(),
                String.join(",", whole.outputNames()));
        o.println("check: " + p);
        o.flush();
        return 0;
    }
}
