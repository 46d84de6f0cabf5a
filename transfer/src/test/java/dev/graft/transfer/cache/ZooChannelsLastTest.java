package dev.graft.transfer.cache;

import dev.graft.engine.FeaturizeEngine;
import dev.graft.engine.ChannelsLastConvolution;
import dev.graft.engine.Engine;
import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Zoo;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Channels-last featurizing on DL4J's real VGG16 and ResNet50 graphs (random weights): the 7x7x512 flatten before
 * fc1, ResNet's zero padding folded into its first convolution, residual-add and pooled cuts.
 */
@Tag("slow") // the fast lane (-Pquick) leaves it out; mvn verify runs it
class ZooChannelsLastTest {

    @Test
    void resnet50() throws Exception {
        GraftModel model = heNormal(Zoo.builder().build().init("resnet50", 10, 1));
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 224, 224).muli(255);
        for (String cut : new String[] {"short3a_branch", "avgpool"}) {
            compare(model, cut, x);
        }
        ComputationGraph run = (ComputationGraph) ((AbstractFeaturizer) Featurizers.cut(model, "avgpool", FeaturizeEngine.DL4J)).runNetwork();
        assertThat(run.getConfiguration().getVertices().values()).as("all 53 batch norms folded into convolutions")
                .noneMatch(v -> v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex
                        && ((org.deeplearning4j.nn.conf.graph.LayerVertex) v).getLayerConf().getLayer()
                        instanceof BatchNormalization);
        assertThat(run.getLayers()).filteredOn(l -> l instanceof ConvolutionLayer).as("53 convolutions")
                .hasSize(53)
                .allMatch(l -> l instanceof ChannelsLastConvolution && ((ChannelsLastConvolution) l).direct());

        // DL4J's own layer (copying every NHWC input first) gives the very same features
        INDArray direct = Featurizers.cut(model, "avgpool", FeaturizeEngine.DL4J).featurize(x);
        try (Engine.Scope s = Engine.use(Engine.settings().toBuilder().directConvolution(false).build())) {
            AbstractFeaturizer dl4j = (AbstractFeaturizer) Featurizers.cut(model, "avgpool", FeaturizeEngine.DL4J);
            assertThat(((ComputationGraph) dl4j.runNetwork()).getLayers())
                    .noneMatch(l -> l instanceof ChannelsLastConvolution);
            assertThat(dl4j.featurize(x)).isEqualTo(direct);
        }
    }

    @Test
    void vgg16() throws Exception {
        GraftModel model = heNormal(Zoo.builder().build().init("vgg16", 10, 1));
        compare(model, "19", Nd4j.rand(DataType.FLOAT, 1, 3, 224, 224).muli(255));
        ComputationGraph run = (ComputationGraph) ((AbstractFeaturizer) Featurizers.cut(model, "19", FeaturizeEngine.DL4J)).runNetwork();
        assertThat(run.getLayers()).filteredOn(l -> l instanceof ConvolutionLayer).hasSize(13)
                .allMatch(l -> l instanceof ChannelsLastConvolution && ((ChannelsLastConvolution) l).direct());
    }

    private static void compare(GraftModel model, String cut, INDArray x) {
        AbstractFeaturizer fast = (AbstractFeaturizer) Featurizers.cut(model, cut, FeaturizeEngine.DL4J);
        AbstractFeaturizer plain;
        try (Engine.Scope s = Engine.use(Engine.settings().toBuilder().channelsLast(false).build())) {
            plain = (AbstractFeaturizer) Featurizers.cut(model, cut, FeaturizeEngine.DL4J);
            plain.runNetwork();
        }
        INDArray a = fast.featurize(x);
        INDArray b = plain.featurize(x);
        assertThat(fast.channelsLast()).as("%s runs channels-last", cut).isTrue();
        assertThat(plain.channelsLast()).isFalse();
        assertThat(a.shape()).isEqualTo(b.shape());
        double scale = b.norm2Number().doubleValue();
        assertThat(scale).as("finite, non-zero features at %s", cut).isFinite().isPositive();
        assertThat(a.sub(b).norm2Number().doubleValue() / scale).as("relative difference at %s", cut).isLessThan(1e-4);
    }

    /** DL4J's zoo initialisation overflows ResNet50 to infinity; He-normal kernels keep activations finite. */
    private static GraftModel heNormal(GraftModel model) {
        Nd4j.getRandom().setSeed(3);
        for (GraphVertex v : ((ComputationGraph) model.network()).getVertices()) {
            INDArray w = v.hasLayer() && v.getLayer() instanceof BaseLayer ? v.getLayer().getParam("W") : null;
            if (w != null) {
                long fanIn = w.rank() == 4 ? w.size(1) * w.size(2) * w.size(3) : w.size(0);
                w.assign(Nd4j.randn(w.dataType(), w.shape()).muli(Math.sqrt(2.0 / fanIn)));
            }
            if (v.hasLayer() && v.getLayer().conf().getLayer() instanceof BatchNormalization) {
                // trained-looking statistics, so the folded batch norm of the channels-last copy is exercised
                for (String p : new String[] {"mean", "beta"}) {
                    INDArray a = v.getLayer().getParam(p);
                    a.assign(Nd4j.randn(a.dataType(), a.shape()).muli(0.1));
                }
                INDArray gamma = v.getLayer().getParam("gamma");
                gamma.assign(Nd4j.rand(gamma.dataType(), gamma.shape()).muli(0.5).addi(0.75));
                INDArray logStd = v.getLayer().getParam("log10stdev");
                logStd.assign(Nd4j.rand(logStd.dataType(), logStd.shape()).muli(0.2).subi(0.1));
            }
        }
        return model;
    }
}
