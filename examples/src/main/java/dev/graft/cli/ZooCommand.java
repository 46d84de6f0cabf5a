package dev.graft.cli;

import dev.graft.zoo.CatalogEntry;
import dev.graft.zoo.GraftHome;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.PretrainedVariant;
import dev.graft.zoo.Progress;
import dev.graft.zoo.Zoo;
import dev.graft.zoo.store.ResolvedFile;
import dev.graft.zoo.store.WeightStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code graft zoo}: list, fetch and register pretrained models. */
@Command(name = "zoo", mixinStandardHelpOptions = true,
        description = "Pretrained models: list the catalog, fetch weights (cache, mirrors, offline), register your own.",
        subcommands = {ZooCommand.ListCmd.class, ZooCommand.FetchCmd.class, ZooCommand.AddCmd.class})
final class ZooCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** Options shared by commands that resolve weights (a picocli mixin). */
    static final class StoreOptions {
        @Option(names = "--mirror", paramLabel = "URL",
                description = "Mirror base URL, tried in order before GRAFT_MIRRORS / settings (repeatable). "
                        + "Files are fetched from URL/<model>/<file>, or URL with {file} replaced.")
        List<String> mirrors = new ArrayList<>();

        @Option(names = "--offline", description = "Never use the network: only the cache (GRAFT_HOME/models) "
                + "and --file.")
        boolean offline;

        Zoo zoo(boolean progress) throws IOException {
            GraftHome home = GraftHome.fromEnvironment();
            WeightStore store = WeightStore.builder().home(home).mirrors(mirrors).mirrors(home.configuredMirrors())
                    .offline(offline).progress(progress ? Progress.console() : Progress.none()).build();
            return Zoo.builder().store(store).build();
        }
    }

    /** {@code graft zoo list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List every model: DL4J's zoo with its pretrained variants, and the ones you registered.")
    static final class ListCmd implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--json", description = "Print the catalog as JSON (file names, checksums, shapes, "
                + "normalization).")
        boolean json;

        @Parameters(arity = "0..1", paramLabel = "TEXT", description = "Only models whose name, architecture, "
                + "description or variant contains TEXT.")
        String filter;

        @Override
        public Integer call() throws IOException {
            Zoo zoo = new StoreOptions().zoo(false);
            dev.graft.zoo.Catalog catalog = filter == null ? zoo.catalog()
                    : dev.graft.zoo.Catalog.of(zoo.catalog().search(filter));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(catalog.toJson());
                out.flush();
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"name", "architecture", "network", "input", "pretrained variants (file, checksum)"});
            for (CatalogEntry e : catalog.entries()) {
                String variants = e.variants().isEmpty() ? "-" : e.variants().stream()
                        .map(ZooCommand::describe).collect(Collectors.joining("; "));
                rows.add(new String[] {e.name() + (e.kind() == CatalogEntry.Kind.USER ? " (yours)" : ""),
                        e.architecture(), e.graph() ? "graph" : "layers",
                        e.inputShape().length == 0 ? "-" : Arrays.toString(e.inputShape()) + " " + e.layout(), variants});
            }
            int[] w = new int[4];
            for (String[] r : rows) {
                for (int i = 0; i < 4; i++) {
                    w[i] = Math.max(w[i], r[i].length());
                }
            }
            for (String[] r : rows) {
                out.printf("%-" + w[0] + "s  %-" + w[1] + "s  %-" + w[2] + "s  %-" + w[3] + "s  %s%n",
                        (Object[]) r);
            }
            out.println("cache: " + zoo.store().home().models());
            out.flush();
            return 0;
        }
    }

    static String describe(PretrainedVariant v) {
        String sum = v.file().sha256() != null ? "sha256 " + v.file().sha256().substring(0, 12) + "…"
                : "Adler32 " + v.file().adler32();
        return v.name() + " (" + v.file().fileName() + ", " + sum + ")";
    }

    /** {@code graft zoo fetch NAME}. */
    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Get a model's pretrained weights into the cache (verified) and load them.")
    static final class FetchCmd implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "Catalog name, e.g. vgg16 (see 'graft zoo list').")
        String name;

        @Option(names = "--variant", paramLabel = "V", description = "Pretrained variant, e.g. imagenet, cifar10 "
                + "(default: the first listed).")
        String variant;

        @Option(names = "--file", paramLabel = "PATH", description = "Use this weights file (checked, not copied).")
        Path file;

        @Option(names = "--no-load", description = "Only fetch and verify the file; do not load the network.")
        boolean noLoad;

        @CommandLine.Mixin
        StoreOptions store;

        @Override
        public Integer call() throws IOException {
            Zoo zoo = store.zoo(true);
            PrintWriter out = spec.commandLine().getOut();
            PretrainedVariant v = zoo.catalog().find(name).variant(variant);
            ResolvedFile f = zoo.fetch(name, v.name(), file);
            out.printf("%s %s: %s (%s, %,d bytes, sha256 %s)%n", name, v.name(), f.path(),
                    f.origin() == ResolvedFile.Origin.DOWNLOADED ? "downloaded from " + f.url()
                            : f.origin() == ResolvedFile.Origin.CACHE ? "from the cache" : "your file",
                    f.size(), f.sha256());
            out.flush();
            if (!noLoad) {
                GraftModel m = zoo.load(name, v.name(), file);
                out.printf("loaded %s: %s, %,d parameters; input %s %s, normalization %s%n", m.card().name(),
                        m.network().getClass().getSimpleName(), m.network().numParams(),
                        Arrays.toString(m.card().inputShape()), m.card().layout(), m.card().normalization());
            }
            out.flush();
            return 0;
        }
    }

    /** {@code graft zoo add NAME FILE}. */
    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Register a model file (Graft zip with its card, or a DL4J ModelSerializer zip) under a name; "
                    + "it is copied into the cache and listed by 'graft zoo list'.")
    static final class AddCmd implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "Name to register (lower case, digits, . _ -).")
        String name;

        @Parameters(index = "1", paramLabel = "FILE", description = "The model zip.")
        Path file;

        @Option(names = "--replace", description = "Replace a model already registered under NAME.")
        boolean replace;

        @Override
        public Integer call() throws IOException {
            Zoo zoo = new StoreOptions().zoo(false);
            GraftModel m = zoo.add(name, file, replace);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("registered %s (%s, %,d parameters) as %s; sha256 %s%n", name,
                    m.network().getClass().getSimpleName(), m.network().numParams(),
                    zoo.store().home().models().resolve(name).resolve(name + ".zip"),
                    m.card().sha256().get(name + ".zip"));
            out.flush();
            return 0;
        }
    }
}
