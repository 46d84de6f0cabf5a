package dev.graft.zoo.onnx.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.InputLayout;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.keras.ParityCheck;
import dev.graft.zoo.keras.ParityReport;
import dev.graft.zoo.keras.Tolerance;
import dev.graft.zoo.onnx.CutPoint;
import dev.graft.zoo.onnx.OnnxGraph;
import dev.graft.zoo.onnx.OnnxRunner;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** A whole Graft model as one ONNX graph: ONNX Runtime on raw input gives Graft's own predictions. */
class WholeModelExportTest {

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(WholeModelExportTest.class.getResource("/onnx/" + name).toURI());
    }

    private static void assertSamePredictions(GraftModel model, INDArray raw) throws Exception {
        ExportedOnnxModel whole = WholeModelExport.export(model);
        assertThat(whole.inputNames()).containsExactly(WholeModelExport.INPUT);
        OnnxGraph g = OnnxGraph.parse(whole.toByteArray(), "whole export");
        try (OnnxRunner r = OnnxRunner.open(g, 1)) {
            INDArray ort = r.run(raw.dup());
            INDArray graft = model.predict(raw.dup());
            ParityReport p = ParityCheck.compare("whole model", ort, graft, Tolerance.DEFAULT);
            assertThat(p.passed()).as(p.toString()).isTrue();
            assertThat(graft.sumNumber().doubleValue()).as("softmax rows").isCloseTo(raw.size(0), org.assertj.core.data.Offset.offset(1e-3));
        }
    }

    @Test
    void aDl4jModelWithPerChannelNormalizationRunsFromRawPixels() throws Exception {
        for (CNN2DFormat f : CNN2DFormat.values()) {
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(4)
                    .dataType(DataType.FLOAT).list()
                    .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.RELU).dataFormat(f).build())
                    .layer(new BatchNormalization.Builder().build())
                    .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                    .layer(new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build())
                    .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                    .setInputType(InputType.convolutional(10, 10, 3, f)).build());
            net.init();
            net.getLayer(1).setParam("mean", Nd4j.rand(DataType.FLOAT, 1, 6));
            // DL4J's batch norm keeps log10(std) by default
            net.getLayer(1).setParam("log10stdev", Nd4j.rand(DataType.FLOAT, 1, 6).subi(0.5));
            boolean nchw = f == CNN2DFormat.NCHW;
            ModelCard card = ModelCard.builder("cnn-" + f).input(nchw ? InputLayout.NCHW : InputLayout.NHWC,
                            nchw ? new long[] {3, 10, 10} : new long[] {10, 10, 3})
                    .normalization(Normalization.of(1 / 255.0, new double[] {0.485, 0.456, 0.406},
                            new double[] {0.229, 0.224, 0.225}))
                    .labels(List.of("a", "b", "c")).build();
            GraftModel m = GraftModel.of(net, card);
            INDArray raw = Nd4j.rand(DataType.FLOAT, nchw ? new long[] {4, 3, 10, 10} : new long[] {4, 10, 10, 3})
                    .muli(255);
            assertSamePredictions(m, raw);
        }
    }

    @Test
    void aTabularModelWithPerFeatureStandardizationRunsFromRawRows() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).list()
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(4)).build());
        net.init();
        // graft finetune --standardize keeps the training split's per-feature mean and std in the card
        ModelCard card = ModelCard.builder("wine-like").input(InputLayout.FLAT, 4)
                .normalization(Normalization.of(1.0, new double[] {13.0, 2.3, 110.0, 0.36},
                        new double[] {0.8, 1.1, 14.0, 0.12}))
                .labels(List.of("a", "b", "c")).build();
        INDArray raw = Nd4j.rand(DataType.FLOAT, 7, 4).muli(Nd4j.createFromArray(new float[] {15f, 4f, 150f, 0.7f}));
        assertSamePredictions(GraftModel.of(net, card), raw);
    }

    @Test
    void aHeadOnAFrozenOnnxPartRunsAsOneGraph() throws Exception {
        OnnxGraph source = OnnxGraph.read(fixture("small_cnn.onnx"));
        CutPoint cut = source.cutPoints().stream().filter(c -> c.role() == CutPoint.Role.LOGITS_INPUT).findFirst()
                .orElseThrow();
        OnnxGraph base = source.cut(cut.tensor());
        long[] in = base.input().shape();
        long[] example = java.util.Arrays.copyOfRange(in, 1, in.length);
        long features;
        try (OnnxRunner r = OnnxRunner.open(base, 1)) {
            long[] out = r.outputShape(example);
            features = out[out.length - 1];
        }
        MultiLayerNetwork head = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(2).list()
                .layer(new DenseLayer.Builder().nOut(7).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(features)).build());
        head.init();
        ModelCard card = ModelCard.builder("small-cnn-head").input(InputLayout.NCHW, example)
                .normalization(Normalization.of(1 / 255.0, new double[] {0.5, 0.5, 0.5}, new double[] {0.25, 0.25, 0.25}))
                .labels(List.of("x", "y")).build();
        GraftModel m = GraftModel.withOnnxBase(base, head, card);
        long[] batch = new long[example.length + 1];
        batch[0] = 3;
        System.arraycopy(example, 0, batch, 1, example.length);
        INDArray raw = Nd4j.rand(DataType.FLOAT, batch).muli(255);
        assertSamePredictions(m, raw);
        // close() releases the ONNX Runtime session; a later prediction opens a new one and gives the same values
        INDArray before = m.predict(raw.dup());
        m.close();
        m.close();
        assertThat(m.predict(raw.dup())).isEqualTo(before);
    }

    @Test
    void aModelWithoutAnInputShapeIsRefusedWithTheFix() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(3).nOut(2).activation(Activation.SOFTMAX)
                        .build()).build());
        net.init();
        GraftModel m = GraftModel.of(net, ModelCard.builder("no-shape").build());
        assertThatThrownBy(() -> WholeModelExport.export(m)).isInstanceOf(OnnxExportException.class)
                .hasMessageContaining("no input shape").hasMessageContaining("--input-shape");
    }
}
