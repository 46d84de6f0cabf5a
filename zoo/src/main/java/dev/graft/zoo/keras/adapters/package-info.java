/**
 * DL4J {@code KerasLayer} classes for what DL4J 1.0.0-M2.1's Keras importer lacks or gets wrong, registered with
 * DL4J's custom-layer hook ({@code KerasLayer.registerCustomLayer}) under Graft-owned class names
 * ({@link dev.graft.zoo.keras.adapters.GraftKerasLayers}). Graft's Keras 3 translator renames a layer's class to
 * one of these names when the layer needs it; DL4J then builds the layer through the adapter. Public only because
 * DL4J instantiates them by reflection: not an API.
 *
 * @apiNote Internal: public because DL4J instantiates these classes by reflection.
 */
package dev.graft.zoo.keras.adapters;
