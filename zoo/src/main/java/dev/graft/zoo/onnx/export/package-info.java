/**
 * Export of DL4J networks (whole, or their frozen part up to a cut) to ONNX, so that ONNX Runtime can run them.
 *
 * <p>{@link dev.graft.zoo.onnx.export.OnnxExporter} turns a {@code MultiLayerNetwork} or {@code ComputationGraph}
 * into an {@link dev.graft.zoo.onnx.export.ExportedOnnxModel} (opset 17, dynamic batch);
 * {@link dev.graft.zoo.onnx.export.OnnxParity} runs it in ONNX Runtime next to DL4J on the same batch and says
 * whether they agree within {@code |ort - dl4j| <= 1e-4 + 1e-3 |dl4j|}.
 */
package dev.graft.zoo.onnx.export;
