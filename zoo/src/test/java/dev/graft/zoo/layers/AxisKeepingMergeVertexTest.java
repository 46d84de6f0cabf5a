package dev.graft.zoo.layers;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A channels-last concatenation still concatenates channels after the graph's configuration is copied. */
class AxisKeepingMergeVertexTest {

    private static ComputationGraph nhwcConcat() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 6, 3, CNN2DFormat.NHWC))
                .addLayer("a", new ConvolutionLayer.Builder(1, 1).nOut(4).dataFormat(CNN2DFormat.NHWC).build(), "in")
                .addLayer("b", new ConvolutionLayer.Builder(1, 1).nOut(2).dataFormat(CNN2DFormat.NHWC).build(), "in")
                .addVertex("cat", new MergeVertex(), "a", "b").setOutputs("cat").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void dl4jsOwnCloneForgetsTheAxisAndGraftsKeepsIt() {
        ComputationGraph g = nhwcConcat();
        assertThat(((MergeVertex) g.getConfiguration().getVertices().get("cat")).getMergeAxis()).isEqualTo(3);
        // the DL4J behaviour this class exists for; if DL4J fixes it, this line fails and the class can go
        assertThat(((MergeVertex) g.getConfiguration().clone().getVertices().get("cat")).getMergeAxis()).isEqualTo(1);

        assertThat(AxisKeepingMergeVertex.keepAxes(g)).isEqualTo(1);
        ComputationGraphConfiguration copy = g.getConfiguration().clone();
        assertThat(copy.getVertices().get("cat")).isInstanceOf(AxisKeepingMergeVertex.class);
        assertThat(((MergeVertex) copy.getVertices().get("cat")).getMergeAxis()).isEqualTo(3);
    }

    @Test
    void aCopiedGraphComputesWhatTheOriginalDoesAndSurvivesJson() {
        ComputationGraph g = nhwcConcat();
        AxisKeepingMergeVertex.keepAxes(g);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 6, 6, 3);
        INDArray want = g.outputSingle(x);
        ComputationGraph cloned = g.clone();
        assertThat(cloned.outputSingle(x)).isEqualTo(want);
        ComputationGraph fromJson = new ComputationGraph(ComputationGraphConfiguration.fromJson(
                g.getConfiguration().toJson()));
        fromJson.init(g.params().dup(), false);
        assertThat(fromJson.getConfiguration().clone().getVertices().get("cat"))
                .isInstanceOf(AxisKeepingMergeVertex.class);
        assertThat(fromJson.outputSingle(x)).isEqualTo(want);
        assertThat(want.shape()).containsExactly(2, 6, 6, 6);
    }
}
