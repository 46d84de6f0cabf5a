package dev.graft.transfer.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.transfer.data.DataSpec;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

class HalfAndAugmentationTest {
    private static final LabeledData DATA = DataSpec.load("digits:0-4").samplePerClass(12, 1);

    @TempDir
    Path tmp;

    @Test
    void everyFiniteHalfSurvivesARoundTrip() {
        for (int h = 0; h < 1 << 16; h++) {
            float f = Half.toFloat((short) h);
            if (!Float.isNaN(f)) {
                assertThat(Half.fromFloat(f) & 0xffff).as("half 0x%04x", h).isEqualTo(h);
            }
        }
        assertThat(Half.toFloat(Half.fromFloat(1e6f))).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Half.toFloat(Half.fromFloat(Float.NaN))).isNaN();
        assertThat(Half.toFloat(Half.fromFloat(1e-9f))).isEqualTo(0f);
    }

    @Test
    void nd4jWidensEveryHalfBitPatternLikeGraft() {
        // The cache iterator copies float16 rows into an ND4J HALF array and lets ND4J widen them; this must give
        // exactly the floats Graft's own decoder gives, for all 65536 bit patterns.
        INDArray halves = Nd4j.createUninitialized(DataType.HALF, 1 << 16);
        java.nio.ByteBuffer bb = halves.data().asNio().order(java.nio.ByteOrder.nativeOrder());
        for (int h = 0; h < 1 << 16; h++) {
            bb.putShort(2 * h, (short) h);
        }
        INDArray widened = halves.castTo(DataType.FLOAT);
        for (int h = 0; h < 1 << 16; h++) {
            float graft = Half.toFloat((short) h);
            float nd4j = widened.getFloat(h);
            if (Float.isNaN(graft)) {
                assertThat(nd4j).as("half 0x%04x", h).isNaN();
            } else {
                assertThat(Float.floatToRawIntBits(nd4j)).as("half 0x%04x", h).isEqualTo(Float.floatToRawIntBits(graft));
            }
        }
    }

    @Test
    void floatToHalfRoundsToNearestEvenLikeNd4j() {
        Random r = new Random(4);
        float[] values = new float[20000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 5));
        }
        values[0] = 1 + 0x1.0p-11f; // exactly halfway between 1 and the next half: ties to even (1)
        values[1] = 1 + 3 * 0x1.0p-11f; // halfway, rounds up to the even neighbour
        INDArray nd4j = Nd4j.createFromArray(values).castTo(DataType.HALF).castTo(DataType.FLOAT);
        for (int i = 0; i < values.length; i++) {
            assertThat(Half.toFloat(Half.fromFloat(values[i]))).as("value %s", values[i]).isEqualTo(nd4j.getFloat(i));
        }
        assertThat(Half.toFloat(Half.fromFloat(values[0]))).isEqualTo(1f);
        assertThat(Half.toFloat(Half.fromFloat(values[1]))).isEqualTo(1 + 0x1.0p-9f);
    }

    @Test
    void float16CacheStoresTheRoundedFloat32Features() throws Exception {
        GraftModel model = TinyModels.mlp(2);
        Featurizer f = Featurizers.cut(model, "dense1");
        FeatureCache half = FeatureCache.builder(tmp.resolve("h")).featurizer(f).source(DATA).shardRows(25)
                .precision(Precision.FLOAT16).build();
        half.build();
        DataSetIterator it = half.iterator(16, -1);
        DataSetIterator src = DATA.iterator(16);
        while (src.hasNext()) {
            DataSet raw = src.next();
            INDArray expected = f.featurize(raw.getFeatures()).castTo(DataType.HALF).castTo(DataType.FLOAT);
            DataSet cached = it.next();
            assertThat(cached.getFeatures()).isEqualTo(expected);
            assertThat(cached.getLabels()).isEqualTo(raw.getLabels());
        }
        long bytes32 = ShardFile.fileBytes(60, 16, 5, Precision.FLOAT32);
        long bytes16 = ShardFile.fileBytes(60, 16, 5, Precision.FLOAT16);
        assertThat(bytes16).isLessThan(bytes32);
    }

    private FeatureCache augmented(Path dir, int batch, long seed, boolean keepOriginal) {
        return FeatureCache.builder(dir).featurizer(Featurizers.cut(TinyModels.mlp(2), "dense2")).source(DATA)
                .shardRows(50).batchSize(batch).augment(Augmenters.parse("noise:2,mask:0.1", InputLayout.FLAT), 3, seed)
                .keepOriginal(keepOriginal).build();
    }

    @Test
    void augmentedViewsAreStoredExampleMajorAndDifferFromEachOther() throws Exception {
        FeatureCache cache = augmented(tmp.resolve("a"), 16, 5, true);
        cache.build();
        assertThat(cache.viewsPerExample()).isEqualTo(4);
        assertThat(cache.size()).isEqualTo(4L * DATA.size());
        DataSet all = cache.iterator(Integer.MAX_VALUE, -1).next();
        INDArray plain = cache.featurizer().featurize(DATA.features());
        for (int i = 0; i < DATA.size(); i++) {
            assertThat(all.getFeatures().getRow(4L * i)).as("view 0 is the original").isEqualTo(plain.getRow(i));
            for (int v = 1; v < 4; v++) {
                assertThat(all.getFeatures().getRow(4L * i + v)).isNotEqualTo(plain.getRow(i));
                assertThat(all.getLabels().getRow(4L * i + v)).isEqualTo(all.getLabels().getRow(4L * i));
            }
            assertThat(all.getFeatures().getRow(4L * i + 1)).isNotEqualTo(all.getFeatures().getRow(4L * i + 2));
        }
    }

    @Test
    void viewsDependOnSeedNotOnBatchSize() throws Exception {
        FeatureCache a = augmented(tmp.resolve("a"), 7, 5, false);
        FeatureCache b = augmented(tmp.resolve("b"), 32, 5, false);
        assertThat(a.key()).isEqualTo(b.key());
        a.build();
        b.build();
        // Same augmented inputs; only the forward pass's float rounding may differ between batch sizes.
        INDArray fa = a.iterator(Integer.MAX_VALUE, -1).next().getFeatures();
        INDArray fb = b.iterator(Integer.MAX_VALUE, -1).next().getFeatures();
        assertThat(fa.sub(fb).amaxNumber().doubleValue()).isLessThan(1e-5);
        FeatureCache plain = FeatureCache.builder(tmp.resolve("p")).featurizer(a.featurizer()).source(DATA).build();
        plain.build();
        INDArray fp = plain.iterator(Integer.MAX_VALUE, -1).next().getFeatures();
        assertThat(fa.getRow(0).sub(fp.getRow(0)).amaxNumber().doubleValue()).as("views are augmented").isGreaterThan(1e-3);
        assertThat(Files.exists(tmp.resolve("a").resolve(ShardFile.name(4)))).isFalse(); // 180 rows / 50
        CacheReport reseeded = augmented(tmp.resolve("a"), 7, 6, false).build();
        assertThat(reseeded.reason()).isEqualTo("key changed: augmentation");
    }

    @Test
    void augmentationSpecErrorsNameTheProblem() {
        assertThatThrownBy(() -> Augmenters.parse("blur:2", InputLayout.FLAT)).hasMessageContaining("unknown augmentation 'blur:2'");
        assertThatThrownBy(() -> Augmenters.parse("noise:x", InputLayout.FLAT)).hasMessageContaining("needs a number");
        assertThatThrownBy(() -> Augmenters.parse("shift:1", InputLayout.FLAT)).hasMessageContaining("layout is FLAT");
        assertThatThrownBy(() -> Augmenters.parse("mask:1.5", InputLayout.FLAT)).hasMessageContaining("(0, 1)");
    }

    @Test
    void shiftMovesImagesByWholePixels() {
        INDArray img = Nd4j.zeros(DataType.FLOAT, 1, 1, 5, 5);
        img.putScalar(new long[] {0, 0, 2, 2}, 7f);
        Augmenter shift = Augmenters.shift(1, InputLayout.NCHW);
        INDArray out = shift.augment(img, new Random[] {new Random(3)});
        assertThat(out.sumNumber().floatValue()).isEqualTo(7f);
        long at = Nd4j.argMax(out.reshape(25)).getLong(0);
        assertThat(Math.abs(at / 5 - 2)).isLessThanOrEqualTo(1);
        assertThat(Math.abs(at % 5 - 2)).isLessThanOrEqualTo(1);
        boolean moved = false;
        for (int seed = 0; seed < 10; seed++) {
            moved |= shift.augment(img, new Random[] {new Random(seed)}).getFloat(0, 0, 2, 2) != 7f;
        }
        assertThat(moved).as("some seed moves the pixel").isTrue();
        assertThat(img.getFloat(0, 0, 2, 2)).as("input untouched").isEqualTo(7f);
    }
}
