package dev.graft.examples;

import dev.graft.zoo.GraftHome;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Zoo;
import dev.graft.zoo.inspect.Inspection;
import dev.graft.zoo.inspect.ModelInspector;
import dev.graft.zoo.store.WeightNotAvailableException;
import dev.graft.zoo.store.WeightStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A tour of Graft's zoo in a throwaway home folder: what the catalog says about VGG16, what offline mode says
 * when its weights are missing, a zoo model registered and loaded back by name, and its layer table.
 *
 * <pre>java -cp examples/target/graft-cli.jar dev.graft.examples.ZooTour</pre>
 */
public final class ZooTour {
    private ZooTour() {
    }

    /** Runs the tour. */
    public static void main(String[] args) throws Exception {
        Path home = Files.createTempDirectory("graft-zoo-tour");
        Zoo zoo = Zoo.builder().store(WeightStore.builder().home(GraftHome.at(home)).offline(true).build()).build();

        System.out.println("vgg16 imagenet: " + zoo.catalog().find("vgg16").variant("imagenet"));
        try {
            zoo.load("vgg16");
        } catch (WeightNotAvailableException e) {
            System.out.println("offline, as expected: " + e.getMessage());
        }

        GraftModel lenet = zoo.init("lenet", 10, 42);
        zoo.register("tour-lenet", lenet);
        GraftModel again = zoo.load("tour-lenet");
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 1, 28, 28).muli(255);
        System.out.println("same outputs after store round trip: " + lenet.predict(x).equals(again.predict(x)));

        Inspection table = ModelInspector.inspect(again);
        System.out.println(table.toTable());
        try (java.util.stream.Stream<Path> files = Files.walk(home)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
