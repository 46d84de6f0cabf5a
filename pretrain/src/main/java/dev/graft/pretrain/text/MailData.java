package dev.graft.pretrain.text;

import dev.graft.transfer.data.LabeledData;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns mail into Graft data sets of token ids: whole messages labelled ham/spam, and the sentences of
 * messages (for corruption pretraining, where labels are not used).
 */
public final class MailData {
    /** Class labels of {@link #messages}. */
    public static final List<String> LABELS = List.of("ham", "spam");

    private MailData() {
    }

    /** Messages as {@code [n, length]} token ids, labelled ham (0) or spam (1). */
    public static LabeledData messages(List<SpamAssassin.Message> mail, Vocabulary vocab, int length, String what) {
        if (mail.isEmpty()) {
            throw new IllegalArgumentException("no messages in " + what);
        }
        float[][] x = new float[mail.size()][];
        int[] y = new int[mail.size()];
        for (int i = 0; i < mail.size(); i++) {
            x[i] = vocab.encode(mail.get(i).body(), length);
            y[i] = mail.get(i).spam() ? 1 : 0;
        }
        return new LabeledData(Nd4j.createFromArray(x).castTo(DataType.FLOAT), y, LABELS, what);
    }

    /**
     * Sentences of the messages with at least {@code minWords} known words, as {@code [n, length]} token ids
     * (label always "text": the pretraining tasks ignore it), at most {@code max} of them.
     */
    public static LabeledData sentences(List<SpamAssassin.Message> mail, Vocabulary vocab, int length, int minWords, int max,
                                        String what) {
        List<float[]> rows = new ArrayList<>();
        for (SpamAssassin.Message m : mail) {
            for (String s : m.body().split("[.!?]+\\s|\\n\\s*\\n")) {
                float[] ids = vocab.encode(s, length);
                int known = 0;
                for (float v : ids) {
                    if (v >= 2) {
                        known++;
                    }
                }
                if (known >= minWords) {
                    rows.add(ids);
                    if (rows.size() == max) {
                        return asData(rows, what);
                    }
                }
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no sentence with " + minWords + " known words in " + what);
        }
        return asData(rows, what);
    }

    private static LabeledData asData(List<float[]> rows, String what) {
        INDArray x = Nd4j.createFromArray(rows.toArray(new float[0][])).castTo(DataType.FLOAT);
        return new LabeledData(x, new int[rows.size()], List.of("text"), what + " sentences");
    }
}
