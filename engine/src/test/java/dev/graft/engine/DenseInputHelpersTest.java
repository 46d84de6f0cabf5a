package dev.graft.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * DL4J's oneDNN convolution and batch-norm helpers read a strided view as if it were dense (measured: errors of
 * 1e36 for a permuted view, 1-3 for a cropped one); Graft's dense-input helpers give the same result for a view as
 * for a dense copy of it, and leave dense inputs alone.
 */
class DenseInputHelpersTest {
    private static final LayerWorkspaceMgr WS = LayerWorkspaceMgr.noWorkspaces();

    /** NHWC [2, 6, 7, 5] batches laid out four ways. */
    private static Map<String, INDArray> layouts() {
        Nd4j.getRandom().setSeed(11);
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("dense", Nd4j.rand(DataType.FLOAT, 2, 6, 7, 5));
        m.put("permuted (NCHW viewed as NHWC)", Nd4j.rand(DataType.FLOAT, 2, 5, 6, 7).permute(0, 2, 3, 1));
        m.put("cropped", Nd4j.rand(DataType.FLOAT, 2, 8, 9, 5).get(NDArrayIndex.all(), NDArrayIndex.interval(1, 7),
                NDArrayIndex.interval(2, 9), NDArrayIndex.all()));
        m.put("column-major", Nd4j.rand(DataType.FLOAT, 2, 6, 7, 5).dup('f'));
        return m;
    }

    @Test
    void convolutionOfAViewEqualsConvolutionOfItsDenseCopy() {
        INDArray w = Nd4j.rand(DataType.FLOAT, 3, 5, 2, 2);
        INDArray b = Nd4j.rand(DataType.FLOAT, 1, 3);
        layouts().forEach((name, x) -> {
            INDArray got = conv(new DenseInputHelpers.ConvHelper(), x, w, b);
            INDArray want = conv(new DenseInputHelpers.ConvHelper(), x.dup('c'), w, b);
            assertThat(got.sub(want).amaxNumber().doubleValue()).as(name).isLessThan(1e-6);
        });
    }

    @Test
    void batchNormOfAViewEqualsBatchNormOfItsDenseCopy() {
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 5);
        INDArray beta = Nd4j.rand(DataType.FLOAT, 5);
        INDArray mean = Nd4j.rand(DataType.FLOAT, 5);
        INDArray var = Nd4j.rand(DataType.FLOAT, 5).addi(0.5);
        layouts().forEach((name, x) -> {
            INDArray got = new DenseInputHelpers.BatchNormHelper().preOutput(x, false, x.shape(), gamma, beta, mean,
                    var, 0.9, 1e-3, CNN2DFormat.NHWC, WS);
            INDArray want = new DenseInputHelpers.BatchNormHelper().preOutput(x.dup('c'), false, x.shape(), gamma,
                    beta, mean, var, 0.9, 1e-3, CNN2DFormat.NHWC, WS);
            assertThat(got.sub(want).amaxNumber().doubleValue()).as(name).isLessThan(1e-6);
        });
    }

    @Test
    void onlyNonDenseStridesAreCopied() {
        INDArray dense = Nd4j.rand(DataType.FLOAT, 2, 6, 7, 5);
        assertThat(DenseInputHelpers.dense(dense)).isSameAs(dense);
        INDArray offsetButDense = Nd4j.rand(DataType.FLOAT, 100).get(NDArrayIndex.interval(10, 70)).reshape(3, 4, 5);
        assertThat(DenseInputHelpers.isDenseRowMajor(offsetButDense)).isTrue();
        INDArray permuted = dense.permute(0, 3, 1, 2);
        assertThat(DenseInputHelpers.isDenseRowMajor(permuted)).isFalse();
        assertThat(DenseInputHelpers.dense(permuted)).isNotSameAs(permuted).isEqualTo(permuted);
    }

    private static INDArray conv(DenseInputHelpers.ConvHelper h, INDArray x, INDArray w, INDArray b) {
        return h.preOutput(x, w, b, new int[] {2, 2}, new int[] {1, 1}, new int[] {0, 0},
                ConvolutionLayer.AlgoMode.PREFER_FASTEST, ConvolutionLayer.FwdAlgo.IMPLICIT_GEMM,
                ConvolutionMode.Truncate, new int[] {1, 1}, CNN2DFormat.NHWC, WS);
    }
}
