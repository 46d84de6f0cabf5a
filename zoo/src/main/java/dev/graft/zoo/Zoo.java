package dev.graft.zoo;

import dev.graft.engine.Engine;
import dev.graft.zoo.store.ResolvedFile;
import dev.graft.zoo.store.WeightFile;
import dev.graft.zoo.store.WeightStore;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.ZooModel;

/**
 * Gets models by name: pretrained DL4J zoo weights through the {@link WeightStore}, untrained zoo architectures,
 * and models the user registered; every model comes back as a {@link GraftModel} whose card says how to feed it.
 * <pre>{@code
 * Zoo zoo = Zoo.builder().store(WeightStore.builder().offline(true).build()).build();
 * GraftModel vgg = zoo.load("vgg16");                          // ~/.graft/models/vgg16/vgg16_dl4j_inference.zip
 * GraftModel lenet = zoo.init("lenet", 10, 42);                // untrained architecture
 * zoo.register("my-lenet", lenet);  GraftModel again = zoo.load("my-lenet");
 * }</pre>
 */
public final class Zoo {

    private final WeightStore store;
    private final GraftHome home;
    private volatile Catalog catalog;
    private final boolean catalogFixed;

    private Zoo(Builder b) {
        this.store = b.store;
        this.home = store.home();
        this.catalog = b.catalog;
        this.catalogFixed = b.catalogFixed;
    }

    /** Starts a zoo configuration (store and catalog from the environment by default). */
    public static Builder builder() {
        return new Builder();
    }

    /** The catalog this zoo looks names up in. */
    public Catalog catalog() {
        return catalog;
    }

    /** The store weights are resolved through. */
    public WeightStore store() {
        return store;
    }

    /**
     * Opens a model by file path (a Graft zip or a plain DL4J ModelSerializer zip) or, if no such file exists,
     * by catalog name with its default variant.
     */
    public GraftModel open(String nameOrPath) throws IOException {
        Path p = Path.of(nameOrPath);
        if (Files.isRegularFile(p)) {
            return GraftModel.load(p);
        }
        if (catalog.lookup(nameOrPath).isEmpty() && (nameOrPath.contains("/") || nameOrPath.endsWith(".zip"))) {
            throw new java.io.FileNotFoundException("model file " + nameOrPath + " does not exist");
        }
        return load(nameOrPath);
    }

    /** Loads a catalog model's default pretrained variant. */
    public GraftModel load(String name) throws IOException {
        return load(name, null, null);
    }

    /**
     * Loads pretrained weights of a catalog model.
     *
     * @param name catalog name, e.g. {@code vgg16} or a registered model
     * @param variant variant name, or {@code null} for the default
     * @param explicit a weights file the user names, or {@code null} to use the cache and mirrors
     * @throws IOException if the file cannot be resolved, fails its checksum, or does not hold the expected network
     */
    public GraftModel load(String name, String variant, Path explicit) throws IOException {
        CatalogEntry entry = catalog.find(name);
        PretrainedVariant v = entry.variant(variant);
        ResolvedFile file = fetch(entry, v, explicit);
        if (entry.kind() == CatalogEntry.Kind.USER) {
            return GraftModel.load(file.path());
        }
        Model net = GraftModel.readNetwork(file.path());
        boolean isGraph = net instanceof ComputationGraph;
        if (isGraph != entry.graph()) {
            throw new IOException(file.path() + " holds a " + net.getClass().getSimpleName() + " but " + entry.name()
                    + " is a " + (entry.graph() ? "ComputationGraph" : "MultiLayerNetwork")
                    + "; it is not the " + entry.name() + " " + v.name() + " file");
        }
        ModelCard card = ModelCard.builder(entry.name()).architecture(entry.architecture()).source(SourceKind.DL4J_ZOO)
                .input(v.layout(), v.inputShape()).normalization(v.normalization())
                .origin(file.url() != null ? file.url() : file.path().toString())
                .license("see the Deeplearning4j model zoo; the original weights' terms apply")
                .notes("variant " + v.name() + ": " + v.notes())
                .sha256(v.file().fileName(), file.sha256()).build();
        if (file.origin() != ResolvedFile.Origin.EXPLICIT && !Files.exists(ModelCard.besides(file.path()))) {
            card.write(ModelCard.besides(file.path())); // records the sha256 beside the cached file
        }
        return GraftModel.of(net, card);
    }

