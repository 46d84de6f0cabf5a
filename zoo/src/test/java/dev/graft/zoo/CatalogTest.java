package dev.graft.zoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class CatalogTest {

    /** Every concrete ZooModel class in DL4J's zoo jar. */
    static Stream<Class<?>> dl4jZooClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path jar = Path.of(ZooModel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Class<?>> out = new ArrayList<>();
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (String n : z.stream().map(e -> e.getName()).toList()) {
                if (n.startsWith("org/deeplearning4j/zoo/model/") && n.endsWith(".class") && !n.contains("$")
                        && n.indexOf('/', "org/deeplearning4j/zoo/model/".length()) < 0) {
                    Class<?> c = Class.forName(n.replace('/', '.').replace(".class", ""));
                    if (ZooModel.class.isAssignableFrom(c) && !java.lang.reflect.Modifier.isAbstract(c.getModifiers())) {
                        out.add(c);
                    }
                }
            }
        }
        assertThat(out).hasSizeGreaterThanOrEqualTo(16);
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("dl4jZooClasses")
    void everyDl4jZooModelIsCatalogedWithDl4jsOwnFileNamesAndChecksums(Class<?> cls) throws Exception {
        CatalogEntry e = Catalog.dl4j().find(cls.getSimpleName().toLowerCase(Locale.ROOT));
        assertThat(e.zooClass()).isEqualTo(cls);
        Object builder = cls.getMethod("builder").invoke(null);
        ZooModel zm = (ZooModel) builder.getClass().getMethod("build").invoke(builder);
        assertThat(e.graph()).isEqualTo(zm.modelType().getSimpleName().equals("ComputationGraph"));
        int expectedVariants = 0;
        for (PretrainedType t : PretrainedType.values()) {
            if (!zm.pretrainedAvailable(t)) {
                continue;
            }
            expectedVariants++;
            PretrainedVariant v = e.variant(t.name().toLowerCase(Locale.ROOT).replace("imagenetlarge", "imagenet-large"));
            String url = zm.pretrainedUrl(t);
            assertThat(url).endsWith("/" + v.file().fileName());
            assertThat(v.originalUrl()).isEqualTo(url);
            assertThat(v.file().adler32()).isEqualTo(zm.pretrainedChecksum(t));
            assertThat(v.file().folder()).isEqualTo(cls.getSimpleName().toLowerCase(Locale.ROOT));
            assertThat(v.numClasses()).isPositive();
        }
        assertThat(e.variants()).hasSize(expectedVariants);
    }

    @Test
    void vgg16ImagenetCarriesVggPreprocessingAndItsInputShape() {
        PretrainedVariant v = Catalog.dl4j().find("VGG16").variant("imagenet");
        assertThat(v.file().relativePath()).isEqualTo("vgg16/vgg16_dl4j_inference.zip");
        assertThat(v.file().adler32()).isEqualTo(3501732770L);
        assertThat(v.inputShape()).containsExactly(3, 224, 224);
        assertThat(v.normalization().mean()).containsExactly(123.68, 116.779, 103.939);
        assertThat(v.numClasses()).isEqualTo(1000);
    }

    @Test
    void unknownNamesAndVariantsAreRejectedWithTheChoices() {
        assertThatThrownBy(() -> Catalog.dl4j().find("vgg61")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model 'vgg61' not found").hasMessageContaining("vgg16, vgg19");
        assertThatThrownBy(() -> Catalog.dl4j().find("vgg16").variant("mnist"))
                .hasMessageContaining("variants are: imagenet, cifar10, vggface");
        assertThatThrownBy(() -> Catalog.dl4j().find("alexnet").defaultVariant())
                .hasMessageContaining("no pretrained weights");
    }

    @Test
    void jsonListsEveryModelWithVariantsAndSearchFindsByText() {
        String json = Catalog.dl4j().toJson();
        assertThat(json).contains("\"name\" : \"resnet50\"").contains("\"adler32\" : 3914447815")
                .contains("resnet50/resnet50_dl4j_inference.v3.zip");
        assertThat(Catalog.dl4j().search("detector")).extracting(CatalogEntry::name).containsExactly("tinyyolo", "yolo2");
    }
}
