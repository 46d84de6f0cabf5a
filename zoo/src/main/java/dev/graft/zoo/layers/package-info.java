/**
 * DL4J layers, vertices and activations that DL4J 1.0.0-M2.1 lacks (exact GELU, hard SiLU, layer normalization,
 * channel affine, broadcasting multiply, pooling that keeps dimensions...), built by Graft's Keras and ONNX importers.
 *
 * @apiNote Internal: public because DL4J serializes layers and vertices by class name (saved models name them);
 *     build networks with Graft's importers, not with these classes.
 */
package dev.graft.zoo.layers;
