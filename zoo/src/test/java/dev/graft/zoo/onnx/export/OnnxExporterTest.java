package dev.graft.zoo.onnx.export;

import static dev.graft.zoo.onnx.export.ExportChecks.assertExportMatches;
import static dev.graft.zoo.onnx.export.ExportChecks.batch;
import static dev.graft.zoo.onnx.export.ExportChecks.randomizeBatchNorms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration.ListBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import dev.graft.zoo.layers.Affine;
import dev.graft.zoo.layers.GeluExact;
import dev.graft.zoo.layers.HardSilu;
import dev.graft.zoo.layers.KerasHardSigmoid;

/** DL4J MultiLayerNetworks of each translated layer type, exported and run in ONNX Runtime next to DL4J. */
class OnnxExporterTest {

    private static ListBuilder list() {
        return new NeuralNetConfiguration.Builder().seed(7).weightInit(WeightInit.XAVIER).updater(new NoOp())
                .list();
    }

    private static MultiLayerNetwork init(ListBuilder b) {
        MultiLayerNetwork net = new MultiLayerNetwork(b.build());
        net.init();
        randomizeBatchNorms(net, 11);
        return net;
    }

    private static INDArray images(CNN2DFormat f, int c, int h, int w) {
        return f == CNN2DFormat.NCHW ? batch(3, 2, c, h, w) : batch(3, 2, h, w, c);
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void convolutionsWithPaddingStrideDilationAndSameModeMatchDl4j(CNN2DFormat f) throws Exception {
        MultiLayerNetwork net = init(list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(5).stride(2, 2).padding(1, 2)
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).dilation(2, 2)
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.TANH).build())
                .layer(new ConvolutionLayer.Builder(3, 2).nOut(4).stride(2, 1)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).dilation(2, 2).hasBias(false)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.SIGMOID).build())
                .setInputType(InputType.convolutional(17, 15, 3, f)));
        // ONNX Runtime refuses auto_pad with dilation: Same mode with dilation needs the input size for its pads
        assertThatThrownBy(() -> OnnxExporter.builder(net).build().export())
                .isInstanceOf(OnnxExportException.class)
                .hasMessageContaining("layer 'layer3' (ConvolutionLayer, Same mode, dilation [2, 2])")
                .hasMessageContaining("inputTypes(InputType.convolutional(h, w, c, format))");
        ExportedOnnxModel m = assertExportMatches(OnnxExporter.builder(net)
                .inputTypes(InputType.convolutional(17, 15, 3, f)), net, images(f, 3, 17, 15));
        assertThat(m.inputNames()).containsExactly("input");
        assertThat(m.outputNames()).containsExactly("layer3");
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void depthwiseAndSeparableBlocksWithBatchNormMatchDl4j(CNN2DFormat f) throws Exception {
        MultiLayerNetwork net = init(list()
                .layer(new ConvolutionLayer.Builder(1, 1).nOut(6).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer(Activation.RELU6))
                .layer(new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2).stride(2, 2)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer(Activation.RELU6))
                .layer(new SeparableConvolution2D.Builder(3, 3).nOut(5).depthMultiplier(2).padding(1, 1)
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer(Activation.SWISH))
                .setInputType(InputType.convolutional(11, 9, 4, f)));
        ExportedOnnxModel m = assertExportMatches(OnnxExporter.builder(net), net, images(f, 4, 11, 9));
        // every batch norm follows a convolution with no activation between: all three folded
        assertThat(m.foldedBatchNorms()).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void poolingFlattenAndDenseHeadKeepDl4jsFlattenOrder(CNN2DFormat f) throws Exception {
        MultiLayerNetwork net = init(list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.LEAKYRELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                        .convolutionMode(ConvolutionMode.Same).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(3, 3).stride(1, 1).padding(1, 1)
                        .convolutionMode(ConvolutionMode.Truncate).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(1, 1)
                        .convolutionMode(ConvolutionMode.Same).avgPoolIncludePadInDivisor(true).build())
                .layer(new DenseLayer.Builder().nOut(7).activation(Activation.ELU).build())
                .layer(new DropoutLayer(0.5))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(12, 10, 3, f)));
        assertExportMatches(OnnxExporter.builder(net), net, images(f, 3, 12, 10));
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void paddingCroppingUpsamplingAndGlobalPoolingMatchDl4j(CNN2DFormat f) throws Exception {
        MultiLayerNetwork net = init(list()
                .layer(new ZeroPaddingLayer.Builder(1, 2, 0, 3).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new Cropping2D(1, 0, 2, 1))
                .layer(new Upsampling2D.Builder(2).build())
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(5).activation(Activation.HARDSIGMOID).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new DenseLayer.Builder().nOut(4).activation(Activation.HARDTANH).build())
                .setInputType(InputType.convolutional(9, 8, 2, f)));
        assertExportMatches(OnnxExporter.builder(net), net, images(f, 2, 9, 8));
    }

    @Test
    void globalMaxAndSumPoolingAndLocalResponseNormalizationMatchDl4j() throws Exception {
        for (PoolingType t : List.of(PoolingType.MAX, PoolingType.SUM)) {
            MultiLayerNetwork net = init(list()
                    .layer(new ConvolutionLayer.Builder(3, 3).nOut(7).activation(Activation.RELU).build())
                    .layer(new LocalResponseNormalization.Builder().build())
                    .layer(new GlobalPoolingLayer.Builder(t).build())
                    .setInputType(InputType.convolutional(8, 8, 3)));
            assertExportMatches(OnnxExporter.builder(net), net, images(CNN2DFormat.NCHW, 3, 8, 8));
        }
    }

    @Test
    void everyTranslatedActivationMatchesDl4j() throws Exception {
        List<IActivation> fns = List.of(Activation.RELU.getActivationFunction(), new ActivationReLU(2.5, null, null),
                Activation.RELU6.getActivationFunction(), new ActivationLReLU(0.1), new ActivationELU(0.7),
                Activation.SELU.getActivationFunction(), Activation.SIGMOID.getActivationFunction(),
                Activation.TANH.getActivationFunction(), Activation.SOFTPLUS.getActivationFunction(),
                Activation.SOFTSIGN.getActivationFunction(), Activation.HARDSIGMOID.getActivationFunction(),
                Activation.HARDTANH.getActivationFunction(), Activation.SWISH.getActivationFunction(),
                Activation.MISH.getActivationFunction(), Activation.CUBE.getActivationFunction(),
                Activation.GELU.getActivationFunction(), Activation.THRESHOLDEDRELU.getActivationFunction(),
                Activation.SOFTMAX.getActivationFunction(), Activation.IDENTITY.getActivationFunction(),
                new GeluExact(), new KerasHardSigmoid(), new HardSilu(), Affine.of(-1.5, 0.25));
        INDArray x = batch(5, 3, 6).muli(4); // [-4, 4): both sides of every kink
        for (IActivation fn : fns) {
            MultiLayerNetwork net = init(list()
                    .layer(new DenseLayer.Builder().nIn(6).nOut(6).activation(Activation.IDENTITY).build())
                    .layer(new ActivationLayer(fn)));
            assertExportMatches(OnnxExporter.builder(net), net, x);
        }
    }

    @Test
    void softmaxOnFeatureMapsRunsOverDl4jsLastAxis() throws Exception {
        for (CNN2DFormat f : CNN2DFormat.values()) {
            MultiLayerNetwork net = init(list()
                    .layer(new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.SOFTMAX).build())
                    .setInputType(InputType.convolutional(3, 5, 2, f)));
            assertExportMatches(OnnxExporter.builder(net), net, images(f, 2, 3, 5));
        }
    }

    @Test
    void aCutExportsOnlyUpToTheNamedLayer() throws Exception {
        MultiLayerNetwork net = init(list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(4).activation(Activation.RELU).build())
                .layer(new Deconvolution2D.Builder(2, 2).name("deconv").nOut(3).build())
                .setInputType(InputType.convolutional(6, 6, 1)));
        ExportedOnnxModel m = assertExportMatches(OnnxExporter.builder(net).cutAt("conv"), net,
                images(CNN2DFormat.NCHW, 1, 6, 6));
        assertThat(m.outputNames()).containsExactly("conv");
        assertThatThrownBy(() -> OnnxExporter.builder(net).cutAt("fc2").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 'fc2' not found; layers are: conv, deconv (by name, or by index 0..1)")
                .hasMessageContaining("graft inspect MODEL");
    }

    @Test
    void aCutIsResolvedByNameFirstThenByIndexAsEverywhereInGraft() {
        // Layer 0 is named "1" and layer 1 is named "0": a name wins over an index (as LayerRef resolves it).
        MultiLayerNetwork net = init(list()
                .layer(new DenseLayer.Builder().name("1").nIn(4).nOut(3).build())
                .layer(new DenseLayer.Builder().name("0").nOut(3).build())
                .layer(new DenseLayer.Builder().name("top").nOut(2).build())
                .setInputType(InputType.feedForward(4)));
        assertThat(OnnxExporter.Builder.layerIndex(net, "0")).isEqualTo(1);
        assertThat(OnnxExporter.Builder.layerIndex(net, "1")).isEqualTo(0);
        assertThat(OnnxExporter.Builder.layerIndex(net, "2")).as("no such name: an index").isEqualTo(2);
        assertThat(OnnxExporter.Builder.layerIndex(net, "top")).isEqualTo(2);
        assertThatThrownBy(() -> OnnxExporter.Builder.layerIndex(net, "3")).hasMessageContaining("layer '3' not found");
    }

    @Test
    void anUntranslatedLayerFailsNamingTheLayerItsTypeAndTheFix() {
        MultiLayerNetwork net = init(list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(4).build())
                .layer(new Deconvolution2D.Builder(2, 2).name("deconv").nOut(3).build())
                .setInputType(InputType.convolutional(6, 6, 1)));
        assertThatThrownBy(() -> OnnxExporter.builder(net).build().export())
                .isInstanceOf(OnnxExportException.class)
                .hasMessageContaining("layer 'deconv'")
                .hasMessageContaining(Deconvolution2D.class.getName())
                .hasMessageContaining("Cut the network before it");
    }

    @Test
    void anUntranslatedActivationFailsNamingTheLayer() {
        MultiLayerNetwork net = init(list()
                .layer(new DenseLayer.Builder().name("fc").nIn(3).nOut(3)
                        .activation(Activation.RATIONALTANH).build()));
        assertThatThrownBy(() -> OnnxExporter.builder(net).build().export())
                .isInstanceOf(OnnxExportException.class)
                .hasMessageContaining("of 'fc'")
                .hasMessageContaining("ActivationRationalTanh");
    }

    @Test
    void badSettingsAreRefusedWhenBuilt() {
        MultiLayerNetwork net = init(list()
                .layer(new DenseLayer.Builder().name("fc").nIn(3).nOut(3).build()));
        assertThatThrownBy(() -> OnnxExporter.builder((org.deeplearning4j.nn.api.Model) null).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("network is null");
        assertThatThrownBy(() -> OnnxExporter.builder(net).inputTypes(InputType.feedForward(3),
                InputType.feedForward(3)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 input types given for a network with 1 inputs");
        MultiLayerNetwork uninitialized = new MultiLayerNetwork(list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(3).build()).build());
        assertThatThrownBy(() -> OnnxExporter.builder(uninitialized).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("call init() first");
    }

    @Test
    void anInputWhoseKindCannotBeToldNeedsAnInputType() throws Exception {
        MultiLayerNetwork net = init(list().layer(new ActivationLayer(Activation.TANH)));
        assertThatThrownBy(() -> OnnxExporter.builder(net).build().export())
                .isInstanceOf(OnnxExportException.class)
                .hasMessageContaining("cannot tell whether input 'input' is an image or a feature vector")
                .hasMessageContaining("inputTypes(InputType...)");
        assertExportMatches(OnnxExporter.builder(net).inputTypes(InputType.feedForward(5)), net, batch(2, 3, 5));
    }
}
