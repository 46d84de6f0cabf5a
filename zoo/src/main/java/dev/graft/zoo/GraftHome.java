package dev.graft.zoo;

import dev.graft.engine.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Where Graft keeps its files and settings, read in one place.
 *
 * <p>The home folder is the system property {@code graft.home}, else the environment variable
 * {@code GRAFT_HOME}, else {@code ~/.graft}. Downloaded and registered weights live under
 * {@code <home>/models}. Mirrors come from the system property {@code graft.mirrors}, else
 * {@code GRAFT_MIRRORS}, else the {@code mirrors} key of {@code <home>/settings.properties}
 * (comma- or whitespace-separated URLs).
 */
public final class GraftHome {
    private final Path root;

    private GraftHome(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The home folder the environment names (see class doc). */
    public static GraftHome fromEnvironment() {
        Settings settings = Settings.ofProcess();
        String p = settings.raw("home");
        if (p == null) {
            return new GraftHome(Path.of(settings.foreignProperty("user.home"), ".graft"));
        }
        return new GraftHome(Path.of(p));
    }

    /** A home at an explicit folder (tests, embedding applications). */
    public static GraftHome at(Path root) {
        return new GraftHome(root);
    }

    /** The home folder itself. */
    public Path root() {
        return root;
    }

    /** The weight cache: {@code <home>/models}. */
    public Path models() {
        return root.resolve("models");
    }

    /** The file listing models the user registered: {@code <home>/registry.json}. */
    public Path registry() {
        return root.resolve("registry.json");
    }

    /** The settings file: {@code <home>/settings.properties} (may not exist). */
    public Path settings() {
        return root.resolve("settings.properties");
    }

    /** Mirror base URLs configured outside the command line, in order; empty if none. */
    public List<String> configuredMirrors() throws IOException {
        String v = Settings.ofProcess().raw("mirrors");
        if (v == null && Files.isRegularFile(settings())) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(settings())) {
                p.load(in);
            }
            v = p.getProperty("mirrors");
        }
        List<String> out = new ArrayList<>();
        if (v != null) {
            for (String s : v.trim().split("[,\\s]+")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
