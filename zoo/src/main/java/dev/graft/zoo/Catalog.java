package dev.graft.zoo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.zoo.store.WeightFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.model.AlexNet;
import org.deeplearning4j.zoo.model.Darknet19;
import org.deeplearning4j.zoo.model.FaceNetNN4Small2;
import org.deeplearning4j.zoo.model.InceptionResNetV1;
import org.deeplearning4j.zoo.model.LeNet;
import org.deeplearning4j.zoo.model.NASNet;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SimpleCNN;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.deeplearning4j.zoo.model.TextGenerationLSTM;
import org.deeplearning4j.zoo.model.TinyYOLO;
import org.deeplearning4j.zoo.model.UNet;
import org.deeplearning4j.zoo.model.VGG16;
import org.deeplearning4j.zoo.model.VGG19;
import org.deeplearning4j.zoo.model.Xception;
import org.deeplearning4j.zoo.model.YOLO2;

/**
 * Every model Graft knows by name: all of DL4J 1.0.0-M2.1's zoo with its pretrained variants (file names, the
 * Adler32 sums DL4J publishes, input shapes, preprocessing), plus the models the user registered.
 * <pre>{@code
 * Catalog catalog = Catalog.load(GraftHome.fromEnvironment());
 * PretrainedVariant v = catalog.find("vgg16").variant("imagenet");   // vgg16_dl4j_inference.zip, Adler32 3501732770
 * }</pre>
 *
 * <p>File names and checksums are those of DL4J's zoo classes ({@code pretrainedUrl}/{@code pretrainedChecksum});
 * the files live in the cache as {@code <models>/<lower-case class name>/<file>}, the layout DL4J itself uses.
 */
public final class Catalog {
    /** Where DL4J's zoo used to download from; the host no longer serves the files. */
    public static final String DL4J_ORIGINAL_BASE = "https://dl4jdata.blob.core.windows.net/models/";

    private static final String IMAGENET_NOTE = "ImageNet, 1000 classes; DL4J ships no label file offline "
            + "(its ImageNetLabels downloads one), so the card carries no labels";
    private static final Normalization VGG_MEANS = Normalization.of(1.0,
            new double[] {123.68, 116.779, 103.939}, new double[] {1, 1, 1});
    private static final Normalization UNIT = Normalization.scale(1 / 255.0);
    private static final Normalization TF_MODE = Normalization.of(1 / 127.5, new double[] {1, 1, 1},
            new double[] {1, 1, 1});

    private static final Catalog DL4J = new Catalog(dl4jEntries());

    private final Map<String, CatalogEntry> entries;

    private Catalog(List<CatalogEntry> list) {
        Map<String, CatalogEntry> m = new LinkedHashMap<>();
        for (CatalogEntry e : list) {
            if (m.put(e.name(), e) != null) {
                throw new IllegalArgumentException("catalog has two models named '" + e.name() + "'");
            }
        }
        this.entries = Collections.unmodifiableMap(m);
    }

    /** The DL4J zoo models only. */
    public static Catalog dl4j() {
        return DL4J;
    }

    /** A catalog of exactly these entries (tests, applications with their own models). */
    public static Catalog of(List<CatalogEntry> entries) {
        return new Catalog(entries);
    }

    /**
     * The DL4J zoo plus the models registered under {@code home} ({@code <home>/registry.json}).
     *
     * @throws IOException if the registry exists but cannot be read
     */
    public static Catalog load(GraftHome home) throws IOException {
        List<CatalogEntry> all = new ArrayList<>(DL4J.entries.values());
        all.addAll(UserRegistry.read(home));
        return new Catalog(all);
    }

    /** A copy of this catalog with {@code entry} added. */
    public Catalog with(CatalogEntry entry) {
        List<CatalogEntry> all = new ArrayList<>(entries.values());
        all.add(entry);
        return new Catalog(all);
    }

    /** All entries, DL4J's first, in catalog order. */
    public List<CatalogEntry> entries() {
        return List.copyOf(entries.values());
    }

    /** The entry called {@code name} (case-insensitive), if any. */
    public Optional<CatalogEntry> lookup(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(entries.get(name.toLowerCase(Locale.ROOT)));
    }

    /**
     * The entry called {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the models there are
     */
    public CatalogEntry find(String name) {
        return lookup(name).orElseThrow(() -> new IllegalArgumentException("model '" + name
                + "' not found; models are: " + String.join(", ", entries.keySet())));
    }

