package dev.graft.pretrain.corrupt;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Cuts each image into square patches and permutes them (never the identity permutation), so local
 * strokes stay intact but the layout is wrong. Examples are {@code channels x height x width} values
 * (NCHW, or flat rows of that many values).
 */
final class PatchShuffle extends AbstractCorruptor {
    private final int channels;
    private final int height;
    private final int width;
    private final int patch;

    /**
     * @param channels channels per image
     * @param height   image height, a multiple of {@code patch}
     * @param width    image width, a multiple of {@code patch}
     * @param patch    side of a square patch; the image must hold at least two patches
     */
    public PatchShuffle(int channels, int height, int width, int patch) {
        if (channels <= 0 || height <= 0 || width <= 0 || patch <= 0) {
            throw new IllegalArgumentException("patch shuffle needs positive channels, height, width and patch, got "
                    + channels + "x" + height + "x" + width + " patch " + patch);
        }
        if (height % patch != 0 || width % patch != 0) {
            throw new IllegalArgumentException("patch size " + patch + " does not divide the image size "
                    + height + "x" + width);
        }
        if ((height / patch) * (width / patch) < 2) {
            throw new IllegalArgumentException("patch size " + patch + " leaves a single patch in a "
                    + height + "x" + width + " image; use a smaller patch");
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.patch = patch;
    }

    @Override
    void check(int rowWidth, long[] shape) {
        if (rowWidth != channels * height * width) {
            throw new IllegalArgumentException("patch shuffle expects examples of " + channels * height * width
                    + " values (" + channels + "x" + height + "x" + width + "), got " + rowWidth
                    + " (batch shape " + Arrays.toString(shape) + ")");
        }
    }

    @Override
    void corruptRow(float[] row, SplittableRandom rnd) {
        int across = width / patch;
        int patches = (height / patch) * across;
        int[] perm = new int[patches];
        do {
            for (int i = 0; i < patches; i++) {
                perm[i] = i;
            }
            for (int i = patches - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
        } while (isIdentity(perm));
        float[] src = row.clone();
        for (int c = 0; c < channels; c++) {
            int base = c * height * width;
            for (int target = 0; target < patches; target++) {
                int from = perm[target];
                int ty = (target / across) * patch;
                int tx = (target % across) * patch;
                int fy = (from / across) * patch;
                int fx = (from % across) * patch;
                for (int dy = 0; dy < patch; dy++) {
                    System.arraycopy(src, base + (fy + dy) * width + fx, row, base + (ty + dy) * width + tx, patch);
                }
            }
        }
    }

    private static boolean isIdentity(int[] perm) {
        for (int i = 0; i < perm.length; i++) {
            if (perm[i] != i) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String describe() {
        return "patch-shuffle(" + channels + "x" + height + "x" + width + ", patch " + patch + ")";
    }
}
