package dev.graft.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class EngineSettingsTest {

    private static Settings source(Map<String, String> props, Map<String, String> env) {
        Properties p = new Properties();
        p.putAll(props);
        return Settings.of(p, env);
    }

    @Test
    void oneGrammarPropertyOverEnvironment() {
        assertThat(Settings.environmentName("trainBlasThreads")).isEqualTo("GRAFT_TRAIN_BLAS_THREADS");
        assertThat(Settings.propertyName("javaAdam")).isEqualTo("graft.javaAdam");
        EngineSettings s = EngineSettings.read(source(Map.of("graft.javaAdam", "false"),
                Map.of("GRAFT_JAVA_ADAM", "on", "GRAFT_HELPERS", "OFF", "GRAFT_TRAIN_THREADS", "3")));
        assertThat(s.javaAdam()).as("property wins").isFalse();
        assertThat(s.helpers()).isFalse();
        assertThat(s.trainThreads()).isEqualTo(3);
        assertThat(s.channelsLast()).isTrue();
        assertThat(s.trainBlasThreads()).isNull();
    }

    @Test
    void nothingSetGivesTheDefaults() {
        assertThat(EngineSettings.read(source(Map.of(), Map.of()))).isEqualTo(EngineSettings.defaults());
        assertThat(EngineSettings.defaults().toString()).contains("helpers=on").contains("trainThreads=auto");
    }

    @Test
    void dl4jsOwnSwitchStillTurnsHelpersOff() {
        EngineSettings s = EngineSettings.read(source(Map.of(EngineSettings.DL4J_HELPERS_DISABLE, "true"), Map.of()));
        assertThat(s.helpers()).isFalse();
        EngineSettings both = EngineSettings.read(source(Map.of(EngineSettings.DL4J_HELPERS_DISABLE, "true",
                "graft.helpers", "on"), Map.of()));
        assertThat(both.helpers()).as("Graft's own setting decides when both are given").isTrue();
    }

    @Test
    void malformedValuesAreRefusedWithTheNameAndTheValue() {
        assertThatThrownBy(() -> EngineSettings.read(source(Map.of(), Map.of("GRAFT_TRAIN_BLAS_THREADS", "two"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GRAFT_TRAIN_BLAS_THREADS")
                .hasMessageContaining("'two'");
        assertThatThrownBy(() -> EngineSettings.read(source(Map.of("graft.helpers", "maybe"), Map.of())))
                .hasMessageContaining("graft.helpers").hasMessageContaining("on or off").hasMessageContaining("'maybe'");
        assertThatThrownBy(() -> EngineSettings.builder().trainThreads(0))
                .hasMessageContaining("trainThreads").hasMessageContaining("got 0");
    }

    @Test
    void anOpenMpThreadCountLibnd4jWouldMisuseIsRefused() {
        for (String bad : new String[] {"0", "-3", "abc", "2.5", "1,0", " 2", "1,2", "99999", "4096"}) {
            assertThatThrownBy(() -> EngineSettings.read(source(Map.of(), Map.of("OMP_NUM_THREADS", bad))))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("OMP_NUM_THREADS")
                    .hasMessageContaining("'" + bad + "'").hasMessageContaining("unset it");
        }
        for (String good : new String[] {"1", "2", "16", "1024", " "}) { // blank: unset, for OpenMP too
            assertThat(EngineSettings.read(source(Map.of(), Map.of("OMP_NUM_THREADS", good)))).as(good)
                    .isEqualTo(EngineSettings.defaults());
        }
    }

    @Test
    void toBuilderCopiesAndPlainSwitchesEverythingOff() {
        EngineSettings s = EngineSettings.builder().trainThreads(2).build();
        assertThat(s.toBuilder().build()).isEqualTo(s).hasSameHashCodeAs(s);
        EngineSettings plain = s.toBuilder().plain().build();
        assertThat(plain.helpers() || plain.javaAdam() || plain.denseHeadTrainer() || plain.channelsLast()
                || plain.foldBatchNorm() || plain.directConvolution()).isFalse();
        assertThat(plain.trainThreads()).isEqualTo(2);
    }

    @Test
    void scopesNestAndRestore() {
        EngineSettings outer = EngineSettings.builder().javaAdam(false).build();
        EngineSettings inner = EngineSettings.builder().foldBatchNorm(false).build();
        EngineSettings before = Engine.settings();
        try (Engine.Scope a = Engine.use(outer)) {
            assertThat(Engine.settings()).isSameAs(outer);
            try (Engine.Scope b = Engine.use(inner)) {
                assertThat(Engine.settings()).isSameAs(inner);
            }
            assertThat(Engine.settings()).isSameAs(outer);
            try (Engine.Scope c = Engine.use(null)) {
                assertThat(Engine.settings()).as("null changes nothing").isSameAs(outer);
            }
        }
        assertThat(Engine.settings()).isSameAs(before);
    }

    @Test
    void featurizeEngineIsAutoByDefaultAndReadWithTheSameGrammar() {
        assertThat(EngineSettings.defaults().featurizeEngine()).isEqualTo(FeaturizeEngine.AUTO);
        assertThat(Settings.environmentName("featurizeEngine")).isEqualTo("GRAFT_FEATURIZE_ENGINE");
        assertThat(EngineSettings.read(source(Map.of(), Map.of("GRAFT_FEATURIZE_ENGINE", "ONNX"))).featurizeEngine())
                .isEqualTo(FeaturizeEngine.ONNX);
        assertThat(EngineSettings.read(source(Map.of("graft.featurizeEngine", "dl4j"),
                Map.of("GRAFT_FEATURIZE_ENGINE", "onnx"))).featurizeEngine()).as("property wins").isEqualTo(FeaturizeEngine.DL4J);
        assertThatThrownBy(() -> EngineSettings.read(source(Map.of(), Map.of("GRAFT_FEATURIZE_ENGINE", "ort"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GRAFT_FEATURIZE_ENGINE")
                .hasMessageContaining("auto, dl4j, onnx").hasMessageContaining("'ort'");
        assertThatThrownBy(() -> FeaturizeEngine.parse("tf")).hasMessageContaining("'tf'");
    }

    @Test
    void featurizeEngineIsCopiedComparedPrintedAndPlainMeansDl4j() {
        EngineSettings onnx = EngineSettings.builder().featurizeEngine(FeaturizeEngine.ONNX).build();
        assertThat(onnx.toBuilder().build()).isEqualTo(onnx).hasSameHashCodeAs(onnx);
        assertThat(onnx).isNotEqualTo(EngineSettings.defaults());
        assertThat(onnx.toString()).contains("featurizeEngine=onnx");
        assertThat(onnx.toBuilder().plain().build().featurizeEngine()).isEqualTo(FeaturizeEngine.DL4J);
        assertThatThrownBy(() -> EngineSettings.builder().featurizeEngine(null)).hasMessageContaining("featurizeEngine");
    }
}