    /** Entries whose name, architecture, description or a variant name contains {@code text} (case-insensitive). */
    public List<CatalogEntry> search(String text) {
        String q = text.toLowerCase(Locale.ROOT);
        return entries.values().stream().filter(e -> e.name().contains(q)
                || e.architecture().toLowerCase(Locale.ROOT).contains(q)
                || e.description().toLowerCase(Locale.ROOT).contains(q)
                || e.variants().stream().anyMatch(v -> v.name().contains(q))).collect(Collectors.toList());
    }

    /** The catalog as JSON: one object per model with its variants (what {@code graft zoo list --json} prints). */
    public String toJson() {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ArrayNode arr = om.createArrayNode();
        for (CatalogEntry e : entries.values()) {
            ObjectNode o = arr.addObject();
            o.put("name", e.name()).put("architecture", e.architecture()).put("kind", e.kind().name())
                    .put("network", e.graph() ? "ComputationGraph" : "MultiLayerNetwork")
                    .put("layout", e.layout().name()).put("description", e.description());
            ArrayNode shape = o.putArray("inputShape");
            for (long d : e.inputShape()) {
                shape.add(d);
            }
            ArrayNode vs = o.putArray("variants");
            for (PretrainedVariant v : e.variants()) {
                ObjectNode vo = vs.addObject();
                vo.put("name", v.name()).put("file", v.file().relativePath());
                if (v.file().sha256() != null) {
                    vo.put("sha256", v.file().sha256());
                }
                if (v.file().adler32() != null) {
                    vo.put("adler32", v.file().adler32());
                }
                if (v.originalUrl() != null) {
                    vo.put("originalUrl", v.originalUrl());
                }
                ArrayNode vshape = vo.putArray("inputShape");
                for (long d : v.inputShape()) {
                    vshape.add(d);
                }
                vo.put("layout", v.layout().name()).put("numClasses", v.numClasses());
                vo.set("normalization", om.valueToTree(v.normalization()));
                if (v.notes() != null) {
                    vo.put("notes", v.notes());
                }
            }
        }
        try {
            return om.writeValueAsString(arr);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<CatalogEntry> dl4jEntries() {
        List<CatalogEntry> l = new ArrayList<>();
        l.add(zoo("alexnet", AlexNet.class, false, img(224), "AlexNet (Krizhevsky et al. 2012), architecture only"));
        l.add(zoo("darknet19", Darknet19.class, true, img(224), "Darknet-19, the YOLOv2 backbone",
                variant("imagenet", "darknet19", "darknet19_dl4j_inference.v2.zip", 691100891L, img(224), UNIT, 1000,
                        IMAGENET_NOTE + "; DL4J feeds it pixels scaled to 0..1")));
        l.add(zoo("facenetnn4small2", FaceNetNN4Small2.class, true, img(96),
                "FaceNet NN4 small2 face embedding network, architecture only"));
        l.add(zoo("inceptionresnetv1", InceptionResNetV1.class, true, img(160),
                "Inception-ResNet v1 (FaceNet embedding), architecture only"));
        l.add(zoo("lenet", LeNet.class, false, shape(1, 28, 28), "LeNet-5 style CNN for 28x28 grey images",
                variant("mnist", "lenet", "lenet_dl4j_mnist_inference.zip", 1906861161L, shape(1, 28, 28), UNIT, 10,
                        "MNIST digits 0-9 (labels \"0\"..\"9\"); pixels scaled to 0..1")));
        l.add(zoo("nasnet", NASNet.class, true, img(224), "NASNet (mobile by default; large variant at 331x331)",
                variant("imagenet", "nasnet", "nasnetmobile_dl4j_inference.v1.zip", 3082463801L, img(224), TF_MODE, 1000,
                        IMAGENET_NOTE + "; Keras 'tf' preprocessing, pixels mapped to -1..1"),
                variant("imagenet-large", "nasnet", "nasnetlarge_dl4j_inference.v1.zip", 321395591L, img(331), TF_MODE,
                        1000, IMAGENET_NOTE + "; NASNet-Large, 331x331 input; pixels mapped to -1..1")));
        l.add(zoo("resnet50", ResNet50.class, true, img(224), "ResNet-50 (He et al. 2015)",
                variant("imagenet", "resnet50", "resnet50_dl4j_inference.v3.zip", 3914447815L, img(224), VGG_MEANS, 1000,
                        IMAGENET_NOTE + "; converted from Keras (caffe preprocessing): per-channel mean subtraction")));
        l.add(zoo("simplecnn", SimpleCNN.class, false, img(48), "A small CNN for 48x48 colour images, architecture only"));
        l.add(zoo("squeezenet", SqueezeNet.class, true, img(227), "SqueezeNet 1.1",
                variant("imagenet", "squeezenet", "squeezenet_dl4j_inference.v2.zip", 3711411239L, img(227), VGG_MEANS,
                        1000, IMAGENET_NOTE + "; per-channel mean subtraction")));
        l.add(zoo("textgenerationlstm", TextGenerationLSTM.class, false, new long[0],
                "Character-level LSTM for text generation, architecture only (input set by maxLength/characters)"));
        l.add(zoo("tinyyolo", TinyYOLO.class, true, img(416), "Tiny YOLO v2 object detector",
                variant("imagenet", "tinyyolo", "tiny-yolo-voc_dl4j_inference.v2.zip", 1256226465L, img(416), UNIT, 20,
                        "trained on PASCAL VOC (20 classes) despite DL4J calling the variant IMAGENET; pixels 0..1")));
        l.add(zoo("unet", UNet.class, true, img(512), "U-Net for image segmentation",
                variant("segment", "unet", "unet_dl4j_segment_inference.v1.zip", 712347958L, img(512), UNIT, 1,
                        "binary segmentation mask output; pixels 0..1")));
        l.add(zoo("vgg16", VGG16.class, true, img(224), "VGG-16 (Simonyan and Zisserman 2014)",
                variant("imagenet", "vgg16", "vgg16_dl4j_inference.zip", 3501732770L, img(224), VGG_MEANS, 1000,
                        IMAGENET_NOTE + "; VGG preprocessing (RGB mean subtraction, no scaling); layer 19 is fc2"),
                variant("cifar10", "vgg16", "vgg16_dl4j_cifar10_inference.v1.zip", 2192260131L, img(224), VGG_MEANS, 10,
                        "CIFAR-10; input size and preprocessing as DL4J's builder defaults, not verified against the "
                                + "file (which cannot be downloaded here)"),
                variant("vggface", "vgg16", "vgg16_dl4j_vggface_inference.v1.zip", 2706403553L, img(224), VGG_MEANS,
                        2622, "VGGFace, 2622 identities; VGG preprocessing")));
        l.add(zoo("vgg19", VGG19.class, true, img(224), "VGG-19 (Simonyan and Zisserman 2014)",
                variant("imagenet", "vgg19", "vgg19_dl4j_inference.zip", 2782932419L, img(224), VGG_MEANS, 1000,
                        IMAGENET_NOTE + "; VGG preprocessing (RGB mean subtraction, no scaling)")));
        l.add(zoo("xception", Xception.class, true, img(299), "Xception (Chollet 2017)",
                variant("imagenet", "xception", "xception_dl4j_inference.v2.zip", 3277876097L, img(299), TF_MODE, 1000,
                        IMAGENET_NOTE + "; Keras 'tf' preprocessing, pixels mapped to -1..1")));
        l.add(zoo("yolo2", YOLO2.class, true, img(608), "YOLO v2 object detector",
                variant("imagenet", "yolo2", "yolo2_dl4j_inference.v3.zip", 3658373840L, img(608), UNIT, 80,
                        "trained on COCO (80 classes) despite DL4J calling the variant IMAGENET; pixels 0..1")));
        return l;
    }

    private static long[] img(int side) {
        return new long[] {3, side, side};
    }

    private static long[] shape(long... s) {
        return s;
    }

    private static CatalogEntry zoo(String name, Class<? extends ZooModel> cls, boolean graph, long[] shape,
                                    String description, PretrainedVariant... variants) {
        return new CatalogEntry(name, cls.getSimpleName(), CatalogEntry.Kind.DL4J_ZOO, cls, graph,
                shape.length == 3 ? InputLayout.NCHW : InputLayout.NCW, shape, description, List.of(variants));
    }

    private static PretrainedVariant variant(String name, String folder, String file, long adler32, long[] shape,
                                             Normalization norm, int numClasses, String notes) {
        return new PretrainedVariant(name, WeightFile.adler32(folder, file, adler32), DL4J_ORIGINAL_BASE + file,
                InputLayout.NCHW, shape, norm, numClasses, notes);
    }
}
