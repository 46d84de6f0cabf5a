package dev.graft.zoo.npz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Fixtures: src/test/resources/npz, written by make_small_cnn.py (PyTorch); reference outputs beside them. */
class NpzWeightsTest {
    @TempDir
    Path tmp;

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(NpzWeightsTest.class.getResource("/npz/" + name).toURI());
    }

    /** The DL4J twin of make_small_cnn.py's SmallCnn. */
    static MultiLayerNetwork smallCnn() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(4).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc1").nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("fc2").nOut(3)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(6, 6, 1)).build());
        net.init();
        return net;
    }

    private static double maxAbsDiff(MultiLayerNetwork net) throws Exception {
        Map<String, INDArray> ref = NpzFile.read(fixture("small_cnn_reference.npz"));
        INDArray y = net.output(ref.get("x"), false);
        assertThat(y.shape()).containsExactly(2, 3);
        return y.sub(ref.get("y")).amaxNumber().doubleValue();
    }

    @Test
    void pytorchStateDictLoadsAndMatchesPytorchOutputs() throws Exception {
        MultiLayerNetwork net = smallCnn();
        double before = maxAbsDiff(net);

        NpzWeights.Report r = NpzWeights.load(net, fixture("small_cnn_torch.npz"),
                NameMap.read(fixture("small_cnn_torch.map.json")));

        assertThat(maxAbsDiff(net)).isLessThanOrEqualTo(1e-5);
        assertThat(before).isGreaterThan(1e-2); // the random init was really replaced
        assertThat(r.assigned()).containsExactly("conv1/W", "conv1/b", "fc1/W", "fc1/b", "fc2/W", "fc2/b");
        assertThat(r.unmappedParameters()).isEmpty();
        assertThat(r.unusedArrays()).isEmpty();
    }

    @Test
    void tensorflowLayoutsHwioAndInOutLoadToTheSameOutputs() throws Exception {
        MultiLayerNetwork net = smallCnn();
        NpzWeights.load(net, fixture("small_cnn_tf.npz"), NameMap.read(fixture("small_cnn_tf.map.json")));
        assertThat(maxAbsDiff(net)).isLessThanOrEqualTo(1e-5);
    }

    @Test
    void wrongShapeNamesTheParameterAndBothShapesAndChangesNothing() throws Exception {
        MultiLayerNetwork net = smallCnn();
        INDArray paramsBefore = net.params().dup();
        NameMap map = NameMap.builder().map("conv1/b", "conv1.bias", ArrayLayout.AS_IS)
                .map("fc1/W", "fc2.weight", ArrayLayout.DENSE_OUT_IN).build();

        assertThatThrownBy(() -> NpzWeights.load(net, fixture("small_cnn_torch.npz"), map))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fc1/W").hasMessageContaining("fc2.weight")
                .hasMessageContaining("[3, 5]").hasMessageContaining("[5, 3] after DENSE_OUT_IN")
                .hasMessageContaining("[64, 5]");
        assertThat(net.params()).isEqualTo(paramsBefore);
    }

    /** A malformed input: weights with NaN (a diverged export) are refused by array and count, nothing written. */
    @Test
    void nanOrInfiniteWeightsAreRefusedAndChangeNothing() throws Exception {
        MultiLayerNetwork net = smallCnn();
        INDArray paramsBefore = net.params().dup();
        Map<String, INDArray> arrays = new java.util.LinkedHashMap<>(NpzFile.read(fixture("small_cnn_torch.npz")));
        INDArray bias = arrays.get("conv1.bias").dup();
        bias.putScalar(0, Float.NaN);
        bias.putScalar(1, Float.POSITIVE_INFINITY);
        arrays.put("conv1.bias", bias);
        NameMap map = NameMap.builder().map("conv1/b", "conv1.bias", ArrayLayout.AS_IS).build();
        assertThatThrownBy(() -> NpzWeights.assign(net, arrays, map))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'conv1.bias' (for 'conv1/b') holds 2 NaN or infinite value(s) of 4");
        assertThat(net.params()).isEqualTo(paramsBefore);
    }

    @Test
    void partialMapReportsUnmappedParametersAndUnusedArrays() throws Exception {
        MultiLayerNetwork net = smallCnn();
        NameMap map = NameMap.builder().map("conv1/W", "conv1.weight", ArrayLayout.CONV_OIHW)
                .map("2/b", "fc2.bias", ArrayLayout.AS_IS).build(); // layers can be named by index too

        NpzWeights.Report r = NpzWeights.load(net, fixture("small_cnn_torch.npz"), map);

        assertThat(r.unmappedParameters()).containsExactly("conv1/b", "fc1/W", "fc1/b", "fc2/W");
        assertThat(r.unusedArrays()).containsExactly("conv1.bias", "fc1.weight", "fc1.bias", "fc2.weight");
    }

    @Test
    void badMapsFailWithTheChoices() throws Exception {
        MultiLayerNetwork net = smallCnn();
        Path npz = fixture("small_cnn_torch.npz");
        assertThatThrownBy(() -> NpzWeights.load(net, npz, NameMap.parse("{\"fc9/W\": \"fc1.weight\"}")))
                .hasMessageContaining("layer 'fc9' not found").hasMessageContaining("conv1, fc1, fc2");
        assertThatThrownBy(() -> NpzWeights.load(net, npz, NameMap.parse("{\"fc1/Q\": \"fc1.weight\"}")))
                .hasMessageContaining("has no parameter 'Q'").hasMessageContaining("W, b");
        assertThatThrownBy(() -> NpzWeights.load(net, npz, NameMap.parse("{\"fc1/W\": \"fc1.weights\"}")))
                .hasMessageContaining("'fc1.weights'").hasMessageContaining("fc1.weight, fc1.bias");
        assertThatThrownBy(() -> NameMap.parse("{\"fc1/W\": {\"from\": \"a\", \"layout\": \"NHWC\"}}"))
                .hasMessageContaining("unknown layout 'NHWC'");
        assertThatThrownBy(() -> NameMap.parse("{\"fc1W\": \"a\"}")).hasMessageContaining("\"layer/param\"");
        Path notZip = tmp.resolve("x.npz");
        Files.writeString(notZip, "hello");
        assertThatThrownBy(() -> NpzFile.read(notZip)).isInstanceOf(IOException.class)
                .hasMessageContaining("not an npz archive");
    }

    @Test
    void npyHeadersOfOtherDtypesAndFortranOrderAreRead() throws Exception {
        // a hand-written .npy: float64, Fortran order, shape (2, 3), values 0..5 in column-major order
        String header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }";
        StringBuilder h = new StringBuilder(header);
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(10 + h.length() + 48).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.put((byte) 0x93).put("NUMPY".getBytes()).put((byte) 1).put((byte) 0).putShort((short) h.length())
                .put(h.toString().getBytes());
        for (int i = 0; i < 6; i++) {
            bb.putDouble(i);
        }
        INDArray a = NpzFile.readNpy(bb.array(), "test");
        assertThat(a.shape()).containsExactly(2, 3);
        assertThat(a.getDouble(0, 1)).isEqualTo(2.0); // column-major: (0,1) is the 3rd stored value
        assertThat(a.getDouble(1, 0)).isEqualTo(1.0);
        assertThat(NpzFile.halfToFloat((short) 0x3C00)).isEqualTo(1.0f);
        assertThat(NpzFile.halfToFloat((short) 0xC000)).isEqualTo(-2.0f);
    }
}