    /** Resolves the weights file of a catalog model's variant without loading it (what {@code zoo fetch} does). */
    public ResolvedFile fetch(String name, String variant, Path explicit) throws IOException {
        CatalogEntry entry = catalog.find(name);
        return fetch(entry, entry.variant(variant), explicit);
    }

    private ResolvedFile fetch(CatalogEntry entry, PretrainedVariant v, Path explicit) throws IOException {
        WeightFile wf = v.file();
        if (entry.kind() == CatalogEntry.Kind.USER && explicit == null && !Files.isRegularFile(store.cachePath(wf))) {
            throw new java.io.FileNotFoundException("model '" + entry.name() + "' is registered but its file "
                    + store.cachePath(wf) + " is missing; add it again with 'graft zoo add " + entry.name() + " FILE'");
        }
        Path cardBeside = ModelCard.besides(store.cachePath(wf));
        if (explicit == null && wf.sha256() == null && Files.isRegularFile(cardBeside)) {
            // Graft recorded the sha256 when it first verified the file: check that as well as DL4J's Adler32
            String sha = ModelCard.read(cardBeside).sha256().get(wf.fileName());
            if (sha != null) {
                wf = new WeightFile(wf.folder(), wf.fileName(), sha, wf.adler32());
            }
        }
        return store.resolve(wf, explicit);
    }

    /**
     * Builds a DL4J zoo architecture with freshly initialised (untrained) weights.
     *
     * @param numClasses outputs of the classifier; must be positive (DL4J's zoo defaults it to 0, which fails)
     * @param seed weight-initialisation seed
     */
    public GraftModel init(String name, int numClasses, long seed) {
        CatalogEntry entry = catalog.find(name);
        if (entry.kind() != CatalogEntry.Kind.DL4J_ZOO) {
            throw new IllegalArgumentException("model '" + name + "' is not a DL4J zoo architecture; load it instead");
        }
        ZooModel zm = buildZooModel(entry, numClasses, seed);
        Model net = zm.init();
        PretrainedVariant like = entry.variants().isEmpty() ? null : entry.variants().get(0);
        ModelCard card = ModelCard.builder(entry.name()).architecture(entry.architecture()).source(SourceKind.DL4J_ZOO)
                .input(entry.layout(), entry.inputShape())
                .normalization(like == null ? Normalization.identity() : like.normalization())
                .notes("untrained " + entry.architecture() + ", " + numClasses + " classes, seed " + seed).build();
        return GraftModel.of(net, card);
    }

    private static ZooModel buildZooModel(CatalogEntry entry, int numClasses, long seed) {
        try {
            Object b = entry.zooClass().getMethod("builder").invoke(null);
            Method nc = findMethod(b, "numClasses", int.class);
            if (nc != null) {
                if (numClasses <= 0) {
                    throw new IllegalArgumentException("numClasses must be > 0 for " + entry.name() + ", got "
                            + numClasses + " (DL4J's zoo default of 0 fails at init)");
                }
                nc.invoke(b, numClasses);
            }
            b.getClass().getMethod("seed", long.class).invoke(b, seed);
            return (ZooModel) b.getClass().getMethod("build").invoke(b);
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            throw c instanceof RuntimeException ? (RuntimeException) c : new IllegalStateException(c);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build DL4J zoo model " + entry.architecture() + ": " + e, e);
        }
    }

