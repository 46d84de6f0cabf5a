package dev.graft.transfer;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;

/** Re-fits input preprocessors whose recorded sizes went stale after a width change (DL4J #3302). */
final class Preprocessors {
    private Preprocessors() {
    }

    /**
     * A preprocessor of the same class sized for {@code in}. Flattening preprocessors (DL4J's
     * CnnToFeedForward and subclasses such as Keras' TensorFlow variant) record height, width and channels.
     */
    static InputPreProcessor refit(InputPreProcessor pp, InputType in, String layer) {
        if (pp instanceof CnnToFeedForwardPreProcessor && in instanceof InputType.InputTypeConvolutional) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) in;
            try {
                CnnToFeedForwardPreProcessor p = (CnnToFeedForwardPreProcessor) pp.getClass()
                        .getConstructor(long.class, long.class, long.class).newInstance(c.getHeight(), c.getWidth(), c.getChannels());
                p.setFormat(((CnnToFeedForwardPreProcessor) pp).getFormat());
                return p;
            } catch (ReflectiveOperationException e) {
                throw new TransferPlanException("cannot resize the input preprocessor " + pp.getClass().getSimpleName()
                        + " of layer '" + layer + "' after a width change");
            }
        }
        return pp;
    }
}
