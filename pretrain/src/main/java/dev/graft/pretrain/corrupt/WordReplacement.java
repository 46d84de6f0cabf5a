package dev.graft.pretrain.corrupt;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Replaces words of token-id sequences by random words of the vocabulary ("The dog sleeps" becomes
 * "The dog they"). Ids below {@code firstWordId} (padding, unknown) are never chosen nor replaced; each
 * sequence with at least one word gets at least one replacement, and a replacement always differs from
 * the word it replaces.
 */
final class WordReplacement extends AbstractCorruptor {
    private final double fraction;
    private final int vocabularySize;
    private final int firstWordId;

    /**
     * @param fraction       share of words replaced, in (0, 1]
     * @param vocabularySize number of token ids ({@code 0..vocabularySize-1})
     * @param firstWordId    first id that is a real word (e.g. 2 when 0 is padding and 1 unknown)
     */
    public WordReplacement(double fraction, int vocabularySize, int firstWordId) {
        this.fraction = requireFraction("word replacement", fraction);
        if (firstWordId < 0 || vocabularySize - firstWordId < 2) {
            throw new IllegalArgumentException("word replacement needs at least two word ids, got vocabulary size "
                    + vocabularySize + " with words from id " + firstWordId);
        }
        this.vocabularySize = vocabularySize;
        this.firstWordId = firstWordId;
    }

    @Override
    void corruptRow(float[] row, SplittableRandom rnd) {
        int words = 0;
        for (float v : row) {
            if (v >= firstWordId) {
                words++;
            }
        }
        if (words == 0) {
            return;
        }
        boolean any = false;
        for (int j = 0; j < row.length; j++) {
            if (row[j] >= vocabularySize || row[j] < 0 || row[j] != Math.rint(row[j])) {
                throw new IllegalArgumentException("word replacement expects token ids in 0.." + (vocabularySize - 1)
                        + ", got " + row[j]);
            }
            if (row[j] >= firstWordId && rnd.nextDouble() < fraction) {
                row[j] = otherWord((int) row[j], rnd);
                any = true;
            }
        }
        if (!any) {
            int k = rnd.nextInt(words);
            for (int j = 0; j < row.length; j++) {
                if (row[j] >= firstWordId && k-- == 0) {
                    row[j] = otherWord((int) row[j], rnd);
                    break;
                }
            }
        }
    }

    private int otherWord(int word, SplittableRandom rnd) {
        int w = firstWordId + rnd.nextInt(vocabularySize - firstWordId - 1);
        return w >= word ? w + 1 : w;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "words(%.2f of %d)", fraction, vocabularySize);
    }
}