    private static Method findMethod(Object o, String name, Class<?> arg) {
        try {
            return o.getClass().getMethod(name, arg);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /**
     * Saves {@code model} into the cache under {@code name} and registers it, so {@code load(name)} finds it
     * (also in later runs: the registry is {@code <home>/registry.json}).
     *
     * @return the model as saved, its card renamed and carrying the file's sha256
     */
    public GraftModel register(String name, GraftModel model) throws IOException {
        return register(name, model, false);
    }

    /**
     * Like {@link #register(String, GraftModel)}; {@code replace} allows overwriting a model already registered
     * under {@code name}.
     */
    public GraftModel register(String name, GraftModel model, boolean replace) throws IOException {
        checkNewName(name, replace);
        Path target = home.models().resolve(name).resolve(name + ".zip");
        ModelCard card = model.card().toBuilder().name(name).clearSha256().build();
        GraftModel saved = model.withCard(card).save(target);
        UserRegistry.put(home, name, target.getFileName().toString(), Checksums.sha256(target),
                model.isGraph());
        reloadCatalog();
        return saved;
    }

    /**
     * Copies a model file (a Graft zip with its card, or a plain DL4J ModelSerializer zip) into the cache under
     * {@code name} and registers it. The file is read and checked first; the original is left untouched.
     */
    public GraftModel add(String name, Path file) throws IOException {
        return add(name, file, false);
    }

    /** Like {@link #add(String, Path)}; {@code replace} allows overwriting a model already registered as {@code name}. */
    public GraftModel add(String name, Path file, boolean replace) throws IOException {
        checkNewName(name, replace);
        GraftModel m = GraftModel.load(file);
        Path target = home.models().resolve(name).resolve(name + ".zip");
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), name, ".tmp");
        try {
            Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
            String sha = Checksums.sha256(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            ModelCard card = m.card().toBuilder().name(name).clearSha256().sha256(target.getFileName().toString(), sha)
                    .build();
            card.write(ModelCard.besides(target));
            UserRegistry.put(home, name, target.getFileName().toString(), sha, m.isGraph());
            reloadCatalog();
            return GraftModel.of(m.network(), card);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void checkNewName(String name, boolean replace) {
        if (name == null || !name.matches("[a-z0-9][a-z0-9._-]*")) {
            throw new IllegalArgumentException("model name must be lower case letters, digits, '.', '_' or '-', got '"
                    + name + "'");
        }
        catalog.lookup(name).filter(e -> e.kind() == CatalogEntry.Kind.DL4J_ZOO).ifPresent(e -> {
            throw new IllegalArgumentException("'" + name + "' is a DL4J zoo model; register yours under another name");
        });
        if (!replace && catalog.lookup(name).isPresent()) {
            throw new IllegalArgumentException("model '" + name + "' is already registered ("
                    + home.models().resolve(name) + "); choose another name or replace it (--replace)");
        }
    }

    private void reloadCatalog() throws IOException {
        if (catalogFixed) {
            List<CatalogEntry> mine = new java.util.ArrayList<>(catalog.entries());
            mine.removeIf(e -> e.kind() == CatalogEntry.Kind.USER);
            for (CatalogEntry e : UserRegistry.read(home)) {
                mine.add(e);
            }
            catalog = Catalog.of(mine);
        } else {
            catalog = Catalog.load(home);
        }
    }

    /** Configuration of a {@link Zoo}. */
    public static final class Builder {
        private WeightStore store;
        private Catalog catalog;
        private boolean catalogFixed;

        private Builder() {
        }

        /** The store to resolve weights through (default: home from the environment, its configured mirrors). */
        public Builder store(WeightStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * The catalog to use instead of DL4J's zoo plus the user registry (tests, applications with their own
         * models). Registered models are still added to it.
         */
        public Builder catalog(Catalog catalog) {
            this.catalog = Objects.requireNonNull(catalog, "catalog");
            this.catalogFixed = true;
            return this;
        }

        /**
         * Builds the zoo, reading the user registry.
         *
         * @throws IOException if the registry or settings cannot be read
         */
        public Zoo build() throws IOException {
            if (store == null) {
                GraftHome home = GraftHome.fromEnvironment();
                store = WeightStore.builder().home(home).mirrors(home.configuredMirrors()).build();
            }
            if (catalog == null) {
                catalog = Catalog.load(store.home());
            } else {
                List<CatalogEntry> all = new java.util.ArrayList<>(catalog.entries());
                for (CatalogEntry e : UserRegistry.read(store.home())) {
                    if (catalog.lookup(e.name()).isEmpty()) {
                        all.add(e);
                    }
                }
                catalog = Catalog.of(all);
            }
            return new Zoo(this);
        }
    }
}
