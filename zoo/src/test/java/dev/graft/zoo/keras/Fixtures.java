package dev.graft.zoo.keras;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Paths of the Keras fixtures under src/test/resources/keras (written by src/test/keras/make_fixtures.py). */
final class Fixtures {
    private Fixtures() {
    }

    static Path keras3(String file) {
        return resource("keras/keras3/" + file);
    }

    static Path keras2(String file) {
        return resource("keras/keras2/" + file);
    }

    private static Path resource(String name) {
        try {
            return Path.of(Fixtures.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test fixture " + name + " is missing; run src/test/keras/make_fixtures.py");
        }
    }
}
