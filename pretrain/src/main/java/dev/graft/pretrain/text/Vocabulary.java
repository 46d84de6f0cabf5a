package dev.graft.pretrain.text;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Words to token ids: id 0 is padding, id 1 an unknown word, ids 2.. the most frequent words of the texts
 * the vocabulary was built from (ties broken alphabetically, so the same texts give the same ids).
 * <pre>{@code
 * Vocabulary v = Vocabulary.build(texts, 5000);
 * float[] ids = v.encode("The dog sleeps.", 32);
 * }</pre>
 */
public final class Vocabulary {
    /** Id of padding. */
    public static final int PAD = 0;
    /** Id of a word not in the vocabulary. */
    public static final int UNKNOWN = 1;
    private static final Pattern WORD = Pattern.compile("[a-z][a-z']*[a-z]|[a-z]");

    private final List<String> words;
    private final Map<String, Integer> ids;

    private Vocabulary(List<String> words) {
        this.words = List.copyOf(words);
        this.ids = new HashMap<>();
        for (int i = 0; i < words.size(); i++) {
            ids.put(words.get(i), i + 2);
        }
    }

    /**
     * The {@code maxWords} most frequent words of {@code texts}.
     *
     * @throws IllegalArgumentException if the texts hold fewer than two distinct words or maxWords &lt; 2
     */
    public static Vocabulary build(Collection<String> texts, int maxWords) {
        if (maxWords < 2) {
            throw new IllegalArgumentException("a vocabulary needs at least 2 words, got maxWords " + maxWords);
        }
        Map<String, Integer> counts = new HashMap<>();
        for (String t : texts) {
            for (String w : tokens(t)) {
                counts.merge(w, 1, Integer::sum);
            }
        }
        if (counts.size() < 2) {
            throw new IllegalArgumentException("the texts hold " + counts.size() + " distinct word(s); a vocabulary needs at least 2");
        }
        List<String> sorted = new ArrayList<>(counts.keySet());
        sorted.sort((a, b) -> counts.get(b).equals(counts.get(a)) ? a.compareTo(b) : counts.get(b) - counts.get(a));
        return new Vocabulary(sorted.subList(0, Math.min(maxWords, sorted.size())));
    }

    /** Lower-cased words of a text, in order. */
    public static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** The first {@code length} token ids of a text, padded with {@link #PAD}. */
    public float[] encode(String text, int length) {
        float[] out = new float[length];
        int i = 0;
        for (String w : tokens(text)) {
            if (i == length) {
                break;
            }
            out[i++] = ids.getOrDefault(w, UNKNOWN);
        }
        return out;
    }

    /** Number of token ids (words + padding + unknown). */
    public int size() {
        return words.size() + 2;
    }

    /** The word of an id ({@code <pad>}, {@code <unk>} for the reserved ids). */
    public String word(int id) {
        return id == PAD ? "<pad>" : id == UNKNOWN ? "<unk>" : words.get(id - 2);
    }
}
