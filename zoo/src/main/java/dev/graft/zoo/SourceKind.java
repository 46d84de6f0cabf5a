package dev.graft.zoo;

/** Where a model's weights came from. Recorded in every {@link ModelCard}. */
public enum SourceKind {
    /** A model of DL4J's zoo, with or without pretrained weights. */
    DL4J_ZOO,
    /** A Keras 2 HDF5 file imported through DL4J's Keras importer. */
    KERAS2,
    /** A Keras 3 file (.keras or Keras-3-written .h5) translated and imported by Graft. */
    KERAS3,
    /** Weights assigned from a NumPy .npz archive by a name map. */
    NPZ,
    /** A model trained or reshaped by Graft and saved with its card. */
    GRAFT,
    /** An ONNX model (e.g. exported from PyTorch) run by ONNX Runtime, imported by Graft. */
    ONNX,
    /** A plain DL4J ModelSerializer zip without a card of its own. */
    DL4J_ZIP
}
