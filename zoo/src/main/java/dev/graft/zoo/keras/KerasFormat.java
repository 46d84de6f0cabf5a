package dev.graft.zoo.keras;

/** The kinds of Keras files Graft imports. */
public enum KerasFormat {
    /** Keras 3 native {@code .keras} zip: {@code config.json}, {@code metadata.json}, {@code model.weights.h5}. */
    KERAS3_ARCHIVE,
    /** Keras 3 full model saved as HDF5 ({@code model.save("m.h5")}): Keras 3 config, legacy weight layout. */
    KERAS3_H5,
    /** Keras 3 JSON config ({@code model.to_json()}) with a {@code .weights.h5} file. */
    KERAS3_JSON,
    /** Keras 1/2 full model HDF5, read by DL4J's own importer. */
    KERAS2_H5,
    /** Keras 1/2 JSON config with a weights-only HDF5, read by DL4J's own importer. */
    KERAS2_JSON;

    /** True for the Keras 3 formats, which Graft translates before DL4J sees them. */
    public boolean isKeras3() {
        return this == KERAS3_ARCHIVE || this == KERAS3_H5 || this == KERAS3_JSON;
    }
}
