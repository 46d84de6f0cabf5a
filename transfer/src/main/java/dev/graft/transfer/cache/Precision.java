package dev.graft.transfer.cache;

import java.util.Locale;

/** How cached features are stored on disk. Features are always handed out as float32. */
public enum Precision {
    /** 4 bytes per value, exactly what the network produced. */
    FLOAT32(4, 0),
    /** 2 bytes per value (IEEE half, round to nearest even): half the disk and I/O, about 3 significant digits. */
    FLOAT16(2, 1);

    private final int bytes;
    private final int code;

    Precision(int bytes, int code) {
        this.bytes = bytes;
        this.code = code;
    }

    /** Bytes per stored value. */
    public int bytes() {
        return bytes;
    }

    int code() {
        return code;
    }

    static Precision ofCode(int code) {
        for (Precision p : values()) {
            if (p.code == code) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown precision code " + code);
    }

    /**
     * Parses {@code float32}/{@code fp32}/{@code 32} or {@code float16}/{@code fp16}/{@code half}/{@code 16}.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Precision parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "float32": case "fp32": case "32": case "float":
                return FLOAT32;
            case "float16": case "fp16": case "16": case "half":
                return FLOAT16;
            default:
                throw new IllegalArgumentException("unknown precision '" + text + "'; use float32 or float16");
        }
    }
}
