package dev.graft.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code graft-nd4j-bridge} artifact exists only because DL4J 1.0.0-M2.1 looks up a class ND4J renamed. This
 * test fails the day a DL4J/ND4J upgrade ships that class itself (then drop the bridge) or the day the bridge stops
 * answering (then helpers silently switch off).
 */
class Nd4jBridgeTest {

    @Test
    void theBridgeIsTheOnlyProviderOfTheOldClassAndAnswersDl4jsCheck() throws Exception {
        List<URL> providers = new ArrayList<>(Collections.list(getClass().getClassLoader()
                .getResources("org/nd4j/nativeblas/Nd4jCpu$Environment.class")));
        assertThat(providers).as("class files named org.nd4j.nativeblas.Nd4jCpu$Environment on the class path")
                .hasSize(1);
        assertThat(providers.get(0).toString()).as("provided by Graft's bridge, not by ND4J")
                .contains("nd4j-bridge");
        assertThat(Engine.bridgeWorks()).isTrue();
        assertThat(org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper.mklDnnEnabled())
                .as("DL4J's own helper check passes through the bridge").isTrue();
    }
}
