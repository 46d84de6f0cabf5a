package dev.graft.engine;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Graft's one reading of its settings from the outside world, with one grammar: a setting named {@code camelName}
 * is the system property {@code graft.camelName} or, when that is not set, the environment variable
 * {@code GRAFT_CAMEL_NAME}. Switches read {@code on/off/true/false}; numbers are whole numbers.
 *
 * <p>This class and the command-line entry points are the only places in Graft's main code that read system
 * properties or the environment; everything else receives an immutable settings object
 * ({@link EngineSettings}, {@code GraftHome}).
 *
 * @apiNote Internal: the one reader of Graft's environment variables and system properties, public for zoo,
 *     transfer and the CLI; users set EngineSettings.
 */
public final class Settings {
    private final Properties properties;
    private final Map<String, String> environment;

    private Settings(Properties properties, Map<String, String> environment) {
        this.properties = Objects.requireNonNull(properties, "properties");
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    /** The JVM's system properties and the process environment, as they are now. */
    public static Settings ofProcess() {
        return new Settings(System.getProperties(), System.getenv());
    }

    /** Given properties and environment (for tests and embedding applications). */
    public static Settings of(Properties properties, Map<String, String> environment) {
        return new Settings(properties, environment);
    }

    /** {@code graft.} + name: the system property of a setting. */
    public static String propertyName(String name) {
        return "graft." + name;
    }

    /** {@code GRAFT_} + the name in upper snake case ({@code trainBlasThreads -> GRAFT_TRAIN_BLAS_THREADS}). */
    public static String environmentName(String name) {
        return "GRAFT_" + name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    /** The raw value of setting {@code name} (property first, then environment), or null when neither is set. */
    public String raw(String name) {
        String p = properties.getProperty(propertyName(name));
        if (p != null && !p.isBlank()) {
            return p.trim();
        }
        String e = environment.get(environmentName(name));
        return e == null || e.isBlank() ? null : e.trim();
    }

    /** A raw value of a property outside Graft's grammar (another library's switch), or null. */
    public String foreignProperty(String property) {
        String p = properties.getProperty(property);
        return p == null || p.isBlank() ? null : p.trim();
    }

    /**
     * Sets a system property that another library reads on its own (AWT's {@code java.awt.headless}, Aeron's
     * timeouts) to {@code value} unless it is set already — the one place Graft's main code writes a system property
     * outside the command-line entry points.
     *
     * @return the value in force afterwards (the caller's own, when it was set)
     */
    public static String defaultProperty(String property, String value) {
        String now = System.getProperty(property);
        if (now != null) {
            return now;
        }
        System.setProperty(property, value);
        return value;
    }

    /**
     * An environment variable exactly as set (not trimmed: another library may read it untrimmed), or null when
     * unset or blank.
     */
    public String foreignEnvironment(String variable) {
        String e = environment.get(variable);
        return e == null || e.isBlank() ? null : e;
    }

    /**
     * Switch {@code name}: {@code on/true/yes/1} or {@code off/false/no/0} (any case), {@code fallback} when unset.
     *
     * @throws IllegalArgumentException when set to anything else (the message names the property, the environment
     *                                  variable and the value)
     */
    public boolean flag(String name, boolean fallback) {
        String v = raw(name);
        if (v == null) {
            return fallback;
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "on": case "true": case "yes": case "1":
                return true;
            case "off": case "false": case "no": case "0":
                return false;
            default:
                throw new IllegalArgumentException("setting " + describe(name) + " must be on or off, got '" + v
                        + "'; unset it for the default (" + (fallback ? "on" : "off") + ")");
        }
    }

    /**
     * Whole number {@code name} from {@code min} to {@code max}, or null when unset.
     *
     * @throws IllegalArgumentException when set to anything else
     */
    public Integer whole(String name, int min, int max) {
        String v = raw(name);
        if (v == null) {
            return null;
        }
        int n = v.matches("\\d{1,9}") ? Integer.parseInt(v) : Integer.MIN_VALUE;
        if (n < min || n > max) {
            throw new IllegalArgumentException("setting " + describe(name) + " must be a whole number from " + min
                    + " to " + max + ", got '" + v + "'; unset it for the default");
        }
        return n;
    }

    /**
     * One of {@code choices} (case-insensitive, returned lower case), or {@code fallback} when unset.
     *
     * @throws IllegalArgumentException when set to anything else
     */
    public String choice(String name, String fallback, String... choices) {
        String v = raw(name);
        if (v == null) {
            return fallback;
        }
        for (String c : choices) {
            if (c.equalsIgnoreCase(v)) {
                return c;
            }
        }
        throw new IllegalArgumentException("setting " + describe(name) + " must be one of "
                + String.join(", ", choices) + ", got '" + v + "'");
    }

    private static String describe(String name) {
        return propertyName(name) + " / " + environmentName(name);
    }
}
