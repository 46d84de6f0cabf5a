package dev.graft.pretrain.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.pretrain.BaseNet;
import dev.graft.pretrain.CorruptionTask;
import dev.graft.pretrain.Pretrained;
import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.pretrain.corrupt.Corruptors;
import dev.graft.transfer.data.LabeledData;
import dev.graft.zoo.GraftModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Reads the real corpus the build fetched from the npm registry (system property {@code spamassassin.dir}). */
@Tag("slow") // the fast lane (-Pquick) leaves it out; mvn verify runs it
class SpamAssassinTest {
    private static Path corpus() {
        String dir = System.getProperty("spamassassin.dir");
        assertThat(dir).as("spamassassin.dir is set by the pretrain pom").isNotNull();
        return Path.of(dir);
    }

    @Test
    void readsHamAndSpamBodiesWithoutHeaders() throws Exception {
        List<SpamAssassin.Message> mail = SpamAssassin.load(corpus(), 20);
        assertThat(mail).hasSize(100);
        assertThat(mail.stream().filter(SpamAssassin.Message::spam).count()).isEqualTo(40);
        SpamAssassin.Message first = mail.get(0);
        assertThat(first.group()).isEqualTo("easy-ham-1");
        assertThat(first.id()).isEqualTo("00001");
        assertThat(first.body()).doesNotContain("Return-Path:").isNotBlank();
    }

    @Test
    void wordCorruptionPretrainingRunsOnSentencesAndTheBaseReadsMessages(@TempDir Path dir) throws Exception {
        List<SpamAssassin.Message> mail = SpamAssassin.load(corpus(), 60);
        Vocabulary vocab = Vocabulary.build(mail.stream().map(SpamAssassin.Message::body).toList(), 1500);
        LabeledData sentences = MailData.sentences(mail, vocab, 24, 5, 600, "spamassassin 60/group");
        assertThat(sentences.size()).isEqualTo(600);
        BaseNet base = BaseNet.textCnn(vocab.size(), 24, 16, 24, 3, 16);
        Pretrained p = CorruptionTask.builder(base).corruptor(Corruptors.words(0.25, vocab.size()))
                .training(FineTuneConfig.builder().epochs(4).batchSize(64).learningRate(5e-3).seed(1).build())
                .name("spam-sentences").build().pretrain(sentences);
        double[] loss = p.losses().get(0);
        assertThat(loss[loss.length - 1]).isLessThan(loss[0]);
        p.save(dir.resolve("text.zip"));
        LabeledData messages = MailData.messages(mail.subList(0, 5), vocab, 24, "five messages");
        INDArray codes = GraftModel.load(dir.resolve("text.zip")).predict(messages.features());
        assertThat(codes.shape()).containsExactly(5, 16);
    }

    @Test
    void vocabularyIsDeterministicAndReservesPaddingAndUnknown() {
        Vocabulary v = Vocabulary.build(List.of("The dog sleeps. The dog eats", "a dog"), 10);
        assertThat(v.word(2)).isEqualTo("dog");
        assertThat(v.word(3)).isEqualTo("the");
        assertThat(v.encode("the cat", 4)).containsExactly(3, Vocabulary.UNKNOWN, 0, 0);
        assertThatThrownBy(() -> SpamAssassin.load(Path.of("/nonexistent"), 1))
                .hasMessageContaining("SpamAssassin corpus not found in /nonexistent");
        assertThatThrownBy(() -> Vocabulary.build(List.of("one"), 10)).hasMessageContaining("1 distinct word(s)");
    }
}
