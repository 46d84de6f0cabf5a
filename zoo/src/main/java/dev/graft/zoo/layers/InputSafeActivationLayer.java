package dev.graft.zoo.layers;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link ActivationLayer}, except that it never writes into an array it does not own.
 *
 * <p>In inference DL4J 1.0.0-M2.1's activation layer applies its function in place on its input as DL4J's workspace
 * manager hands it over ({@code leverageTo}), and an array outside any workspace is handed over as it is. When the
 * layer is the first of a network, that array is the caller's input batch: an imported Keras model starting with
 * {@code Rescaling} rescaled the caller's array (a second prediction on the same array gave other outputs), and two
 * identity layers in a row (Keras' {@code RandomFlip}, {@code RandomRotation}) failed DL4J's workspace validation.
 * This layer copies such an input into the activations workspace first; arrays already in a workspace (the outputs
 * of earlier layers) are used in place as before, so the cost is one copy, and only for a network's first layers.
 * Same configuration, same JSON fields, same results otherwise.
 */
public class InputSafeActivationLayer extends ActivationLayer {
    private static final long serialVersionUID = 1L;

    /** For JSON. */
    protected InputSafeActivationLayer() {
    }

    /** An activation layer computing {@code fn}. */
    public InputSafeActivationLayer(IActivation fn) {
        super(fn);
    }

    /** The same layer (name and activation) as {@code layer}, input-safe. */
    public static InputSafeActivationLayer of(ActivationLayer layer) {
        InputSafeActivationLayer l = new InputSafeActivationLayer(layer.getActivationFn());
        l.setLayerName(layer.getLayerName());
        l.setIDropout(layer.getIDropout());
        return l;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        Impl ret = new Impl(conf, networkDataType);
        ret.setListeners(trainingListeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    /** The runtime layer: DL4J's, with the input copied when it lives outside every workspace. */
    static final class Impl extends org.deeplearning4j.nn.layers.ActivationLayer {
        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
            if (!training && input != null && !input.isAttached()) {
                assertInputSet(false);
                INDArray in = mgr.dup(ArrayType.ACTIVATIONS, input, input.ordering());
                return layerConf().getActivationFn().getActivation(in, false);
            }
            return super.activate(training, mgr);
        }
    }
}
