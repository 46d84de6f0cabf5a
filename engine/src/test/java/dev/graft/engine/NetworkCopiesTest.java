package dev.graft.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;

class NetworkCopiesTest {

    @Test
    void aCopiedGraphHasItsOwnListenersAndParameters() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in").addLayer("d", new DenseLayer.Builder().nIn(3).nOut(2).build(), "in")
                .addLayer("out", new OutputLayer.Builder().nIn(2).nOut(2).activation(Activation.SOFTMAX).build(), "d")
                .setOutputs("out").build());
        g.init();
        ScoreIterationListener mine = new ScoreIterationListener(1);
        g.setListeners(mine);
        // DL4J's own clone shares the listener collection: clearing the copy's clears the original's
        ComputationGraph dl4j = g.clone();
        dl4j.setListeners();
        assertThat(g.getListeners()).as("DL4J 1.0.0-M2.1's clone (drop this workaround when it fails)").isEmpty();

        g.setListeners(mine);
        ComputationGraph copy = (ComputationGraph) NetworkCopies.copyOf(g);
        assertThat(copy.getListeners()).isEmpty();
        copy.setListeners(new ScoreIterationListener(5));
        assertThat(g.getListeners()).containsExactly(mine);
        assertThat(copy.params()).isEqualTo(g.params()).isNotSameAs(g.params());
        copy.params().addi(1);
        assertThat(copy.params()).isNotEqualTo(g.params());
    }
}
