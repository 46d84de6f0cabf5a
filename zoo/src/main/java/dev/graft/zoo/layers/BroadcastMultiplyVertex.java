package dev.graft.zoo.layers;

import java.util.Arrays;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Multiplies an activation by a per-example channel gate: {@code y[n, c, h, w] = x[n, c, h, w] * g[n, c]} — the
 * "excite" multiply of squeeze-and-excitation blocks (EfficientNet, MobileNetV3: Keras 3 {@code layers.multiply}
 * of the block input and the sigmoid / hard-sigmoid gate, {@code keras/src/applications/efficientnet.py},
 * {@code mobilenet_v3.py}).
 *
 * <p>Inputs, in this order: 0 = the activation {@code x}, {@code [N, C, H, W]} ({@code NCHW}) or
 * {@code [N, H, W, C]} ({@code NHWC}) (or {@code [N, C]}); 1 = the gate {@code g}, {@code [N, C]}, or
 * {@code [N, C, 1, 1]} (NCHW) / {@code [N, 1, 1, C]} (NHWC). Output: the shape of {@code x}. Gradients:
 * {@code dx = eps * g} broadcast, {@code dg[n, c] = sum over h, w of eps * x}, in the gate's own shape. The layout
 * is fixed at construction (a gate {@code [N, C]} does not say which axis of {@code x} is the channel axis);
 * {@link #getOutputType} rejects inputs of the other layout. No parameters.
 *
 * <p>DL4J's own {@code ElementWiseVertex(Product)} broadcasts at run time, but its {@code getOutputType} rejects a
 * {@code [C, 1, 1]} input next to a {@code [C, H, W]} one, so it cannot be used in a configuration with input types.
 * Example: {@code graph.addVertex("se_excite", new BroadcastMultiplyVertex(CNN2DFormat.NHWC), "x", "se_gate")}.
 */
public final class BroadcastMultiplyVertex extends GraphVertex {
    private static final long serialVersionUID = 1L;

    @JsonProperty("dataFormat")
    private CNN2DFormat dataFormat = CNN2DFormat.NCHW;

    /** For JSON. */
    private BroadcastMultiplyVertex() {
    }

    /**
     * A vertex for activations in {@code dataFormat}.
     *
     * @throws IllegalArgumentException if {@code dataFormat} is null
     */
    public BroadcastMultiplyVertex(CNN2DFormat dataFormat) {
        if (dataFormat == null) {
            throw new IllegalArgumentException("BroadcastMultiplyVertex needs a data format (NCHW or NHWC), got null");
        }
        this.dataFormat = dataFormat;
    }

    /** The layout of 4-d activations. */
    public CNN2DFormat getDataFormat() {
        return dataFormat;
    }

    @Override
    public BroadcastMultiplyVertex clone() {
        return new BroadcastMultiplyVertex(dataFormat);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BroadcastMultiplyVertex && ((BroadcastMultiplyVertex) o).dataFormat == dataFormat;
    }

    @Override
    public int hashCode() {
        return BroadcastMultiplyVertex.class.hashCode() * 31 + dataFormat.hashCode();
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public int maxVertexInputs() {
        return 2;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        return new Impl(graph, name, idx, null, null, dataFormat, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... in) throws InvalidInputTypeException {
        if (in.length != 2) {
            throw new InvalidInputTypeException("BroadcastMultiplyVertex takes 2 inputs (activation, gate), got "
                    + in.length);
        }
        InputType x = in[0];
        InputType g = in[1];
        long channels;
        if (x.getType() == InputType.Type.CNN) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) x;
            if (c.getFormat() != dataFormat) {
                throw new InvalidInputTypeException("BroadcastMultiplyVertex was built for " + dataFormat
                        + " but its activation input is " + x);
            }
            channels = c.getChannels();
        } else if (x.getType() == InputType.Type.FF) {
            channels = ((InputType.InputTypeFeedForward) x).getSize();
        } else {
            throw new InvalidInputTypeException("BroadcastMultiplyVertex's first input must be convolutional or "
                    + "feed-forward, got " + x);
        }
        boolean gateOk = g.getType() == InputType.Type.FF && ((InputType.InputTypeFeedForward) g).getSize() == channels
                || g.getType() == InputType.Type.CNN && ((InputType.InputTypeConvolutional) g).getChannels() == channels
                        && ((InputType.InputTypeConvolutional) g).getHeight() == 1
                        && ((InputType.InputTypeConvolutional) g).getWidth() == 1;
        if (!gateOk) {
            throw new InvalidInputTypeException("BroadcastMultiplyVertex's gate must be feed-forward of size "
                    + channels + " or convolutional 1x1 with " + channels + " channels (the activation " + x
                    + "), got " + g);
        }
        return x;
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        return new LayerMemoryReport.Builder(null, BroadcastMultiplyVertex.class, inputTypes[0], inputTypes[0])
                .standardMemory(0, 0).workingMemory(0, 0, 0, inputTypes[0].arrayElementsPerExample())
                .cacheMemory(0, 0).build();
    }

    @Override
    public String toString() {
        return "BroadcastMultiplyVertex(" + dataFormat + ")";
    }

    /** The running vertex. */
    static final class Impl extends BaseGraphVertex {
        private static final long serialVersionUID = 1L;
        private final CNN2DFormat format;

        Impl(ComputationGraph graph, String name, int index, VertexIndices[] inputVertices,
                VertexIndices[] outputVertices, CNN2DFormat format, DataType dataType) {
            super(graph, name, index, inputVertices, outputVertices, dataType);
            this.format = format;
        }

        @Override
        public boolean hasLayer() {
            return false;
        }

        @Override
        public org.deeplearning4j.nn.api.Layer getLayer() {
            return null;
        }

        private int channelAxis(INDArray x) {
            return x.rank() == 4 && format == CNN2DFormat.NHWC ? 3 : 1;
        }

        /** The gate as [N, C], checked against x. */
        private INDArray gate2d(INDArray x, INDArray g) {
            if (x.rank() != 2 && x.rank() != 4) {
                throw new IllegalStateException(this + " '" + vertexName + "': activation must be [N, C] or 4-d, got "
                        + Arrays.toString(x.shape()));
            }
            long n = x.size(0);
            long c = x.size(channelAxis(x));
            long[] ok4 = format == CNN2DFormat.NHWC ? new long[] {n, 1, 1, c} : new long[] {n, c, 1, 1};
            if (Arrays.equals(g.shape(), new long[] {n, c})) {
                return g;
            }
            if (x.rank() == 4 && Arrays.equals(g.shape(), ok4)) {
                return g.reshape(g.ordering(), n, c);
            }
            throw new IllegalStateException("BroadcastMultiplyVertex '" + vertexName + "' (" + format
                    + "): gate must be [" + n + ", " + c + "]" + (x.rank() == 4 ? " or " + Arrays.toString(ok4) : "")
                    + " for activation " + Arrays.toString(x.shape()) + ", got " + Arrays.toString(g.shape()));
        }

        /** x * g2d broadcast along batch and channel axes, into {@code out}. */
        private INDArray mul(INDArray x, INDArray g2d, INDArray out) {
            if (x.rank() == 2) {
                return out.assign(x).muli(g2d);
            }
            Nd4j.getExecutioner().exec(new BroadcastMulOp(x, g2d, out, 0, channelAxis(x)));
            return out;
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            if (!canDoForward()) {
                throw new IllegalStateException("Cannot do forward pass: inputs not set");
            }
            INDArray x = inputs[0].castTo(dataType);
            INDArray g = gate2d(x, inputs[1].castTo(dataType));
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
            return mul(x, g, out);
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            if (!canDoBackward()) {
                throw new IllegalStateException("Cannot do backward pass: errors not set");
            }
            INDArray x = inputs[0].castTo(dataType);
            INDArray gIn = inputs[1];
            INDArray g = gate2d(x, gIn.castTo(dataType));
            INDArray eps = epsilon.castTo(dataType);
            INDArray dx = mul(eps, g,
                    workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c'));
            INDArray prod = eps.mul(x);
            INDArray dg2d = x.rank() == 2 ? prod
                    : format == CNN2DFormat.NHWC ? prod.sum(1, 2) : prod.sum(2, 3);
            INDArray dg = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, gIn.shape(), 'c');
            dg.assign(dg2d.reshape(gIn.shape()));
            return new Pair<>(null, new INDArray[] {dx, dg});
        }

        @Override
        public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
            if (backpropGradientsViewArray != null) {
                throw new IllegalStateException("BroadcastMultiplyVertex has no parameters");
            }
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                int minibatchSize) {
            return new Pair<>(maskArrays == null ? null : maskArrays[0], currentMaskState);
        }

        @Override
        public String toString() {
            return "BroadcastMultiplyVertex(" + format + ")";
        }
    }
}
