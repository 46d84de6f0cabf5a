package dev.graft.cli;

import dev.graft.zoo.CatalogEntry;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Zoo;
import dev.graft.zoo.inspect.Inspection;
import dev.graft.zoo.inspect.ModelInspector;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code graft inspect MODEL}: the layer table and cut points of a model file or catalog model; the card line
 * shows the cut a transfer plan recorded ({@code cut at 'fc2'}), with a warning if the frozen layers disagree.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a model's layers (name, type, input/output shape, params, frozen) and its cut points.")
final class InspectCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "MODEL", description = "A model zip (Graft or DL4J), an .onnx file, or a catalog name "
            + "(see 'graft zoo list').")
    String model;

    @Option(names = "--variant", paramLabel = "V", description = "Pretrained variant of a catalog model.")
    String variant;

    @Option(names = "--untrained", description = "Inspect a DL4J zoo architecture without its weights "
            + "(freshly initialised; needs no download).")
    boolean untrained;

    @Option(names = "--classes", paramLabel = "N", defaultValue = "1000",
            description = "Classes of the untrained architecture's head (default ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--json", description = "Print the layer table as JSON (with \"cut\": the cut a transfer plan recorded).")
    boolean json;

    @Option(names = "--all", description = "ONNX models: list every cut point, also those inside blocks.")
    boolean all;

    @CommandLine.Mixin
    ZooCommand.StoreOptions store;

    @CommandLine.Mixin
    InputShapeOption input;

    @Override
    public Integer call() throws IOException {
        Path path = Path.of(model);
        if (Files.isRegularFile(path) && OnnxCli.isOnnx(path)) {
            if (json) {
                throw new IllegalArgumentException("--json is not available for ONNX models yet; drop --json");
            }
            OnnxCli.inspect(OnnxCli.open(path, input), all, spec.commandLine().getOut());
            return 0;
        }
        Zoo zoo = store.zoo(true);
        GraftModel m;
        Optional<CatalogEntry> entry = Files.isRegularFile(Path.of(model)) ? Optional.empty()
                : zoo.catalog().lookup(model);
        if (entry.isPresent() && entry.get().kind() == CatalogEntry.Kind.DL4J_ZOO
                && (untrained || entry.get().variants().isEmpty())) {
            m = zoo.init(model, classes, 0);
        } else if (entry.isPresent()) {
            m = zoo.load(model, variant, null);
        } else {
            m = zoo.open(model);
        }
        m = input.apply(m, path);
        Models.printWarnings(m, spec);
        checkRecordedCut(m);
        Inspection i = ModelInspector.inspect(m);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(withRecordedCut(i.toJson(), m.card().cut()));
        } else {
            out.println(m.card());
            m.onnxBase().ifPresent(b -> out.printf("frozen ONNX part below the DL4J network (run by ONNX Runtime): "
                    + "%d nodes, %,d parameters, output '%s', sha256 %s%n", b.nodeCount(), b.parameterCount(),
                    b.outputs().get(0).name(), b.sha256()));
            out.println(i.toTable());
        }
        out.flush();
        return 0;
    }

    /** The inspection JSON with the card's recorded cut added as {@code "cut"} (unchanged when none is recorded). */
    static String withRecordedCut(String json, String cut) throws IOException {
        if (cut == null) {
            return json;
        }
        com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(json);
        root.put("cut", cut);
        return om.writeValueAsString(root);
    }

    /** A card that records a cut its network's frozen layers do not make is shown, with a warning saying so. */
    private void checkRecordedCut(GraftModel m) {
        if (m.card().cut() == null || m.onnxBase().isPresent()) {
            return;
        }
        try {
            dev.graft.transfer.tune.Cut.of(m);
        } catch (IllegalArgumentException e) {
            Models.warn(spec, e.getMessage());
        }
    }
}
